using MLAugment.Data.Caching;
using MLAugment.Data.Transforms.Augmentation;
using static MLAugment.Data.Tests.Augmentation.AugmentationFixtures;

namespace MLAugment.Data.Tests.Augmentation;

[TestClass]
public sealed class CacheAndFilterTests
{
    private static IDataView Images(MLContext ml, int n)
    {
        var raw = ml.Data.LoadFromImageFolder(ImageFolder(new Dictionary<string, int> { ["Trouser"] = n }), labelAsKey: true);
        return ml.Transforms.LoadImages("Image", null, "ImagePath").Fit(raw).Transform(raw);
    }

    [TestMethod]
    public void ASecondRunOfTheSamePipelineGeneratesNothingAndIsBitIdentical()
    {
        var cacheDir = NewTempFolder("cache");
        var ml = new MLContext(seed: 4);
        var data = Images(ml, 3);
        (List<Dictionary<string, object?>> Rows, int Calls, DiffusionAugmentTransformer T) Run()
        {
            var counting = new CountingBackend(TinyLdm);
            var t = ml.Transforms.DiffusionAugment(Fast(new DiffusionAugmentOptions { Model = counting, CacheDirectory = cacheDir, Seed = 4 })).Fit(data);
            var rows = Rows(t.Transform(data), "Image", "Seed");
            return (rows, counting.PredictCalls, t);
        }

        var first = Run();
        var second = Run();

        Assert.AreEqual(6L, first.T.Statistics.Generated);
        Assert.IsTrue(first.Calls > 0);
        Assert.AreEqual(0, second.Calls, "every image comes from the cache");
        Assert.AreEqual(0L, second.T.Statistics.Generated);
        Assert.AreEqual(6L, second.T.Statistics.CacheHits);
        for (int i = 0; i < first.Rows.Count; i++)
            CollectionAssert.AreEqual((byte[])first.Rows[i]["Image"]!, (byte[])second.Rows[i]["Image"]!, $"row {i}");

        var cache = GenerationCache.Open(cacheDir);
        Assert.AreEqual(6, cache.Count, "one entry (image + provenance manifest) per synthetic image");
        var manifest = Directory.GetFiles(cacheDir, "*.json").Select(File.ReadAllText).First();
        StringAssert.Contains(manifest, TinyLdm.ModelId);
        StringAssert.Contains(manifest, "a photo of a Trouser");

        var changed = ml.Transforms.DiffusionAugment(Fast(new DiffusionAugmentOptions { Model = TinyLdm, CacheDirectory = cacheDir, Seed = 4, Strength = 0.75f }))
            .Fit(data);
        Rows(changed.Transform(data), "Image");
        Assert.AreEqual(6L, changed.Statistics.Generated, "another strength is another key");
    }

    [TestMethod]
    public void AQualityFilterDropsLowScoringRowsAndReportsTheAcceptanceRate()
    {
        var ml = new MLContext(seed: 1);
        var logs = new List<string>();
        ml.Log += (_, e) => logs.Add(e.Message);
        var data = Images(ml, 4);
        var intended = new List<int>();
        var options = Fast(new DiffusionAugmentOptions
        {
            Model = TinyLdm, SyntheticPerImage = 2, QualityThreshold = 0.5f,
            QualityScorer = (image, cls) => { lock (intended) intended.Add(cls); return image.Pixels[0] % 2; },
        });
        var transformer = ml.Transforms.DiffusionAugment(options).Fit(data);
        var output = transformer.Transform(data);

        Assert.IsNull(output.GetRowCount(), "a filter makes the count unknown");
        var rows = Rows(output, "Image", "IsSynthetic");
        var stats = transformer.Statistics;
        Assert.AreEqual(8L, stats.Accepted + stats.Rejected);
        Assert.AreEqual(4 + stats.Accepted, rows.Count);
        Assert.IsTrue(rows.Where(r => (bool)r["IsSynthetic"]!).All(r => ((byte[])r["Image"]!)[0] % 2 == 1));
        Assert.AreEqual((double)stats.Accepted / 8, stats.AcceptanceRate);
        Assert.IsTrue(intended.All(c => c == 0), "the intended class is the label's 0-based key");
        Assert.IsTrue(logs.Any(l => l.Contains("acceptance")), "the acceptance rate is logged");
        Assert.AreEqual(rows.Count, Rows(output, "IsSynthetic").Count, "the same rows without reading images");
    }

    [TestMethod]
    public void ProgressReportsRowsAndImages()
    {
        var ml = new MLContext(seed: 1);
        var data = Images(ml, 3);
        var reports = new List<AugmentationProgress>();
        var progress = new SyncProgress(reports);
        var t = ml.Transforms.DiffusionAugment(Fast(new DiffusionAugmentOptions { Model = TinyLdm, Progress = progress })).Fit(data);
        Rows(t.Transform(data), "Image");
        Assert.IsTrue(reports.Count > 0);
        var last = reports[^1];
        Assert.AreEqual(3L, last.RowsDone);
        Assert.AreEqual(6L, last.ImagesGenerated);
        Assert.IsTrue(last.ImagesPerSecond > 0);
        Assert.IsTrue(reports.All(r => r.RowsTotal == 3 && r.EstimatedRemaining is not null), "the source count gives an ETA");
    }

    private sealed class SyncProgress(List<AugmentationProgress> sink) : IProgress<AugmentationProgress>
    {
        public void Report(AugmentationProgress value) => sink.Add(value);
    }
}
