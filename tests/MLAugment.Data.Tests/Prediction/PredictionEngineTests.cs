using MLAugment.Data;
using MLAugment.Data.Tests.Operations;

namespace MLAugment.Data.Tests.Prediction;

[TestClass]
public sealed class PredictionEngineTests
{
    private sealed class FlowerPrediction
    {
        public uint Label { get; set; }

        [VectorType(4)]
        public float[] All { get; set; } = [];
    }

    [TestMethod]
    public void PredictsOneObjectAtATime()
    {
        var mlContext = new MLContext(seed: 0);
        var data = mlContext.Data.LoadFromEnumerable(SampleData.Flowers());
        var model = mlContext.Transforms.Conversion.MapValueToKey("Label", "Species")
            .Append(mlContext.Transforms.Concatenate("All", "SepalLength", "Features"))
            .Fit(data);

        using var engine = mlContext.Model.CreatePredictionEngine<SampleData.Flower, FlowerPrediction>(model);
        var p1 = engine.Predict(new SampleData.Flower { SepalLength = 1, Species = "virginica", Features = [2, 3, 4] });
        var p2 = engine.Predict(new SampleData.Flower { SepalLength = 5, Species = "unknown", Features = [6, 7, 8] });

        Assert.AreEqual(3u, p1.Label);
        CollectionAssert.AreEqual(new[] { 1f, 2, 3, 4 }, p1.All);
        Assert.AreEqual(0u, p2.Label, "unseen values map to the missing key");
        CollectionAssert.AreEqual(new[] { 5f, 6, 7, 8 }, p2.All);
    }

    [TestMethod]
    public void ChainsWithTrainingOnlyAugmentationNeedTheScoringModel()
    {
        var mlContext = new MLContext(seed: 0);
        var data = mlContext.Data.LoadFromEnumerable(SampleData.Images(4));
        var model = mlContext.Transforms.CopyColumns("Copy", "Pixels")
            .Append(new RepeatRowsEstimator(copies: 2), TransformerScope.Training)
            .Fit(data);

        var e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => mlContext.Model.CreatePredictionEngine<SampleData.ImageRow, SampleData.ImageRow>(model));
        StringAssert.Contains(e.Message, "Must be a row to row mapper");

        using var engine = mlContext.Model.CreatePredictionEngine<SampleData.ImageRow, SampleData.ImageRow>(model.GetModelFor(TransformerScope.Scoring));
        var row = engine.Predict(new SampleData.ImageRow { Label = 2, GroupId = "x", Pixels = [1, 2, 3, 4] });
        Assert.AreEqual("x", row.GroupId);
        CollectionAssert.AreEqual(new[] { 1f, 2, 3, 4 }, row.Pixels);
    }

    [TestMethod]
    public void MissingInputColumnsFailWhenTheEngineIsCreated()
    {
        var mlContext = new MLContext(seed: 0);
        var data = mlContext.Data.LoadFromEnumerable(SampleData.Flowers());
        var model = mlContext.Transforms.Conversion.MapValueToKey("Label", "Species").Fit(data);

        var e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => mlContext.Model.CreatePredictionEngine<SampleData.NoSpecies, FlowerPrediction>(model));
        StringAssert.Contains(e.Message, "Could not find input column 'Species'");
    }
}
