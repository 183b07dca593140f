using System.CommandLine;
using System.Globalization;
using MLAugment.Cli.Infrastructure;
using MLAugment.Data;
using MLAugment.Data.Transforms.Augmentation;

namespace MLAugment.Cli.Commands;

/// <summary>
/// `mlaugment augment IN OUT`: DiffusionAugment over an image-folder dataset. OUT gets the originals and M synthetic
/// images per original in the same class layout, plus manifest.jsonl (model id, options, and per file its source,
/// seed, strength and prompt).
/// </summary>
internal static class AugmentCommand
{
    public static Command Create()
    {
        var input = new Argument<string>("input") { Description = "Image-folder dataset: one sub-folder of images per class." };
        var output = new Argument<string>("output") { Description = "Folder to write (new or empty): originals + synthetic images, same layout." };
        var perImage = new Option<int>("--per-image") { Description = "Synthetic images per original (M).", DefaultValueFactory = _ => 2 };
        perImage.Require(v => v >= 0, "--per-image must be >= 0.");
        var strength = new Option<float>("--strength") { Description = "img2img strength t0 (0 = unchanged, 1 = pure noise).", DefaultValueFactory = _ => 0.5f };
        strength.Require(InUnit, "--strength must be in [0, 1].");
        var mix = new Option<string?>("--strength-mix")
        {
            Description = "Draw each image's strength from a list: 'da-fusion' (0.25, 0.5, 0.75, 1) or comma-separated values in [0, 1].",
        };
        mix.Check(v => ParseMix(v, out _));
        var mode = new Option<string>("--mode")
        {
            Description = "img2img (DA-Fusion: vary the original) or generate (from the class label alone).",
            DefaultValueFactory = _ => "img2img",
        };
        mode.AcceptOnlyFromAmong("img2img", "generate");
        var replace = new Option<float>("--replace-probability")
        {
            Description = "DA-Fusion's alpha: probability that an original is left out (replaced by its synthetic images).",
            DefaultValueFactory = _ => 0f,
        };
        replace.Require(InUnit, "--replace-probability must be in [0, 1].");
        var prompt = new Option<string>("--prompt") { Description = "Prompt template; {label} is the class folder name.", DefaultValueFactory = _ => "a photo of a {label}" };
        var cache = new Option<string?>("--cache-dir") { Description = "Generation cache folder: a rerun with the same options generates nothing." };
        var force = new Option<bool>("--force") { Description = "Write into a non-empty output folder (files of the same name are replaced)." };
        var diffusion = new DiffusionOptions(defaultScheduler: "ddim");

        var cmd = new Command("augment", "DA-Fusion-style augmentation of an image-folder dataset: originals + M synthetic images each, same layout.")
        {
            input, output, perImage, strength, mix, mode, replace, prompt, cache, force,
        };
        diffusion.AddTo(cmd);
        cmd.SetAction(r =>
        {
            var ctx = CliContext.From(r);
            string inDir = FolderChecks.InputFolder(r.GetValue(input)!, "input folder");
            string outDir = FolderChecks.OutputFolder(r.GetValue(output)!, r.GetValue(force), inDir);
            var model = diffusion.LoadModel(r);
            string template = r.GetValue(prompt)!;
            var ml = new MLContext(seed: r.GetValue(diffusion.Seed));
            var data = AugmentedFolder.Load(ml, inDir, model, template);
            ParseMix(r.GetValue(mix), out var strengths);
            var options = new DiffusionAugmentOptions
            {
                Model = model,
                ImageColumnName = AugmentedFolder.ImageColumn,
                LabelColumnName = ImageFolderCatalog.LabelColumnName,
                Mode = r.GetValue(mode) == "generate" ? DiffusionAugmentMode.GenerateFromLabel : DiffusionAugmentMode.ImageToImage,
                Strength = r.GetValue(strength),
                StrengthMix = strengths,
                SyntheticPerImage = r.GetValue(perImage),
                ReplaceProbability = r.GetValue(replace),
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
            run["mode"] = options.Mode.ToString();
            run["per_image"] = options.SyntheticPerImage;
            run["strength"] = options.Strength;
            run["strength_mix"] = options.StrengthMix;
            run["replace_probability"] = options.ReplaceProbability;

            var done = AugmentedFolder.Augment(ctx, ml, model, data, inDir, outDir, "augment", run,
                progress => ml.Transforms.DiffusionAugment(options with { Progress = progress }), a => a.Statistics);
            ctx.Out.WriteLine($"wrote {done.Originals} originals + {done.Synthetic} synthetic images to {outDir} in {done.Elapsed.TotalSeconds:F1} s " +
                $"({done.Augmenter.Statistics}); model {model.ModelId}");
            return 0;
        });
        return cmd;
    }

    private static bool InUnit(float x) => x >= 0 && x <= 1;

    /// <summary>Null when <paramref name="text"/> is empty, 'da-fusion' or a list of strengths in [0, 1]; else the error.</summary>
    private static string? ParseMix(string? text, out IReadOnlyList<float>? strengths)
    {
        strengths = null;
        if (string.IsNullOrWhiteSpace(text))
            return null;
        if (text.Trim().ToLowerInvariant() is "da-fusion" or "dafusion")
        {
            strengths = DiffusionAugmentOptions.DaFusionStrengths;
            return null;
        }
        var values = new List<float>();
        foreach (var part in text.Split(',', StringSplitOptions.TrimEntries))
        {
            if (!float.TryParse(part, NumberStyles.Float, CultureInfo.InvariantCulture, out float v) || !InUnit(v))
                return $"--strength-mix: '{part}' is not a strength in [0, 1]; give 'da-fusion' or values like 0.25,0.5,0.75,1.";
            values.Add(v);
        }
        strengths = values;
        return null;
    }
}
