using MLAugment.Data;
using MLAugment.Data.Tests.Conformance;

namespace MLAugment.Data.Tests.Transforms;

[TestClass]
public sealed class ColumnTransformsTests
{
    [TestMethod]
    public void ConcatenatePassesTheEstimatorWorkout()
    {
        var mlContext = new MLContext(seed: 0);
        var data = mlContext.Data.LoadFromEnumerable(SampleData.Flowers());
        var textLength = mlContext.Transforms.CopyColumns("SepalLength", "Species").Fit(data).Transform(data);
        var missing = mlContext.Data.LoadFromEnumerable(new[] { new SampleData.NoSpecies() });

        EstimatorConformance.TestEstimatorCore(mlContext.Transforms.Concatenate("All", "Features", "SepalLength"), data, invalidInputs:
        [
            new InvalidInput(textLength, "Schema mismatch for input column 'SepalLength': expected Single, got String"),
        ]);
        EstimatorConformance.TestEstimatorCore(mlContext.Transforms.Concatenate("Species", "Species"), data, invalidInputs:
        [
            new InvalidInput(missing, "Could not find input column 'Species'"),
        ]);
        var bad = mlContext.Transforms.Concatenate("All", "Features", "Species");
        var e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => bad.Fit(data));
        StringAssert.Contains(e.Message, "Schema mismatch for input column 'Species': expected Single, got String");
    }

    [TestMethod]
    public void ConcatenateJoinsScalarsAndVectorsInOrder()
    {
        var mlContext = new MLContext(seed: 0);
        var data = mlContext.Data.LoadFromEnumerable(SampleData.Flowers());

        var transformed = mlContext.Transforms.Concatenate("All", "SepalLength", "Features").Fit(data).Transform(data);

        Assert.AreEqual("Vector<Single, 4>", transformed.Schema["All"].Type.ToString());
        CollectionAssert.AreEqual(new[] { 5.1f, 1, 2, 3 }, transformed.GetColumn<float[]>("All").First());
    }

    [TestMethod]
    public void CopyColumnsPassesTheEstimatorWorkout()
    {
        var mlContext = new MLContext(seed: 0);
        var data = mlContext.Data.LoadFromEnumerable(SampleData.Flowers());
        var missing = mlContext.Data.LoadFromEnumerable(new[] { new SampleData.NoSpecies() });

        EstimatorConformance.TestEstimatorCore(mlContext.Transforms.CopyColumns("Name", "Species"), data, invalidInputs:
        [
            new InvalidInput(missing, "Could not find input column 'Species'"),
        ]);
        // Writing over an existing name hides the old column.
        EstimatorConformance.TestEstimatorCore(mlContext.Transforms.CopyColumns("Features", "Features"), data);
        var hidden = mlContext.Transforms.CopyColumns("SepalLength", "Species").Fit(data).Transform(data);
        Assert.IsTrue(hidden.Schema[0].IsHidden);
        Assert.AreEqual(TextDataViewType.Instance, hidden.Schema["SepalLength"].Type);
    }

    [TestMethod]
    public void DropAndSelectColumnsPassTheEstimatorWorkout()
    {
        var mlContext = new MLContext(seed: 0);
        var data = mlContext.Data.LoadFromEnumerable(SampleData.Flowers());
        var missing = mlContext.Data.LoadFromEnumerable(new[] { new SampleData.NoSpecies() });

        EstimatorConformance.TestEstimatorCore(mlContext.Transforms.DropColumns("Species"), data, invalidInputs:
        [
            new InvalidInput(missing, "Could not find input column 'Species'"),
        ]);
        EstimatorConformance.TestEstimatorCore(mlContext.Transforms.SelectColumns("Species", "SepalLength"), data, invalidInputs:
        [
            new InvalidInput(missing, "Could not find input column 'Species'"),
        ]);
        var selected = mlContext.Transforms.SelectColumns("Species", "SepalLength").Fit(data).Transform(data);
        CollectionAssert.AreEqual(new[] { "Species", "SepalLength" }, selected.Schema.Select(c => c.Name).ToArray());
        var dropped = mlContext.Transforms.DropColumns("Species").Fit(data).Transform(data);
        CollectionAssert.AreEquivalent(new[] { "SepalLength", "Features" }, dropped.Schema.Select(c => c.Name).ToArray());
    }
}
