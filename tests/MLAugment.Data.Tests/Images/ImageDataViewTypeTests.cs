using MLAugment.Data;

namespace MLAugment.Data.Tests.Images;

[TestClass]
public sealed class ImageDataViewTypeTests
{
    public sealed class ImageRow
    {
        [ImageType(1, 2)]
        public MLImage? Image { get; set; }

        public string Name { get; set; } = "";
    }

    public sealed class AnySizeImageRow
    {
        public MLImage? Image { get; set; }
    }

    [TestMethod]
    public void PrintsAndComparesLikeMlNet()
    {
        Assert.AreEqual("Image", new ImageDataViewType().ToString());
        Assert.AreEqual("Image<28, 32>", new ImageDataViewType(28, 32).ToString());
        Assert.AreEqual(new ImageDataViewType(28, 32), new ImageDataViewType(28, 32));
        Assert.AreNotEqual(new ImageDataViewType(32, 28), new ImageDataViewType(28, 32));
        Assert.AreNotEqual<DataViewType>(new ImageDataViewType(), new ImageDataViewType(1, 1));
        Assert.AreEqual(typeof(MLImage), new ImageDataViewType().RawType);
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new ImageDataViewType(0, 3));
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new ImageDataViewType(50000, 50000));
    }

    [TestMethod]
    public void RowClassesWithImagesLoadAndReadBack()
    {
        var mlContext = new MLContext(seed: 0);
        var rows = new[]
        {
            new ImageRow { Image = MLImage.CreateFromPixels(2, 1, MLPixelFormat.Rgba32, [1, 2, 3, 4, 5, 6, 7, 8]), Name = "a" },
            new ImageRow { Image = MLImage.CreateFromPixels(2, 1, MLPixelFormat.Bgra32, [9, 9, 9, 9, 8, 8, 8, 8]), Name = "b" },
        };

        var data = mlContext.Data.LoadFromEnumerable(rows);
        var back = mlContext.Data.CreateEnumerable<ImageRow>(data, reuseRowObject: false).ToArray();

        Assert.AreEqual("Image<1, 2>", data.Schema["Image"].Type.ToString());
        Assert.AreEqual(2, back.Length);
        CollectionAssert.AreEqual(rows[1].Image!.Pixels.ToArray(), back[1].Image!.Pixels.ToArray());
        Assert.AreNotSame(rows[1].Image, back[1].Image, "rows read back own copies of their images");
        Assert.AreEqual("Image", mlContext.Data.LoadFromEnumerable(new[] { new AnySizeImageRow() }).Schema["Image"].Type.ToString());
    }

    [TestMethod]
    public void ImageColumnsAreSavedWithTheInputSchema()
    {
        var mlContext = new MLContext(seed: 0);
        var data = mlContext.Data.LoadFromEnumerable(new[] { new ImageRow { Image = MLImage.CreateFromPixels(2, 1, MLPixelFormat.Rgba32, new byte[8]) } });
        var model = mlContext.Transforms.CopyColumns("Copy", "Name").Fit(data);
        using var stream = new MemoryStream();

        mlContext.Model.Save(model, data.Schema, stream);
        stream.Position = 0;
        mlContext.Model.Load(stream, out var inputSchema);

        Assert.AreEqual<DataViewType>(new ImageDataViewType(1, 2), inputSchema!["Image"].Type);
    }
}
