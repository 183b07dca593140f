using MLAugment.Data;
using MLAugment.Data.Tests.Conformance;

namespace MLAugment.Data.Tests.Operations;

[TestClass]
public sealed class DataOperationsTests
{
    [TestMethod]
    public void TrainTestSplitPartitionsRowsRepeatably()
    {
        var mlContext = new MLContext(seed: 0);
        var data = mlContext.Data.LoadFromEnumerable(SampleData.Images(1000));

        var split = mlContext.Data.TrainTestSplit(data, testFraction: 0.2, seed: 1);

        var train = split.TrainSet.GetColumn<float[]>("Pixels").Select(p => p[0]).ToArray();
        var test = split.TestSet.GetColumn<float[]>("Pixels").Select(p => p[0]).ToArray();
        Assert.AreEqual(1000, train.Length + test.Length);
        Assert.AreEqual(0, train.Intersect(test).Count());
        Assert.IsTrue(test.Length is > 150 and < 250, $"about 20% should be test rows, got {test.Length}");
        Assert.IsNull(split.TestSet.GetRowCount());
        CollectionAssert.AreEqual(test, split.TestSet.GetColumn<float[]>("Pixels").Select(p => p[0]).ToArray(), "a second cursor sees the same rows");
        var again = mlContext.Data.TrainTestSplit(data, testFraction: 0.2, seed: 1);
        CollectionAssert.AreEqual(test, again.TestSet.GetColumn<float[]>("Pixels").Select(p => p[0]).ToArray(), "same seed, same split");
        var other = mlContext.Data.TrainTestSplit(data, testFraction: 0.2, seed: 2);
        CollectionAssert.AreNotEqual(test, other.TestSet.GetColumn<float[]>("Pixels").Select(p => p[0]).ToArray());
    }

    [TestMethod]
    public void TheContextSeedMakesUnseededSplitsRepeatable()
    {
        static float[] TestRows(int contextSeed)
        {
            var mlContext = new MLContext(seed: contextSeed);
            var data = mlContext.Data.LoadFromEnumerable(SampleData.Images(200));
            return mlContext.Data.TrainTestSplit(data).TestSet.GetColumn<float[]>("Pixels").Select(p => p[0]).ToArray();
        }

        CollectionAssert.AreEqual(TestRows(3), TestRows(3));
        CollectionAssert.AreNotEqual(TestRows(3), TestRows(4));
    }

    [TestMethod]
    public void TrainTestSplitRejectsBadArguments()
    {
        var mlContext = new MLContext(seed: 0);
        var data = mlContext.Data.LoadFromEnumerable(SampleData.Images(10));

        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => mlContext.Data.TrainTestSplit(data, testFraction: 1.0));
        var missing = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => mlContext.Data.TrainTestSplit(data, samplingKeyColumnName: "Nope"));
        StringAssert.Contains(missing.Message, "Could not find sampling key column 'Nope'");
        var vector = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => mlContext.Data.TrainTestSplit(data, samplingKeyColumnName: "Pixels"));
        StringAssert.Contains(vector.Message, "Schema mismatch for sampling key column 'Pixels'");
    }

    [TestMethod]
    public void ShuffleRowsPermutesRepeatably()
    {
        var mlContext = new MLContext(seed: 0);
        var data = mlContext.Data.LoadFromEnumerable(SampleData.Images(100));

        var shuffled = mlContext.Data.ShuffleRows(data, seed: 11, shufflePoolSize: 20);

        var order = shuffled.GetColumn<float[]>("Pixels").Select(p => p[0]).ToArray();
        CollectionAssert.AreEquivalent(Enumerable.Range(0, 100).Select(i => (float)i).ToArray(), order);
        CollectionAssert.AreNotEqual(Enumerable.Range(0, 100).Select(i => (float)i).ToArray(), order);
        CollectionAssert.AreEqual(order, shuffled.GetColumn<float[]>("Pixels").Select(p => p[0]).ToArray(), "a second cursor replays the order");
        Assert.AreEqual(100L, shuffled.GetRowCount());
        var rows = DataViewAssert.ReadAll(shuffled);
        var source = DataViewAssert.ReadAll(data).ToDictionary(r => r[^1]!);
        foreach (var row in rows)
            DataViewAssert.AreEqual([source[row[^1]!]], [row], "shuffled rows keep their values and ids");
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => mlContext.Data.ShuffleRows(data, shufflePoolSize: 0));
    }

    [TestMethod]
    public void TakeAndSkipRowsCount()
    {
        var mlContext = new MLContext(seed: 0);
        var data = mlContext.Data.LoadFromEnumerable(SampleData.Images(10));

        var taken = mlContext.Data.TakeRows(data, 3);
        var skipped = mlContext.Data.SkipRows(data, 8);

        Assert.AreEqual(3L, taken.GetRowCount());
        CollectionAssert.AreEqual(new[] { 0f, 1f, 2f }, taken.GetColumn<float[]>("Pixels").Select(p => p[0]).ToArray());
        Assert.AreEqual(2L, skipped.GetRowCount());
        CollectionAssert.AreEqual(new[] { 8f, 9f }, skipped.GetColumn<float[]>("Pixels").Select(p => p[0]).ToArray());
        Assert.AreEqual(0L, mlContext.Data.SkipRows(data, 20).GetRowCount());
    }

    [TestMethod]
    public void FilterRowsByColumnKeepsTheHalfOpenRange()
    {
        var mlContext = new MLContext(seed: 0);
        var data = mlContext.Data.LoadFromEnumerable(SampleData.Flowers());

        var filtered = mlContext.Data.FilterRowsByColumn(data, "SepalLength", lowerBound: 5, upperBound: 6.4);

        CollectionAssert.AreEqual(new[] { 5.1f, 6.3f }, filtered.GetColumn<float>("SepalLength").ToArray());
        var e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => mlContext.Data.FilterRowsByColumn(data, "Species"));
        StringAssert.Contains(e.Message, "Schema mismatch for filter column 'Species': expected Single or Double, got String");
    }

    [TestMethod]
    public void PreviewAndGetColumnShowTheData()
    {
        var mlContext = new MLContext(seed: 0);
        var data = mlContext.Data.LoadFromEnumerable(SampleData.Flowers());

        var preview = data.Preview(maxRows: 2);

        Assert.AreEqual(2, preview.RowView.Count);
        Assert.AreEqual(3, preview.ColumnView.Count);
        Assert.AreEqual("SepalLength: 5.1; Species: setosa; Features: [1, 2, 3]", preview.RowView[0].ToString());
        Assert.AreEqual(7.0f, preview.ColumnView[0].Values[1]);
        CollectionAssert.AreEqual(new[] { "setosa", "versicolor" }, data.GetColumn<string>("Species").Take(2).ToArray());
        Assert.ThrowsExactly<InvalidOperationException>(() => data.GetColumn<int>("Species"));
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => data.GetColumn<int>("Nope"));
    }
}
