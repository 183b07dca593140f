using System.Diagnostics;
using MLAugment.Data;
using MLAugment.Data.Transforms.Augmentation;
using MLAugment.Diffusion.Sampling;

namespace MLAugment.Cli.Infrastructure;

/// <summary>
/// The folder side of augment and balance: an image-folder dataset in (one sub-folder per class), and the augmented
/// view out in the same layout: originals copied byte for byte to their relative path, synthetic images as PNG beside
/// their source (<c>&lt;name&gt;_syn&lt;k&gt;.png</c>, at the model's size), each file recorded in the manifest.
/// </summary>
internal static class AugmentedFolder
{
    public const string ImageColumn = "Image";

    /// <summary>
    /// The dataset as rows of ImagePath and Label (a key whose values are the class folder names), with every class
    /// checked against the model: a class the model cannot condition on fails here, before any work.
    /// </summary>
    public static IDataView Load(MLContext ml, string root, IDiffusionBackend model, string promptTemplate)
    {
        var data = ml.Data.LoadFromImageFolder(root, labelAsKey: true);
        VBuffer<ReadOnlyMemory<char>> names = default;
        data.Schema[ImageFolderCatalog.LabelColumnName].GetKeyValues(ref names);
        foreach (var name in names.DenseValues().Select(n => n.ToString()))
        {
            try
            {
                model.EncodeCondition(promptTemplate.Replace("{label}", name, StringComparison.Ordinal));
            }
            catch (UnknownConditionException)
            {
                throw new CliException(
                    $"class folder '{name}' in '{root}' is not a class the model knows ({string.Join(", ", model.KnownConditions)}); rename or remove the folder, or use another --model.");
            }
        }
        return data;
    }

    /// <summary>LoadImages, then ResizeImages to the model's size: the input the augmenters need.</summary>
    public static IEstimator<ITransformer> Featurize(MLContext ml, IDiffusionBackend model) =>
        ml.Transforms.LoadImages(ImageColumn, imageFolder: null, inputColumnName: ImageFolderCatalog.ImagePathColumnName)
            .Append(ml.Transforms.ResizeImages(ImageColumn, model.ImageWidth, model.ImageHeight));

    /// <summary>What <see cref="Augment{T}"/> wrote and the fitted augmenter.</summary>
    public sealed record Outcome<T>(int Originals, int Synthetic, T Augmenter, TimeSpan Elapsed);

    /// <summary>
    /// The body augment and balance share: the run record opens the manifest; under the progress display the folder is
    /// featurized, the augmenter (made by <paramref name="augmenter"/> around the display's progress) fitted, and every
    /// row written; the summary record (counts, generated vs cached, seconds, plus <paramref name="addToSummary"/>) closes it.
    /// </summary>
    public static Outcome<T> Augment<T>(CliContext ctx, MLContext ml, IDiffusionBackend model, IDataView data, string inDir, string outDir,
        string command, Dictionary<string, object?> run, Func<IProgress<AugmentationProgress>, IEstimator<T>> augmenter,
        Func<T, AugmentationStatistics> statistics, Action<T, Dictionary<string, object?>>? addToSummary = null) where T : class, ITransformer
    {
        var clock = Stopwatch.StartNew();
        (int Originals, int Synthetic) counts = default;
        T? fittedAugmenter = null;
        using (var manifest = new ManifestWriter(outDir, command, run))
        {
            ProgressDisplay.Run(ctx, command, line =>
            {
                MLContextLog.Attach(ml, line, ctx.Verbose);
                var fitted = Featurize(ml, model).Append(augmenter(new AugmentationProgressAdapter(line))).Fit(data);
                fittedAugmenter = fitted.LastTransformer;
                counts = Write(fitted.Transform(data), inDir, outDir, manifest);
            });
            var stats = statistics(fittedAugmenter!);
            var summary = new Dictionary<string, object?>
            {
                ["originals"] = counts.Originals, ["synthetic"] = counts.Synthetic, ["generated"] = stats.Generated,
                ["cache_hits"] = stats.CacheHits, ["seconds"] = Math.Round(clock.Elapsed.TotalSeconds, 3),
            };
            addToSummary?.Invoke(fittedAugmenter!, summary);
            manifest.Summary(summary);
        }
        return new Outcome<T>(counts.Originals, counts.Synthetic, fittedAugmenter!, clock.Elapsed);
    }

    /// <summary>The run-record fields augment and balance share: input, model, prompt and sampler settings, image size.</summary>
    public static Dictionary<string, object?> RunRecord(string inDir, string modelPath, IDiffusionBackend model, string promptTemplate, string? negativePrompt,
        int steps, string scheduler, float guidance, int? seed, string? cacheDirectory) => new()
    {
        ["input"] = inDir, ["model_path"] = Path.GetFullPath(modelPath), ["model_id"] = model.ModelId, ["prompt"] = promptTemplate,
        ["negative_prompt"] = negativePrompt, ["steps"] = steps, ["scheduler"] = scheduler, ["guidance"] = guidance, ["seed"] = seed,
        ["cache_dir"] = cacheDirectory, ["width"] = model.ImageWidth, ["height"] = model.ImageHeight,
    };

    /// <summary>Writes every row of <paramref name="augmented"/>; returns (originals, synthetic) file counts.</summary>
    public static (int Originals, int Synthetic) Write(IDataView augmented, string inputRoot, string outDir, ManifestWriter manifest)
    {
        var s = augmented.Schema;
        var cols = new[]
        {
            s[ImageFolderCatalog.ImagePathColumnName], s[ImageFolderCatalog.LabelColumnName], s[ImageColumn], s[AugmentationColumns.IsSynthetic],
            s[AugmentationColumns.SourceRowId], s[AugmentationColumns.Seed], s[AugmentationColumns.Strength], s[AugmentationColumns.Prompt],
        };
        VBuffer<ReadOnlyMemory<char>> keyValues = default;
        cols[1].GetKeyValues(ref keyValues);
        var classNames = keyValues.DenseValues().Select(v => v.ToString()).ToArray();

        using var cursor = augmented.GetRowCursor(cols);
        var getPath = cursor.GetGetter<ReadOnlyMemory<char>>(cols[0]);
        var getLabel = cursor.GetGetter<uint>(cols[1]);
        var getImage = cursor.GetGetter<MLImage?>(cols[2]);
        var getSynthetic = cursor.GetGetter<bool>(cols[3]);
        var getSource = cursor.GetGetter<DataViewRowId>(cols[4]);
        var getSeed = cursor.GetGetter<long>(cols[5]);
        var getStrength = cursor.GetGetter<float>(cols[6]);
        var getPrompt = cursor.GetGetter<ReadOnlyMemory<char>>(cols[7]);
        ReadOnlyMemory<char> path = default, prompt = default;
        uint label = 0;
        MLImage? image = null;
        bool synthetic = false;
        DataViewRowId source = default, previous = default;
        long seed = 0;
        float strength = 0;
        int k = 0, originals = 0, made = 0;
        var written = new HashSet<string>(StringComparer.Ordinal);
        while (cursor.MoveNext())
        {
            getPath(ref path);
            getLabel(ref label);
            getSynthetic(ref synthetic);
            getSource(ref source);
            string sourcePath = path.ToString();
            string relative = Path.GetRelativePath(inputRoot, sourcePath);
            string className = label >= 1 && label <= classNames.Length ? classNames[label - 1] : "";
            if (!source.Equals(previous) || (originals + made) == 0)
                k = 0;
            previous = source;
            string target;
            if (!synthetic)
            {
                target = Path.Combine(outDir, relative);
                Claim(written, target, sourcePath);
                Directory.CreateDirectory(Path.GetDirectoryName(target)!);
                File.Copy(sourcePath, target, overwrite: true);
                originals++;
                manifest.Image(new Dictionary<string, object?>
                {
                    ["file"] = ManifestWriter.RelativePath(outDir, target), ["class"] = className, ["synthetic"] = false,
                    ["source"] = relative.Replace('\\', '/'),
                });
                continue;
            }
            getSeed(ref seed);
            getStrength(ref strength);
            getPrompt(ref prompt);
            getImage(ref image); // generates (in batches) on first read
            target = Path.Combine(outDir, Path.ChangeExtension(relative, null) + $"_syn{k++}.png");
            Claim(written, target, sourcePath);
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            image!.Save(target);
            made++;
            manifest.Image(new Dictionary<string, object?>
            {
                ["file"] = ManifestWriter.RelativePath(outDir, target), ["class"] = className, ["synthetic"] = true,
                ["source"] = relative.Replace('\\', '/'), ["seed"] = seed, ["strength"] = strength, ["prompt"] = prompt.ToString(),
            });
        }
        image?.Dispose();
        return (originals, made);
    }

    /// <summary>Two rows must never write one file (an original named like another's synthetic image, say).</summary>
    private static void Claim(HashSet<string> written, string target, string source)
    {
        if (!written.Add(target))
            throw new CliException($"two output images would be written to '{target}' (the second from '{source}'); rename the input file.");
    }
}
