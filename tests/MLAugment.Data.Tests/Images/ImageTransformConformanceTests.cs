using MLAugment.Data;
using MLAugment.Data.Tests.Conformance;
using MLAugment.Data.Transforms.Image;
using static MLAugment.Data.Tests.Images.ImageRows;

namespace MLAugment.Data.Tests.Images;

/// <summary>Every image transform passes the shared estimator workout.</summary>
[TestClass]
public sealed class ImageTransformConformanceTests
{
    private static readonly MLContext MlContext = new(seed: 1);

    private static InvalidInput TextImageInput() =>
        new(MlContext.Data.LoadFromEnumerable(new[] { new TextImage { Image = "x" } }), "Schema mismatch for input column 'Image': expected Image, got String");

    private static InvalidInput MissingImageInput() =>
        new(MlContext.Data.LoadFromEnumerable(new[] { new PathRow() }), "Could not find input column 'Image'");

    [TestMethod]
    public void LoadImages()
    {
        using var folder = new TempImageFolder();
        folder.Write("a.png", 3, 2, seed: 1);
        folder.Write("b.png", 2, 2, seed: 2);
        var data = MlContext.Data.LoadFromEnumerable(new[] { new PathRow { ImagePath = "a.png" }, new PathRow { ImagePath = "" }, new PathRow { ImagePath = "b.png" } });

        EstimatorConformance.TestEstimatorCore(MlContext.Transforms.LoadImages("Image", folder.Root, "ImagePath"), data, invalidInputs:
        [
            new(MlContext.Data.LoadFromEnumerable(new[] { new NumericPathRow() }), "Schema mismatch for input column 'ImagePath': expected String, got Single"),
            new(MlContext.Data.LoadFromEnumerable(new[] { new AnyImage() }), "Could not find input column 'ImagePath'"),
        ]);
    }

    [TestMethod]
    public void LoadRawImageBytes()
    {
        using var folder = new TempImageFolder();
        folder.Write("a.png", 3, 2);
        var data = MlContext.Data.LoadFromEnumerable(new[] { new PathRow { ImagePath = "a.png" }, new PathRow() });

        EstimatorConformance.TestEstimatorCore(MlContext.Transforms.LoadRawImageBytes("Bytes", folder.Root, "ImagePath"), data, invalidInputs:
        [
            new(MlContext.Data.LoadFromEnumerable(new[] { new NumericPathRow() }), "Schema mismatch for input column 'ImagePath': expected String, got Single"),
        ]);
    }

    [TestMethod]
    public void ResizeImages()
    {
        var data = MlContext.Data.LoadFromEnumerable(AssortedImages());
        foreach (var kind in Enum.GetValues<ImageResizingEstimator.ResizingKind>())
            EstimatorConformance.TestEstimatorCore(MlContext.Transforms.ResizeImages("Resized", 3, 2, "Image", kind), data,
                invalidInputs: [TextImageInput(), MissingImageInput()]);
    }

    [TestMethod]
    public void ResizeImagesInPlace()
    {
        var data = MlContext.Data.LoadFromEnumerable(AssortedImages());
        EstimatorConformance.TestEstimatorCore(MlContext.Transforms.ResizeImages("Image", 3, 3), data, invalidInputs: [TextImageInput()]);
    }

    [TestMethod]
    public void ExtractPixels()
    {
        var data = MlContext.Data.LoadFromEnumerable(SmallImages());
        EstimatorConformance.TestEstimatorCore(MlContext.Transforms.ExtractPixels("Pixels", "Image"), data, invalidInputs: [TextImageInput(), MissingImageInput()]);
        EstimatorConformance.TestEstimatorCore(
            MlContext.Transforms.ExtractPixels("Pixels", "Image", ImagePixelExtractingEstimator.ColorBits.All,
                interleavePixelColors: true, outputAsFloatArray: false), data, invalidInputs: [TextImageInput()]);
    }

    [TestMethod]
    public void ConvertToGrayscale()
    {
        var data = MlContext.Data.LoadFromEnumerable(AssortedImages());
        EstimatorConformance.TestEstimatorCore(MlContext.Transforms.ConvertToGrayscale("Gray", "Image"), data, invalidInputs: [TextImageInput(), MissingImageInput()]);
    }

    [TestMethod]
    public void ConvertToImage()
    {
        var data = MlContext.Data.LoadFromEnumerable(new[]
        {
            new Pixels { Values = Enumerable.Range(0, 18).Select(i => i * 10f).ToArray() },
            new Pixels { Values = Enumerable.Range(0, 18).Select(i => 255f - i).ToArray() },
        });
        EstimatorConformance.TestEstimatorCore(MlContext.Transforms.ConvertToImage(2, 3, "Image", "Values"), data, invalidInputs:
        [
            new(MlContext.Data.LoadFromEnumerable(new[] { new TextImage() }), "Could not find input column 'Values'"),
            new(MlContext.Data.LoadFromEnumerable(new[] { new TextValues() }),
                "Schema mismatch for input column 'Values': expected known-size vector of type Single, Double or Byte, got String"),
        ]);
    }

    public sealed class TextValues
    {
        public string Values { get; set; } = "";
    }
}
