using MLAugment.Data;
using MLAugment.Data.Tests.Conformance;
using MLAugment.Data.Transforms.Onnx;
using MLAugment.Onnx.Format;

namespace MLAugment.Data.Tests.Transforms;

/// <summary><c>ApplyOnnxModel</c>: columns feed ONNX inputs by name, outputs come back typed from the model, in batches.</summary>
[TestClass]
public sealed class OnnxTransformerTests
{
    private static readonly MLContext MlContext = new(seed: 1);

    // Scores = Features·W + b and Relu = max(Features − 5, 0); the weights are exact binary fractions so batched and
    // single-row runs give bit-identical results.
    private static readonly float[] W = [1f, 0f, 0.5f, -1f, 2f, 0.25f];
    private static readonly float[] B = [0.5f, -2f];

    private static OnnxModel FeatureModel() => new OnnxGraphBuilder("features")
        .Input("Features", OnnxDataType.Float, ["batch", 3])
        .Initializer(OnnxTensor.FromFloats("W", [3, 2], W))
        .Initializer(OnnxTensor.FromFloats("b", [2], B))
        .Initializer(OnnxTensor.FromFloats("five", [], [5f]))
        .Node("MatMul", ["Features", "W"], ["xw"])
        .Node("Add", ["xw", "b"], ["Scores"])
        .Node("Sub", ["Features", "five"], ["shifted"])
        .Node("Relu", ["shifted"], ["Relu"])
        .Output("Scores", OnnxDataType.Float, ["batch", 2])
        .Output("Relu", OnnxDataType.Float, ["batch", 3])
        .BuildModel();

    // Rows of a 4×2 table looked up by int64 ids: Embedded [batch, 2, 2].
    private static OnnxModel LookupModel() => new OnnxGraphBuilder("lookup")
        .Input("Ids", OnnxDataType.Int64, ["batch", 2])
        .Initializer(OnnxTensor.FromFloats("table", [4, 2], [0f, 1f, 10f, 11f, 20f, 21f, 30f, 31f]))
        .Node("Gather", ["table", "Ids"], ["Embedded"], null, OnnxAttribute.Int("axis", 0))
        .Output("Embedded", OnnxDataType.Float, ["batch", 2, 2])
        .BuildModel();

    private sealed class IdRow
    {
        [VectorType(2)] public long[] Ids { get; set; } = new long[2];
    }

    private sealed class WideRow
    {
        [VectorType(4)] public float[] Features { get; set; } = new float[4];
    }

    private sealed class DoubleRow
    {
        [VectorType(3)] public double[] Features { get; set; } = new double[3];
    }

    private sealed class NoFeatures
    {
        public float SepalLength { get; set; }
    }

    private static string Save(OnnxModel model, OnnxExternalDataOptions? external = null)
    {
        string dir = Path.Combine(Path.GetTempPath(), "mlaugment-onnx-transform-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        string path = Path.Combine(dir, model.Graph.Name + ".onnx");
        OnnxModelWriter.Save(model, path, external);
        return path;
    }

    private static float[][] Column(IDataView data, string name) =>
        data.GetColumn<VBuffer<float>>(name).Select(v => v.DenseValues().ToArray()).ToArray();

    [TestMethod]
    public void ApplyOnnxModel_PassesTheEstimatorWorkout_InBatchesThatSplitTheRows()
    {
        string file = Save(FeatureModel());
        var data = MlContext.Data.LoadFromEnumerable(SampleData.Flowers());
        var estimator = new OnnxScoringEstimator(new OnnxTransformer(["Scores", "Relu"], ["Features"], file, null, false, batchSize: 2));

        EstimatorConformance.TestEstimatorCore(estimator, data, invalidInputs:
        [
            new(MlContext.Data.LoadFromEnumerable(new[] { new NoFeatures() }), "Could not find input column 'Features'"),
            new(MlContext.Data.LoadFromEnumerable(new[] { new DoubleRow() }), "Schema mismatch for input column 'Features': expected Vector<Single, 3> (ONNX input 'Features' Float[batch, 3]), got Vector<Double"),
        ]);
        EstimatorConformance.TestEstimatorCore(MlContext.Transforms.ApplyOnnxModel("Scores", "Features", file), data);
    }

    [TestMethod]
    public void Outputs_AreTypedFromTheModelAndHoldItsResults()
    {
        string file = Save(FeatureModel());
        var data = MlContext.Data.LoadFromEnumerable(SampleData.Flowers());

        var scored = MlContext.Transforms.ApplyOnnxModel(["Scores", "Relu"], ["Features"], file).Fit(data).Transform(data);

        Assert.AreEqual(new VectorDataViewType(NumberDataViewType.Single, 2), scored.Schema["Scores"].Type);
        Assert.AreEqual(new VectorDataViewType(NumberDataViewType.Single, 3), scored.Schema["Relu"].Type);
        var features = SampleData.Flowers().Select(f => f.Features).ToArray();
        var scores = Column(scored, "Scores");
        var relu = Column(scored, "Relu");
        for (int r = 0; r < features.Length; r++)
        {
            var x = features[r];
            CollectionAssert.AreEqual(new[] { x[0] * W[0] + x[1] * W[2] + x[2] * W[4] + B[0], x[0] * W[1] + x[1] * W[3] + x[2] * W[5] + B[1] }, scores[r], $"row {r}");
            CollectionAssert.AreEqual(x.Select(v => MathF.Max(v - 5f, 0f)).ToArray(), relu[r], $"row {r}");
        }
    }

    [TestMethod]
    public void ShuffledCursors_KeepEachRowWithItsScores()
    {
        string file = Save(FeatureModel());
        var data = MlContext.Data.LoadFromEnumerable(SampleData.Flowers());
        var scored = new OnnxTransformer(["Scores"], ["Features"], file, null, false, batchSize: 3).Transform(MlContext.Data.Cache(data));

        // Columns: SepalLength, Species, Features, Scores, then the row id.
        static string Key(object?[] row) => Text(row[2]) + " -> " + Text(row[3]);
        var shuffled = DataViewAssert.ReadAll(scored, new Random(5)).Select(Key).ToArray();
        var ordered = DataViewAssert.ReadAll(scored).Select(Key).ToArray();

        CollectionAssert.AreEquivalent(ordered, shuffled);
        CollectionAssert.AreNotEqual(ordered, shuffled, "the cached view should have been shuffled");
    }

    private static string Text(object? value) =>
        value is System.Collections.IEnumerable items ? string.Join(",", items.Cast<object>()) : value?.ToString() ?? "null";

    [TestMethod]
    public void Int64Inputs_AndMultiDimensionalOutputs()
    {
        string file = Save(LookupModel());
        var data = MlContext.Data.LoadFromEnumerable(new[] { new IdRow { Ids = [0, 3] }, new IdRow { Ids = [2, 1] } });

        var scored = MlContext.Transforms.ApplyOnnxModel(file).Fit(data).Transform(data);

        Assert.AreEqual(new VectorDataViewType(NumberDataViewType.Single, 2, 2), scored.Schema["Embedded"].Type);
        var rows = Column(scored, "Embedded");
        CollectionAssert.AreEqual(new[] { 0f, 1f, 30f, 31f }, rows[0]);
        CollectionAssert.AreEqual(new[] { 20f, 21f, 10f, 11f }, rows[1]);
    }

    [TestMethod]
    public void WrongVectorSize_IsRefusedAtSchemaTime_NamingColumnInputAndBothShapes()
    {
        string file = Save(FeatureModel());
        var wide = MlContext.Data.LoadFromEnumerable(new[] { new WideRow() });
        var transformer = MlContext.Transforms.ApplyOnnxModel("Scores", "Features", file).Fit(MlContext.Data.LoadFromEnumerable(SampleData.Flowers()));

        var e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => transformer.GetOutputSchema(wide.Schema));

        StringAssert.Contains(e.Message, "column 'Features'");
        StringAssert.Contains(e.Message, "ONNX input 'Features' Float[batch, 3]");
        StringAssert.Contains(e.Message, "got Vector<Single, 4>");
    }

    [TestMethod]
    public void UnknownNamesAndMissingFiles_AreRefusedUpFront()
    {
        string file = Save(FeatureModel());
        var e = Assert.ThrowsExactly<ArgumentException>(() => MlContext.Transforms.ApplyOnnxModel("Probabilities", "Features", file));
        StringAssert.Contains(e.Message, "no output 'Probabilities'");
        StringAssert.Contains(e.Message, "Scores");
        Assert.ThrowsExactly<FileNotFoundException>(() => MlContext.Transforms.ApplyOnnxModel("Scores", "Features", file + ".missing"));
    }

    private sealed class Prediction
    {
        [VectorType(2)] public float[] Scores { get; set; } = [];
    }

    [TestMethod]
    public void PredictionEngine_ScoresOneRowAtATime()
    {
        string file = Save(FeatureModel());
        var data = MlContext.Data.LoadFromEnumerable(SampleData.Flowers());
        var engine = MlContext.Model.CreatePredictionEngine<SampleData.Flower, Prediction>(MlContext.Transforms.ApplyOnnxModel("Scores", "Features", file).Fit(data));

        CollectionAssert.AreEqual(new[] { 1f + 1f + 6f + 0.5f, -2f + 0.75f - 2f }, engine.Predict(new SampleData.Flower { Features = [1, 2, 3] }).Scores);
        CollectionAssert.AreEqual(new[] { 0.5f, -2f }, engine.Predict(new SampleData.Flower { Features = [0, 0, 0] }).Scores);
    }

    [TestMethod]
    public void ExternalWeights_AreEmbeddedWhenTheModelIsSaved()
    {
        string file = Save(FeatureModel(), new OnnxExternalDataOptions { SizeThreshold = 0, FileName = "features.weights" });
        var data = MlContext.Data.LoadFromEnumerable(SampleData.Flowers());
        var transformer = MlContext.Transforms.ApplyOnnxModel("Scores", "Features", file).Fit(data);
        var expected = Column(transformer.Transform(data), "Scores");

        using var stream = new MemoryStream();
        MlContext.Model.Save(transformer, data.Schema, stream);
        File.Delete(Path.Combine(Path.GetDirectoryName(file)!, "features.weights"));
        stream.Position = 0;
        var loaded = MlContext.Model.Load(stream, out _);

        var actual = Column(loaded.Transform(data), "Scores");
        for (int r = 0; r < expected.Length; r++) CollectionAssert.AreEqual(expected[r], actual[r]);
    }
}
