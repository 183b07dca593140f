using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using MLAugment.Data;
using MLAugment.Diffusion.Models;
using MLAugment.Diffusion.Sampling;
using MLAugment.Engine;

namespace MLAugment.Tasks.Recipes;

/// <summary>Where <see cref="FashionDiffusionEvaluation"/> reads and writes, and what it measures.</summary>
public sealed record FashionEvaluationOptions
{
    public string ModelFolder { get; init; } = "models/fashion-ldm";
    public string JudgeFolder { get; init; } = "models/fashion-classifier";
    /// <summary>Cache of generated chunks; a rerun with the same folder continues.</summary>
    public string WorkFolder { get; init; } = "artifacts/evaluate-diffusion";
    /// <summary>Where metrics.json and README.md go (null: the model folder).</summary>
    public string? OutputFolder { get; init; }
    /// <summary>The training log whose time stamps give the training wall time (null: {model}/training/train.log).</summary>
    public string? TrainingLog { get; init; }
    /// <summary>Fashion-MNIST folder (null: the loader's default).</summary>
    public string? DataRoot { get; init; }
    /// <summary>The command line, recorded verbatim in metrics.json and the card.</summary>
    public string Command { get; init; } = "";
    public DiffusionQualityOptions Quality { get; init; } = new();
    public FashionJudgeOptions Judge { get; init; } = new();
}

/// <summary>
/// Issue 3's evaluation of the embedded Fashion-MNIST model, end to end: loads the model, loads (or trains, on the real
/// training split only) the judge, runs <see cref="DiffusionQualityReport"/> against the real splits, adds the run's
/// facts (command, machine, training time from the training log) and writes <c>metrics.json</c> and the model card.
/// </summary>
public static class FashionDiffusionEvaluation
{
    public const string MetricsFile = "metrics.json", CardFile = "README.md";

    public static DiffusionQualityMetrics Run(FashionEvaluationOptions o, Action<string>? log = null, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(o);
        o.Quality.Validate();
        var wall = Stopwatch.StartNew();
        double? loadBefore = LoadAverage();
        var model = LatentDiffusionModel.Load(o.ModelFolder);
        log?.Invoke($"model: {o.ModelFolder} ({model.ModelId[..Math.Min(16, model.ModelId.Length)]})");
        var (judge, judgeFacts, _) = FashionClassifierJudge.LoadOrTrain(o.JudgeFolder, () => FashionMnist.Load("train", o.DataRoot), () => FashionMnist.Load("test", o.DataRoot),
            o.Judge, o.Command, log);

        const int size = FashionDiffusionRecipe.ImageSize;
        var train = FashionMnist.Load("train", o.DataRoot);
        var test = FashionMnist.Load("test", o.DataRoot);
        int nTrain = o.Quality.TrainImagesNeeded();
        if (nTrain > train.Count)
            throw new ArgumentException($"The requested sample counts need {nTrain} training images; the Fashion-MNIST training split has {train.Count}.");
        var data = new QualityData(
            Tensor.Wrap(train.ToPaddedFloats(size, 0, nTrain), nTrain, 1, size, size), train.Labels[..nTrain],
            Tensor.Wrap(test.ToPaddedFloats(size), test.Count, 1, size, size), test.Labels);

        var report = new DiffusionQualityReport(new DiffusionPipeline(model), judge, o.WorkFolder, o.Quality) { Log = log };
        var m = report.Run(data, ct);

        string trainLog = o.TrainingLog ?? Path.Combine(o.ModelFolder, "training", "train.log");
        var q = o.Quality;
        return m with
        {
            Command = o.Command,
            WallSeconds = wall.Elapsed.TotalSeconds,
            Environment = new RunEnvironment(Environment.ProcessorCount, EngineOptions.MaxDegreeOfParallelism, RuntimeInformation.OSDescription,
                RuntimeInformation.FrameworkDescription, RuntimeInformation.ProcessArchitecture.ToString())
            { LoadAverageAtStart = loadBefore, LoadAverageAtEnd = LoadAverage() },
            Model = m.Model! with
            {
                Folder = o.ModelFolder,
                Description = "Class-conditional latent diffusion model (KL autoencoder 32×32×1 → 8×8×4, UNet with class embeddings, ε-prediction, EMA weights), trained by `mlaugment train-diffusion` (src/MLAugment.Tasks/Recipes/FashionDiffusionRecipe.cs).",
                TrainingData = "the Fashion-MNIST training split only (60,000 images); the test split is never read in training.",
            },
            Judge = m.Judge! with
            {
                Folder = o.JudgeFolder,
                Description = FormattableString.Invariant($"{judgeFacts.Options.Architecture} (width {judgeFacts.Options.Width}, {judgeFacts.Options.Epochs} epochs)"),
                TrainingData = judgeFacts.TrainingData,
            },
            Training = File.Exists(trainLog) ? TrainingLogSummary.Read(trainLog) : null,
            Settings = m.Settings with
            {
                ReferenceData = "the Fashion-MNIST test split",
                FloorData = "the first n images of the Fashion-MNIST training split vs the same test split",
                SourceData = FormattableString.Invariant($"the first {Math.Max(q.Img2ImgSamples, q.InversionSamples):N0} images of the Fashion-MNIST training split (the split the model was trained on), each with its own label"),
            },
        };
    }

    /// <summary>
    /// Only the generation half: fills the chunk cache for every section (no judge, no test split, no files besides the
    /// chunks), e.g. in several sessions or processes before the judge exists. Returns each set's facts.
    /// </summary>
    public static List<SampleRun> GenerateOnly(FashionEvaluationOptions o, Action<string>? log = null, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(o);
        o.Quality.Validate();
        var model = LatentDiffusionModel.Load(o.ModelFolder);
        log?.Invoke($"model: {o.ModelFolder} ({model.ModelId[..Math.Min(16, model.ModelId.Length)]}), generation only");
        const int size = FashionDiffusionRecipe.ImageSize;
        int nTrain = o.Quality.TrainImagesNeeded();
        var train = FashionMnist.Load("train", o.DataRoot);
        if (nTrain > train.Count)
            throw new ArgumentException($"The requested sample counts need {nTrain} training images; the Fashion-MNIST training split has {train.Count}.");
        var data = new QualityData(Tensor.Wrap(train.ToPaddedFloats(size, 0, nTrain), nTrain, 1, size, size), train.Labels[..nTrain],
            Tensor.Zeros(0, 1, size, size), []);
        return DiffusionQualityReport.GenerateOnly(new DiffusionPipeline(model), o.WorkFolder, o.Quality, data, log, ct: ct);
    }

    /// <summary>Writes metrics.json and the card (each atomically) into <paramref name="folder"/>.</summary>
    public static void Write(string folder, DiffusionQualityMetrics m)
    {
        Directory.CreateDirectory(folder);
        AtomicText.Write(Path.Combine(folder, MetricsFile), m.ToJson());
        AtomicText.Write(Path.Combine(folder, CardFile), DiffusionModelCard.Render(m));
    }

    /// <summary>Re-renders <paramref name="folder"/>/README.md from its metrics.json.</summary>
    public static DiffusionQualityMetrics RenderCard(string folder)
    {
        var path = Path.Combine(folder, MetricsFile);
        if (!File.Exists(path)) throw new FileNotFoundException($"'{path}' does not exist; run evaluate-diffusion without --card-only first.", path);
        var m = DiffusionQualityMetrics.FromJson(File.ReadAllText(path), path);
        AtomicText.Write(Path.Combine(folder, CardFile), DiffusionModelCard.Render(m));
        return m;
    }

    /// <summary>The 1-minute load average (Linux), to put timings measured on a busy machine in context.</summary>
    private static double? LoadAverage()
    {
        try
        {
            if (!File.Exists("/proc/loadavg")) return null;
            var first = File.ReadAllText("/proc/loadavg").Split(' ')[0];
            return double.TryParse(first, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) ? v : null;
        }
        catch (IOException) { return null; }
    }
}
