using MLAugment.Data;
using MLAugment.Data.Tests.Conformance;

namespace MLAugment.Data.Tests.Operations;

[TestClass]
public sealed class RowExpandingTests
{
    [TestMethod]
    public void ARowExpandingEstimatorPassesTheEstimatorWorkout()
    {
        var mlContext = new MLContext(seed: 0);
        var data = mlContext.Data.LoadFromEnumerable(SampleData.Images(6));
        var flowers = mlContext.Data.LoadFromEnumerable(SampleData.Flowers());
        var textPixels = mlContext.Transforms.CopyColumns("Pixels", "GroupId").Fit(data).Transform(data);

        EstimatorConformance.TestEstimatorCore(new RepeatRowsEstimator(copies: 3), data, invalidInputs:
        [
            new InvalidInput(flowers, "Could not find input column 'Pixels'"),
            new InvalidInput(textPixels, "Schema mismatch for input column 'Pixels': expected Vector<Single>, got String"),
        ]);
        EstimatorConformance.TestEstimatorCore(new RepeatRowsEstimator(copies: 3, groupingKeyColumnName: "GroupId", variableCount: true), data);
    }

    [TestMethod]
    public void EachSourceRowYieldsItsCopiesWithDerivedIds()
    {
        var mlContext = new MLContext(seed: 0);
        var data = mlContext.Data.LoadFromEnumerable(SampleData.Images(4));

        var augmented = new RepeatRowsEstimator(copies: 3).Fit(data).Transform(data);

        Assert.AreEqual(12L, augmented.GetRowCount());
        Assert.IsFalse(augmented.CanShuffle);
        CollectionAssert.AreEqual(new[] { 0, 1, 2, 0, 1, 2 }, augmented.GetColumn<int>("CopyIndex").Take(6).ToArray());
        CollectionAssert.AreEqual(new[] { 1f, 101f, 201f, 2f }, augmented.GetColumn<float[]>("Pixels").Skip(3).Take(4).Select(p => p[0]).ToArray());
        CollectionAssert.AreEqual(new uint[] { 1, 1, 1, 2, 2, 2 }, augmented.GetColumn<uint>("Label").Take(6).ToArray(), "other columns are copied from the source row");
        Assert.AreEqual(data.Schema.Count + 3, augmented.Schema.Count, "Pixels is replaced in place; CopyIndex, Noise and GroupKey are appended");
        Assert.AreEqual(data.Schema["Pixels"].Index, augmented.Schema["Pixels"].Index);

        var sourceIds = new List<DataViewRowId>();
        using (var cursor = data.GetRowCursor([]))
        {
            var id = cursor.GetIdGetter();
            while (cursor.MoveNext())
            {
                DataViewRowId v = default;
                id(ref v);
                sourceIds.Add(v);
            }
        }
        var keys = augmented.GetColumn<DataViewRowId>("GroupKey").ToArray();
        CollectionAssert.AreEqual(sourceIds.SelectMany(s => new[] { s, s, s }).ToArray(), keys, "the generated grouping key is the source row id");
        var rows = DataViewAssert.ReadAll(augmented);
        var expectedIds = sourceIds.SelectMany(s => Enumerable.Range(0, 3).Select(i => (object)s.Combine(new DataViewRowId((ulong)i, 0)))).ToArray();
        CollectionAssert.AreEqual(expectedIds, rows.Select(r => r[^1]).ToArray());
    }

    [TestMethod]
    public void CursorsAreRepeatableAndComputeOnlyWhatIsAsked()
    {
        var mlContext = new MLContext(seed: 0);
        var data = mlContext.Data.LoadFromEnumerable(SampleData.Images(5));
        var augmented = new RepeatRowsEstimator(copies: 2).Fit(data).Transform(data);

        var noise = augmented.GetColumn<float>("Noise").ToArray();
        CollectionAssert.AreEqual(noise, augmented.GetColumn<float>("Noise").ToArray());
        Assert.AreEqual(noise.Length, noise.Distinct().Count(), "each derived row draws its own noise");

        using var cursor = augmented.GetRowCursor([augmented.Schema["CopyIndex"]]);
        Assert.ThrowsExactly<InvalidOperationException>(() => cursor.GetGetter<VBuffer<float>>(augmented.Schema["Pixels"]));
        int n = 0;
        while (cursor.MoveNext())
            n++;
        Assert.AreEqual(10, n);
    }

    [TestMethod]
    public void VariableExpansionHasNoKnownRowCount()
    {
        var mlContext = new MLContext(seed: 0);
        var data = mlContext.Data.LoadFromEnumerable(SampleData.Images(5));

        var augmented = new RepeatRowsEstimator(copies: 3, variableCount: true).Fit(data).Transform(data);

        Assert.IsNull(augmented.GetRowCount());
        Assert.AreEqual(1 + 2 + 3 + 1 + 2, augmented.GetColumn<int>("CopyIndex").Count());
    }

    [TestMethod]
    public void SplittingByTheGroupingKeyKeepsDerivedRowsWithTheirSource()
    {
        var mlContext = new MLContext(seed: 0);
        var data = mlContext.Data.LoadFromEnumerable(SampleData.Images(40));
        var augmented = new RepeatRowsEstimator(copies: 3, groupingKeyColumnName: "GroupId").Fit(data).Transform(data);

        var split = mlContext.Data.TrainTestSplit(augmented, testFraction: 0.3, samplingKeyColumnName: "GroupId", seed: 5);

        var trainGroups = split.TrainSet.GetColumn<string>("GroupId").ToHashSet();
        var testGroups = split.TestSet.GetColumn<string>("GroupId").ToArray();
        Assert.IsTrue(testGroups.Length > 0 && trainGroups.Count > 0);
        Assert.IsFalse(testGroups.Any(trainGroups.Contains), "no group is on both sides");
        Assert.IsTrue(testGroups.GroupBy(g => g).All(g => g.Count() == 6), "a group of two sources with three copies each stays whole");
    }
}
