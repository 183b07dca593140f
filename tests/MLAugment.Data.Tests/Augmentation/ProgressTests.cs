using MLAugment.Data.Transforms.Augmentation;
using static MLAugment.Data.Tests.Augmentation.AugmentationFixtures;

namespace MLAugment.Data.Tests.Augmentation;

/// <summary>
/// Every diffusion augmenter reports where a run stands twice over: to the IProgress sink in its options and as
/// MLContext.Log Trace events, both with rows done (of the total), images per second and an ETA.
/// </summary>
[TestClass]
public sealed class ProgressTests
{
    private static IDataView Images(MLContext ml, Dictionary<string, int> counts)
    {
        var raw = ml.Data.LoadFromImageFolder(ImageFolder(counts), labelAsKey: true);
        return ml.Transforms.LoadImages("Image", null, "ImagePath").Fit(raw).Transform(raw);
    }

    private sealed class SyncProgress : IProgress<AugmentationProgress>
    {
        public List<AugmentationProgress> Reports { get; } = [];

        public void Report(AugmentationProgress value) => Reports.Add(value);
    }

    /// <summary>Runs <paramref name="transform"/> over <paramref name="data"/> reading every image, and checks both channels.</summary>
    private static void AssertReportsBothWays(MLContext ml, IDataView data, SyncProgress progress, Func<IDataView, (IDataView Output, string Source)> transform,
        long expectedGenerated)
    {
        var log = new List<LoggingEventArgs>();
        ml.Log += (_, e) => log.Add(e);
        var (output, source) = transform(data);
        Rows(output, "Image");
        long total = data.GetRowCount()!.Value;

        Assert.IsTrue(progress.Reports.Count > 0, "IProgress got reports");
        var last = progress.Reports[^1];
        Assert.AreEqual(total, last.RowsDone, "the last report covers every source row");
        Assert.AreEqual(expectedGenerated, last.ImagesGenerated);
        Assert.IsTrue(last.ImagesPerSecond > 0);
        Assert.IsTrue(progress.Reports.All(r => r.RowsTotal == total && r.EstimatedRemaining is not null), "a known row count gives an ETA");
        Assert.AreEqual(TimeSpan.Zero, last.EstimatedRemaining, "nothing remains at the end");
        CollectionAssert.AreEqual(progress.Reports.Select(r => r.RowsDone).Order().ToList(), progress.Reports.Select(r => r.RowsDone).ToList(), "rows done only grow");

        var trace = log.Where(e => e.Kind == ChannelMessageKind.Trace && e.Source == source).Select(e => e.RawMessage).ToList();
        Assert.AreEqual(progress.Reports.Count, trace.Count, "one log event per progress report");
        StringAssert.Contains(trace[^1], $"rows {total}/{total}");
        StringAssert.Contains(trace[^1], $"generated {expectedGenerated} (");
        StringAssert.Contains(trace[^1], " images/s)");
        StringAssert.Contains(trace[^1], "ETA 00:00:00");
    }

    [TestMethod]
    public void DiffusionAugmentReportsToIProgressAndToTheLog()
    {
        var ml = new MLContext(seed: 1);
        var data = Images(ml, new() { ["Trouser"] = 3 });
        var progress = new SyncProgress();
        AssertReportsBothWays(ml, data, progress, d =>
        {
            var t = ml.Transforms.DiffusionAugment(Fast(new DiffusionAugmentOptions { Model = TinyLdm, Progress = progress })).Fit(d);
            return (t.Transform(d), t.GetType().Name);
        }, expectedGenerated: 6);
    }

    [TestMethod]
    public void ClassBalancingReportsToIProgressAndToTheLog()
    {
        var ml = new MLContext(seed: 1);
        var data = Images(ml, new() { ["Trouser"] = 3, ["Sneaker"] = 1 });
        var progress = new SyncProgress();
        AssertReportsBothWays(ml, data, progress, d =>
        {
            var t = ml.Transforms.ClassBalancing(Fast(new ClassBalancingOptions { Model = TinyLdm, Progress = progress })).Fit(d);
            return (t.Transform(d), t.GetType().Name);
        }, expectedGenerated: 2);
    }

    [TestMethod]
    public void CounterfactualReportsToIProgressAndToTheLog()
    {
        var ml = new MLContext(seed: 1);
        var data = ml.Data.LoadFromEnumerable(MaskedRows(3));
        var progress = new SyncProgress();
        AssertReportsBothWays(ml, data, progress, d =>
        {
            var t = ml.Transforms.Counterfactual(Fast(new CounterfactualOptions { Model = TinyLdm, TargetLabel = "Sneaker", Progress = progress })).Fit(d);
            return (t.Transform(d), t.GetType().Name);
        }, expectedGenerated: 3);
    }

    [TestMethod]
    public void ProgressComesOncePerBatchNotOncePerRow()
    {
        var ml = new MLContext(seed: 1);
        var data = Images(ml, new() { ["Trouser"] = 12 });
        var progress = new SyncProgress();
        // 12 rows × 2 synthetic = 24 images in batches of 8: 3 batches, each moving the counters once.
        var t = ml.Transforms.DiffusionAugment(Fast(new DiffusionAugmentOptions { Model = TinyLdm, BatchSize = 8, Progress = progress })).Fit(data);
        Rows(t.Transform(data), "Image");

        // 3 batches + the final report; a row that takes over a second (a loaded machine) may add one, never one per row.
        Assert.IsTrue(progress.Reports.Count < 12, $"{progress.Reports.Count} reports for 12 rows in 3 batches");
        Assert.AreEqual(24L, progress.Reports[^1].ImagesGenerated);
    }
}
