using MLAugment.Engine;

namespace MLAugment.Tasks.Experiments;

/// <summary>
/// Which training rows an experiment keeps: a per-class count, drawn from the train split without replacement. The draw
/// depends only on (labels, seed), so every arm and every classifier seed trains on the very same subset.
/// </summary>
public abstract record SubsetProfile
{
    /// <summary>A short name for files and reports ("long-tail", "few-shot").</summary>
    public abstract string Name { get; }

    /// <summary>A one-line description with the parameters, for reports.</summary>
    public abstract string Describe();

    /// <summary>How many rows class c (0-based, in label order) keeps, for <paramref name="classes"/> classes.</summary>
    public abstract int[] PerClassCounts(int classes);

    /// <summary>
    /// Indices into <paramref name="labels"/> of the kept rows, grouped by class (class 0 first), each class's rows in
    /// split order. Class c's rows are the first n_c of a seeded permutation of that class's rows.
    /// </summary>
    public int[] Select(IReadOnlyList<int> labels, int classes, int seed)
    {
        ArgumentNullException.ThrowIfNull(labels);
        if (classes < 2) throw new ArgumentOutOfRangeException(nameof(classes), classes, $"{Name}: need at least 2 classes.");
        var byClass = Enumerable.Range(0, classes).Select(_ => new List<int>()).ToArray();
        for (int i = 0; i < labels.Count; i++)
        {
            int y = labels[i];
            if ((uint)y >= (uint)classes)
                throw new ArgumentOutOfRangeException(nameof(labels), y, $"{Name}: label {y} at row {i} is outside [0, {classes}).");
            byClass[y].Add(i);
        }
        var counts = PerClassCounts(classes);
        var root = new Generator(seed);
        var kept = new List<int>();
        for (int c = 0; c < classes; c++)
        {
            if (counts[c] > byClass[c].Count)
                throw new ArgumentException($"{Describe()}: class {c} needs {counts[c]} rows but the split has only {byClass[c].Count}.", nameof(labels));
            var order = root.Fork(c).Permutation(byClass[c].Count);
            kept.AddRange(order.Take(counts[c]).Select(j => byClass[c][j]).Order());
        }
        return kept.ToArray();
    }
}
