namespace MLAugment.Diffusion.Training;

/// <summary>Hyperparameters of <see cref="DiffusionTrainer"/> (defaults suit the embedded Fashion-MNIST latent model).</summary>
public sealed record DiffusionTrainingOptions
{
    public int MaxSteps { get; init; } = 20_000;
    public int BatchSize { get; init; } = 128;
    public double LearningRate { get; init; } = 5e-4;
    public int WarmupSteps { get; init; } = 500;
    public double WeightDecay { get; init; } = 1e-2;
    public float MaxGradNorm { get; init; } = 1f;
    public double EmaDecay { get; init; } = 0.999;
    /// <summary>Probability of replacing a row's condition by the null condition (classifier-free guidance training).</summary>
    public float ConditionDropProbability { get; init; } = 0.1f;
    public ulong Seed { get; init; } = 0;
    public int CheckpointEvery { get; init; } = 500;
    public int LogEvery { get; init; } = 50;

    public void Validate()
    {
        if (MaxSteps < 1) throw new ArgumentOutOfRangeException(nameof(MaxSteps), MaxSteps, "must be >= 1.");
        if (BatchSize < 1) throw new ArgumentOutOfRangeException(nameof(BatchSize), BatchSize, "must be >= 1.");
        if (!(LearningRate > 0)) throw new ArgumentOutOfRangeException(nameof(LearningRate), LearningRate, "must be > 0.");
        if (ConditionDropProbability is < 0 or > 1) throw new ArgumentOutOfRangeException(nameof(ConditionDropProbability), ConditionDropProbability, "must be in [0, 1].");
        if (CheckpointEvery < 1) throw new ArgumentOutOfRangeException(nameof(CheckpointEvery), CheckpointEvery, "must be >= 1.");
    }
}

/// <summary>One progress report of a training run.</summary>
public sealed record TrainingProgress(int Step, int MaxSteps, double Loss, double LearningRate, double ImagesPerSecond, TimeSpan Eta);
