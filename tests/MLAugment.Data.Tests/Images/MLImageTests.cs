using MLAugment.Data;
using MLAugment.Data.Images.Codecs;

namespace MLAugment.Data.Tests.Images;

[TestClass]
public sealed class MLImageTests
{
    private static readonly byte[] TwoByOneRgba = [1, 2, 3, 4, 5, 6, 7, 8];

    [TestMethod]
    public void CreateFromPixelsCopiesTheBytesAndReportsTheirLayout()
    {
        var source = (byte[])TwoByOneRgba.Clone();
        using var image = MLImage.CreateFromPixels(2, 1, MLPixelFormat.Rgba32, source);
        source[0] = 99;

        Assert.AreEqual(2, image.Width);
        Assert.AreEqual(1, image.Height);
        Assert.AreEqual(MLPixelFormat.Rgba32, image.PixelFormat);
        Assert.AreEqual(32, image.BitsPerPixel);
        CollectionAssert.AreEqual(TwoByOneRgba, image.Pixels.ToArray());
        CollectionAssert.AreEqual(new byte[] { 3, 2, 1, 7, 6, 5 }, image.GetBGRPixels);
    }

    [TestMethod]
    public void BgraPixelsGiveBgrInTheirOwnOrder()
    {
        using var image = MLImage.CreateFromPixels(2, 1, MLPixelFormat.Bgra32, TwoByOneRgba);
        CollectionAssert.AreEqual(new byte[] { 1, 2, 3, 5, 6, 7 }, image.GetBGRPixels);
    }

    [TestMethod]
    public void CreateFromPixelsRejectsBadArguments()
    {
        var e = Assert.ThrowsExactly<ArgumentException>(() => MLImage.CreateFromPixels(2, 2, MLPixelFormat.Rgba32, TwoByOneRgba));
        StringAssert.Contains(e.Message, "8 bytes, a 2x2 Rgba32 image needs 16");
        Assert.ThrowsExactly<ArgumentException>(() => MLImage.CreateFromPixels(0, 1, MLPixelFormat.Rgba32, []));
        Assert.ThrowsExactly<ArgumentException>(() => MLImage.CreateFromPixels(2, 1, MLPixelFormat.Unknown, TwoByOneRgba));
    }

    [TestMethod]
    public void SaveThenCreateFromFileRoundTripsPixelsExactly()
    {
        using var folder = new TempImageFolder();
        var path = Path.Combine(folder.Root, "a.png");
        using var image = MLImage.CreateFromPixels(2, 1, MLPixelFormat.Rgba32, TwoByOneRgba);

        image.Save(path);
        using var back = MLImage.CreateFromFile(path);
        using var stream = File.OpenRead(path);
        using var fromStream = MLImage.CreateFromStream(stream);

        CollectionAssert.AreEqual(TwoByOneRgba, back.Pixels.ToArray());
        CollectionAssert.AreEqual(TwoByOneRgba, fromStream.Pixels.ToArray());
    }

    [TestMethod]
    public void ThreeChannelFilesLoadAsOpaqueBgra()
    {
        using var folder = new TempImageFolder();
        var path = Path.Combine(folder.Root, "rgb.ppm");
        ImageCodecs.Save(path, new RawImage(1, 1, RawPixelFormat.Rgb24, [10, 20, 30]));

        using var image = MLImage.CreateFromFile(path);

        Assert.AreEqual(MLPixelFormat.Bgra32, image.PixelFormat);
        CollectionAssert.AreEqual(new byte[] { 30, 20, 10, 255 }, image.Pixels.ToArray());
    }

    [TestMethod]
    public void CorruptFilesFailNamingTheFile()
    {
        using var folder = new TempImageFolder();
        var path = folder.WriteBytes("broken.png", [0x89, (byte)'P', (byte)'N', (byte)'G', 13, 10, 26, 10, 0, 0]);

        var e = Assert.ThrowsExactly<InvalidImageException>(() => MLImage.CreateFromFile(path));

        StringAssert.Contains(e.Message, path);
    }

    [TestMethod]
    public void ADisposedImageRefusesEveryMember()
    {
        var image = MLImage.CreateFromPixels(2, 1, MLPixelFormat.Rgba32, TwoByOneRgba);
        image.Tag = "kept";
        image.Dispose();

        Assert.ThrowsExactly<InvalidOperationException>(() => image.Width);
        Assert.ThrowsExactly<InvalidOperationException>(() => image.Pixels.Length);
        Assert.ThrowsExactly<InvalidOperationException>(() => image.Tag);
        image.Dispose();
    }
}
