using MLAugment.Data;

namespace MLAugment.Tasks.Tests.Evaluation;

/// <summary>mlContext.MulticlassClassification.Evaluate on a scored IDataView, every metric against hand computation.</summary>
[TestClass]
public sealed class EvaluateTests
{
    public sealed class Scored
    {
        public string Class { get; set; } = "";
        [VectorType(3)] public float[] Score { get; set; } = [];
        [KeyType(3)] public uint PredictedLabel { get; set; }
    }

    private sealed class KeyRow
    {
        public string Class { get; set; } = "";
    }

    // Labels a,a,b,c,c (+ one row with an unknown class → missing key, skipped); argmax predictions a,b,b,c,a.
    private static IDataView Data(MLContext ml)
    {
        var rows = new[]
        {
            new Scored { Class = "a", Score = [0.7f, 0.2f, 0.1f], PredictedLabel = 1 },
            new Scored { Class = "a", Score = [0.3f, 0.6f, 0.1f], PredictedLabel = 2 },
            new Scored { Class = "b", Score = [0.1f, 0.8f, 0.1f], PredictedLabel = 2 },
            new Scored { Class = "c", Score = [0.2f, 0.2f, 0.6f], PredictedLabel = 3 },
            new Scored { Class = "c", Score = [0.5f, 0.1f, 0.4f], PredictedLabel = 1 },
            new Scored { Class = "unknown", Score = [0.0f, 0.0f, 1.0f], PredictedLabel = 3 },
        };
        var data = ml.Data.LoadFromEnumerable(rows);
        var keys = ml.Data.LoadFromEnumerable(new[] { "a", "b", "c" }.Select(c => new KeyRow { Class = c }));
        return ml.Transforms.Conversion.MapValueToKey("Label", "Class", keyData: keys).Fit(data).Transform(data);
    }

    [TestMethod]
    public void EveryMetricMatchesHandComputation()
    {
        var ml = new MLContext();
        var m = ml.MulticlassClassification.Evaluate(Data(ml), topKPredictionCount: 2);

        Assert.AreEqual(3.0 / 5, m.MicroAccuracy, 1e-12);                      // a, b, c right; a→b, c→a wrong
        Assert.AreEqual((0.5 + 1.0 + 0.5) / 3, m.MacroAccuracy, 1e-12);        // per-class recall 1/2, 1/1, 1/2
        double logLoss = -(Math.Log(0.7f) + Math.Log(0.3f) + Math.Log(0.8f) + Math.Log(0.6f) + Math.Log(0.4f)) / 5;
        Assert.AreEqual(logLoss, m.LogLoss, 1e-9);
        double priorLoss = -(2 * Math.Log(0.4) + Math.Log(0.2) + 2 * Math.Log(0.4)) / 5; // label frequencies 2/5, 1/5, 2/5
        Assert.AreEqual(1 - logLoss / priorLoss, m.LogLossReduction, 1e-9);
        Assert.AreEqual(-(Math.Log(0.7f) + Math.Log(0.3f)) / 2, m.PerClassLogLoss[0], 1e-9);
        Assert.AreEqual(-Math.Log(0.8f), m.PerClassLogLoss[1], 1e-9);
        Assert.AreEqual(-(Math.Log(0.6f) + Math.Log(0.4f)) / 2, m.PerClassLogLoss[2], 1e-9);
        // Confusion [actual][predicted].
        double[][] counts = [[1, 1, 0], [0, 1, 0], [1, 0, 1]];
        for (int a = 0; a < 3; a++)
            CollectionAssert.AreEqual(counts[a], m.ConfusionMatrix.Counts[a].ToArray(), $"row {a}");
        CollectionAssert.AreEqual(new[] { 0.5, 0.5, 1.0 }, m.ConfusionMatrix.PerClassPrecision.ToArray());
        CollectionAssert.AreEqual(new[] { 0.5, 1.0, 0.5 }, m.PerClassRecall.ToArray());
        Assert.AreEqual((0.5 + 2.0 / 3 + 2.0 / 3) / 3, m.MacroF1, 1e-12);     // F1 per class: 0.5, 2/3, 2/3
        // Top-1 = micro accuracy; top-2: the true class is within the two best in rows 1, 2, 3, 4, 5 (row 5: 0.4 is second).
        CollectionAssert.AreEqual(new[] { 3.0 / 5, 5.0 / 5 }, m.TopKAccuracyForAllK.ToArray());
        Assert.AreEqual(1.0, m.TopKAccuracy);
        Assert.AreEqual(2, m.TopKPredictionCount);
        CollectionAssert.AreEqual(new[] { "a", "b", "c" }, m.ConfusionMatrix.ClassNames.ToArray());
    }

    [TestMethod]
    public void BadColumnsFailWithMLNetWording()
    {
        var ml = new MLContext();
        var data = Data(ml);
        void Fails(IDataView d, string message, string label = "Label", string score = "Score", string predicted = "PredictedLabel")
        {
            var e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => ml.MulticlassClassification.Evaluate(d, label, score, predicted));
            StringAssert.Contains(e.Message, message);
        }
        Fails(data, "Could not find label column 'Truth'", label: "Truth");
        Fails(data, "Schema mismatch for label column 'Class': expected Key<UInt32>, got String", label: "Class");
        Fails(data, "Could not find score column 'Probabilities'", score: "Probabilities");
        Fails(ml.Transforms.CopyColumns("Score", "Class").Fit(data).Transform(data), "Schema mismatch for score column 'Score': expected Vector<Single, 3>, got String");
        Fails(data, "Could not find predicted label column 'Guess'", predicted: "Guess");
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => ml.MulticlassClassification.Evaluate(data, topKPredictionCount: 4));
    }
}
