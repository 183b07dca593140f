namespace MLAugment.Tasks.Experiments;

/// <summary>k rows of every class (the few-shot regime DA-Fusion evaluates).</summary>
public sealed record FewShotProfile(int PerClass = 10) : SubsetProfile
{
    public override string Name => "few-shot";

    public override string Describe() => $"few-shot ({PerClass} rows per class)";

    public override int[] PerClassCounts(int classes)
    {
        if (PerClass < 1) throw new ArgumentOutOfRangeException(nameof(PerClass), PerClass, "few-shot: need at least 1 row per class.");
        if (classes < 2) throw new ArgumentOutOfRangeException(nameof(classes), classes, "few-shot: need at least 2 classes.");
        return Enumerable.Repeat(PerClass, classes).ToArray();
    }
}
