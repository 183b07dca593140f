using MLAugment.Data;
using MLAugment.Data.Tests.Conformance;
using MLAugment.Data.Transforms;

namespace MLAugment.Data.Tests.Transforms;

[TestClass]
public sealed class ValueToKeyMappingTests
{
    [TestMethod]
    public void MapValueToKeyPassesTheEstimatorWorkout()
    {
        var mlContext = new MLContext(seed: 0);
        var data = mlContext.Data.LoadFromEnumerable(SampleData.Flowers());
        var numeric = mlContext.Data.LoadFromEnumerable(new[] { new SampleData.NumericSpecies() });
        var missing = mlContext.Data.LoadFromEnumerable(new[] { new SampleData.NoSpecies() });

        EstimatorConformance.TestEstimatorCore(mlContext.Transforms.Conversion.MapValueToKey("Label", "Species"), data, invalidInputs:
        [
            new InvalidInput(missing, "Could not find input column 'Species'"),
        ]);
        // Fitted on text, the transformer rejects a numeric column of the same name.
        var transformer = mlContext.Transforms.Conversion.MapValueToKey("Label", "Species").Fit(data);
        var e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => transformer.Transform(numeric));
        StringAssert.Contains(e.Message, "Schema mismatch for input column 'Species': expected String scalar or vector, got Double");
        // Vectors map item by item.
        EstimatorConformance.TestEstimatorCore(mlContext.Transforms.Conversion.MapValueToKey("FeatureKeys", "Features"), data);
    }

    [TestMethod]
    public void KeysFollowFirstOccurrenceAndCarryKeyValues()
    {
        var mlContext = new MLContext(seed: 0);
        var data = mlContext.Data.LoadFromEnumerable(SampleData.Flowers());

        var transformed = mlContext.Transforms.Conversion.MapValueToKey("Label", "Species").Fit(data).Transform(data);

        var label = transformed.Schema["Label"];
        Assert.AreEqual("Key<UInt32, 0-2>", label.Type.ToString());
        CollectionAssert.AreEqual(new uint[] { 1, 2, 3, 1, 2 }, transformed.GetColumn<uint>("Label").ToArray());
        VBuffer<ReadOnlyMemory<char>> keyValues = default;
        label.GetKeyValues(ref keyValues);
        CollectionAssert.AreEqual(new[] { "setosa", "versicolor", "virginica" }, keyValues.DenseValues().Select(v => v.ToString()).ToArray());
    }

    private sealed class Grade
    {
        public float Score { get; set; }
    }

    [TestMethod]
    public void ByValueSortsTheVocabularyAndUnseenValuesMapToMissing()
    {
        var mlContext = new MLContext(seed: 0);
        var train = mlContext.Data.LoadFromEnumerable(new[] { new Grade { Score = 3 }, new Grade { Score = 1 }, new Grade { Score = float.NaN }, new Grade { Score = 2 } });
        var test = mlContext.Data.LoadFromEnumerable(new[] { new Grade { Score = 2 }, new Grade { Score = 7 }, new Grade { Score = float.NaN } });

        var model = mlContext.Transforms.Conversion.MapValueToKey("Key", "Score", keyOrdinality: ValueToKeyMappingEstimator.KeyOrdinality.ByValue).Fit(train);

        CollectionAssert.AreEqual(new uint[] { 3, 1, 0, 2 }, model.Transform(train).GetColumn<uint>("Key").ToArray());
        CollectionAssert.AreEqual(new uint[] { 2, 0, 0 }, model.Transform(test).GetColumn<uint>("Key").ToArray());
        VBuffer<float> keyValues = default;
        model.GetOutputSchema(train.Schema)["Key"].GetKeyValues(ref keyValues);
        CollectionAssert.AreEqual(new[] { 1f, 2f, 3f }, keyValues.DenseValues().ToArray());
    }

    [TestMethod]
    public void MaximumNumberOfKeysCapsTheVocabularyAndWarnsThroughTheLog()
    {
        var mlContext = new MLContext(seed: 0);
        var messages = new List<LoggingEventArgs>();
        mlContext.Log += (_, e) => messages.Add(e);
        var data = mlContext.Data.LoadFromEnumerable(SampleData.Flowers());

        var model = mlContext.Transforms.Conversion.MapValueToKey("Label", "Species", maximumNumberOfKeys: 2, addKeyValueAnnotationsAsText: true).Fit(data);

        CollectionAssert.AreEqual(new uint[] { 1, 2, 0, 1, 2 }, model.Transform(data).GetColumn<uint>("Label").ToArray());
        Assert.AreEqual(1, messages.Count);
        Assert.AreEqual(ChannelMessageKind.Warning, messages[0].Kind);
        Assert.AreEqual("ValueToKeyMappingEstimator", messages[0].Source);
        StringAssert.StartsWith(messages[0].Message, "[Source=ValueToKeyMappingEstimator, Kind=Warning] Column 'Species'");
    }

    [TestMethod]
    public void KeyValuesAsTextDescribeNumericVocabularies()
    {
        var mlContext = new MLContext(seed: 0);
        var data = mlContext.Data.LoadFromEnumerable(new[] { new Grade { Score = 2.5f }, new Grade { Score = 1 } });

        var schema = mlContext.Transforms.Conversion.MapValueToKey("Key", "Score", addKeyValueAnnotationsAsText: true).Fit(data).GetOutputSchema(data.Schema);

        VBuffer<ReadOnlyMemory<char>> keyValues = default;
        schema["Key"].GetKeyValues(ref keyValues);
        CollectionAssert.AreEqual(new[] { "2.5", "1" }, keyValues.DenseValues().Select(v => v.ToString()).ToArray());
    }

    [TestMethod]
    public void FittingOnDataWithoutValuesIsAnError()
    {
        var mlContext = new MLContext(seed: 0);
        var empty = mlContext.Data.LoadFromEnumerable(Array.Empty<SampleData.Flower>());

        var e = Assert.ThrowsExactly<InvalidOperationException>(() => mlContext.Transforms.Conversion.MapValueToKey("Label", "Species").Fit(empty));
        StringAssert.Contains(e.Message, "'Species'");
    }
}
