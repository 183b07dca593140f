namespace MLAugment.Tasks.Experiments;

/// <summary>
/// The exponential long-tail profile of Cui et al. 2019 (CIFAR-10-LT): class c of C keeps
/// n_c = ⌊n_max · ρ^(−c/(C−1))⌋ rows, so the head class has n_max and the last class n_max/ρ.
/// </summary>
/// <param name="ImbalanceRatio">ρ = n_max / n_min (≥ 1).</param>
/// <param name="MaxPerClass">n_max, the head class's rows.</param>
public sealed record LongTailProfile(double ImbalanceRatio = 100, int MaxPerClass = 1000) : SubsetProfile
{
    public override string Name => "long-tail";

    public override string Describe() => $"long-tail (exponential, imbalance ratio {ImbalanceRatio:0.##}, {MaxPerClass} rows in the head class)";

    public override int[] PerClassCounts(int classes)
    {
        if (!(ImbalanceRatio >= 1) || double.IsInfinity(ImbalanceRatio))
            throw new ArgumentOutOfRangeException(nameof(ImbalanceRatio), ImbalanceRatio, "long-tail: the imbalance ratio must be finite and >= 1.");
        if (MaxPerClass < 1) throw new ArgumentOutOfRangeException(nameof(MaxPerClass), MaxPerClass, "long-tail: the head class needs at least 1 row.");
        if (classes < 2) throw new ArgumentOutOfRangeException(nameof(classes), classes, "long-tail: need at least 2 classes.");
        var n = new int[classes];
        for (int c = 0; c < classes; c++)
        {
            // The small epsilon keeps exact products (6000 / 100 = 60) from flooring to 59 through rounding error.
            double v = MaxPerClass * Math.Pow(ImbalanceRatio, -(double)c / (classes - 1));
            n[c] = Math.Max(1, (int)Math.Floor(v + 1e-9));
        }
        return n;
    }
}
