using MLAugment.Data.Transforms.Augmentation;

namespace MLAugment.Tasks.Experiments;

/// <summary>
/// Everything an augmentation experiment depends on. Results saved under one output folder belong to one settings
/// value: a rerun with the same settings resumes, a rerun with other settings is refused (see <see cref="Fingerprint"/>).
/// </summary>
public sealed record ExperimentSettings
{
    /// <summary>Which train rows to keep (drawn once with <see cref="SubsetSeed"/>).</summary>
    public SubsetProfile Profile { get; init; } = new LongTailProfile();

    /// <summary>The seed of the subset draw: fixed, so every arm and seed sees the same training rows.</summary>
    public int SubsetSeed { get; init; } = 2026;

    /// <summary>One run per (arm, seed). The seed drives classifier initialisation and shuffling, classical augmentation and generation.</summary>
    public IReadOnlyList<int> Seeds { get; init; } = [1, 2, 3];

    public IReadOnlyList<AugmentationArm> Arms { get; init; } = AugmentationArms.All;

    /// <summary>
    /// ClassBalancing's per-class target; null = the largest class's count (balanced). A few-shot subset is already
    /// balanced, so it needs a target (e.g. 10× the shots) to generate anything.
    /// </summary>
    public int? BalanceTo { get; init; }

    /// <summary>How ClassBalancing makes rows: from the label (CBDM-style, default) or img2img from the class's rows.</summary>
    public BalancingMode BalancingMode { get; init; } = BalancingMode.GenerateFromLabel;

    /// <summary>img2img strength of DiffusionAugment (and of ClassBalancing in img2img mode); DA-Fusion's 0.5.</summary>
    public float Strength { get; init; } = 0.5f;

    /// <summary>DiffusionAugment's synthetic rows per source row; null = ClassBalancing's budget (added rows / real rows, rounded, ≥ 1).</summary>
    public int? DiffusionPerImage { get; init; }

    public int NumInferenceSteps { get; init; } = 20;

    public float GuidanceScale { get; init; } = 3f;

    public string Scheduler { get; init; } = "DPMSolverMultistepScheduler";

    public int GenerationBatchSize { get; init; } = 64;

    /// <summary>Classical augmented copies per row.</summary>
    public int ClassicalCopies { get; init; } = 1;

    /// <summary>
    /// Training examples the classifier sees per run (epochs = this / training rows, rounded, within
    /// [<see cref="MinEpochs"/>, <see cref="MaxEpochs"/>]), so an arm that adds rows does not also get more optimisation steps.
    /// </summary>
    public int TrainingExamples { get; init; } = 60_000;

    public int MinEpochs { get; init; } = 2;

    public int MaxEpochs { get; init; } = 60;

    public int ClassifierWidth { get; init; } = 16;

    public int ClassifierBatchSize { get; init; } = 64;

    public float LearningRate { get; init; } = 2e-3f;

    /// <summary>
    /// Decay the classifier's learning rate to 0 along a half cosine (true) or keep it constant. The decay makes the
    /// final weights an average over the last steps' noise rather than one noisy iterate, which is most of the spread
    /// between seeds on a long-tailed subset (the rare classes' recall swings with the last few updates).
    /// </summary>
    public bool CosineDecay { get; init; } = true;

    /// <summary>Evaluate on the first this many test rows (null: the full test split).</summary>
    public int? TestLimit { get; init; }

    internal void Validate()
    {
        ArgumentNullException.ThrowIfNull(Profile, nameof(Profile));
        if (Seeds is null || Seeds.Count == 0) throw new ArgumentException("Experiment: give at least one seed.", nameof(Seeds));
        if (Seeds.Distinct().Count() != Seeds.Count) throw new ArgumentException($"Experiment: seeds repeat ({string.Join(", ", Seeds)}).", nameof(Seeds));
        if (Arms is null || Arms.Count == 0) throw new ArgumentException("Experiment: give at least one arm.", nameof(Arms));
        foreach (var a in Arms)
            if (!Enum.IsDefined(a)) throw new ArgumentOutOfRangeException(nameof(Arms), a, "Experiment: unknown arm.");
        if (BalanceTo is < 1) throw new ArgumentOutOfRangeException(nameof(BalanceTo), BalanceTo, "Experiment: the balancing target must be >= 1.");
        if (DiffusionPerImage is < 1) throw new ArgumentOutOfRangeException(nameof(DiffusionPerImage), DiffusionPerImage, "Experiment: DiffusionPerImage must be >= 1.");
        if (ClassicalCopies < 1) throw new ArgumentOutOfRangeException(nameof(ClassicalCopies), ClassicalCopies, "Experiment: ClassicalCopies must be >= 1.");
        if (TrainingExamples < 1) throw new ArgumentOutOfRangeException(nameof(TrainingExamples), TrainingExamples, "Experiment: TrainingExamples must be >= 1.");
        if (MinEpochs < 1 || MaxEpochs < MinEpochs)
            throw new ArgumentOutOfRangeException(nameof(MaxEpochs), $"Experiment: epochs must satisfy 1 <= MinEpochs ({MinEpochs}) <= MaxEpochs ({MaxEpochs}).");
        if (TestLimit is < 1) throw new ArgumentOutOfRangeException(nameof(TestLimit), TestLimit, "Experiment: TestLimit must be >= 1.");
        if (GenerationBatchSize < 1) throw new ArgumentOutOfRangeException(nameof(GenerationBatchSize), GenerationBatchSize, "Experiment: GenerationBatchSize must be >= 1.");
    }

    /// <summary>
    /// The settings that change a run's result, as one line (seeds and arms excluded: adding either extends a run).
    /// Stored next to the results; a resume compares it.
    /// </summary>
    public string Fingerprint(string modelId) => string.Join("; ",
        $"profile={Profile.Describe()}", $"subsetSeed={SubsetSeed}", $"model={modelId}", $"balanceTo={BalanceTo?.ToString() ?? "largest"}",
        $"balancingMode={BalancingMode}", $"strength={Strength:R}", $"diffusionPerImage={DiffusionPerImage?.ToString() ?? "matched"}",
        $"steps={NumInferenceSteps}", $"guidance={GuidanceScale:R}", $"scheduler={Scheduler}", $"classicalCopies={ClassicalCopies}",
        $"trainingExamples={TrainingExamples}", $"epochs=[{MinEpochs},{MaxEpochs}]", $"width={ClassifierWidth}", $"batch={ClassifierBatchSize}",
        $"lr={LearningRate:R}", $"lrSchedule={(CosineDecay ? "cosine" : "constant")}", $"test={TestLimit?.ToString() ?? "full"}");
}
