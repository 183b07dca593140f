using MLAugment.Data;
using MLAugment.Engine;

namespace MLAugment.Data.Tests.Images;

[TestClass]
public sealed class MLImageTensorsTests
{
    [TestMethod]
    public void OneChannelRowsBecomeOpaqueGrayImages()
    {
        // Two 1x2 images: [-1, 1] and [0, 2] (out of range clamps).
        var t = Tensor.FromArray([-1f, 1f, 0f, 2f], 2, 1, 1, 2);
        var images = MLImageTensors.ToMLImages(t);

        Assert.AreEqual(2, images.Length);
        Assert.AreEqual(2, images[1].Width);
        Assert.AreEqual(1, images[1].Height);
        CollectionAssert.AreEqual(new byte[] { 0, 0, 0, 255, 255, 255, 255, 255 }, images[0].Pixels.ToArray());
        CollectionAssert.AreEqual(new byte[] { 128, 128, 128, 255, 255, 255, 255, 255 }, images[1].Pixels.ToArray());
    }

    [TestMethod]
    public void ThreeChannelsAreWrittenAsRgb()
    {
        var t = Tensor.FromArray([-1f, 1f, 0f], 1, 3, 1, 1);
        using var image = MLImageTensors.ToMLImage(t, 0);
        Assert.AreEqual(MLPixelFormat.Rgba32, image.PixelFormat);
        CollectionAssert.AreEqual(new byte[] { 0, 255, 128, 255 }, image.Pixels.ToArray());
    }

    [TestMethod]
    public void RejectsTensorsThatAreNotImagesAndRowsOutOfRange()
    {
        var e = Assert.ThrowsExactly<ArgumentException>(() => MLImageTensors.ToMLImage(Tensor.Zeros(1, 2, 4, 4), 0));
        StringAssert.Contains(e.Message, "[1, 2, 4, 4]");
        Assert.ThrowsExactly<ArgumentException>(() => MLImageTensors.ToMLImages(Tensor.Zeros(4, 4)));
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => MLImageTensors.ToMLImage(Tensor.Zeros(2, 1, 4, 4), 2));
    }
}
