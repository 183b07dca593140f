using MLAugment.Tasks.Augmentation;

namespace MLAugment.Tasks.Tests.Augmentation;

/// <summary>Each classical operation on tiny hand-made images [C, H, W].</summary>
[TestClass]
public sealed class ImageOpsTests
{
    // 2 channels of 2x3: channel 0 = 1..6, channel 1 = 10..60.
    private static readonly float[] TwoByThree = [1, 2, 3, 4, 5, 6, 10, 20, 30, 40, 50, 60];

    [TestMethod]
    public void HorizontalFlipMirrorsEachRowOfEachChannelExactly()
    {
        var dst = new float[12];
        ImageOps.FlipHorizontal(TwoByThree, dst, 2, 2, 3);
        CollectionAssert.AreEqual(new float[] { 3, 2, 1, 6, 5, 4, 30, 20, 10, 60, 50, 40 }, dst);
    }

    [TestMethod]
    public void VerticalFlipSwapsRowsExactly()
    {
        var dst = new float[12];
        ImageOps.FlipVertical(TwoByThree, dst, 2, 2, 3);
        CollectionAssert.AreEqual(new float[] { 4, 5, 6, 1, 2, 3, 40, 50, 60, 10, 20, 30 }, dst);
    }

    [TestMethod]
    public void WholePixelTranslationShiftsAndFillsTheUncoveredEdge()
    {
        var dst = new float[12];
        ImageOps.Affine(TwoByThree, dst, 2, 2, 3, degrees: 0, tx: 1, ty: 0, 0, 0, fill: -1);
        CollectionAssert.AreEqual(new float[] { -1, 1, 2, -1, 4, 5, -1, 10, 20, -1, 40, 50 }, dst);
        ImageOps.Affine(TwoByThree, dst, 2, 2, 3, degrees: 0, tx: 0, ty: -1, 0, 0, fill: 0);
        CollectionAssert.AreEqual(new float[] { 4, 5, 6, 0, 0, 0, 40, 50, 60, 0, 0, 0 }, dst);
    }

    [TestMethod]
    public void RotationBy90DegreesIsCounterClockwiseLikeTorchvision()
    {
        float[] src = [1, 2, 3, 4, 5, 6, 7, 8, 9];
        var dst = new float[9];
        ImageOps.Affine(src, dst, 1, 3, 3, degrees: 90, 0, 0, 0, 0, fill: 0);
        // Counter-clockwise: the top row becomes the left column, read bottom to top.
        CollectionAssert.AreEqual(new float[] { 3, 6, 9, 2, 5, 8, 1, 4, 7 }, dst);
        ImageOps.Affine(src, dst, 1, 3, 3, degrees: 0, 0, 0, 0, 0, fill: 0);
        CollectionAssert.AreEqual(src, dst, "no rotation is the identity");
    }

    [TestMethod]
    public void ResizedCropOfTheWholeImageIsTheIdentityAndAQuarterIsUpsampled()
    {
        float[] src = [0, 4, 8, 12, 16, 20, 24, 28, 32, 36, 40, 44, 48, 52, 56, 60]; // 4x4, value 4·(4y + x)
        var dst = new float[16];
        ImageOps.ResizedCrop(src, dst, 1, 4, 4, 0, 0, 4, 4);
        CollectionAssert.AreEqual(src, dst);
        // Top-left 2x2 (0, 4, 16, 20) stretched to 4x4 with half-pixel centres: sample points −0.25, 0.25, 0.75, 1.25 → clamped.
        ImageOps.ResizedCrop(src, dst, 1, 4, 4, 0, 0, 2, 2);
        Assert.AreEqual(0f, dst[0]);
        Assert.AreEqual(1f, dst[1], 1e-6);        // x = 0.25 → 0.25·4
        Assert.AreEqual(3f, dst[2], 1e-6);        // x = 0.75
        Assert.AreEqual(4f, dst[3], 1e-6);        // clamped at the crop edge
        Assert.AreEqual(20f, dst[15], 1e-6);
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => ImageOps.ResizedCrop(src, dst, 1, 4, 4, 3, 0, 2, 2));
    }

    [TestMethod]
    public void BrightnessScalesFromBlackAndClampsToTheRange()
    {
        float[] x = [0, 100, 200];
        ImageOps.Brightness(x, 1.5f, 0, 255);
        CollectionAssert.AreEqual(new float[] { 0, 150, 255 }, x);
        float[] y = [-1, 0, 1];
        ImageOps.Brightness(y, 0.5f, -1, 1);      // range −1..1: black is −1
        CollectionAssert.AreEqual(new float[] { -1, -0.5f, 0 }, y);
    }

    [TestMethod]
    public void ContrastBlendsWithTheMeanGrey()
    {
        float[] x = [10, 20, 30, 40];              // mean 25
        ImageOps.Contrast(x, 1, 2, 2, 2f, 0, 255);
        CollectionAssert.AreEqual(new float[] { 0, 15, 35, 55 }, x);  // 25 + 2·(x − 25): −5 clamps to 0
        float[] y = [10, 20, 30, 40];
        ImageOps.Contrast(y, 1, 2, 2, 0f, 0, 255);
        CollectionAssert.AreEqual(new float[] { 25, 25, 25, 25 }, y);
    }

    [TestMethod]
    public void SolarizePosterizeAutoContrastAndEqualizeFollowPil()
    {
        float[] s = [0, 100, 128, 255];
        ImageOps.Solarize(s, 128, 0, 255);
        CollectionAssert.AreEqual(new float[] { 0, 100, 127, 0 }, s);

        float[] p = [0, 100, 255];                 // 100 = 0b01100100 → 4 bits: 0b01100000 = 96
        ImageOps.Posterize(p, 4, 0, 255);
        CollectionAssert.AreEqual(new float[] { 0, 96, 240 }, p);

        float[] a = [50, 100, 150, 150];
        ImageOps.AutoContrast(a, 1, 2, 2, 0, 255);
        CollectionAssert.AreEqual(new float[] { 0, 127.5f, 255, 255 }, a);

        // 256 pixels: levels 0 (128×) and 255 (128×). PIL: step = 128 / 255 = 0 → unchanged.
        var flat = Enumerable.Range(0, 256).Select(i => i < 128 ? 0f : 255f).ToArray();
        var copy = flat.ToArray();
        ImageOps.Equalize(flat, 1, 16, 16, 0, 255);
        CollectionAssert.AreEqual(copy, flat);
        // 512 pixels: 256 at level 10, 256 at level 20. step = 256 / 255 = 1; lut[10] = 0 + ... → 10 ↦ 0, 20 ↦ 255 (clipped).
        var two = Enumerable.Range(0, 512).Select(i => i < 256 ? 10f : 20f).ToArray();
        ImageOps.Equalize(two, 1, 16, 32, 0, 255);
        Assert.AreEqual(0f, two[0]);
        Assert.AreEqual(255f, two[511]);
    }

    [TestMethod]
    public void SharpnessOfOneIsTheIdentityAndZeroIsTheSmoothedInterior()
    {
        var x = new float[9];
        x[4] = 13;                                  // a spike in the middle of 3x3
        var y = x.ToArray();
        ImageOps.Sharpness(y, 1, 3, 3, 1f, 0, 255);
        CollectionAssert.AreEqual(x, y);
        ImageOps.Sharpness(y, 1, 3, 3, 0f, 0, 255);
        Assert.AreEqual(5f, y[4], 1e-5);             // (5·13) / 13
        Assert.AreEqual(0f, y[0]);                  // border kept
    }
}
