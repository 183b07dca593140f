using System.Text.Json;
using MLAugment.Data;
using MLAugment.Data.Images.Codecs;
using MLAugment.Data.Transforms.Image;
using static MLAugment.Data.Tests.Images.ImageRows;

namespace MLAugment.Data.Tests.Images;

[TestClass]
public sealed class ImageResizingTests
{
    private sealed record GoldenCase(int h, int w, int oh, int ow, int[] src, int[] expected);

    private static MLImage Resize(RawImage source, int width, int height, ImageResizingEstimator.ResizingKind resizing,
        ImageResizingEstimator.Anchor anchor = ImageResizingEstimator.Anchor.Center)
    {
        var mlContext = new MLContext(seed: 0);
        var data = mlContext.Data.LoadFromEnumerable(new[] { new AnyImage { Image = MLImage.FromRaw(source) } });
        var resized = mlContext.Transforms.ResizeImages("Resized", width, height, "Image", resizing, anchor).Fit(data).Transform(data);
        var row = mlContext.Data.CreateEnumerable<ResizedRow>(resized, reuseRowObject: false).Single();
        return row.Resized!;
    }

    public sealed class ResizedRow
    {
        public MLImage? Resized { get; set; }
    }

    /// <summary>Rows y0..y0+h, columns x0..x0+w of an RGBA image.</summary>
    private static byte[] Crop(RawImage image, int x0, int y0, int w, int h)
    {
        var result = new List<byte>();
        for (int y = y0; y < y0 + h; y++)
            result.AddRange(image.Pixels.AsSpan((y * image.Width + x0) * 4, w * 4).ToArray());
        return result.ToArray();
    }

    [TestMethod]
    public void FillMatchesTorchBilinearInterpolation()
    {
        var cases = JsonSerializer.Deserialize<GoldenCase[]>(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Fixtures", "resize", "bilinear.json")))!;
        foreach (var c in cases)
        {
            var source = new RawImage(c.w, c.h, RawPixelFormat.Rgba32, c.src.Select(v => (byte)v).ToArray());
            using var resized = Resize(source, c.ow, c.oh, ImageResizingEstimator.ResizingKind.Fill);

            var actual = resized.Pixels.ToArray();
            Assert.AreEqual(c.expected.Length, actual.Length);
            for (int i = 0; i < actual.Length; i++)
                Assert.IsTrue(Math.Abs(actual[i] - c.expected[i]) <= 1, $"{c.h}x{c.w} -> {c.oh}x{c.ow}, byte {i}: torch {c.expected[i]}, got {actual[i]} (ties may round differently)");
        }
    }

    [TestMethod]
    public void IsoPadCentresTheImageBetweenOpaqueBlackBars()
    {
        var source = TempImageFolder.Pattern(4, 2);
        using var padded = Resize(source, 4, 4, ImageResizingEstimator.ResizingKind.IsoPad);

        var black = Enumerable.Repeat(new byte[] { 0, 0, 0, 255 }, 4).SelectMany(p => p).ToArray();
        CollectionAssert.AreEqual(black, Crop(padded.Raw, 0, 0, 4, 1));
        CollectionAssert.AreEqual(source.Pixels, Crop(padded.Raw, 0, 1, 4, 2));
        CollectionAssert.AreEqual(black, Crop(padded.Raw, 0, 3, 4, 1));
    }

    [TestMethod]
    public void IsoCropKeepsTheAnchoredPart()
    {
        var wide = TempImageFolder.Pattern(4, 2);
        var tall = TempImageFolder.Pattern(2, 4);
        var crop = ImageResizingEstimator.ResizingKind.IsoCrop;

        using (var left = Resize(wide, 2, 2, crop, ImageResizingEstimator.Anchor.Left))
            CollectionAssert.AreEqual(Crop(wide, 0, 0, 2, 2), left.Pixels.ToArray());
        using (var right = Resize(wide, 2, 2, crop, ImageResizingEstimator.Anchor.Right))
            CollectionAssert.AreEqual(Crop(wide, 2, 0, 2, 2), right.Pixels.ToArray());
        using (var centre = Resize(wide, 2, 2, crop))
            CollectionAssert.AreEqual(Crop(wide, 1, 0, 2, 2), centre.Pixels.ToArray());
        using (var top = Resize(tall, 2, 2, crop, ImageResizingEstimator.Anchor.Top))
            CollectionAssert.AreEqual(Crop(tall, 0, 0, 2, 2), top.Pixels.ToArray());
        using (var bottom = Resize(tall, 2, 2, crop, ImageResizingEstimator.Anchor.Bottom))
            CollectionAssert.AreEqual(Crop(tall, 0, 2, 2, 2), bottom.Pixels.ToArray());
    }

    [TestMethod]
    public void GeometryFollowsMlNet()
    {
        var pad = ImageResizingEstimator.ResizingKind.IsoPad;
        var crop = ImageResizingEstimator.ResizingKind.IsoCrop;
        var centre = ImageResizingEstimator.Anchor.Center;
        // 10x5 into 8x8: padding scales by 0.8 (8x4 at y=2); cropping by 1.6 (16x8 at x=-4).
        Assert.AreEqual((0, 2, 8, 4), ImageOperations.DestinationRectangle(10, 5, 8, 8, pad, centre));
        Assert.AreEqual((-4, 0, 16, 8), ImageOperations.DestinationRectangle(10, 5, 8, 8, crop, centre));
        Assert.AreEqual((-8, 0, 16, 8), ImageOperations.DestinationRectangle(10, 5, 8, 8, crop, ImageResizingEstimator.Anchor.Right));
        Assert.AreEqual((0, 0, 8, 8), ImageOperations.DestinationRectangle(10, 5, 8, 8, ImageResizingEstimator.ResizingKind.Fill, centre));
    }

    [TestMethod]
    public void ResizedImagesKeepTheirTagAndByteOrder()
    {
        var source = MLImage.FromRaw(TempImageFolder.Pattern(4, 4).ToBgra32());
        source.Tag = "source.png";
        var mlContext = new MLContext(seed: 0);
        var data = mlContext.Data.LoadFromEnumerable(new[] { new AnyImage { Image = source } });

        var resized = mlContext.Transforms.ResizeImages("Image", 2, 2).Fit(data).Transform(data);
        var image = mlContext.Data.CreateEnumerable<AnyImage>(resized, reuseRowObject: false).Single().Image!;

        Assert.AreEqual("Image<2, 2>", resized.Schema["Image"].Type.ToString());
        Assert.AreEqual(MLPixelFormat.Bgra32, image.PixelFormat);
        Assert.AreEqual("source.png", image.Tag);
        Assert.IsFalse(source.IsDisposed, "a transform never disposes images it reads");
    }

    [TestMethod]
    public void BadSizesAreRejectedUpFront()
    {
        var mlContext = new MLContext(seed: 0);
        var e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => mlContext.Transforms.ResizeImages("Image", 0, 4));
        Assert.AreEqual("imageWidth", e.ParamName);
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => mlContext.Transforms.ResizeImages("Image", 4, 4, resizing: (ImageResizingEstimator.ResizingKind)9));
    }
}
