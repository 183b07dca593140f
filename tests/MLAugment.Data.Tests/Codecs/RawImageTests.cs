using MLAugment.Data.Images.Codecs;

namespace MLAugment.Data.Tests.Codecs;

[TestClass]
public sealed class RawImageTests
{
    [TestMethod]
    public void Gray_uses_BT601_luma()
    {
        var img = new RawImage(4, 1, RawPixelFormat.Rgb24, [255, 0, 0, 0, 255, 0, 0, 0, 255, 200, 100, 50]);
        var g = img.ToGray8();
        // Y = 0.299 R + 0.587 G + 0.114 B
        CollectionAssert.AreEqual(new byte[] { 76, 150, 29, (byte)Math.Round(0.299 * 200 + 0.587 * 100 + 0.114 * 50) }, g.Pixels);
    }

    [TestMethod]
    public void Bgra_and_rgba_swap_red_and_blue_and_keep_alpha()
    {
        var rgba = new RawImage(1, 1, RawPixelFormat.Rgba32, [10, 20, 30, 40]);
        CollectionAssert.AreEqual(new byte[] { 30, 20, 10, 40 }, rgba.ToBgra32().Pixels);
        CollectionAssert.AreEqual(new byte[] { 10, 20, 30, 40 }, rgba.ToBgra32().ToRgba32().Pixels);
        CollectionAssert.AreEqual(new byte[] { 10, 20, 30 }, rgba.ToBgra32().ToRgb24().Pixels);
    }

    [TestMethod]
    public void Adding_alpha_makes_opaque_and_gray_expands_to_equal_channels()
    {
        var gray = new RawImage(2, 1, RawPixelFormat.Gray8, [7, 250]);
        CollectionAssert.AreEqual(new byte[] { 7, 7, 7, 255, 250, 250, 250, 255 }, gray.ToRgba32().Pixels);
        CollectionAssert.AreEqual(new byte[] { 7, 250 }, gray.ToRgb24().ToGray8().Pixels);
    }

    [TestMethod]
    public void Conversion_to_same_format_returns_an_independent_copy()
    {
        var img = new RawImage(1, 1, RawPixelFormat.Gray8, [5]);
        var copy = img.ConvertTo(RawPixelFormat.Gray8);
        copy.Pixels[0] = 9;
        Assert.AreEqual(5, img.Pixels[0]);
    }

    [TestMethod]
    public void Buffer_length_must_match_size_and_format()
    {
        var ex = Assert.ThrowsExactly<ArgumentException>(() => new RawImage(3, 2, RawPixelFormat.Rgb24, new byte[17]));
        StringAssert.Contains(ex.Message, "needs 18");
    }
}
