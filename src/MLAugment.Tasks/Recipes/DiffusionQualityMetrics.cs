using System.Text.Json;
using System.Text.Json.Serialization;

namespace MLAugment.Tasks.Recipes;

/// <summary>
/// Everything <c>mlaugment evaluate-diffusion</c> measured, as written to <c>metrics.json</c> (snake_case) and rendered
/// into the model card by <see cref="DiffusionModelCard"/>. A figure is null when its section did not finish (too few
/// samples generated so far); every figure sits next to the number of samples it was computed from.
/// </summary>
public sealed record DiffusionQualityMetrics
{
    public const string FormatName = "mlaugment-diffusion-quality/1";
    public string Format { get; init; } = FormatName;
    /// <summary>The exact command line that produced the file.</summary>
    public string Command { get; init; } = "";
    public DateTime CreatedUtc { get; init; }
    /// <summary>True when every section ran with all the samples it was asked for.</summary>
    public bool Complete { get; init; }
    /// <summary>Wall time of the run that wrote this file (generation reused from earlier runs is counted in each section).</summary>
    public double WallSeconds { get; init; }
    public RunEnvironment? Environment { get; init; }
    public ModelFacts? Model { get; init; }
    public JudgeSummary? Judge { get; init; }
    public TrainingLogSummary? Training { get; init; }
    public required QualitySettings Settings { get; init; }
    public List<FrechetFloor> FrechetFloors { get; init; } = [];
    public ClassFidelityFigures? ClassFidelity { get; init; }
    public List<FrechetFigures> FrechetDistances { get; init; } = [];
    public Img2ImgFigures? Img2Img { get; init; }
    public InversionFigures? Inversion { get; init; }

    public static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals, // a perfect reconstruction has PSNR +∞
        Converters = { new JsonStringEnumConverter() },
    };

    public string ToJson() => JsonSerializer.Serialize(this, Json);

    public static DiffusionQualityMetrics FromJson(string json, string where)
    {
        DiffusionQualityMetrics? m;
        try { m = JsonSerializer.Deserialize<DiffusionQualityMetrics>(json, Json); }
        catch (JsonException e) { throw new InvalidDataException($"{where}: not a diffusion metrics file ({e.Message}).", e); }
        if (m is null || m.Format != FormatName)
            throw new InvalidDataException($"{where}: format is '{m?.Format}', expected '{FormatName}'.");
        return m;
    }
}

/// <summary>Facts about the machine the figures were measured on (no host names, no git state).</summary>
public sealed record RunEnvironment(int ProcessorCount, int MaxDegreeOfParallelism, string OperatingSystem, string Runtime, string Architecture)
{
    /// <summary>1-minute load average when the run started and ended (Linux): above the CPU count, timings are inflated by other work.</summary>
    public double? LoadAverageAtStart { get; init; }
    public double? LoadAverageAtEnd { get; init; }
}

/// <summary>The evaluated model: folder, content hash, classes, image shape, and what it is and was trained on (stated by the caller).</summary>
public sealed record ModelFacts(string Folder, string ModelId, List<string> ClassNames, int Channels, int Height, int Width)
{
    public string Description { get; init; } = "";
    public string TrainingData { get; init; } = "";
}

/// <summary>The judge classifier as the report used it.</summary>
public sealed record JudgeSummary
{
    public string Folder { get; init; } = "";
    public string Description { get; init; } = "";
    public string TrainingData { get; init; } = "";
    public int FeatureDimension { get; init; }
    /// <summary>Accuracy on the real test split, measured by this report's own pass over it.</summary>
    public double TestAccuracy { get; init; }
    public int TestImages { get; init; }
    public List<ClassAccuracy> PerClassTestAccuracy { get; init; } = [];
}

/// <summary>Sampling settings shared by the sections.</summary>
public sealed record QualitySettings
{
    public float GuidanceScale { get; init; }
    public long Seed { get; init; }
    public int ChunkSize { get; init; }
    public string SeedRule { get; init; } = "";
    public string ReferenceData { get; init; } = "";
    public int ReferenceImages { get; init; }
    public string FloorData { get; init; } = "";
    public string SourceData { get; init; } = "";
}

/// <summary>How many samples a section asked for, how many exist, and what generating them cost.</summary>
public sealed record SampleRun
{
    /// <summary>The chunk folder's key (sampler, steps, guidance, seed, chunk size) under the work folder.</summary>
    public string Key { get; init; } = "";
    public int IssueSamples { get; init; }
    public int RequestedSamples { get; init; }
    /// <summary>Samples on disk for this section so far (≤ requested, whole chunks).</summary>
    public int AvailableSamples { get; init; }
    public bool Complete { get; init; }
    /// <summary>Sum of the generation time stored with every chunk used (possibly spread over several runs).</summary>
    public double GenerationSeconds { get; init; }
    /// <summary>
    /// Generation seconds per image of the median chunk (chunks are generated whole): a chunk made while the process was
    /// paused or shared the CPU does not move it, as it would move the mean of a set made over several sessions.
    /// </summary>
    public double? SecondsPerImage { get; init; }
    public int ChunksReused { get; init; }
    public int ChunksGenerated { get; init; }
    /// <summary>Wall time this run spent on the section (generation of new chunks and scoring).</summary>
    public double WallSeconds { get; init; }
}

/// <summary>Fréchet distance of real training images to the test set in the judge's features: the floor a perfect generator reaches at that sample count.</summary>
public sealed record FrechetFloor(int Samples, int ReferenceSamples, double Value, double Seconds);

public sealed record ClassFidelityFigures
{
    public string Sampler { get; init; } = "";
    public int Steps { get; init; }
    public float GuidanceScale { get; init; }
    public double Threshold { get; init; }
    public required SampleRun Run { get; init; }
    public int Samples { get; init; }
    public double? Accuracy { get; init; }
    public List<ClassFidelityRow> PerClass { get; init; } = [];
    public string Note { get; init; } = "";
}

/// <summary>One class: generated samples judged as it, next to the judge's own accuracy on real test images of it.</summary>
public sealed record ClassFidelityRow(string Class, int Samples, int JudgedAsIntended, double? Accuracy, double? JudgeTestAccuracy);

public sealed record FrechetFigures
{
    public string Sampler { get; init; } = "";
    public string SamplerLabel { get; init; } = "";
    public int Steps { get; init; }
    public float GuidanceScale { get; init; }
    public required SampleRun Run { get; init; }
    public int Samples { get; init; }
    public double? Value { get; init; }
    /// <summary>Real train vs test at the same sample count (the FD estimate is biased by the sample count).</summary>
    public double? FloorAtSameSamples { get; init; }
    /// <summary>How this sampler's timestep grid differs from the model's config, if it does.</summary>
    public string Note { get; init; } = "";
}

public sealed record Img2ImgFigures
{
    public float Strength { get; init; }
    public string Sampler { get; init; } = "";
    public int Steps { get; init; }
    public float GuidanceScale { get; init; }
    public double Threshold { get; init; }
    public required SampleRun Run { get; init; }
    public int Samples { get; init; }
    /// <summary>Outputs the judge gives the source's true label (the prompt).</summary>
    public double? KeepsLabel { get; init; }
    /// <summary>Outputs the judge gives the class it gives the source itself (label change as the judge sees it).</summary>
    public double? AgreesWithJudgeOnSource { get; init; }
    /// <summary>The judge's accuracy on the source images themselves (the ceiling of <see cref="KeepsLabel"/> if outputs looked exactly like sources).</summary>
    public double? JudgeAccuracyOnSources { get; init; }
    public double? MeanSsimToSource { get; init; }
}

public sealed record InversionFigures
{
    public int Steps { get; init; }
    /// <summary>Adam steps fitting the latents through the decoder before inversion (0: the encoder's latents).</summary>
    public int LatentRefinementSteps { get; init; }
    public double ThresholdDb { get; init; }
    /// <summary>The run of the headline set (inversion from the fitted latents), or of the first set still missing samples.</summary>
    public required SampleRun Run { get; init; }
    public int Samples { get; init; }
    public string Psnr { get; init; } = "";
    /// <summary>Reconstruction vs the decoding of the inverted latents themselves: what the inversion alone loses.</summary>
    public double? PsnrVsAutoencoderRoundTripDb { get; init; }
    /// <summary>Reconstruction vs the original image (inversion and autoencoder losses together): the issue's figure.</summary>
    public double? PsnrVsOriginalDb { get; init; }
    /// <summary>The inverted latents decoded vs the original: the ceiling for <see cref="PsnrVsOriginalDb"/>.</summary>
    public double? AutoencoderRoundTripPsnrDb { get; init; }
    /// <summary>Decoding of the encoder's latents vs the original (the plain autoencoder round trip).</summary>
    public double? EncoderRoundTripPsnrDb { get; init; }
    /// <summary>Reconstruction vs the original when the encoder's latents are inverted without fitting.</summary>
    public double? EncoderLatentsPsnrVsOriginalDb { get; init; }
}
