using MLAugment.Data;
using MLAugment.Data.Images.Codecs;
using MLAugment.Data.Transforms.Image;
using static MLAugment.Data.Tests.Images.ImageRows;

namespace MLAugment.Data.Tests.Images;

[TestClass]
public sealed class ImagePixelTests
{
    // One row of two pixels, RGBA: (10, 20, 30, 40) and (50, 60, 70, 80).
    private static readonly byte[] Rgba = [10, 20, 30, 40, 50, 60, 70, 80];

    public sealed class OneByTwo
    {
        [ImageType(1, 2)]
        public MLImage? Image { get; set; }
    }

    public sealed class FloatPixels
    {
        public float[] Pixels { get; set; } = [];
    }

    public sealed class BytePixels
    {
        public byte[] Pixels { get; set; } = [];
    }

    private static IDataView Data(MLContext mlContext, MLPixelFormat format = MLPixelFormat.Rgba32)
    {
        var bytes = format == MLPixelFormat.Rgba32 ? Rgba : [30, 20, 10, 40, 70, 60, 50, 80];
        return mlContext.Data.LoadFromEnumerable(new[] { new OneByTwo { Image = MLImage.CreateFromPixels(2, 1, format, bytes) }, new OneByTwo() });
    }

    [TestMethod]
    public void PlanarByDefaultInRgbOrder()
    {
        var mlContext = new MLContext(seed: 0);
        foreach (var format in new[] { MLPixelFormat.Rgba32, MLPixelFormat.Bgra32 })
        {
            var output = mlContext.Transforms.ExtractPixels("Pixels", "Image").Fit(Data(mlContext, format)).Transform(Data(mlContext, format));
            var rows = mlContext.Data.CreateEnumerable<FloatPixels>(output, reuseRowObject: false).ToArray();

            Assert.AreEqual("Vector<Single, 3, 1, 2>", output.Schema["Pixels"].Type.ToString());
            CollectionAssert.AreEqual(new float[] { 10, 50, 20, 60, 30, 70 }, rows[0].Pixels, $"{format}");
            CollectionAssert.AreEqual(new float[6], rows[1].Pixels, "a missing image gives zeros");
        }
    }

    [TestMethod]
    public void InterleavedWithAlphaInTheRequestedOrder()
    {
        var mlContext = new MLContext(seed: 0);
        var data = Data(mlContext);
        var output = mlContext.Transforms.ExtractPixels("Pixels", "Image", ImagePixelExtractingEstimator.ColorBits.All,
            ImagePixelExtractingEstimator.ColorsOrder.ABGR, interleavePixelColors: true, outputAsFloatArray: false).Fit(data).Transform(data);

        var first = mlContext.Data.CreateEnumerable<BytePixels>(output, reuseRowObject: false).First();

        Assert.AreEqual("Vector<Byte, 1, 2, 4>", output.Schema["Pixels"].Type.ToString());
        CollectionAssert.AreEqual(new byte[] { 40, 30, 20, 10, 80, 70, 60, 50 }, first.Pixels);
    }

    [TestMethod]
    public void OffsetThenScale()
    {
        var mlContext = new MLContext(seed: 0);
        var data = Data(mlContext);
        var output = mlContext.Transforms.ExtractPixels("Pixels", "Image", ImagePixelExtractingEstimator.ColorBits.Red | ImagePixelExtractingEstimator.ColorBits.Blue,
            offsetImage: 10, scaleImage: 0.5f).Fit(data).Transform(data);

        var first = mlContext.Data.CreateEnumerable<FloatPixels>(output, reuseRowObject: false).First();

        CollectionAssert.AreEqual(new float[] { 0, 20, 10, 30 }, first.Pixels);
    }

    [TestMethod]
    public void UnknownSizeImagesAreRejectedByTheTransformer()
    {
        var mlContext = new MLContext(seed: 0);
        var data = mlContext.Data.LoadFromEnumerable(AssortedImages());
        var estimator = mlContext.Transforms.ExtractPixels("Pixels", "Image");

        estimator.GetOutputSchema(SchemaShape.Create(data.Schema));
        var e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => estimator.Fit(data));
        StringAssert.Contains(e.Message, "Schema mismatch for input column 'Image': expected known-size image, got unknown-size image");
    }

    [TestMethod]
    public void AnImageOfTheWrongSizeFailsNamingTheColumn()
    {
        var mlContext = new MLContext(seed: 0);
        var data = mlContext.Data.LoadFromEnumerable(new[] { new OneByTwo { Image = MLImage.CreateFromPixels(1, 1, MLPixelFormat.Rgba32, new byte[4]) } });
        var output = mlContext.Transforms.ExtractPixels("Pixels", "Image").Fit(data).Transform(data);

        var e = Assert.ThrowsExactly<InvalidOperationException>(() => mlContext.Data.CreateEnumerable<FloatPixels>(output, false).ToArray());
        StringAssert.Contains(e.Message, "'Pixels'");
        StringAssert.Contains(e.Message, "Image<1, 2>");
    }

    [TestMethod]
    public void ConvertToImageInvertsExtractPixels()
    {
        var mlContext = new MLContext(seed: 0);
        var source = TempImageFolder.Pattern(3, 2);
        var data = mlContext.Data.LoadFromEnumerable(new[] { new TwoByThreeImage { Image = MLImage.FromRaw(source) } });
        // Diffusion models work on [-1, 1]: extract with (v - 127.5) / 127.5, convert back with v * 127.5 + 127.5.
        var pipeline = mlContext.Transforms.ExtractPixels("Pixels", "Image", offsetImage: 127.5f, scaleImage: 1 / 127.5f)
            .Append(mlContext.Transforms.ConvertToImage(2, 3, "Restored", "Pixels", scaleImage: 127.5f, offsetImage: -127.5f));

        var restored = mlContext.Data.CreateEnumerable<RestoredRow>(pipeline.Fit(data).Transform(data), reuseRowObject: false).Single().Restored!;

        var expected = source.ToRgb24().ToBgra32();
        CollectionAssert.AreEqual(expected.Pixels, restored.Pixels.ToArray(), "RGB round-trips; alpha takes defaultAlpha (255)");
        Assert.AreEqual(MLPixelFormat.Bgra32, restored.PixelFormat);
    }

    public sealed class RestoredRow
    {
        public MLImage? Restored { get; set; }
    }

    public sealed class GrayValues
    {
        [VectorType(1, 1, 2)]
        public float[] Values { get; set; } = [];
    }

    [TestMethod]
    public void ConvertToImageRoundsClampsAndFillsAbsentChannels()
    {
        var mlContext = new MLContext(seed: 0);
        var data = mlContext.Data.LoadFromEnumerable(new[] { new GrayValues { Values = [-3.2f, 300.6f] } });
        var output = mlContext.Transforms.ConvertToImage(1, 2, "Image", "Values", ImagePixelExtractingEstimator.ColorBits.Red, defaultGreen: 7, defaultAlpha: 9)
            .Fit(data).Transform(data);

        var image = mlContext.Data.CreateEnumerable<AnyImage>(output, false).Single().Image!;

        CollectionAssert.AreEqual(new byte[] { 0, 7, 0, 9, 0, 7, 255, 9 }, image.Pixels.ToArray());
    }

    [TestMethod]
    public void ConvertToImageChecksTheVectorSize()
    {
        var mlContext = new MLContext(seed: 0);
        var data = mlContext.Data.LoadFromEnumerable(new[] { new GrayValues { Values = [1, 2] } });

        var e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => mlContext.Transforms.ConvertToImage(2, 2, "Image", "Values").Fit(data));

        StringAssert.Contains(e.Message, "Schema mismatch for input column 'Values': expected Vector<Single, 3, 2, 2>, got Vector<Single, 1, 1, 2>");
    }

    [TestMethod]
    public void ConvertToImageRejectsNaN()
    {
        var mlContext = new MLContext(seed: 0);
        var data = mlContext.Data.LoadFromEnumerable(new[] { new GrayValues { Values = [1, float.NaN] } });
        var output = mlContext.Transforms.ConvertToImage(1, 2, "Image", "Values", ImagePixelExtractingEstimator.ColorBits.Red).Fit(data).Transform(data);

        var e = Assert.ThrowsExactly<InvalidOperationException>(() => mlContext.Data.CreateEnumerable<AnyImage>(output, false).ToArray());
        StringAssert.Contains(e.Message, "NaN");
    }

    [TestMethod]
    public void GrayscaleUsesMlNetWeightsAndIsOpaque()
    {
        var mlContext = new MLContext(seed: 0);
        var data = Data(mlContext);
        var output = mlContext.Transforms.ConvertToGrayscale("Image").Fit(data).Transform(data);

        var images = mlContext.Data.CreateEnumerable<OneByTwo>(output, false).ToArray();

        // 0.3·10 + 0.59·20 + 0.11·30 = 18.1; 0.3·50 + 0.59·60 + 0.11·70 = 58.1.
        CollectionAssert.AreEqual(new byte[] { 18, 18, 18, 255, 58, 58, 58, 255 }, images[0].Image!.Pixels.ToArray());
        Assert.IsNull(images[1].Image, "missing images stay missing");
        Assert.AreEqual("Image<1, 2>", output.Schema["Image"].Type.ToString());
    }
}
