using System.Globalization;
using System.Text;

namespace MLAugment.Tasks.Metrics;

/// <summary>Counts indexed [actual][predicted], with per-class precision and recall (ML.NET's ConfusionMatrix).</summary>
public sealed class ConfusionMatrix
{
    public int NumberOfClasses { get; }
    public IReadOnlyList<IReadOnlyList<double>> Counts { get; }
    public IReadOnlyList<double> PerClassPrecision { get; }
    public IReadOnlyList<double> PerClassRecall { get; }
    public IReadOnlyList<string> ClassNames { get; }

    internal ConfusionMatrix(double[][] counts, IReadOnlyList<string>? classNames)
    {
        NumberOfClasses = counts.Length;
        Counts = counts;
        ClassNames = classNames ?? Enumerable.Range(0, counts.Length).Select(i => i.ToString(CultureInfo.InvariantCulture)).ToArray();
        var precision = new double[NumberOfClasses];
        var recall = new double[NumberOfClasses];
        for (int c = 0; c < NumberOfClasses; c++)
        {
            double tp = counts[c][c];
            double actual = counts[c].Sum();
            double predicted = counts.Sum(row => row[c]);
            precision[c] = predicted == 0 ? 0 : tp / predicted;
            recall[c] = actual == 0 ? 0 : tp / actual;
        }
        PerClassPrecision = precision;
        PerClassRecall = recall;
    }

    public double GetCountForClassPair(int predictedClassIndicatorIndex, int actualClassIndicatorIndex) =>
        Counts[actualClassIndicatorIndex][predictedClassIndicatorIndex];

    public string GetFormattedConfusionTable()
    {
        var sb = new StringBuilder();
        int w = Math.Max(8, ClassNames.Max(n => n.Length) + 1);
        sb.Append("actual \\ predicted".PadRight(w + 2));
        foreach (var n in ClassNames) sb.Append(n.PadLeft(w));
        sb.AppendLine("   Recall");
        for (int a = 0; a < NumberOfClasses; a++)
        {
            sb.Append(ClassNames[a].PadRight(w + 2));
            for (int p = 0; p < NumberOfClasses; p++) sb.Append(Counts[a][p].ToString("0", CultureInfo.InvariantCulture).PadLeft(w));
            sb.Append(PerClassRecall[a].ToString("0.0000", CultureInfo.InvariantCulture).PadLeft(9)).AppendLine();
        }
        sb.Append("Precision".PadRight(w + 2));
        foreach (var p in PerClassPrecision) sb.Append(p.ToString("0.0000", CultureInfo.InvariantCulture).PadLeft(w));
        return sb.AppendLine().ToString();
    }
}
