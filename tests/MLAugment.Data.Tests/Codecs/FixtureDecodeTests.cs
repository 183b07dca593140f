using MLAugment.Data.Images.Codecs;

namespace MLAugment.Data.Tests.Codecs;

/// <summary>
/// Every committed fixture decodes to its reference: lossless formats exactly, JPEG within the small
/// IDCT-rounding tolerance of libjpeg-turbo's own decode.
/// </summary>
[TestClass]
public sealed class FixtureDecodeTests
{
    public static IEnumerable<object[]> Png => FixtureManifest.Named(e => e.File.EndsWith(".png"));
    public static IEnumerable<object[]> Bmp => FixtureManifest.Named(e => e.File.EndsWith(".bmp"));
    public static IEnumerable<object[]> Pnm => FixtureManifest.Named(e => e.File.EndsWith(".pgm") || e.File.EndsWith(".ppm") || e.File.EndsWith(".pbm"));
    public static IEnumerable<object[]> Jpeg => FixtureManifest.Named(e => e.File.EndsWith(".jpg"));

    [TestMethod]
    [DynamicData(nameof(Png))]
    public void Png_fixture_decodes_to_reference(string file) => AssertMatchesReference(file);

    [TestMethod]
    [DynamicData(nameof(Bmp))]
    public void Bmp_fixture_decodes_to_reference(string file) => AssertMatchesReference(file);

    [TestMethod]
    [DynamicData(nameof(Pnm))]
    public void Pnm_fixture_decodes_to_reference(string file) => AssertMatchesReference(file);

    [TestMethod]
    [DynamicData(nameof(Jpeg))]
    public void Jpeg_fixture_decodes_within_tolerance_of_libjpeg(string file) => AssertMatchesReference(file);

    [TestMethod]
    public void Manifest_covers_every_format()
    {
        Assert.IsGreaterThanOrEqualTo(20, Png.Count());
        Assert.IsGreaterThanOrEqualTo(6, Bmp.Count());
        Assert.IsGreaterThanOrEqualTo(6, Pnm.Count());
        Assert.IsGreaterThanOrEqualTo(12, Jpeg.Count());
    }

    private static void AssertMatchesReference(string file)
    {
        var e = FixtureManifest.Get(file);
        var img = ImageCodecs.Load(FixtureManifest.PathOf(file));
        Assert.AreEqual(e.Width, img.Width, $"{file} width");
        Assert.AreEqual(e.Height, img.Height, $"{file} height");
        Assert.AreEqual(e.PixelFormat, img.Format, $"{file} pixel format");
        var reference = File.ReadAllBytes(FixtureManifest.PathOf(e.Ref));
        Assert.HasCount(reference.Length, img.Pixels, $"{file} pixel buffer length");

        int maxDiff = 0, worst = -1;
        long sum = 0;
        for (int i = 0; i < reference.Length; i++)
        {
            int d = Math.Abs(reference[i] - img.Pixels[i]);
            sum += d;
            if (d > maxDiff) { maxDiff = d; worst = i; }
        }
        double mean = (double)sum / reference.Length;
        string where = worst < 0 ? "" : $" (worst at byte {worst}: pixel {worst / img.BytesPerPixel % img.Width},{worst / img.BytesPerPixel / img.Width} got {img.Pixels[worst]} expected {reference[worst]})";
        Assert.IsLessThanOrEqualTo(e.MaxAbsDiff, maxDiff, $"{file}: max abs diff {maxDiff}{where}");
        Assert.IsLessThanOrEqualTo(e.MaxMeanDiff, mean, $"{file}: mean abs diff {mean:F4}");
    }
}
