using System.CommandLine;
using System.Globalization;
using MLAugment.Cli.Infrastructure;
using MLAugment.Data;
using MLAugment.Data.Transforms.Augmentation;
using Spectre.Console;

namespace MLAugment.Cli.Commands;

/// <summary>
/// `mlaugment balance IN OUT`: ClassBalancing over an image-folder dataset. Under-represented classes get synthetic
/// images until each reaches the target (the largest class, a ratio of it, or given counts; capped per class). OUT gets
/// the originals plus the additions in the same layout and manifest.jsonl; the per-class plan is printed as a table.
/// </summary>
internal static class BalanceCommand
{
    public static Command Create()
    {
        var input = new Argument<string>("input") { Description = "Image-folder dataset: one sub-folder of images per class." };
        var output = new Argument<string>("output") { Description = "Folder to write (new or empty): originals + additions, same layout." };
        var target = new Option<string?>("--target")
        {
            Description = "balanced (every class up to the largest), ratio (up to --ratio x the largest) or counts (--counts). " +
                "Default: ratio when --ratio is given, counts when --counts is, else balanced.",
        };
        target.AcceptOnlyFromAmong("balanced", "ratio", "counts");
        var ratio = new Option<float?>("--ratio") { Description = "Target as a fraction of the largest class, in (0, 1]." };
        ratio.Require(v => v is not float r || r > 0 && r <= 1, "--ratio must be in (0, 1].");
        var counts = new Option<string?>("--counts") { Description = "Per-class targets: Class=N,Class=N (classes not named get nothing)." };
        counts.Check(v => ParseCounts(v, out _));
        var cap = new Option<int?>("--cap") { Description = "The most synthetic images any class gets." };
        cap.Require(v => v is not < 0, "--cap must be >= 0.");
        var mode = new Option<string>("--mode")
        {
            Description = "img2img (vary the class's originals, round robin) or generate (from the class label alone).",
            DefaultValueFactory = _ => "img2img",
        };
        mode.AcceptOnlyFromAmong("img2img", "generate");
        var strength = new Option<float>("--strength") { Description = "img2img strength (0 = unchanged, 1 = pure noise).", DefaultValueFactory = _ => 0.5f };
        strength.Require(s => s >= 0 && s <= 1, "--strength must be in [0, 1].");
        var prompt = new Option<string>("--prompt") { Description = "Prompt template; {label} is the class folder name.", DefaultValueFactory = _ => "a photo of a {label}" };
        var cache = new Option<string?>("--cache-dir") { Description = "Generation cache folder: a rerun with the same options generates nothing." };
        var force = new Option<bool>("--force") { Description = "Write into a non-empty output folder (files of the same name are replaced)." };
        var diffusion = new DiffusionOptions(defaultScheduler: "ddim");

        var cmd = new Command("balance", "Class balancing of an image-folder dataset: synthetic images for under-represented classes, same layout.")
        {
            input, output, target, ratio, counts, cap, mode, strength, prompt, cache, force,
        };
        diffusion.AddTo(cmd);
        cmd.SetAction(r =>
        {
            var ctx = CliContext.From(r);
            var balancing = ResolveTarget(r.GetValue(target), r.GetValue(ratio), r.GetValue(counts));
            ParseCounts(r.GetValue(counts), out var perClass);
            string inDir = FolderChecks.InputFolder(r.GetValue(input)!, "input folder");
            string outDir = FolderChecks.OutputFolder(r.GetValue(output)!, r.GetValue(force), inDir);
            var model = diffusion.LoadModel(r);
            string template = r.GetValue(prompt)!;
            var ml = new MLContext(seed: r.GetValue(diffusion.Seed));
            var data = AugmentedFolder.Load(ml, inDir, model, template);
            var options = new ClassBalancingOptions
            {
                Model = model,
                ImageColumnName = AugmentedFolder.ImageColumn,
                LabelColumnName = ImageFolderCatalog.LabelColumnName,
                Target = balancing,
                Ratio = r.GetValue(ratio) ?? 1f,
                PerClassTargets = perClass,
                MaxSyntheticPerClass = r.GetValue(cap),
                Mode = r.GetValue(mode) == "generate" ? BalancingMode.GenerateFromLabel : BalancingMode.ImageToImage,
                Strength = r.GetValue(strength),
                PromptTemplate = template,
                NegativePrompt = r.GetValue(diffusion.NegativePrompt),
                NumInferenceSteps = r.GetValue(diffusion.Steps),
                Scheduler = diffusion.SchedulerClass(r),
                GuidanceScale = r.GetValue(diffusion.Guidance),
                Seed = r.GetValue(diffusion.Seed),
                BatchSize = r.GetValue(diffusion.BatchSize),
                CacheDirectory = r.GetValue(cache),
            };
            var run = AugmentedFolder.RunRecord(inDir, r.GetValue(diffusion.Model)!, model, template, options.NegativePrompt,
                options.NumInferenceSteps, options.Scheduler, options.GuidanceScale, options.Seed, options.CacheDirectory);
            run["target"] = balancing.ToString();
            run["ratio"] = options.Ratio;
            run["counts"] = perClass;
            run["cap"] = options.MaxSyntheticPerClass;
            run["mode"] = options.Mode.ToString();
            run["strength"] = options.Strength;

            var done = AugmentedFolder.Augment(ctx, ml, model, data, inDir, outDir, "balance", run,
                progress => ml.Transforms.ClassBalancing(options with { Progress = progress }), b => b.Statistics,
                (b, summary) => summary["classes"] = b.Report.Select(c => new Dictionary<string, object?>
                {
                    ["class"] = c.ClassName, ["real"] = c.RealCount, ["target"] = c.TargetCount, ["added"] = c.Added,
                }).ToArray());
            var balancer = done.Augmenter;

            var table = new Table().AddColumns("class", "real", "target", "added", "total");
            foreach (var c in balancer.Report)
                table.AddRow(Markup.Escape(c.ClassName), Int(c.RealCount), Int(c.TargetCount), Int(c.Added), Int(c.RealCount + c.Added));
            ctx.OutConsole().Write(table);
            ctx.Out.WriteLine($"wrote {done.Originals} originals + {done.Synthetic} synthetic images to {outDir} in {done.Elapsed.TotalSeconds:F1} s " +
                $"({balancer.Statistics}); model {model.ModelId}");
            return 0;
        });
        return cmd;
    }

    private static string Int(int v) => v.ToString(CultureInfo.InvariantCulture);

    /// <summary>--target, or the target the given options imply; contradictions are usage errors.</summary>
    private static BalancingTarget ResolveTarget(string? target, float? ratio, string? counts)
    {
        if (ratio is not null && counts is not null)
            throw new CliUsageException("give --ratio or --counts, not both.");
        var resolved = target switch
        {
            "balanced" => BalancingTarget.Balanced,
            "ratio" => BalancingTarget.RatioOfLargest,
            "counts" => BalancingTarget.PerClass,
            _ => ratio is not null ? BalancingTarget.RatioOfLargest : counts is not null ? BalancingTarget.PerClass : BalancingTarget.Balanced,
        };
        if (resolved == BalancingTarget.RatioOfLargest && ratio is null)
            throw new CliUsageException("--target ratio needs --ratio <r>.");
        if (resolved == BalancingTarget.PerClass && counts is null)
            throw new CliUsageException("--target counts needs --counts Class=N,...");
        if (resolved == BalancingTarget.Balanced && (ratio is not null || counts is not null))
            throw new CliUsageException("--target balanced takes neither --ratio nor --counts.");
        return resolved;
    }

    /// <summary>Null when <paramref name="text"/> is empty or "Class=N,..." with N >= 0 and each class once; else the error.</summary>
    private static string? ParseCounts(string? text, out Dictionary<string, int>? counts)
    {
        counts = null;
        if (text is null)
            return null;
        var result = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var part in text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            int eq = part.LastIndexOf('=');
            if (eq <= 0 || !int.TryParse(part[(eq + 1)..], NumberStyles.Integer, CultureInfo.InvariantCulture, out int n) || n < 0)
                return $"--counts: '{part}' is not Class=N with N >= 0.";
            if (!result.TryAdd(part[..eq].Trim(), n))
                return $"--counts names class '{part[..eq].Trim()}' twice.";
        }
        if (result.Count == 0)
            return "--counts is empty; give Class=N,...";
        counts = result;
        return null;
    }
}
