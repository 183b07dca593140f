using System.Text.Json;
using MLAugment.Data;
using MLAugment.Tasks;

namespace MLAugment.Cli.Tests;

/// <summary>The happy path of each command on the tiny model: what lands in the output folder, stdout and stderr.</summary>
[TestClass]
public sealed class CommandTests : TempFolders
{
    private static JsonElement[] Manifest(string folder) =>
        File.ReadAllLines(Path.Combine(folder, "manifest.jsonl")).Select(l => JsonDocument.Parse(l).RootElement).ToArray();

    private static string[] Files(string root) =>
        Directory.EnumerateFiles(root, "*.png", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(root, f).Replace('\\', '/')).Order(StringComparer.Ordinal).ToArray();

    [TestMethod]
    public void GenerateWritesAClassFolderPerClassWithSeededFilesAndAManifest()
    {
        var output = NewPath("gen");
        var run = CliFixtures.Run(["generate", "Sneaker", "T-shirt/top", "-n", "2", "--seed", "7", "-o", output, .. CliFixtures.Fast, CliFixtures.ModelFolder]);

        Assert.AreEqual(0, run.ExitCode, run.Error);
        CollectionAssert.AreEqual(
            new[] { "Sneaker/0000_seed7.png", "Sneaker/0001_seed8.png", "T-shirt_top/0000_seed7.png", "T-shirt_top/0001_seed8.png" }, Files(output));
        using (var image = MLImage.CreateFromFile(Path.Combine(output, "Sneaker", "0000_seed7.png")))
            Assert.AreEqual(CliFixtures.Size, image.Width);
        StringAssert.Contains(run.Out, "wrote 4 images (2 x 2)");
        StringAssert.Contains(run.Error, "generate: images 4/4", "progress ends at the total (plain lines: stderr is not a terminal)");

        var manifest = Manifest(output);
        Assert.AreEqual("run", manifest[0].GetProperty("kind").GetString());
        StringAssert.StartsWith(manifest[0].GetProperty("model_id").GetString(), "sha256:");
        Assert.AreEqual(4, manifest.Count(m => m.GetProperty("kind").GetString() == "image"));
        Assert.AreEqual("summary", manifest[^1].GetProperty("kind").GetString());
    }

    [TestMethod]
    public void GenerateIsReproducibleFromTheSeed()
    {
        string a = NewPath("a"), b = NewPath("b");
        Assert.AreEqual(0, CliFixtures.Run(["generate", "Trouser", "-n", "2", "-o", a, "--batch-size", "1", .. CliFixtures.Fast, CliFixtures.ModelFolder]).ExitCode);
        Assert.AreEqual(0, CliFixtures.Run(["generate", "Trouser", "-n", "2", "-o", b, "--batch-size", "2", .. CliFixtures.Fast, CliFixtures.ModelFolder]).ExitCode);
        foreach (var f in Files(a))
            CollectionAssert.AreEqual(File.ReadAllBytes(Path.Combine(a, f)), File.ReadAllBytes(Path.Combine(b, f)), f);
    }

    [TestMethod]
    public void AugmentCopiesOriginalsAndAddsMSyntheticImagesBesideEach()
    {
        // 12x12 originals: the model's input is resized to 16x16, the originals are copied untouched.
        var input = CliFixtures.ImageFolder(Temp("in"), new Dictionary<string, int> { ["Trouser"] = 2, ["Sneaker"] = 1 }, size: 12);
        var output = NewPath("aug");
        var run = CliFixtures.Run(["augment", input, output, "--per-image", "2", "--strength-mix", "da-fusion", .. CliFixtures.Fast, CliFixtures.ModelFolder]);

        Assert.AreEqual(0, run.ExitCode, run.Error);
        CollectionAssert.AreEqual(new[]
        {
            "Sneaker/img00.png", "Sneaker/img00_syn0.png", "Sneaker/img00_syn1.png",
            "Trouser/img00.png", "Trouser/img00_syn0.png", "Trouser/img00_syn1.png",
            "Trouser/img01.png", "Trouser/img01_syn0.png", "Trouser/img01_syn1.png",
        }, Files(output));
        CollectionAssert.AreEqual(File.ReadAllBytes(Path.Combine(input, "Trouser", "img01.png")), File.ReadAllBytes(Path.Combine(output, "Trouser", "img01.png")));
        using (var synthetic = MLImage.CreateFromFile(Path.Combine(output, "Trouser", "img01_syn1.png")))
            Assert.AreEqual(CliFixtures.Size, synthetic.Width, "synthetic images are at the model's size");
        StringAssert.Contains(run.Out, "wrote 3 originals + 6 synthetic images");
        StringAssert.Contains(run.Error, "source rows 3/3");

        var images = Manifest(output).Where(m => m.GetProperty("kind").GetString() == "image").ToArray();
        var syn = images.Single(m => m.GetProperty("file").GetString() == "Trouser/img01_syn1.png");
        Assert.IsTrue(syn.GetProperty("synthetic").GetBoolean());
        Assert.AreEqual("Trouser/img01.png", syn.GetProperty("source").GetString());
        Assert.AreEqual("Trouser", syn.GetProperty("class").GetString());
        Assert.AreEqual("a photo of a Trouser", syn.GetProperty("prompt").GetString());
        CollectionAssert.Contains(new[] { 0.25f, 0.5f, 0.75f, 1f }, syn.GetProperty("strength").GetSingle());
    }

    [TestMethod]
    public void AugmentWithACacheGeneratesNothingTheSecondTime()
    {
        var input = CliFixtures.ImageFolder(Temp("in"), new Dictionary<string, int> { ["Sneaker"] = 2 });
        string cache = Temp("cache"), first = NewPath("first"), second = NewPath("second");
        string[] common = ["--per-image", "1", "--cache-dir", cache, .. CliFixtures.Fast, CliFixtures.ModelFolder];
        Assert.AreEqual(0, CliFixtures.Run(["augment", input, first, .. common]).ExitCode);
        var again = CliFixtures.Run(["augment", input, second, .. common]);

        Assert.AreEqual(0, again.ExitCode, again.Error);
        StringAssert.Contains(again.Out, "generated 0, cache hits 2");
        foreach (var f in Files(first))
            CollectionAssert.AreEqual(File.ReadAllBytes(Path.Combine(first, f)), File.ReadAllBytes(Path.Combine(second, f)), f);
    }

    [TestMethod]
    public void BalanceFillsTheSmallClassesUpToTheLargestAndPrintsThePlan()
    {
        var input = CliFixtures.ImageFolder(Temp("in"), new Dictionary<string, int> { ["Trouser"] = 3, ["Sneaker"] = 1 });
        var output = NewPath("bal");
        var run = CliFixtures.Run(["balance", input, output, .. CliFixtures.Fast, CliFixtures.ModelFolder]);

        Assert.AreEqual(0, run.ExitCode, run.Error);
        CollectionAssert.AreEqual(new[]
        {
            "Sneaker/img00.png", "Sneaker/img00_syn0.png", "Sneaker/img00_syn1.png",
            "Trouser/img00.png", "Trouser/img01.png", "Trouser/img02.png",
        }, Files(output));
        StringAssert.Contains(run.Out, "wrote 4 originals + 2 synthetic images");
        var sneakerRow = run.Out.Split('\n').Single(l => l.Contains("Sneaker"));
        CollectionAssert.AreEqual(new[] { "Sneaker", "1", "3", "2", "3" },
            sneakerRow.Split(['|', '│', ' '], StringSplitOptions.RemoveEmptyEntries), "class, real, target, added, total");
        var summary = Manifest(output)[^1];
        Assert.AreEqual(2, summary.GetProperty("synthetic").GetInt32());
    }

    [TestMethod]
    public void BalanceHonoursRatioAndCap()
    {
        var input = CliFixtures.ImageFolder(Temp("in"), new Dictionary<string, int> { ["Trouser"] = 4, ["Sneaker"] = 1, ["T-shirt_top"] = 1 });
        var output = NewPath("bal");
        var run = CliFixtures.Run(["balance", input, output, "--ratio", "0.5", "--cap", "0", .. CliFixtures.Fast, CliFixtures.ModelFolder]);
        Assert.AreEqual(0, run.ExitCode, run.Error);
        StringAssert.Contains(run.Out, "wrote 6 originals + 0 synthetic images");

        output = NewPath("bal2");
        run = CliFixtures.Run(["balance", input, output, "--counts", "Sneaker=3", .. CliFixtures.Fast, CliFixtures.ModelFolder]);
        Assert.AreEqual(0, run.ExitCode, run.Error);
        Assert.AreEqual(2, Files(output).Count(f => f.StartsWith("Sneaker/", StringComparison.Ordinal) && f.Contains("_syn")));
        Assert.AreEqual(0, Files(output).Count(f => !f.StartsWith("Sneaker/", StringComparison.Ordinal) && f.Contains("_syn")), "classes not named get nothing");
    }

    [TestMethod]
    public void EvaluatePrintsAccuraciesPerClassRecallAndTheConfusionMatrix()
    {
        var train = CliFixtures.ImageFolder(Temp("train"), new Dictionary<string, int> { ["Sneaker"] = 3, ["Trouser"] = 3 });
        var model = CliFixtures.TrainClassifier(train, Path.Combine(Temp("model"), "classifier.zip"));
        var test = CliFixtures.ImageFolder(Temp("test"), new Dictionary<string, int> { ["Sneaker"] = 2, ["Trouser"] = 1 }, seed: 9);
        var json = Path.Combine(Temp("metrics"), "metrics.json");
        var run = CliFixtures.Run("evaluate", model, test, "--json", json);

        Assert.AreEqual(0, run.ExitCode, run.Error);
        foreach (var text in new[] { "3 images, 2 classes", "micro accuracy", "macro accuracy", "macro F1", "recall", "confusion matrix" })
            StringAssert.Contains(run.Out, text);
        var metrics = JsonDocument.Parse(File.ReadAllText(json)).RootElement;
        var confusion = metrics.GetProperty("confusion_matrix").EnumerateArray().Select(r => r.EnumerateArray().Sum(v => v.GetDouble())).ToArray();
        CollectionAssert.AreEqual(new[] { 2.0, 1.0 }, confusion, "rows: actual Sneaker (2 images), Trouser (1)");
        StringAssert.Contains(run.Error, "evaluate: images 3/3");
    }

    [TestMethod]
    public void EvaluateReadsTheFashionMnistSplitDirectlyForAModelOfIdxRows()
    {
        // A stand-in "Fashion-MNIST test split": 20 random 8x8 images, two per class, as IDX files with the real names.
        var root = Temp("fashion");
        var rng = new Random(4);
        var pixels = new byte[20 * 8 * 8];
        rng.NextBytes(pixels);
        var labels = Enumerable.Range(0, 20).Select(i => (byte)(i % 10)).ToArray();
        WriteIdx(Path.Combine(root, "t10k-images-idx3-ubyte.gz"), 0x0803, [20, 8, 8], pixels);
        WriteIdx(Path.Combine(root, "t10k-labels-idx1-ubyte.gz"), 0x0801, [20], labels);

        // A classifier of LoadFromIdx rows (Image, Label), saved with that input schema.
        var ml = new MLContext(seed: 1);
        var data = ml.Data.LoadFromIdx(Path.Combine(root, "t10k-images-idx3-ubyte.gz"), Path.Combine(root, "t10k-labels-idx1-ubyte.gz"), FashionMnist.ClassNames);
        var pipeline = ml.Transforms.CopyColumns("Features", "Image")
            .Append(ml.MulticlassClassification.Trainers.ImageClassification(
                new MLAugment.Tasks.Trainers.ImageClassificationTrainer.Options { Epoch = 1, BatchSize = 4, ValidationSetFraction = null, Seed = 1 }));
        var model = Path.Combine(Temp("model"), "idx-classifier.zip");
        ml.Model.Save(pipeline.Fit(data), data.Schema, model);

        var run = CliFixtures.Run("evaluate", model, "--fashion-mnist-test", "--fashion-mnist-root", root);
        Assert.AreEqual(0, run.ExitCode, run.Error);
        StringAssert.Contains(run.Out, "Evaluated on Fashion-MNIST test: 20 images, 10 classes.");
        StringAssert.Contains(run.Out, "Ankle boot");

        // The same model cannot read an image folder, and says how to evaluate it.
        CliFixtures.Run("evaluate", model, Temp("folder")).AssertOneLineError(1, "--fashion-mnist-test");
    }

    private static void WriteIdx(string path, int magic, int[] dims, byte[] data)
    {
        using var w = new BinaryWriter(File.Create(path));
        foreach (var v in new[] { magic }.Concat(dims))
            w.Write(System.Buffers.Binary.BinaryPrimitives.ReverseEndianness(v));
        w.Write(data);
    }
}
