namespace MLAugment.Tasks.Metrics;

/// <summary>
/// ML.NET's MulticlassClassificationMetrics shape, plus macro-F1 and per-class recall which the long-tail
/// experiments report. Computed from true class indices and per-class probabilities.
/// </summary>
public sealed class MulticlassClassificationMetrics
{
    /// <summary>Fraction of rows classified correctly.</summary>
    public double MicroAccuracy { get; }
    /// <summary>Mean over classes (present in the labels) of per-class accuracy (= recall).</summary>
    public double MacroAccuracy { get; }
    /// <summary>Mean −log p(true class), probabilities clamped at 1e-15 as ML.NET does.</summary>
    public double LogLoss { get; }
    /// <summary>1 − LogLoss / LogLoss(prior): improvement over predicting the label distribution.</summary>
    public double LogLossReduction { get; }
    public IReadOnlyList<double> PerClassLogLoss { get; }
    public int TopKPredictionCount { get; }
    public IReadOnlyList<double> TopKAccuracyForAllK { get; }
    public double TopKAccuracy => TopKAccuracyForAllK.Count == 0 ? 0 : TopKAccuracyForAllK[^1];
    public ConfusionMatrix ConfusionMatrix { get; }
    /// <summary>Unweighted mean of per-class F1 over classes present in labels or predictions.</summary>
    public double MacroF1 { get; }
    public IReadOnlyList<double> PerClassRecall => ConfusionMatrix.PerClassRecall;

    private const double Epsilon = 1e-15;

    /// <param name="labels">True class index per row, in [0, classes).</param>
    /// <param name="probabilities">Row-major [rows, classes] class probabilities (each row sums to ~1).</param>
    public static MulticlassClassificationMetrics Compute(ReadOnlySpan<int> labels, ReadOnlySpan<float> probabilities, int classes,
        int topKPredictionCount = 0, IReadOnlyList<string>? classNames = null)
    {
        if (classes < 2) throw new ArgumentException($"Evaluate: need at least 2 classes, got {classes}.");
        int n = labels.Length;
        if (n == 0) throw new ArgumentException("Evaluate: no rows to evaluate.");
        if (probabilities.Length != n * classes)
            throw new ArgumentException($"Evaluate: {probabilities.Length} scores do not form [{n} rows, {classes} classes].");
        if (classNames != null && classNames.Count != classes)
            throw new ArgumentException($"Evaluate: {classNames.Count} class names given for {classes} classes.");
        var counts = Enumerable.Range(0, classes).Select(_ => new double[classes]).ToArray();
        var perClassLoss = new double[classes];
        var perClassCount = new double[classes];
        var topK = new double[Math.Max(topKPredictionCount, 0)];
        double loss = 0;
        for (int i = 0; i < n; i++)
        {
            int y = labels[i];
            if ((uint)y >= (uint)classes) throw new ArgumentOutOfRangeException(nameof(labels), $"Evaluate: label {y} at row {i} is outside [0, {classes}).");
            var p = probabilities.Slice(i * classes, classes);
            int pred = 0;
            for (int c = 1; c < classes; c++) if (p[c] > p[pred]) pred = c;
            counts[y][pred]++;
            double l = -Math.Log(Math.Max(p[y], Epsilon));
            loss += l; perClassLoss[y] += l; perClassCount[y]++;
            if (topK.Length > 0)
            {
                int rank = 0; // classes scoring strictly higher than the true class
                for (int c = 0; c < classes; c++) if (p[c] > p[y]) rank++;
                for (int k = rank; k < topK.Length; k++) topK[k]++;
            }
        }
        double priorLoss = 0;
        for (int c = 0; c < classes; c++)
            if (perClassCount[c] > 0) { double q = perClassCount[c] / n; priorLoss -= perClassCount[c] * Math.Log(q); }
        var cm = new ConfusionMatrix(counts, classNames);
        double micro = Enumerable.Range(0, classes).Sum(c => counts[c][c]) / n;
        var present = Enumerable.Range(0, classes).Where(c => perClassCount[c] > 0).ToArray();
        double macro = present.Average(c => cm.PerClassRecall[c]);
        var f1Classes = Enumerable.Range(0, classes).Where(c => perClassCount[c] > 0 || counts.Sum(r => r[c]) > 0).ToArray();
        double macroF1 = f1Classes.Average(c =>
        {
            double pr = cm.PerClassPrecision[c], rc = cm.PerClassRecall[c];
            return pr + rc == 0 ? 0 : 2 * pr * rc / (pr + rc);
        });
        return new MulticlassClassificationMetrics(micro, macro, loss / n, priorLoss == 0 ? 0 : 1 - loss / priorLoss,
            Enumerable.Range(0, classes).Select(c => perClassCount[c] == 0 ? 0 : perClassLoss[c] / perClassCount[c]).ToArray(),
            topKPredictionCount, topK.Select(v => v / n).ToArray(), cm, macroF1);
    }

    private MulticlassClassificationMetrics(double micro, double macro, double logLoss, double reduction, double[] perClassLogLoss,
        int topKCount, double[] topK, ConfusionMatrix cm, double macroF1)
    {
        MicroAccuracy = micro; MacroAccuracy = macro; LogLoss = logLoss; LogLossReduction = reduction;
        PerClassLogLoss = perClassLogLoss; TopKPredictionCount = topKCount; TopKAccuracyForAllK = topK;
        ConfusionMatrix = cm; MacroF1 = macroF1;
    }
}
