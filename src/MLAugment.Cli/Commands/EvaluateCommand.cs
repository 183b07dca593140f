using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using MLAugment.Cli.Infrastructure;
using MLAugment.Data;
using MLAugment.Tasks;
using MLAugment.Tasks.Metrics;
using MLAugment.Tasks.Trainers;
using Spectre.Console;

namespace MLAugment.Cli.Commands;

/// <summary>
/// `mlaugment evaluate MODEL [DATA]`: scores a labelled image folder (or the Fashion-MNIST test split) with a saved
/// classifier and prints micro/macro accuracy, macro-F1, per-class precision/recall and the confusion matrix.
/// </summary>
/// <remarks>
/// MODEL is a model saved with <c>mlContext.Model.Save(model, inputSchema, path)</c> that scores raw rows: its input
/// schema says which rows it reads. <c>ImagePath</c> + <c>Label</c> (an image-folder pipeline: LoadImages … classifier)
/// takes a folder; the Fashion-MNIST split is written to a temporary folder first (class folders named as
/// <c>SaveAsImageFolder</c> names them). <c>Image</c> + <c>Label</c> (LoadFromIdx rows) takes the Fashion-MNIST split
/// directly. The scored view must have a key Label with class names, Score and PredictedLabel.
/// </remarks>
internal static class EvaluateCommand
{
    public static Command Create()
    {
        var modelPath = new Argument<string>("model") { Description = "Saved classifier (mlContext.Model.Save: a .zip or a model folder)." };
        var dataPath = new Argument<string?>("data") { Description = "Labelled image folder: one sub-folder per class.", Arity = ArgumentArity.ZeroOrOne };
        var fashion = new Option<bool>("--fashion-mnist-test") { Description = "Evaluate on the Fashion-MNIST test split (10,000 images) instead of a folder." };
        var fashionRoot = new Option<string?>("--fashion-mnist-root")
        {
            Description = $"Folder of the Fashion-MNIST IDX files (default: $MLAUGMENT_FASHION_MNIST or {FashionMnist.DefaultRoot}).",
        };
        var json = new Option<string?>("--json") { Description = "Also write the metrics to this JSON file." };
        var cmd = new Command("evaluate", "Evaluate a saved image classifier on a labelled folder or the Fashion-MNIST test split.")
        {
            modelPath, dataPath, fashion, fashionRoot, json,
        };
        cmd.SetAction(r =>
        {
            var ctx = CliContext.From(r);
            string? folder = r.GetValue(dataPath);
            bool useFashion = r.GetValue(fashion);
            if (useFashion == (folder is not null))
                throw new CliUsageException("give a labelled image folder or --fashion-mnist-test (one of them).");
            if (folder is not null)
                folder = FolderChecks.InputFolder(folder, "data folder");
            string path = r.GetValue(modelPath)!;
            if (!File.Exists(path) && !Directory.Exists(path))
                throw new CliException($"classifier model '{path}' does not exist.");

            var ml = new MLContext(seed: 0);
            _ = typeof(ImageClassificationTransformer); // the Tasks assembly must be loaded for its transformers to be loadable
            var model = ml.Model.Load(path, out var inputSchema);
            string? temp = null;
            try
            {
                var (data, folderClasses) = OpenData(ctx, ml, inputSchema, path, folder, useFashion ? FashionFiles(r.GetValue(fashionRoot)) : null, ref temp);
                var scored = model.Transform(data);
                var modelClasses = CheckScored(scored, path);
                var unknown = folderClasses?.Where(c => !modelClasses.Contains(c, StringComparer.Ordinal)).ToArray() ?? [];
                if (unknown.Length > 0)
                    throw new CliException(
                        $"class folder{(unknown.Length > 1 ? "s" : "")} {string.Join(", ", unknown.Select(u => $"'{u}'"))} of the data {(unknown.Length > 1 ? "are" : "is")} not a class of the model ({string.Join(", ", modelClasses)}).");

                var clock = Stopwatch.StartNew();
                long? total = data.GetRowCount();
                var metrics = ProgressDisplay.Run(ctx, "evaluate", line =>
                {
                    var counted = new CountingDataView(scored, rows =>
                    {
                        if (rows % 64 != 0 && rows != total)
                            return;
                        double perSecond = rows / Math.Max(clock.Elapsed.TotalSeconds, 1e-9);
                        TimeSpan? eta = total is long t && perSecond > 0 ? TimeSpan.FromSeconds((t - rows) / perSecond) : null;
                        line.Update(rows, total, $"{ProgressDisplay.Count("images", rows, total)}, {perSecond:F1} images/s{ProgressDisplay.Eta(eta)}");
                    });
                    return ml.MulticlassClassification.Evaluate(counted);
                });
                Print(ctx, metrics, useFashion ? "Fashion-MNIST test" : folder!);
                if (r.GetValue(json) is { } jsonPath)
                    WriteJson(jsonPath, metrics, path, useFashion ? "fashion-mnist:test" : folder!);
                return 0;
            }
            finally
            {
                if (temp is not null)
                    Directory.Delete(temp, recursive: true);
            }
        });
        return cmd;
    }

    /// <summary>The rows the model reads, by its input schema; and for folder data the class folder names.</summary>
    private static (IDataView Data, string[]? Classes) OpenData(CliContext ctx, MLContext ml, DataViewSchema? inputSchema, string modelPath, string? folder,
        (string Images, string Labels)? fashion, ref string? temp)
    {
        bool readsPaths = inputSchema is null || inputSchema.GetColumnOrNull(ImageFolderCatalog.ImagePathColumnName) is not null;
        var label = inputSchema?.GetColumnOrNull(ImageFolderCatalog.LabelColumnName);
        if (readsPaths)
        {
            if (fashion is { } f)
            {
                temp = Directory.CreateTempSubdirectory("mlaugment-fashion-test-").FullName;
                ctx.Error.WriteLine($"evaluate: writing the Fashion-MNIST test split as PNG files to {temp} (the model reads image files)");
                ml.Data.WriteIdxAsImageFolder(f.Images, f.Labels, temp, classNames: FashionMnist.ClassNames);
                folder = temp;
            }
            var keyed = ml.Data.LoadFromImageFolder(folder!, labelAsKey: true);
            VBuffer<ReadOnlyMemory<char>> names = default;
            keyed.Schema[ImageFolderCatalog.LabelColumnName].GetKeyValues(ref names);
            var classes = names.DenseValues().Select(n => n.ToString()).ToArray();
            return (label?.Type is KeyDataViewType ? keyed : ml.Data.LoadFromImageFolder(folder!), classes);
        }
        var image = inputSchema!.GetColumnOrNull("Image");
        if (image?.Type is VectorDataViewType { Dimensions.Count: 2 } v && label?.Type is KeyDataViewType)
        {
            if (fashion is not { } idx)
                throw new CliException($"classifier '{modelPath}' reads IDX rows (Image {v}, Label), not image files; evaluate it with --fashion-mnist-test.");
            return (ml.Data.LoadFromIdx(idx.Images, idx.Labels, FashionMnist.ClassNames, imageAsBytes: v.ItemType == NumberDataViewType.Byte), null);
        }
        throw new CliException(
            $"classifier '{modelPath}' reads columns {string.Join(", ", inputSchema.Select(c => $"{c.Name} ({c.Type})"))}; evaluate needs a model saved with its " +
            "input steps: one reading ImagePath + Label (an image-folder pipeline) or Image + Label (Fashion-MNIST IDX rows).");
    }

    private static (string Images, string Labels) FashionFiles(string? root)
    {
        root ??= Environment.GetEnvironmentVariable("MLAUGMENT_FASHION_MNIST") ?? FashionMnist.DefaultRoot;
        string images = Path.Combine(root, "t10k-images-idx3-ubyte.gz"), labels = Path.Combine(root, "t10k-labels-idx1-ubyte.gz");
        foreach (var f in new[] { images, labels })
            if (!File.Exists(f))
                throw new CliException($"Fashion-MNIST file '{f}' not found; install it with 'apt-get install dataset-fashion-mnist' or pass --fashion-mnist-root.");
        return (images, labels);
    }

    /// <summary>The model's class names, after checking the scored view has what Evaluate reads.</summary>
    private static string[] CheckScored(IDataView scored, string modelPath)
    {
        var s = scored.Schema;
        var label = s.GetColumnOrNull(DefaultColumnNames.Label);
        if (label?.Type is not KeyDataViewType || !label.Value.HasKeyValues())
            throw new CliException($"classifier '{modelPath}' does not turn Label into a key with class names (add MapValueToKey(\"Label\") to the saved pipeline).");
        foreach (var name in new[] { DefaultColumnNames.Score, DefaultColumnNames.PredictedLabel })
            if (s.GetColumnOrNull(name) is null)
                throw new CliException($"classifier '{modelPath}' does not produce a {name} column; is it a multiclass classifier?");
        VBuffer<ReadOnlyMemory<char>> names = default;
        label.Value.GetKeyValues(ref names);
        return names.DenseValues().Select(n => n.ToString()).ToArray();
    }

    private static void Print(CliContext ctx, MulticlassClassificationMetrics m, string dataName)
    {
        var console = ctx.OutConsole();
        var cm = m.ConfusionMatrix;
        int k = cm.NumberOfClasses;
        var support = Enumerable.Range(0, k).Select(c => cm.Counts[c].Sum()).ToArray();
        console.WriteLine($"Evaluated on {dataName}: {support.Sum():F0} images, {k} classes.");
        var summary = new Table().AddColumns("metric", "value");
        summary.AddRow("micro accuracy", F(m.MicroAccuracy));
        summary.AddRow("macro accuracy", F(m.MacroAccuracy));
        summary.AddRow("macro F1", F(m.MacroF1));
        summary.AddRow("log-loss", F(m.LogLoss));
        console.Write(summary);

        var perClass = new Table().AddColumns("class", "support", "precision", "recall");
        for (int c = 0; c < k; c++)
            perClass.AddRow(Markup.Escape(cm.ClassNames[c]), support[c].ToString("F0", CultureInfo.InvariantCulture), F(cm.PerClassPrecision[c]), F(cm.PerClassRecall[c]));
        console.Write(perClass);

        var confusion = new Table { Title = new TableTitle("confusion matrix (rows: actual, columns: predicted)") };
        confusion.AddColumn("actual \\ predicted");
        for (int c = 0; c < k; c++)
            confusion.AddColumn(new TableColumn(Markup.Escape(cm.ClassNames[c])).RightAligned());
        for (int a = 0; a < k; a++)
            confusion.AddRow(new[] { Markup.Escape(cm.ClassNames[a]) }.Concat(cm.Counts[a].Select(v => v.ToString("F0", CultureInfo.InvariantCulture))).ToArray());
        console.Write(confusion);
    }

    private static string F(double v) => v.ToString("F4", CultureInfo.InvariantCulture);

    private static void WriteJson(string path, MulticlassClassificationMetrics m, string model, string data)
    {
        var cm = m.ConfusionMatrix;
        var doc = new Dictionary<string, object?>
        {
            ["model"] = Path.GetFullPath(model), ["data"] = data,
            ["micro_accuracy"] = m.MicroAccuracy, ["macro_accuracy"] = m.MacroAccuracy, ["macro_f1"] = m.MacroF1, ["log_loss"] = m.LogLoss,
            ["classes"] = cm.ClassNames, ["per_class_precision"] = cm.PerClassPrecision, ["per_class_recall"] = cm.PerClassRecall,
            ["confusion_matrix"] = cm.Counts,
        };
        var dir = Path.GetDirectoryName(Path.GetFullPath(path));
        if (dir is not null)
            Directory.CreateDirectory(dir);
        File.WriteAllText(path, JsonSerializer.Serialize(doc, new JsonSerializerOptions { WriteIndented = true }));
    }
}
