using System.IO.Compression;
using MLAugment.Data;

namespace MLAugment.Data.Tests.Loaders;

[TestClass]
public sealed class IdxLoaderTests
{
    private static string _folder = "";

    [ClassInitialize]
    public static void CreateFolder(TestContext _) =>
        _folder = Directory.CreateDirectory(Path.Combine(Path.GetTempPath(), $"mlaugment-idx-{Guid.NewGuid():N}")).FullName;

    [ClassCleanup]
    public static void DeleteFolder() => Directory.Delete(_folder, recursive: true);

    private static byte[] Idx(int[] dims, byte[] data)
    {
        var bytes = new List<byte> { 0, 0, 0x08, (byte)dims.Length };
        foreach (int d in dims)
            bytes.AddRange([(byte)(d >> 24), (byte)(d >> 16), (byte)(d >> 8), (byte)d]);
        bytes.AddRange(data);
        return bytes.ToArray();
    }

    private static string Write(string name, byte[] content, bool gzip = true)
    {
        var path = Path.Combine(_folder, name);
        if (!gzip)
        {
            File.WriteAllBytes(path, content);
            return path;
        }
        using var file = File.Create(path);
        using var zip = new GZipStream(file, CompressionLevel.Fastest);
        zip.Write(content);
        return path;
    }

    [TestMethod]
    public void LoadsLabelsAsFashionMnistKeysAndImagesAsPixelVectors()
    {
        var mlContext = new MLContext(seed: 0);
        var images = Write("images.gz", Idx([2, 2, 3], [0, 1, 2, 3, 4, 5, 250, 251, 252, 253, 254, 255]));
        var labels = Write("labels.gz", Idx([2], [9, 0]));

        var data = mlContext.Data.LoadFromIdx(images, labels);

        Assert.AreEqual(2L, data.GetRowCount());
        Assert.AreEqual("Key<UInt32, 0-9>", data.Schema["Label"].Type.ToString());
        Assert.AreEqual("Vector<Single, 2, 3>", data.Schema["Image"].Type.ToString());
        CollectionAssert.AreEqual(new uint[] { 10, 1 }, data.GetColumn<uint>("Label").ToArray());
        CollectionAssert.AreEqual(new[] { 250f, 251, 252, 253, 254, 255 }, data.GetColumn<float[]>("Image").Last());
        var pipeline = mlContext.Transforms.Conversion.MapKeyToValue("ClassName", "Label");
        CollectionAssert.AreEqual(new[] { "Ankle boot", "T-shirt/top" }, pipeline.Fit(data).Transform(data).GetColumn<string>("ClassName").ToArray());

        var bytes = mlContext.Data.LoadFromIdx(images, labels, imageAsBytes: true);
        Assert.AreEqual("Vector<Byte, 2, 3>", bytes.Schema["Image"].Type.ToString());
        CollectionAssert.AreEqual(new byte[] { 0, 1, 2, 3, 4, 5 }, bytes.GetColumn<byte[]>("Image").First());
    }

    [TestMethod]
    public void UncompressedFilesAndCustomClassNamesWork()
    {
        var mlContext = new MLContext(seed: 0);
        var images = Write("plain-images", Idx([1, 1, 1], [7]), gzip: false);
        var labels = Write("plain-labels", Idx([1], [1]), gzip: false);

        var data = mlContext.Data.LoadFromIdx(images, labels, classNames: ["zero", "one"]);

        Assert.AreEqual("Key<UInt32, 0-1>", data.Schema["Label"].Type.ToString());
        Assert.AreEqual(2u, data.GetColumn<uint>("Label").Single());
    }

    [TestMethod]
    public void BadFilesAreNamedInTheError()
    {
        var mlContext = new MLContext(seed: 0);
        var images = Write("ok-images.gz", Idx([2, 1, 1], [1, 2]));
        var labels = Write("ok-labels.gz", Idx([2], [0, 1]));
        var missing = Path.Combine(_folder, "nope.gz");
        var notGzip = Write("bad.gz", [0x1f, 0x8b, 1, 2, 3], gzip: false);
        var wrongMagic = Write("magic.gz", [1, 2, 3, 4, 5]);
        var truncated = Write("short.gz", Idx([3, 1, 1], [1, 2]));
        var fewLabels = Write("few.gz", Idx([1], [0]));
        var bigLabel = Write("big.gz", Idx([2], [0, 10]));

        static void Fails<T>(Action load, string path, string fragment) where T : Exception
        {
            var e = Assert.ThrowsExactly<T>(load);
            StringAssert.Contains(e.Message, path);
            StringAssert.Contains(e.Message, fragment);
        }

        Fails<FileNotFoundException>(() => mlContext.Data.LoadFromIdx(missing, labels), missing, "does not exist");
        Fails<InvalidDataException>(() => mlContext.Data.LoadFromIdx(notGzip, labels), notGzip, "not valid gzip");
        Fails<InvalidDataException>(() => mlContext.Data.LoadFromIdx(wrongMagic, labels), wrongMagic, "magic");
        Fails<InvalidDataException>(() => mlContext.Data.LoadFromIdx(truncated, labels), truncated, "holds 2");
        Fails<InvalidDataException>(() => mlContext.Data.LoadFromIdx(images, fewLabels), fewLabels, "has 1 labels");
        Fails<InvalidDataException>(() => mlContext.Data.LoadFromIdx(images, bigLabel), bigLabel, "label 10");
        Fails<InvalidDataException>(() => mlContext.Data.LoadFromIdx(labels, labels), labels, "expected 3");
    }

    [TestMethod]
    public void ReadsTheFashionMnistTestSet()
    {
        const string folder = "/usr/share/datasets/fashion-mnist";
        var images = Path.Combine(folder, "t10k-images-idx3-ubyte.gz");
        var labels = Path.Combine(folder, "t10k-labels-idx1-ubyte.gz");
        if (!File.Exists(images) || !File.Exists(labels))
            Assert.Inconclusive($"Fashion-MNIST is not installed under {folder}.");
        var mlContext = new MLContext(seed: 0);

        var data = mlContext.Data.LoadFromIdx(images, labels);

        Assert.AreEqual(10000L, data.GetRowCount());
        Assert.AreEqual(784, ((VectorDataViewType)data.Schema["Image"].Type).Size);
        var counts = data.GetColumn<uint>("Label").GroupBy(k => k).ToDictionary(g => g.Key, g => g.Count());
        Assert.AreEqual(10, counts.Count);
        Assert.IsTrue(counts.Values.All(c => c == 1000), "the test set has 1000 images per class");
        var first = data.GetColumn<float[]>("Image").First();
        Assert.IsTrue(first.All(p => p is >= 0 and <= 255) && first.Max() > 0);
    }
}
