namespace MLAugment.Tasks.Experiments;

/// <summary>One (arm, seed) run: test metrics, sizes and costs. Persisted as JSON as soon as the run finishes.</summary>
public sealed record ArmRunResult
{
    public required string Profile { get; init; }
    public required AugmentationArm Arm { get; init; }
    public required int Seed { get; init; }
    public required double MacroAccuracy { get; init; }
    public required double MicroAccuracy { get; init; }
    public required double MacroF1 { get; init; }
    /// <summary>Recall of each class on the test split, in class order.</summary>
    public required IReadOnlyList<double> PerClassRecall { get; init; }
    /// <summary>Rows the classifier trained on (real + synthetic + classical copies).</summary>
    public required int TrainingRows { get; init; }
    public required int Epochs { get; init; }
    /// <summary>Diffusion-made rows in the training set (generated now or read from the cache).</summary>
    public required long SyntheticImages { get; init; }
    /// <summary>Of those, images the model generated in this run (cache misses).</summary>
    public required long ImagesGenerated { get; init; }
    public required long CacheHits { get; init; }
    /// <summary>Wall seconds inside the diffusion model in this run (0 when every image came from the cache).</summary>
    public required double GenerationSeconds { get; init; }
    /// <summary>The rest of the pipeline's Fit: reading, classical augmentation, classifier training.</summary>
    public required double TrainSeconds { get; init; }
    public required double EvaluationSeconds { get; init; }
    public required int TestRows { get; init; }
    /// <summary>CPU seconds of the whole process during the run (all threads); with wall time it shows how contended the machine was.</summary>
    public double CpuSeconds { get; init; }
    public DateTime FinishedUtc { get; init; }
}
