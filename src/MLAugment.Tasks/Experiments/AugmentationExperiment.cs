using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Serialization;
using MLAugment.Data;
using MLAugment.Data.Images.Codecs;
using MLAugment.Data.Transforms.Augmentation;
using MLAugment.Diffusion.Sampling;

namespace MLAugment.Tasks.Experiments;

/// <summary>
/// Runs every (arm, seed) of one profile: draw the training subset once, fit each arm's pipeline on it, evaluate on the
/// test split. Each finished run is written to <c>{output}/runs/{arm}-seed{seed}.json</c> at once, so an interrupted
/// experiment resumes where it stopped; generated images go to a <c>GenerationCache</c> (<c>{output}/cache</c>), so a
/// rerun regenerates nothing. The runs of ClassBalancing + classical read ClassBalancing's images from the cache.
/// </summary>
public sealed class AugmentationExperiment
{
    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true, Converters = { new JsonStringEnumConverter() } };
    private readonly TimedDiffusionBackend _model;
    private readonly ExperimentRow[] _train, _test;

    /// <param name="train">The split the subset is drawn from (the generator's training split; never the test split).</param>
    /// <param name="test">The split every run is evaluated on.</param>
    /// <param name="classNames">Label names in label order (the model must know them as conditions).</param>
    public AugmentationExperiment(ExperimentSettings settings, IDiffusionBackend model, FashionMnist train, FashionMnist test,
        IReadOnlyList<string> classNames, string outputDirectory)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(train);
        ArgumentNullException.ThrowIfNull(test);
        ArgumentNullException.ThrowIfNull(classNames);
        ArgumentException.ThrowIfNullOrWhiteSpace(outputDirectory);
        settings.Validate();
        if (model.ImageChannels != 1)
            throw new ArgumentException($"Experiment: the model makes {model.ImageChannels}-channel images; these experiments are on gray images (1 channel).", nameof(model));
        if (model.ImageWidth != model.ImageHeight)
            throw new ArgumentException($"Experiment: the model's images are {model.ImageWidth}x{model.ImageHeight}; a square canvas is expected.", nameof(model));
        foreach (var c in classNames)
            model.EncodeCondition(c); // fails naming the known conditions
        Settings = settings;
        ClassNames = classNames.ToArray();
        OutputDirectory = Path.GetFullPath(outputDirectory);
        _model = model as TimedDiffusionBackend ?? new TimedDiffusionBackend(model);
        SubsetIndices = settings.Profile.Select(train.Labels, ClassNames.Count, settings.SubsetSeed);
        SubsetCounts = settings.Profile.PerClassCounts(ClassNames.Count);
        _train = ExperimentRow.FromSplit(train, ClassNames, model.ImageWidth, SubsetIndices);
        _test = ExperimentRow.FromSplit(test, ClassNames, model.ImageWidth, Enumerable.Range(0, Math.Min(test.Count, settings.TestLimit ?? int.MaxValue)));
        int largest = SubsetCounts.Max();
        int target = settings.BalanceTo ?? largest;
        BalancingAdded = SubsetCounts.Sum(n => Math.Max(0, target - n));
        DiffusionPerImage = settings.DiffusionPerImage ?? Math.Max(1, (int)Math.Round(BalancingAdded / (double)SubsetIndices.Count));
    }

    public ExperimentSettings Settings { get; }
    public IReadOnlyList<string> ClassNames { get; }
    public string OutputDirectory { get; }
    public string RunsDirectory => Path.Combine(OutputDirectory, "runs");
    /// <summary>The generation cache (default <c>{output}/cache</c>).</summary>
    public string CacheDirectory { get => _cache ?? Path.Combine(OutputDirectory, "cache"); init => _cache = value; }
    private readonly string? _cache;
    public Action<string>? Log { get; init; }

    /// <summary>Indices into the train split of the kept rows (class by class).</summary>
    public IReadOnlyList<int> SubsetIndices { get; }
    public IReadOnlyList<int> SubsetCounts { get; }
    public int TestRows => _test.Length;
    /// <summary>Rows ClassBalancing adds to the subset.</summary>
    public int BalancingAdded { get; }
    /// <summary>DiffusionAugment's synthetic rows per real row (matched to ClassBalancing's budget unless set).</summary>
    public int DiffusionPerImage { get; }

    /// <summary>The rows an arm's classifier trains on (before any quality filter; there is none here).</summary>
    public int ExpectedTrainingRows(AugmentationArm arm)
    {
        int real = SubsetIndices.Count, copies = Settings.ClassicalCopies + 1;
        return arm switch
        {
            AugmentationArm.NoAugmentation => real,
            AugmentationArm.Classical => real * copies,
            AugmentationArm.ClassBalancing => real + BalancingAdded,
            AugmentationArm.DiffusionAugment => real * (DiffusionPerImage + 1),
            AugmentationArm.ClassBalancingClassical => (real + BalancingAdded) * copies,
            _ => throw new ArgumentOutOfRangeException(nameof(arm), arm, "Unknown arm."),
        };
    }

    /// <summary>Epochs giving about <see cref="ExperimentSettings.TrainingExamples"/> examples seen, whatever the arm's row count.</summary>
    public int EpochsFor(AugmentationArm arm) =>
        Math.Clamp((int)Math.Round(Settings.TrainingExamples / (double)ExpectedTrainingRows(arm)), Settings.MinEpochs, Settings.MaxEpochs);

    public string RunPath(AugmentationArm arm, int seed) => Path.Combine(RunsDirectory, $"{arm.Id()}-seed{seed}.json");

    /// <summary>Runs what is missing (seed by seed, every arm) and returns every run of the settings' arms and seeds.</summary>
    public IReadOnlyList<ArmRunResult> Run(CancellationToken cancellationToken = default)
    {
        CheckOrWriteFingerprint();
        var results = new List<ArmRunResult>();
        foreach (int seed in Settings.Seeds)
            foreach (var arm in Settings.Arms)
            {
                if (TryLoad(arm, seed) is { } done)
                {
                    Log?.Invoke($"{Settings.Profile.Name} {arm.Id()} seed {seed}: done before (macro-acc {done.MacroAccuracy:P2}), skipped");
                    results.Add(done);
                    continue;
                }
                cancellationToken.ThrowIfCancellationRequested();
                var r = RunOne(arm, seed);
                Save(r);
                results.Add(r);
            }
        return results;
    }

    /// <summary>The saved runs of the settings' arms and seeds (missing runs are left out).</summary>
    public IReadOnlyList<ArmRunResult> LoadResults() =>
        Settings.Seeds.SelectMany(s => Settings.Arms.Select(a => TryLoad(a, s))).OfType<ArmRunResult>().ToList();

    /// <summary>Fits and evaluates one arm at one seed (nothing is saved).</summary>
    public ArmRunResult RunOne(AugmentationArm arm, int seed)
    {
        var ml = new MLContext(seed: seed);
        var train = ml.Data.LoadFromEnumerable(_train);
        var test = ml.Data.LoadFromEnumerable(_test);
        int epochs = EpochsFor(arm), trainingRows = 0;
        var pipeline = ExperimentPipelines.Build(ml, arm, Settings, _model, ClassNames, seed, DiffusionPerImage, epochs,
            arm.UsesDiffusion() ? CacheDirectory : null, m => trainingRows = m.TrainingImages);
        Log?.Invoke($"{Settings.Profile.Name} {arm.Id()} seed {seed}: {ExpectedTrainingRows(arm)} training rows, {epochs} epochs...");
        _model.Reset();
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        var clock = Stopwatch.StartNew();
        var model = pipeline.Fit(train);
        double fit = clock.Elapsed.TotalSeconds, generation = _model.Seconds;
        var augmenters = model.OfType<DiffusionAugmentingTransformerBase>().ToList();
        clock.Restart();
        var metrics = ml.MulticlassClassification.Evaluate(model.Transform(test));
        double evaluation = clock.Elapsed.TotalSeconds;
        double cpuSeconds = (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalSeconds;
        var result = new ArmRunResult
        {
            Profile = Settings.Profile.Name, Arm = arm, Seed = seed,
            MacroAccuracy = metrics.MacroAccuracy, MicroAccuracy = metrics.MicroAccuracy, MacroF1 = metrics.MacroF1,
            PerClassRecall = PerClassRecallInClassOrder(metrics),
            TrainingRows = trainingRows, Epochs = epochs,
            SyntheticImages = augmenters.Sum(a => a.Statistics.Accepted),
            ImagesGenerated = augmenters.Sum(a => a.Statistics.Generated),
            CacheHits = augmenters.Sum(a => a.Statistics.CacheHits),
            GenerationSeconds = generation, TrainSeconds = Math.Max(0, fit - generation), EvaluationSeconds = evaluation,
            TestRows = _test.Length, CpuSeconds = cpuSeconds, FinishedUtc = DateTime.UtcNow,
        };
        Log?.Invoke(string.Create(System.Globalization.CultureInfo.InvariantCulture,
            $"{Settings.Profile.Name} {arm.Id()} seed {seed}: macro-acc {result.MacroAccuracy * 100:F2}, micro-acc {result.MicroAccuracy * 100:F2}, " +
            $"{result.SyntheticImages} synthetic ({result.ImagesGenerated} generated, {result.CacheHits} cached) in {generation:F1} s, train {result.TrainSeconds:F1} s, eval {evaluation:F1} s; " +
            $"{result.TrainingRows} rows, {clock.Elapsed.TotalSeconds + fit:F1} s wall, {cpuSeconds:F1} s CPU"));
        return result;
    }

    private IReadOnlyList<double> PerClassRecallInClassOrder(Metrics.MulticlassClassificationMetrics metrics)
    {
        var names = metrics.ConfusionMatrix.ClassNames;
        return ClassNames.Select(c =>
        {
            int k = names.ToList().IndexOf(c);
            return k < 0 ? double.NaN : metrics.PerClassRecall[k];
        }).ToArray();
    }

    private void CheckOrWriteFingerprint()
    {
        Directory.CreateDirectory(RunsDirectory);
        string path = Path.Combine(OutputDirectory, "settings.txt"), fingerprint = Settings.Fingerprint(_model.ModelId);
        if (File.Exists(path))
        {
            string saved = File.ReadAllText(path).Trim();
            if (saved != fingerprint)
                throw new InvalidOperationException(
                    $"Experiment folder '{OutputDirectory}' holds runs made with other settings ({saved}); now: ({fingerprint}). Use another output folder or delete it.");
            return;
        }
        WriteAtomically(path, fingerprint + "\n");
    }

    private ArmRunResult? TryLoad(AugmentationArm arm, int seed)
    {
        string path = RunPath(arm, seed);
        if (!File.Exists(path))
            return null;
        try
        {
            var r = JsonSerializer.Deserialize<ArmRunResult>(File.ReadAllText(path), Json)
                ?? throw new InvalidDataException("empty");
            if (r.Arm != arm || r.Seed != seed || r.Profile != Settings.Profile.Name)
                throw new InvalidDataException($"it holds {r.Profile} {r.Arm.Id()} seed {r.Seed}");
            return r;
        }
        catch (Exception e) when (e is JsonException or InvalidDataException or NotSupportedException)
        {
            throw new InvalidDataException($"Experiment run file '{path}' is unreadable ({e.Message}); delete it to rerun that run.", e);
        }
    }

    private void Save(ArmRunResult r) => WriteAtomically(RunPath(r.Arm, r.Seed), JsonSerializer.Serialize(r, Json));

    /// <summary>Write-then-rename, so an interrupted write never leaves a half file that looks like a finished run.</summary>
    private static void WriteAtomically(string path, string text)
    {
        string tmp = path + ".tmp";
        File.WriteAllText(tmp, text);
        File.Move(tmp, path, overwrite: true);
    }

    /// <summary>
    /// A grid, one row per class: up to <paramref name="perClass"/> real training images, then the synthetic images
    /// ClassBalancing and DiffusionAugment made at <paramref name="seed"/> (read from the cache when those runs ran).
    /// </summary>
    public RawImage RenderSamples(int perClass, int seed)
    {
        if (perClass < 1) throw new ArgumentOutOfRangeException(nameof(perClass), perClass, "Samples: need at least 1 image per class.");
        var ml = new MLContext(seed: seed);
        var train = ml.Data.LoadFromEnumerable(_train);
        var columns = new List<(string Title, IReadOnlyList<MLImage>[] Images)> { ("REAL", Collect(train, perClass, synthetic: false)) };
        if (Settings.Arms.Any(a => a.UsesClassBalancing()))
        {
            var balanced = ml.Transforms.ClassBalancing(ExperimentPipelines.BalancingOptions(Settings, _model, ClassNames, seed, CacheDirectory)).Fit(train).Transform(train);
            columns.Add(("CLASSBALANCING", Collect(balanced, perClass, synthetic: true)));
        }
        if (Settings.Arms.Contains(AugmentationArm.DiffusionAugment))
        {
            var augmented = ml.Transforms.DiffusionAugment(ExperimentPipelines.ImageToImageOptions(Settings, _model, seed, DiffusionPerImage, CacheDirectory)).Fit(train).Transform(train);
            columns.Add(("IMG2IMG", Collect(augmented, perClass, synthetic: true)));
        }
        return SampleGrid.Render(ClassNames, columns, scale: 2);
    }

    /// <summary>Up to <paramref name="perClass"/> images per class, real or synthetic rows only; reads an image only when it is kept.</summary>
    private IReadOnlyList<MLImage>[] Collect(IDataView view, int perClass, bool synthetic)
    {
        var found = ClassNames.Select(_ => new List<MLImage>()).ToArray();
        var index = ClassNames.Select((n, i) => (n, i)).ToDictionary(p => p.n, p => p.i, StringComparer.Ordinal);
        var s = view.Schema;
        var flag = s.GetColumnOrNull(AugmentationColumns.IsSynthetic);
        var cols = new List<DataViewSchema.Column> { s["Label"], s["Image"] };
        if (flag is { } f) cols.Add(f);
        using var cursor = view.GetRowCursor(cols);
        var label = cursor.GetGetter<ReadOnlyMemory<char>>(s["Label"]);
        var image = cursor.GetGetter<MLImage?>(s["Image"]);
        ValueGetter<bool>? isSynthetic = flag is { } fc ? cursor.GetGetter<bool>(fc) : null;
        ReadOnlyMemory<char> text = default;
        bool syn = false;
        int missing = ClassNames.Count;
        while (missing > 0 && cursor.MoveNext())
        {
            label(ref text);
            isSynthetic?.Invoke(ref syn);
            if (syn != synthetic || !index.TryGetValue(text.ToString(), out int c) || found[c].Count >= perClass)
                continue;
            MLImage? img = null;
            image(ref img);
            found[c].Add(MLImage.CreateFromPixels(img!.Width, img.Height, img.PixelFormat, img.Pixels));
            if (found[c].Count == perClass)
                missing--;
        }
        return found;
    }

    /// <summary>Writes the sample grid as <c>samples-{profile}.png</c> in <paramref name="folder"/>; returns the file name.</summary>
    public string WriteSamples(string folder, int perClass = 6)
    {
        Directory.CreateDirectory(folder);
        string name = $"samples-{Settings.Profile.Name}.png";
        var grid = RenderSamples(perClass, Settings.Seeds[0]);
        using var f = File.Create(Path.Combine(folder, name));
        PngEncoder.Encode(grid, f);
        return name;
    }

    /// <summary>This experiment's part of a report, from its runs.</summary>
    public ReportSection ToReportSection(IReadOnlyList<ArmRunResult> results, string? samplesFile) => new()
    {
        ProfileName = Settings.Profile.Name, ProfileDescription = Settings.Profile.Describe(), ClassNames = ClassNames,
        SubsetCounts = SubsetCounts, TestRows = TestRows, BalancingAdded = BalancingAdded, DiffusionPerImage = DiffusionPerImage,
        Settings = Settings, Summaries = ArmSummary.Aggregate(results, Settings.Arms), SamplesFile = samplesFile,
    };
}
