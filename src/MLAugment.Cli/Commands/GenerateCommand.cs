using System.CommandLine;
using System.Diagnostics;
using MLAugment.Cli.Infrastructure;
using MLAugment.Data;
using MLAugment.Diffusion.Sampling;

namespace MLAugment.Cli.Commands;

/// <summary>
/// `mlaugment generate`: images of the given classes (or prompts) from a diffusion model, written as PNG files
/// <c>out/&lt;class&gt;/&lt;n&gt;_seed&lt;s&gt;.png</c> (an image-folder dataset) with a provenance manifest.
/// </summary>
internal static class GenerateCommand
{
    public static Command Create()
    {
        var classes = new Argument<string[]>("classes")
        {
            Description = "Class names or prompts the model understands (e.g. Sneaker \"a photo of a dress\").",
            Arity = ArgumentArity.ZeroOrMore,
        };
        classes.Validators.Add(r =>
        {
            // A misspelt option would otherwise be taken for a prompt.
            if (r.Tokens.FirstOrDefault(t => t.Value.StartsWith('-')) is { } token)
                r.AddError($"unknown option '{token.Value}'.");
        });
        var all = new Option<bool>("--all-classes") { Description = "Generate every class the model knows." };
        var count = new Option<int>("--count", "-n") { Description = "Images per class or prompt (seeds seed, seed+1, ...).", DefaultValueFactory = _ => 4 };
        count.Require(v => v >= 1, "--count must be at least 1.");
        var output = new Option<string>("--out", "-o") { Description = "Output folder (one sub-folder per class or prompt).", DefaultValueFactory = _ => "generated" };
        var force = new Option<bool>("--force") { Description = "Write into a non-empty output folder (files of the same name are replaced)." };
        var diffusion = new DiffusionOptions(defaultScheduler: "dpm");

        var cmd = new Command("generate", "Generate images of classes or prompts with a diffusion model, as PNG files.") { classes, all, count, output, force };
        diffusion.AddTo(cmd);
        cmd.SetAction(r =>
        {
            var ctx = CliContext.From(r);
            var given = r.GetValue(classes) ?? [];
            bool allClasses = r.GetValue(all);
            if (allClasses && given.Length > 0)
                throw new CliUsageException("give class names or --all-classes, not both.");
            var model = diffusion.LoadModel(r);
            var prompts = allClasses ? model.KnownConditions.ToArray() : given;
            if (prompts.Length == 0)
                throw new CliUsageException($"name the classes to generate (the model knows: {string.Join(", ", model.KnownConditions)}), or pass --all-classes.");
            foreach (var p in prompts)
                model.EncodeCondition(p); // fails listing the known classes
            string? negative = r.GetValue(diffusion.NegativePrompt);
            if (negative is not null)
                model.NullCondition(negative);
            string outDir = FolderChecks.OutputFolder(r.GetValue(output)!, r.GetValue(force));
            var folders = prompts.Select(FolderChecks.SafeName).ToArray();
            var duplicate = folders.GroupBy(f => f, StringComparer.OrdinalIgnoreCase).FirstOrDefault(g => g.Count() > 1);
            if (duplicate is not null)
                throw new CliUsageException($"two of the classes or prompts map to the same folder '{duplicate.Key}'; give each once.");

            int n = r.GetValue(count), seed = r.GetValue(diffusion.Seed), batch = r.GetValue(diffusion.BatchSize);
            var options = new GenerationOptions
            {
                NumInferenceSteps = r.GetValue(diffusion.Steps),
                GuidanceScale = r.GetValue(diffusion.Guidance),
                Scheduler = diffusion.SchedulerClass(r),
                NegativePrompt = negative,
                BatchSize = batch,
            };
            // Every image is (prompt, seed + j): its pixels depend on nothing else, so batches may mix prompts.
            var jobs = prompts.SelectMany((p, i) => Enumerable.Range(0, n).Select(j => (Prompt: p, Folder: folders[i], Index: j, Seed: (long)seed + j))).ToArray();
            var run = new Dictionary<string, object?>
            {
                ["model_path"] = Path.GetFullPath(r.GetValue(diffusion.Model)!), ["model_id"] = model.ModelId,
                ["prompts"] = prompts, ["count"] = n, ["seed"] = seed, ["steps"] = options.NumInferenceSteps,
                ["scheduler"] = options.Scheduler, ["guidance"] = options.GuidanceScale, ["negative_prompt"] = negative,
                ["width"] = model.ImageWidth, ["height"] = model.ImageHeight, ["channels"] = model.ImageChannels,
            };
            var pipeline = new DiffusionPipeline(model);
            var clock = Stopwatch.StartNew();
            using (var manifest = new ManifestWriter(outDir, "generate", run))
            {
                ProgressDisplay.Run(ctx, "generate", line =>
                {
                    for (int start = 0; start < jobs.Length; start += batch)
                    {
                        var chunk = jobs.AsSpan(start, Math.Min(batch, jobs.Length - start)).ToArray();
                        int done = start;
                        var stepProgress = new StepProgress((step, total) =>
                        {
                            double images = done + chunk.Length * (double)step / total;
                            double perSecond = images / Math.Max(clock.Elapsed.TotalSeconds, 1e-9);
                            TimeSpan? eta = perSecond > 0 ? TimeSpan.FromSeconds((jobs.Length - images) / perSecond) : null;
                            line.Update((long)images, jobs.Length,
                                $"{ProgressDisplay.Count("images", (long)images, jobs.Length)}, {perSecond:F2} images/s{ProgressDisplay.Eta(eta)}");
                        });
                        var tensor = pipeline.Generate(chunk.Select(j => j.Prompt).ToArray(), chunk.Select(j => j.Seed).ToArray(), options with { Progress = stepProgress });
                        for (int i = 0; i < chunk.Length; i++)
                        {
                            var job = chunk[i];
                            var path = Path.Combine(outDir, job.Folder, $"{job.Index:D4}_seed{job.Seed}.png");
                            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
                            using var image = MLImageTensors.ToMLImage(tensor, i);
                            image.Save(path);
                            manifest.Image(new Dictionary<string, object?>
                            {
                                ["file"] = ManifestWriter.RelativePath(outDir, path), ["prompt"] = job.Prompt, ["seed"] = job.Seed,
                            });
                        }
                    }
                });
                manifest.Summary(new Dictionary<string, object?> { ["images"] = jobs.Length, ["seconds"] = Math.Round(clock.Elapsed.TotalSeconds, 3) });
            }
            double secs = clock.Elapsed.TotalSeconds;
            ctx.Out.WriteLine($"wrote {jobs.Length} images ({prompts.Length} x {n}) to {outDir} in {secs:F1} s ({jobs.Length / Math.Max(secs, 1e-9):F2} images/s); model {model.ModelId}");
            return 0;
        });
        return cmd;
    }

    /// <summary>A synchronous IProgress (Progress&lt;T&gt; posts to the thread pool, which would reorder and lag the bar).</summary>
    private sealed class StepProgress(Action<int, int> report) : IProgress<(int Step, int Total)>
    {
        public void Report((int Step, int Total) value) => report(value.Step, value.Total);
    }
}
