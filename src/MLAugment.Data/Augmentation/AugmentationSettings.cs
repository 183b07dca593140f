using MLAugment.Diffusion.Sampling;

namespace MLAugment.Data.Transforms.Augmentation;

/// <summary>
/// Settings every diffusion augmenter shares (DiffusionAugment, ClassBalancing, Counterfactual). Defaults live here,
/// in one place. The model is either an in-memory <see cref="Model"/> (not saveable) or a <see cref="ModelPath"/>
/// folder loaded as a <c>LatentDiffusionModel</c> (saved by path, its ModelId checked on load).
/// </summary>
public abstract record AugmentationSettings
{
    /// <summary>An in-memory backend. Transformers using it cannot be saved (use <see cref="ModelPath"/> for that).</summary>
    public IDiffusionBackend? Model { get; init; }

    /// <summary>A model folder (<c>LatentDiffusionModel.Save</c> layout), loaded once and referenced by path in saved models.</summary>
    public string? ModelPath { get; init; }

    /// <summary>The input image column (MLImage, size equal to the model's).</summary>
    public string ImageColumnName { get; init; } = "Image";

    /// <summary>The output image column; null = <see cref="ImageColumnName"/> (replaced in place, the usual choice).</summary>
    public string? OutputImageColumnName { get; init; }

    internal string OutputImage => OutputImageColumnName ?? ImageColumnName;

    /// <summary>The label column: Key&lt;UInt32&gt; with KeyValues, or Text.</summary>
    public string LabelColumnName { get; init; } = "Label";

    /// <summary>Classifier-free guidance scale (DA-Fusion uses 7.5 with SD; small class-conditional models like less).</summary>
    public float GuidanceScale { get; init; } = 3f;

    public int NumInferenceSteps { get; init; } = 20;

    /// <summary>diffusers scheduler class name; null = the model's own.</summary>
    public string? Scheduler { get; init; } = "DDIMScheduler";

    /// <summary>The prompt; <c>{label}</c> is replaced by the row's label text (DA-Fusion: "a photo of a {name}").</summary>
    public string PromptTemplate { get; init; } = "a photo of a {label}";

    public string? NegativePrompt { get; init; }

    /// <summary>The root seed; null falls back to the MLContext's seed (or, if it has none, a draw from its random stream).</summary>
    public int? Seed { get; init; }

    /// <summary>Images per denoiser call.</summary>
    public int BatchSize { get; init; } = 16;

    /// <summary>
    /// Optional quality filter: scores a synthetic image for its intended class (the label's 0-based key index, or for a
    /// text label its index in the model's known conditions, −1 if absent); rows scoring below
    /// <see cref="QualityThreshold"/> are dropped (the row count becomes unknown). Not saveable.
    /// </summary>
    public Func<MLImage, int, float>? QualityScorer { get; init; }

    public float QualityThreshold { get; init; } = 0.5f;

    /// <summary>A <c>GenerationCache</c> folder: a second run of the same pipeline generates nothing and is bit-identical.</summary>
    public string? CacheDirectory { get; init; }

    /// <summary>
    /// Progress after each generated (or cache-read) batch, at least once a second while rows pass without generating, and
    /// at the end of a cursor; the same figures go to MLContext.Log at Trace level (rows done/total, images/s, ETA).
    /// </summary>
    public IProgress<AugmentationProgress>? Progress { get; init; }

    /// <summary>Checks the numeric settings; <paramref name="where"/> names the augmenter in messages.</summary>
    internal virtual void Validate(string where)
    {
        if (Model is null && string.IsNullOrWhiteSpace(ModelPath))
            throw new ArgumentException($"{where}: give a model (Model = an IDiffusionBackend, or ModelPath = a model folder).");
        if (Model is not null && ModelPath is not null)
            throw new ArgumentException($"{where}: give either Model or ModelPath, not both.");
        ArgumentException.ThrowIfNullOrWhiteSpace(ImageColumnName, nameof(ImageColumnName));
        if (OutputImageColumnName is not null)
            ArgumentException.ThrowIfNullOrWhiteSpace(OutputImageColumnName, nameof(OutputImageColumnName));
        ArgumentException.ThrowIfNullOrWhiteSpace(LabelColumnName, nameof(LabelColumnName));
        ArgumentNullException.ThrowIfNull(PromptTemplate, nameof(PromptTemplate));
        if (BatchSize < 1) throw new ArgumentOutOfRangeException(nameof(BatchSize), BatchSize, $"{where}: batch size must be >= 1.");
        if (NumInferenceSteps < 1) throw new ArgumentOutOfRangeException(nameof(NumInferenceSteps), NumInferenceSteps, $"{where}: steps must be >= 1.");
        if (!(GuidanceScale >= 0) || float.IsInfinity(GuidanceScale))
            throw new ArgumentOutOfRangeException(nameof(GuidanceScale), GuidanceScale, $"{where}: guidance scale must be finite and >= 0.");
        if (float.IsNaN(QualityThreshold)) throw new ArgumentOutOfRangeException(nameof(QualityThreshold), QualityThreshold, "must not be NaN.");
    }

    internal GenerationOptions ToGenerationOptions() => new()
    {
        NumInferenceSteps = NumInferenceSteps,
        GuidanceScale = GuidanceScale,
        Scheduler = Scheduler,
        NegativePrompt = NegativePrompt,
        BatchSize = BatchSize,
    };
}

/// <summary>Where a run stands: source rows done, images generated (cache misses), throughput and an ETA when the total is known.</summary>
public sealed record AugmentationProgress(long RowsDone, long? RowsTotal, long ImagesGenerated, long CacheHits, double ImagesPerSecond, TimeSpan? EstimatedRemaining);

/// <summary>Counts over every cursor of one transformer: generated images, cache hits, and the quality filter's verdicts.</summary>
public sealed class AugmentationStatistics
{
    private long _generated, _cacheHits, _accepted, _rejected;

    /// <summary>Images the diffusion model produced (cache misses).</summary>
    public long Generated => Interlocked.Read(ref _generated);

    public long CacheHits => Interlocked.Read(ref _cacheHits);

    /// <summary>Synthetic images the quality filter kept (all of them when there is no filter).</summary>
    public long Accepted => Interlocked.Read(ref _accepted);

    public long Rejected => Interlocked.Read(ref _rejected);

    /// <summary>Accepted / (accepted + rejected); null before any verdict.</summary>
    public double? AcceptanceRate => Accepted + Rejected == 0 ? null : (double)Accepted / (Accepted + Rejected);

    internal void AddGenerated(long n) => Interlocked.Add(ref _generated, n);
    internal void AddCacheHits(long n) => Interlocked.Add(ref _cacheHits, n);
    internal void AddVerdict(bool accepted) => Interlocked.Increment(ref accepted ? ref _accepted : ref _rejected);

    public override string ToString() =>
        $"generated {Generated}, cache hits {CacheHits}, accepted {Accepted}, rejected {Rejected}" +
        (AcceptanceRate is double r ? $" (acceptance {r:P1})" : "");
}
