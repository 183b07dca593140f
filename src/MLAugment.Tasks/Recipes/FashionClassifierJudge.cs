using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using MLAugment.Data;
using MLAugment.Tasks.Trainers;

namespace MLAugment.Tasks.Recipes;

/// <summary>How the Fashion-MNIST judge classifier is trained (recorded in its metrics.json).</summary>
public sealed record FashionJudgeOptions
{
    public ImageClassificationArchitecture Architecture { get; init; } = ImageClassificationArchitecture.SmallResNet;
    public int Width { get; init; } = 16;
    public int Epochs { get; init; } = 5;
    public int BatchSize { get; init; } = 64;
    /// <summary>Peak AdamW learning rate, decayed to 0 along a half cosine.</summary>
    public float LearningRate { get; init; } = 3e-3f;
    public int Seed { get; init; } = 7;
}

/// <summary>What a judge folder's metrics.json says about the classifier (measured by the command that trained it).</summary>
public sealed record FashionJudgeFacts
{
    public string Format { get; init; } = "mlaugment-fashion-judge/1";
    public string Command { get; init; } = "";
    public DateTime CreatedUtc { get; init; }
    public string TrainingData { get; init; } = "";
    public int TrainingImages { get; init; }
    public string EvaluationData { get; init; } = "";
    public int TestImages { get; init; }
    public required FashionJudgeOptions Options { get; init; }
    public int FeatureDimension { get; init; }
    public double TestAccuracy { get; init; }
    public List<ClassAccuracy> PerClassTestAccuracy { get; init; } = [];
    public List<string> Epochs { get; init; } = [];
    public double TrainingSeconds { get; init; }
    public int ProcessorCount { get; init; }
}

/// <summary>How many images of one true class there were and how many the classifier gave that class.</summary>
public sealed record ClassAccuracy(string Class, int Samples, int Correct)
{
    public double? Accuracy => Samples == 0 ? null : (double)Correct / Samples;
}

/// <summary>
/// The judge of the embedded Fashion-MNIST diffusion model: a small CNN (<see cref="ImageClassificationTrainer"/>) trained
/// on the real Fashion-MNIST training split only (all 60,000 images, no hold-out; no test image is seen in training), on
/// exactly the representation the diffusion model generates: 32×32×1 in [−1, 1], the 28×28 images centred and padded
/// with −1. Its folder holds <c>model.zip</c> (the fitted transformer), <c>metrics.json</c> (test accuracy overall and
/// per class, measured once after training on the 10,000-image test split) and a README card. An existing folder is
/// loaded, never retrained.
/// </summary>
public static class FashionClassifierJudge
{
    public const string ModelFile = "model.zip";
    public const string MetricsFile = "metrics.json";
    public const string CardFile = "README.md";
    internal static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        Converters = { new System.Text.Json.Serialization.JsonStringEnumConverter() },
    };

    private sealed class Row
    {
        public string Class { get; set; } = "";

        [VectorType(1, FashionDiffusionRecipe.ImageSize, FashionDiffusionRecipe.ImageSize)]
        public float[] Features { get; set; } = [];
    }

    private sealed class KeyRow
    {
        public string Class { get; set; } = "";
    }

    /// <summary>True when <paramref name="folder"/> holds a trained judge (model and metrics).</summary>
    public static bool Exists(string folder) => File.Exists(Path.Combine(folder, ModelFile)) && File.Exists(Path.Combine(folder, MetricsFile));

    /// <summary>Loads the judge in <paramref name="folder"/>.</summary>
    public static (ImageClassifierJudge Judge, FashionJudgeFacts Facts) Load(string folder)
    {
        string model = Path.Combine(folder, ModelFile), metrics = Path.Combine(folder, MetricsFile);
        if (!File.Exists(model)) throw new FileNotFoundException($"Judge folder '{folder}' has no {ModelFile}.", model);
        if (!File.Exists(metrics)) throw new FileNotFoundException($"Judge folder '{folder}' has no {MetricsFile}.", metrics);
        var loaded = new MLContext().Model.Load(model, out _);
        var classifier = loaded as ImageClassificationTransformer
            ?? throw new InvalidDataException($"{model}: holds a {loaded.GetType().Name}, not an ImageClassificationTransformer.");
        FashionJudgeFacts facts;
        try { facts = JsonSerializer.Deserialize<FashionJudgeFacts>(File.ReadAllText(metrics), Json) ?? throw new InvalidDataException("empty"); }
        catch (Exception e) when (e is JsonException or InvalidDataException) { throw new InvalidDataException($"{metrics}: not a judge metrics file ({e.Message}).", e); }
        var (c, h, w) = classifier.ImageShape;
        if (c != 1 || h != FashionDiffusionRecipe.ImageSize || w != FashionDiffusionRecipe.ImageSize)
            throw new InvalidDataException($"{model}: the classifier takes [{c}, {h}, {w}] images; the Fashion judge must take [1, {FashionDiffusionRecipe.ImageSize}, {FashionDiffusionRecipe.ImageSize}].");
        return (new ImageClassifierJudge(classifier), facts);
    }

    /// <summary>Loads the judge in <paramref name="folder"/>, or trains it on <paramref name="train"/> and measures it on <paramref name="test"/> first.</summary>
    public static (ImageClassifierJudge Judge, FashionJudgeFacts Facts, bool Trained) LoadOrTrain(string folder, Func<FashionMnist> train, Func<FashionMnist> test,
        FashionJudgeOptions? options = null, string command = "", Action<string>? log = null)
    {
        if (Exists(folder))
        {
            var (j, f) = Load(folder);
            log?.Invoke($"judge: loaded {folder} (test accuracy {f.TestAccuracy:P2})");
            return (j, f, false);
        }
        var (judge, facts) = Train(folder, train(), test(), options ?? new FashionJudgeOptions(), command, log);
        return (judge, facts, true);
    }

    /// <summary>Trains on every image of <paramref name="train"/>, measures on <paramref name="test"/>, writes the folder.</summary>
    public static (ImageClassifierJudge Judge, FashionJudgeFacts Facts) Train(string folder, FashionMnist train, FashionMnist test, FashionJudgeOptions options,
        string command = "", Action<string>? log = null)
    {
        var ml = new MLContext(seed: options.Seed);
        var names = FashionMnist.ClassNames;
        var data = ToDataView(ml, train, names);
        var epochs = new List<string>();
        var clock = Stopwatch.StartNew();
        var model = ml.MulticlassClassification.Trainers.ImageClassification(new ImageClassificationTrainer.Options
        {
            Arch = options.Architecture, Width = options.Width, Epoch = options.Epochs, BatchSize = options.BatchSize,
            LearningRate = options.LearningRate, CosineDecay = true, Seed = options.Seed, ValidationSetFraction = null,
            MetricsCallback = m => { epochs.Add(m.ToString()); log?.Invoke($"judge: {m}"); },
        }).Fit(data);
        double trainSeconds = clock.Elapsed.TotalSeconds;

        var pixels = test.ToPaddedFloats(FashionDiffusionRecipe.ImageSize);
        var (probabilities, _) = model.PredictProbabilitiesAndFeatures(pixels, test.Count);
        var perClass = PerClassAccuracy(probabilities, test.Labels, names);
        double accuracy = (double)perClass.Sum(c => c.Correct) / test.Count;
        var facts = new FashionJudgeFacts
        {
            Command = command, CreatedUtc = DateTime.UtcNow,
            TrainingData = $"Fashion-MNIST train split, all {train.Count:N0} images (no validation hold-out; no test image is seen)",
            TrainingImages = train.Count,
            EvaluationData = $"Fashion-MNIST test split, all {test.Count:N0} images, measured once after training",
            TestImages = test.Count, Options = options, FeatureDimension = model.FeatureDimension,
            TestAccuracy = accuracy, PerClassTestAccuracy = perClass, Epochs = epochs, TrainingSeconds = trainSeconds,
            ProcessorCount = Environment.ProcessorCount,
        };
        Directory.CreateDirectory(folder);
        var modelPath = Path.Combine(folder, ModelFile);
        var tmp = modelPath + ".tmp";
        ml.Model.Save(model, data.Schema, tmp);
        File.Move(tmp, modelPath, overwrite: true);
        AtomicText.Write(Path.Combine(folder, CardFile), RenderCard(facts));
        AtomicText.Write(Path.Combine(folder, MetricsFile), JsonSerializer.Serialize(facts, Json)); // written last: its presence means "complete"
        log?.Invoke($"judge: trained in {trainSeconds:F0}s, test accuracy {accuracy:P2}; wrote {folder}");
        return (new ImageClassifierJudge(model), facts);
    }

    /// <summary>Accuracy of the arg-max class per true class.</summary>
    public static List<ClassAccuracy> PerClassAccuracy(float[] probabilities, IReadOnlyList<int> labels, IReadOnlyList<string> classNames)
    {
        int k = classNames.Count;
        if (probabilities.Length != labels.Count * k)
            throw new ArgumentException($"PerClassAccuracy: {probabilities.Length} probabilities for {labels.Count} labels of {k} classes.");
        var count = new int[k]; var correct = new int[k];
        for (int i = 0; i < labels.Count; i++)
        {
            int y = labels[i];
            if ((uint)y >= (uint)k) throw new ArgumentException($"PerClassAccuracy: label {y} at row {i} is outside [0, {k}).");
            count[y]++;
            if (ArgMax(probabilities, i, k) == y) correct[y]++;
        }
        return Enumerable.Range(0, k).Select(c => new ClassAccuracy(classNames[c], count[c], correct[c])).ToList();
    }

    internal static int ArgMax(float[] p, int row, int k)
    {
        int best = 0;
        for (int c = 1; c < k; c++) if (p[row * k + c] > p[row * k + best]) best = c;
        return best;
    }

    public static string RenderCard(FashionJudgeFacts f)
    {
        var ci = CultureInfo.InvariantCulture;
        var sb = new StringBuilder();
        sb.AppendLine("# fashion-classifier — the judge of the embedded diffusion model").AppendLine();
        sb.AppendLine("A small CNN that scores images for `mlaugment evaluate-diffusion`: its softmax gives class fidelity and label");
        sb.AppendLine("preservation, its penultimate layer (after global average pooling) is the feature space of the Fréchet distance.").AppendLine();
        sb.AppendLine(string.Create(ci, $"- Trained on: {f.TrainingData}."));
        sb.AppendLine(string.Create(ci, $"- Input: 1×32×32 in [−1, 1] (28×28 centred, padded with −1), the diffusion model's output format."));
        sb.AppendLine(string.Create(ci, $"- Network: {f.Options.Architecture}, width {f.Options.Width}, {f.FeatureDimension}-dimensional features; AdamW, learning rate {f.Options.LearningRate} with cosine decay to 0, batch {f.Options.BatchSize}, {f.Options.Epochs} epochs, seed {f.Options.Seed}."));
        sb.AppendLine(string.Create(ci, $"- Training wall time: {f.TrainingSeconds:F0} s on {f.ProcessorCount} logical CPUs ({f.CreatedUtc:yyyy-MM-dd HH:mm} UTC)."));
        if (f.Command.Length > 0) sb.AppendLine($"- Command: `{f.Command}`");
        sb.AppendLine().AppendLine(string.Create(ci, $"## Test accuracy: {f.TestAccuracy * 100:F2}% ({f.EvaluationData})")).AppendLine();
        sb.AppendLine("| class | test images | accuracy |").AppendLine("|---|---:|---:|");
        foreach (var c in f.PerClassTestAccuracy) sb.AppendLine(string.Create(ci, $"| {c.Class} | {c.Samples:N0} | {c.Accuracy * 100:F1}% |"));
        sb.AppendLine().AppendLine("Per-epoch training log:").AppendLine();
        foreach (var e in f.Epochs) sb.AppendLine($"- {e}");
        return sb.ToString();
    }

    private static IDataView ToDataView(MLContext ml, FashionMnist set, IReadOnlyList<string> names)
    {
        const int size = FashionDiffusionRecipe.ImageSize, per = size * size;
        var all = set.ToPaddedFloats(size);
        var rows = new Row[set.Count];
        for (int i = 0; i < rows.Length; i++)
            rows[i] = new Row { Class = names[set.Labels[i]], Features = all.AsSpan(i * per, per).ToArray() };
        var data = ml.Data.LoadFromEnumerable(rows);
        var keys = ml.Data.LoadFromEnumerable(names.Select(n => new KeyRow { Class = n }).ToArray());
        return ml.Transforms.Conversion.MapValueToKey("Label", "Class", keyData: keys).Fit(data).Transform(data);
    }
}

/// <summary>Text files written whole or not at all (temporary sibling + rename), so an interrupted run never leaves half a file.</summary>
internal static class AtomicText
{
    public static void Write(string path, string text)
    {
        var dir = Path.GetDirectoryName(Path.GetFullPath(path));
        if (!string.IsNullOrEmpty(dir)) Directory.CreateDirectory(dir);
        var tmp = path + ".tmp-" + Guid.NewGuid().ToString("N");
        try
        {
            File.WriteAllText(tmp, text, new UTF8Encoding(false));
            File.Move(tmp, path, overwrite: true);
        }
        finally
        {
            if (File.Exists(tmp)) File.Delete(tmp);
        }
    }
}
