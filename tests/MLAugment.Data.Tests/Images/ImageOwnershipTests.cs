using MLAugment.Data;

namespace MLAugment.Data.Tests.Images;

/// <summary>ML.NET's image ownership contract, as the image getters implement it.</summary>
[TestClass]
public sealed class ImageOwnershipTests
{
    [TestMethod]
    public void AGetterDisposesWhatItGaveBeforeAndItsLastImageWithTheCursor()
    {
        using var folder = new TempImageFolder();
        folder.Write("cls/a.png", 2, 2, seed: 1);
        folder.Write("cls/b.png", 3, 3, seed: 2);
        var mlContext = new MLContext(seed: 0);
        var data = mlContext.Data.LoadFromImageFolder(folder.Root);
        var pipeline = mlContext.Transforms.LoadImages("Loaded", null, "ImagePath")
            .Append(mlContext.Transforms.ResizeImages("Resized", 2, 2, "Loaded"))
            .Append(mlContext.Transforms.ConvertToGrayscale("Gray", "Resized"));
        var output = pipeline.Fit(data).Transform(data);

        foreach (var name in new[] { "Loaded", "Resized", "Gray" })
        {
            var column = output.Schema[name];
            var cursor = output.GetRowCursor([column]);
            var getter = cursor.GetGetter<MLImage?>(column);
            MLImage? image = null;

            cursor.MoveNext();
            getter(ref image);
            var first = image!;
            cursor.MoveNext();
            getter(ref image);
            var second = image!;

            Assert.IsTrue(first.IsDisposed, $"{name}: the previous image in the destination is disposed");
            Assert.IsFalse(second.IsDisposed, $"{name}: the current image is live");
            cursor.Dispose();
            Assert.IsTrue(second.IsDisposed, $"{name}: the last image is freed with the cursor");
        }
    }

    [TestMethod]
    public void TransformsNeverDisposeTheImagesTheyRead()
    {
        var mlContext = new MLContext(seed: 0);
        var rows = ImageRows.AssortedImages();
        var data = mlContext.Data.LoadFromEnumerable(rows);
        var output = mlContext.Transforms.ResizeImages("Image", 2, 2)
            .Append(mlContext.Transforms.ConvertToGrayscale("Image"))
            .Append(mlContext.Transforms.ExtractPixels("Pixels", "Image"))
            .Fit(data).Transform(data);

        Assert.AreEqual(3, output.GetColumn<float[]>("Pixels").Count());
        Assert.IsTrue(rows.All(r => !r.Image!.IsDisposed), "the caller's images stay theirs");
    }
}
