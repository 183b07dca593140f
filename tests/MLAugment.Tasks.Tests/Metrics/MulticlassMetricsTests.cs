using MLAugment.Tasks.Metrics;

namespace MLAugment.Tasks.Tests.Metrics;

[TestClass]
public sealed class MulticlassMetricsTests
{
    // 3 classes, 5 rows. Predictions (argmax): 0,1,1,2,0 for labels 0,0,1,2,2.
    private static readonly int[] Labels = { 0, 0, 1, 2, 2 };
    private static readonly float[] Probs =
    {
        0.7f, 0.2f, 0.1f,
        0.3f, 0.6f, 0.1f,
        0.1f, 0.8f, 0.1f,
        0.2f, 0.2f, 0.6f,
        0.5f, 0.1f, 0.4f,
    };

    [TestMethod]
    public void AccuraciesAndConfusionMatrixMatchHandCounts()
    {
        var m = MulticlassClassificationMetrics.Compute(Labels, Probs, 3);
        Assert.AreEqual(3.0 / 5, m.MicroAccuracy, 1e-12);
        // recall: class0 1/2, class1 1/1, class2 1/2 → macro (0.5+1+0.5)/3
        Assert.AreEqual(2.0 / 3, m.MacroAccuracy, 1e-12);
        Assert.AreEqual(1.0, m.ConfusionMatrix.GetCountForClassPair(predictedClassIndicatorIndex: 1, actualClassIndicatorIndex: 0));
        // precision: class0 1/2, class1 1/2, class2 1/1; F1: 0.5, 2/3, 2/3
        Assert.AreEqual((0.5 + 2.0 / 3 + 2.0 / 3) / 3, m.MacroF1, 1e-12);
        CollectionAssert.AreEqual(new[] { 0.5, 1.0, 0.5 }, m.PerClassRecall.ToArray());
    }

    [TestMethod]
    public void LogLossAndReductionMatchHandComputation()
    {
        var m = MulticlassClassificationMetrics.Compute(Labels, Probs, 3, topKPredictionCount: 2);
        double expected = -(Math.Log(0.7f) + Math.Log(0.3f) + Math.Log(0.8f) + Math.Log(0.6f) + Math.Log(0.4f)) / 5;
        Assert.AreEqual(expected, m.LogLoss, 1e-9);
        double prior = -(2 * Math.Log(0.4) + Math.Log(0.2) + 2 * Math.Log(0.4)) / 5;
        Assert.AreEqual(1 - expected / prior, m.LogLossReduction, 1e-9);
        Assert.AreEqual((-Math.Log(0.3f) - Math.Log(0.7f)) / 2, m.PerClassLogLoss[0], 1e-9);
        // top-1 = 3/5; top-2: row 1 (true class 0 ranks 2nd), row 4 (class 2 ranks 2nd) → 5/5
        CollectionAssert.AreEqual(new[] { 0.6, 1.0 }, m.TopKAccuracyForAllK.ToArray());
    }

    [TestMethod]
    public void BadInputsAreNamed()
    {
        var ex = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => MulticlassClassificationMetrics.Compute(new[] { 5 }, new float[] { 0.5f, 0.5f }, 2));
        StringAssert.Contains(ex.Message, "label 5");
        Assert.ThrowsExactly<ArgumentException>(() => MulticlassClassificationMetrics.Compute(new[] { 0 }, new float[] { 1f }, 2));
    }
}
