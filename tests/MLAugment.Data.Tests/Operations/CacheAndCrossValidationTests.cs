using MLAugment.Data;
using MLAugment.Data.Tests.Conformance;

namespace MLAugment.Data.Tests.Operations;

[TestClass]
public sealed class CacheAndCrossValidationTests
{
    /// <summary>A repeatable sequence that counts how often it is enumerated.</summary>
    private sealed class CountingRows(int n)
    {
        public int Enumerations { get; private set; }

        public IEnumerable<SampleData.ImageRow> Rows()
        {
            Enumerations++;
            foreach (var row in SampleData.Images(n))
                yield return row;
        }
    }

    [TestMethod]
    public void CacheReadsEachColumnFromTheSourceOnce()
    {
        var mlContext = new MLContext(seed: 0);
        var source = new CountingRows(10);
        var data = mlContext.Data.LoadFromEnumerable(source.Rows());

        var cached = mlContext.Data.Cache(data);
        var first = DataViewAssert.ReadAll(cached);
        var second = DataViewAssert.ReadAll(cached);

        Assert.AreEqual(1, source.Enumerations);
        DataViewAssert.AreEqual(DataViewAssert.ReadAll(data), first, "cached rows equal the source, ids included");
        DataViewAssert.AreEqual(first, second, "second cursor");
        Assert.AreEqual(10L, cached.GetRowCount(), "the count is known once cached");
        Assert.IsTrue(cached.CanShuffle);
        var shuffled = DataViewAssert.ReadAll(cached, new Random(1));
        CollectionAssert.AreEquivalent(first.Select(r => r[^1]).ToArray(), shuffled.Select(r => r[^1]).ToArray());
        Assert.AreEqual(2, source.Enumerations, "only the direct read of the source above enumerated it again");
    }

    [TestMethod]
    public void CacheFillsOnlyTheColumnsAskedFor()
    {
        var mlContext = new MLContext(seed: 0);
        var source = new CountingRows(4);
        var cached = mlContext.Data.Cache(mlContext.Data.LoadFromEnumerable(source.Rows()), "Label");
        Assert.AreEqual(1, source.Enumerations, "prefetch reads now");

        CollectionAssert.AreEqual(new uint[] { 1, 2, 3, 1 }, cached.GetColumn<uint>("Label").ToArray());
        Assert.AreEqual(1, source.Enumerations);
        CollectionAssert.AreEqual(new[] { "g0", "g0", "g1", "g1" }, cached.GetColumn<string>("GroupId").ToArray());
        Assert.AreEqual(2, source.Enumerations, "a new column costs one more pass");
        var e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => mlContext.Data.Cache(cached, "Nope"));
        StringAssert.Contains(e.Message, "Could not find prefetch column 'Nope'");
    }

    [TestMethod]
    public void AppendCacheCheckpointSparesLaterEstimatorsTheUpstreamWork()
    {
        var mlContext = new MLContext(seed: 0);
        var source = new CountingRows(6);
        var data = mlContext.Data.LoadFromEnumerable(source.Rows());
        var first = new RowCountingEstimator();
        var second = new RowCountingEstimator();

        var pipeline = mlContext.Transforms.CopyColumns("Copy", "Pixels")
            .AppendCacheCheckpoint(mlContext)
            .Append(first)
            .Append(second);
        var model = pipeline.Fit(data);

        Assert.AreEqual(1, source.Enumerations, "both counting estimators read the cache");
        Assert.AreEqual(6, model.LastTransformer.RowsSeenAtFit);
        Assert.AreEqual(6L, model.Transform(data).GetColumn<float[]>("Copy").Count());
    }

    [TestMethod]
    public void CrossValidationTestsEveryGroupExactlyOnce()
    {
        var mlContext = new MLContext(seed: 0);
        var data = mlContext.Data.LoadFromEnumerable(SampleData.Images(60));

        var folds = mlContext.Data.CrossValidationSplit(data, numberOfFolds: 4, samplingKeyColumnName: "GroupId", seed: 3);

        Assert.AreEqual(4, folds.Count);
        var tested = folds.SelectMany(f => f.TestSet.GetColumn<float[]>("Pixels").Select(p => p[0])).ToArray();
        CollectionAssert.AreEquivalent(Enumerable.Range(0, 60).Select(i => (float)i).ToArray(), tested);
        foreach (var fold in folds)
        {
            var train = fold.TrainSet.GetColumn<string>("GroupId").ToHashSet();
            var test = fold.TestSet.GetColumn<string>("GroupId").ToHashSet();
            Assert.IsFalse(test.Overlaps(train));
            Assert.AreEqual(30, train.Count + test.Count);
        }
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => mlContext.Data.CrossValidationSplit(data, numberOfFolds: 1));
    }

    [TestMethod]
    public void AGeneratedRowIdGroupingKeyCanDriveTheSplit()
    {
        var mlContext = new MLContext(seed: 0);
        var data = mlContext.Data.LoadFromEnumerable(SampleData.Images(30));
        var augmented = new RepeatRowsEstimator(copies: 2, groupingKeyColumnName: "SourceRow").Fit(data).Transform(data);

        var split = mlContext.Data.TrainTestSplit(augmented, testFraction: 0.5, samplingKeyColumnName: "SourceRow", seed: 9);

        var train = split.TrainSet.GetColumn<DataViewRowId>("SourceRow").ToArray();
        var test = split.TestSet.GetColumn<DataViewRowId>("SourceRow").ToArray();
        Assert.AreEqual(60, train.Length + test.Length);
        Assert.IsFalse(test.Intersect(train).Any());
        Assert.IsTrue(test.GroupBy(k => k).All(g => g.Count() == 2));
    }
}
