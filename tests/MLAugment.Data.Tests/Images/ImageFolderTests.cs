using System.IO.Compression;
using MLAugment.Data;
using MLAugment.Data.Images.Codecs;
using MLAugment.Data.Transforms.Image;

namespace MLAugment.Data.Tests.Images;

[TestClass]
public sealed class ImageFolderTests
{
    public sealed class Features
    {
        public string ImagePath { get; set; } = "";

        public uint Label { get; set; }

        public float[] Pixels { get; set; } = [];
    }

    private static TempImageFolder CatsAndDogs()
    {
        var folder = new TempImageFolder();
        folder.Write("cat/1.png", 6, 4, seed: 1);
        folder.Write("cat/2.png", 5, 5, seed: 2);
        folder.Write("dog/a.bmp", 4, 6, seed: 3);
        folder.Write("dog/puppies/b.png", 3, 3, seed: 4);
        folder.WriteBytes("dog/notes.txt", "not an image"u8.ToArray());
        return folder;
    }

    [TestMethod]
    public void LoadResizeExtractOverAFolderOfImages()
    {
        using var folder = CatsAndDogs();
        var mlContext = new MLContext(seed: 0);

        var data = mlContext.Data.LoadFromImageFolder(folder.Root, labelAsKey: true);
        var pipeline = mlContext.Transforms.LoadImages("Image", imageFolder: null, inputColumnName: "ImagePath")
            .Append(mlContext.Transforms.ResizeImages("Image", imageWidth: 4, imageHeight: 4))
            .Append(mlContext.Transforms.ExtractPixels("Pixels", "Image", scaleImage: 1f / 255));
        var transformed = pipeline.Fit(data).Transform(data);
        var rows = mlContext.Data.CreateEnumerable<Features>(transformed, reuseRowObject: false).ToArray();

        Assert.AreEqual(4L, data.GetRowCount());
        Assert.AreEqual("ImagePath: String", data.Schema[0].ToString().Trim());
        Assert.AreEqual("Key<UInt32, 0-1>", data.Schema["Label"].Type.ToString());
        VBuffer<ReadOnlyMemory<char>> classes = default;
        data.Schema["Label"].GetKeyValues(ref classes);
        CollectionAssert.AreEqual(new[] { "cat", "dog" }, classes.DenseValues().Select(c => c.ToString()).ToArray());
        Assert.AreEqual("Image<4, 4>", transformed.Schema["Image"].Type.ToString());
        Assert.AreEqual("Vector<Single, 3, 4, 4>", transformed.Schema["Pixels"].Type.ToString());
        CollectionAssert.AreEqual(new uint[] { 1, 1, 2, 2 }, rows.Select(r => r.Label).ToArray());
        Assert.IsTrue(rows[3].ImagePath.EndsWith(Path.Combine("dog", "puppies", "b.png")), "nested folders count for their top-level class");
        Assert.IsTrue(rows.All(r => r.Pixels.Length == 48 && r.Pixels.All(v => v >= 0 && v <= 1)));
    }

    [TestMethod]
    public void LabelsAreTextByDefaultAndOptional()
    {
        using var folder = CatsAndDogs();
        var mlContext = new MLContext(seed: 0);

        var labelled = mlContext.Data.LoadFromImageFolder(folder.Root);
        var unlabelled = mlContext.Data.LoadFromImageFolder(folder.Root, useFolderNameAsLabel: false);
        var shallow = mlContext.Data.LoadFromImageFolder(folder.Root, recursive: false);

        CollectionAssert.AreEqual(new[] { "cat", "cat", "dog", "dog" }, labelled.GetColumn<string>("Label").ToArray());
        Assert.AreEqual(1, unlabelled.Schema.Count);
        Assert.AreEqual(4, unlabelled.GetColumn<string>("ImagePath").Count());
        Assert.AreEqual(3L, shallow.GetRowCount(), "without recursion, only each class folder's own files");
    }

    [TestMethod]
    public void EmptyOrUnlabelledFoldersFailClearly()
    {
        using var folder = new TempImageFolder();
        var mlContext = new MLContext(seed: 0);
        Directory.CreateDirectory(Path.Combine(folder.Root, "cat"));

        var empty = Assert.ThrowsExactly<InvalidDataException>(() => mlContext.Data.LoadFromImageFolder(folder.Root));
        StringAssert.Contains(empty.Message, folder.Root);
        StringAssert.Contains(empty.Message, "contains no images");

        var loose = folder.Write("loose.png", 2, 2);
        var unlabelled = Assert.ThrowsExactly<InvalidDataException>(() => mlContext.Data.LoadFromImageFolder(folder.Root));
        StringAssert.Contains(unlabelled.Message, loose);

        Assert.ThrowsExactly<DirectoryNotFoundException>(() => mlContext.Data.LoadFromImageFolder(Path.Combine(folder.Root, "missing")));
    }

    [TestMethod]
    public void ACorruptFileFailsNamingTheFile()
    {
        using var folder = CatsAndDogs();
        var broken = folder.WriteBytes("cat/3.png", File.ReadAllBytes(Path.Combine(folder.Root, "cat", "1.png"))[..40]);
        var mlContext = new MLContext(seed: 0);
        var data = mlContext.Data.LoadFromImageFolder(folder.Root);
        var images = mlContext.Transforms.LoadImages("Image", null, "ImagePath").Fit(data).Transform(data);

        var e = Assert.ThrowsExactly<InvalidImageException>(() => images.GetColumn<MLImage>("Image").Count());

        StringAssert.Contains(e.Message, broken);
    }

    [TestMethod]
    public void SkipAndLogGivesAMissingImageAndLogsTheFile()
    {
        using var folder = CatsAndDogs();
        var broken = folder.WriteBytes("cat/3.png", [1, 2, 3]);
        var mlContext = new MLContext(seed: 0);
        var log = new List<LoggingEventArgs>();
        mlContext.Log += (_, e) => log.Add(e);
        var data = mlContext.Data.LoadFromImageFolder(folder.Root, labelAsKey: true);

        var pipeline = mlContext.Transforms.LoadImages("Image", null, "ImagePath", ImageLoadErrorPolicy.SkipAndLog)
            .Append(mlContext.Transforms.ResizeImages("Image", 2, 2))
            .Append(mlContext.Transforms.ExtractPixels("Pixels", "Image"));
        var output = pipeline.Fit(data).Transform(data);
        var rows = mlContext.Data.CreateEnumerable<Features>(output, reuseRowObject: false).ToArray();

        Assert.AreEqual(5, rows.Length, "the row stays");
        var skipped = rows.Single(r => r.ImagePath == broken);
        CollectionAssert.AreEqual(new float[12], skipped.Pixels, "a missing image extracts as zeros");
        var warning = log.Single(e => e.Kind == ChannelMessageKind.Warning);
        StringAssert.Contains(warning.Message, broken);
        StringAssert.Contains(warning.Message, "Source=ImageLoadingTransformer");
    }

    [TestMethod]
    public void ThePolicyIsSavedWithTheModel()
    {
        using var folder = CatsAndDogs();
        folder.WriteBytes("cat/3.png", [1, 2, 3]);
        var mlContext = new MLContext(seed: 0);
        var log = new List<LoggingEventArgs>();
        mlContext.Log += (_, e) => log.Add(e);
        var data = mlContext.Data.LoadFromImageFolder(folder.Root);
        var model = mlContext.Transforms.LoadImages("Image", null, "ImagePath", ImageLoadErrorPolicy.SkipAndLog).Fit(data);
        using var stream = new MemoryStream();
        mlContext.Model.Save(model, data.Schema, stream);
        stream.Position = 0;

        var loaded = (ImageLoadingTransformer)mlContext.Model.Load(stream, out _);
        var count = loaded.Transform(data).GetColumn<MLImage?>("Image").Count(i => i is null);

        Assert.AreEqual(ImageLoadErrorPolicy.SkipAndLog, loaded.ErrorPolicy);
        Assert.AreEqual(1, count);
        Assert.AreEqual(1, log.Count(e => e.Kind == ChannelMessageKind.Warning), "a loaded model logs through the loading context");
    }

    [TestMethod]
    public void RawBytesAreTheFileContent()
    {
        using var folder = CatsAndDogs();
        var mlContext = new MLContext(seed: 0);
        var data = mlContext.Data.LoadFromImageFolder(folder.Root);

        var bytes = mlContext.Transforms.LoadRawImageBytes("Bytes", null, "ImagePath").Fit(data).Transform(data);

        var first = bytes.GetColumn<byte[]>("Bytes").First();
        CollectionAssert.AreEqual(File.ReadAllBytes(Path.Combine(folder.Root, "cat", "1.png")), first);
        Assert.AreEqual("Vector<Byte>", bytes.Schema["Bytes"].Type.ToString());
    }

    [TestMethod]
    public void IdxImagesBecomeAClassFolderOfPngs()
    {
        using var folder = new TempImageFolder();
        // Four 2x3 gray images with labels 0, 1, 0, 0 in the IDX layout.
        var images = new List<byte> { 0, 0, 8, 3, 0, 0, 0, 4, 0, 0, 0, 2, 0, 0, 0, 3 };
        for (int i = 0; i < 4; i++)
            images.AddRange(Enumerable.Range(0, 6).Select(p => (byte)(40 * i + p)));
        var imagesPath = folder.WriteBytes("train-images-idx3-ubyte", images.ToArray());
        var labelsPath = folder.WriteBytes("train-labels-idx1-ubyte", [0, 0, 8, 1, 0, 0, 0, 4, 0, 1, 0, 0]);
        var mlContext = new MLContext(seed: 0);
        var root = Path.Combine(folder.Root, "fashion");

        int written = mlContext.Data.WriteIdxAsImageFolder(imagesPath, labelsPath, root, maxImagesPerClass: 2);
        var loaded = mlContext.Data.LoadFromImageFolder(root);

        Assert.AreEqual(3, written);
        CollectionAssert.AreEqual(new[] { "T-shirt_top", "T-shirt_top", "Trouser" }, loaded.GetColumn<string>("Label").ToArray());
        var second = ImageCodecs.Load(Path.Combine(root, "T-shirt_top", "000002.png"));
        Assert.AreEqual(RawPixelFormat.Gray8, second.Format);
        Assert.AreEqual(3, second.Width);
        CollectionAssert.AreEqual(Enumerable.Range(80, 6).Select(p => (byte)p).ToArray(), second.Pixels);
    }

    [TestMethod]
    public void ImagesReadWithGetColumnOrPreviewStayUsable()
    {
        using var folder = CatsAndDogs();
        var mlContext = new MLContext(seed: 0);
        var data = mlContext.Data.LoadFromImageFolder(folder.Root);
        var images = mlContext.Transforms.LoadImages("Image", null, "ImagePath").Fit(data).Transform(data);

        var all = images.GetColumn<MLImage>("Image").ToList();
        var preview = images.Preview();

        CollectionAssert.AreEqual(new[] { 6, 5, 4, 3 }, all.Select(i => i.Width).ToArray());
        Assert.AreEqual("MLImage 3x3 Rgba32", preview.RowView[3].Values.Single(v => v.Key == "Image").Value!.ToString());
    }
}
