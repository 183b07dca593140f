using MLAugment.Data;
using MLAugment.Data.Tests.Conformance;

namespace MLAugment.Data.Tests.Transforms;

[TestClass]
public sealed class KeyToValueMappingTests
{
    [TestMethod]
    public void MapKeyToValuePassesTheEstimatorWorkout()
    {
        var mlContext = new MLContext(seed: 0);
        var flowers = mlContext.Data.LoadFromEnumerable(SampleData.Flowers());
        var keyed = mlContext.Transforms.Conversion.MapValueToKey("Label", "Species").Fit(flowers).Transform(flowers);
        var noKeyValues = mlContext.Data.LoadFromEnumerable(SampleData.Images(3));

        EstimatorConformance.TestEstimatorCore(mlContext.Transforms.Conversion.MapKeyToValue("SpeciesAgain", "Label"), keyed, invalidInputs:
        [
            new InvalidInput(flowers, "Could not find input column 'Label'"),
            new InvalidInput(mlContext.Transforms.CopyColumns("Label", "SepalLength").Fit(flowers).Transform(flowers),
                "Schema mismatch for input column 'Label': expected key type with a KeyValues annotation, got Single"),
        ]);
        var e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => mlContext.Transforms.Conversion.MapKeyToValue("Text", "Label").Fit(noKeyValues));
        StringAssert.Contains(e.Message, "Schema mismatch for input column 'Label'");
    }

    [TestMethod]
    public void KeysRoundTripToTheirValuesAndMissingKeysToMissingValues()
    {
        var mlContext = new MLContext(seed: 0);
        var train = mlContext.Data.LoadFromEnumerable(SampleData.Flowers());
        var test = mlContext.Data.LoadFromEnumerable(new[] { new SampleData.Flower { Species = "virginica" }, new SampleData.Flower { Species = "unknown" } });

        var pipeline = mlContext.Transforms.Conversion.MapValueToKey("Label", "Species")
            .Append(mlContext.Transforms.Conversion.MapKeyToValue("Predicted", "Label"));
        var model = pipeline.Fit(train);

        CollectionAssert.AreEqual(new[] { "setosa", "versicolor", "virginica", "setosa", "versicolor" }, model.Transform(train).GetColumn<string>("Predicted").ToArray());
        CollectionAssert.AreEqual(new[] { "virginica", "" }, model.Transform(test).GetColumn<string>("Predicted").ToArray());
    }
}
