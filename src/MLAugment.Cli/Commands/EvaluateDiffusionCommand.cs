using System.CommandLine;
using System.CommandLine.Parsing;
using MLAugment.Diffusion.Sampling;
using MLAugment.Engine.IO;
using MLAugment.Tasks.Recipes;

namespace MLAugment.Cli.Commands;

/// <summary>
/// `mlaugment evaluate-diffusion`: measures the embedded model as issue 3 asks and writes metrics.json and the model card.
/// Generated samples are cached in chunks under --work, so an interrupted or time-boxed (--max-minutes) run continues
/// when rerun with the same options. Exit codes: 0 complete, 3 stopped before every section had its samples (rerun),
/// 2 bad command line, 1 bad input (missing model, data or judge files; one line on stderr).
/// </summary>
public static class EvaluateDiffusionCommand
{
    public const int IncompleteExitCode = 3, InputErrorExitCode = 1;

    public static Command Create()
    {
        var model = new Option<string>("--model") { Description = "Model folder to evaluate.", DefaultValueFactory = _ => "models/fashion-ldm" };
        var judge = new Option<string>("--judge") { Description = "Judge classifier folder; trained on the Fashion-MNIST training split when it holds no model.", DefaultValueFactory = _ => "models/fashion-classifier" };
        var work = new Option<string>("--work") { Description = "Cache of generated sample chunks; rerunning with the same folder continues.", DefaultValueFactory = _ => "artifacts/evaluate-diffusion" };
        var output = new Option<string?>("--out") { Description = "Folder for metrics.json and README.md (default: the model folder)." };
        var trainLog = new Option<string?>("--train-log") { Description = "Training log giving the training wall time (default: <model>/training/train.log)." };
        var data = new Option<string?>("--data") { Description = "Fashion-MNIST folder (default: MLAUGMENT_FASHION_MNIST or /usr/share/datasets/fashion-mnist)." };
        var fidelity = Count("--fidelity-samples", "Class-fidelity samples (DPM-Solver++ 20 steps); 0 skips.", DiffusionQualityOptions.IssueFidelitySamples, 0);
        var fd = Count("--fd-samples", "Samples per Fréchet distance for DPM-Solver++ 20/10 and DDIM 50; 0 skips.", DiffusionQualityOptions.IssueFrechetSamples, 2);
        var ddpm = Count("--ddpm-samples", "Samples for the DDPM 1000-step Fréchet distance; 0 skips.", DiffusionQualityOptions.IssueFrechetSamples, 2);
        var img2img = Count("--img2img-samples", "img2img (strength 0.5) source images; 0 skips.", 1000, 0);
        var inversion = Count("--inversion-samples", "DDIM-inversion source images; 0 skips.", 100, 0);
        var chunk = new Option<int>("--chunk-size") { Description = "Images per stored chunk and sampler batch (part of the cache key).", DefaultValueFactory = _ => 100 };
        chunk.Validators.Add(r => { if (Parsed<int>(r, out var v) && v < 1) r.AddError($"--chunk-size must be at least 1, got {v}."); });
        var guidance = new Option<float>("--guidance") { Description = "Classifier-free guidance scale.", DefaultValueFactory = _ => 3f };
        guidance.Validators.Add(r => { if (Parsed<float>(r, out var g) && (!(g >= 1) || !float.IsFinite(g))) r.AddError($"--guidance must be a finite number of at least 1, got {g}."); });
        var seed = new Option<long>("--seed") { Description = "Seed of image 0 (image i uses seed + i).", DefaultValueFactory = _ => 1234L };
        var minutes = new Option<double>("--max-minutes") { Description = "Stop generating after this many minutes (0: no limit; judge training, when needed, is not cut short); a section without all its samples gets no figure, rerun to continue.", DefaultValueFactory = _ => 0 };
        minutes.Validators.Add(r => { if (Parsed<double>(r, out var v) && (!(v >= 0) || !double.IsFinite(v))) r.AddError($"--max-minutes must be 0 or a positive number, got {v}."); });
        var judgeEpochs = new Option<int>("--judge-epochs") { Description = "Epochs when the judge has to be trained.", DefaultValueFactory = _ => new FashionJudgeOptions().Epochs };
        judgeEpochs.Validators.Add(r => { if (Parsed<int>(r, out var v) && v < 1) r.AddError($"--judge-epochs must be at least 1, got {v}."); });
        var cardOnly = new Option<bool>("--card-only") { Description = "Only re-render README.md from the existing metrics.json in the output folder." };
        var generateOnly = new Option<bool>("--generate-only") { Description = "Only generate the sample chunks into --work (no judge, no figures, no files written besides chunks)." };

        var cmd = new Command("evaluate-diffusion", "Measure the embedded diffusion model (class fidelity, Fréchet distances, img2img, DDIM inversion) and write metrics.json and its model card.")
        {
            model, judge, work, output, trainLog, data, fidelity, fd, ddpm, img2img, inversion, chunk, guidance, seed, minutes, judgeEpochs, cardOnly, generateOnly,
        };
        cmd.SetAction(r =>
        {
            var stdout = r.InvocationConfiguration.Output;
            var stderr = r.InvocationConfiguration.Error;
            string modelFolder = r.GetValue(model)!, outFolder = r.GetValue(output) ?? modelFolder;
            try
            {
                if (r.GetValue(cardOnly))
                {
                    var existing = FashionDiffusionEvaluation.RenderCard(outFolder);
                    stdout.WriteLine($"wrote {Path.Combine(outFolder, FashionDiffusionEvaluation.CardFile)} from {FashionDiffusionEvaluation.MetricsFile} ({(existing.Complete ? "complete" : "incomplete")})");
                    return 0;
                }
                if (!Directory.Exists(modelFolder)) throw new DirectoryNotFoundException($"Model folder '{modelFolder}' does not exist.");
                var options = new FashionEvaluationOptions
                {
                    ModelFolder = modelFolder, JudgeFolder = r.GetValue(judge)!, WorkFolder = r.GetValue(work)!, OutputFolder = outFolder,
                    TrainingLog = r.GetValue(trainLog), DataRoot = r.GetValue(data), Command = CommandText(r),
                    Quality = new DiffusionQualityOptions
                    {
                        FidelitySamples = r.GetValue(fidelity), FrechetSamples = r.GetValue(fd), DdpmFrechetSamples = r.GetValue(ddpm),
                        Img2ImgSamples = r.GetValue(img2img), InversionSamples = r.GetValue(inversion), ChunkSize = r.GetValue(chunk),
                        GuidanceScale = r.GetValue(guidance), Seed = r.GetValue(seed),
                    },
                    Judge = new FashionJudgeOptions { Epochs = r.GetValue(judgeEpochs) },
                };
                using var cts = new CancellationTokenSource();
                double max = r.GetValue(minutes);
                if (max > 0) cts.CancelAfter(TimeSpan.FromMinutes(max));
                ConsoleCancelEventHandler onCancel = (_, e) => { e.Cancel = true; cts.Cancel(); };
                Console.CancelKeyPress += onCancel;
                try
                {
                    void Log(string line) => stdout.WriteLine($"{DateTime.UtcNow:HH:mm:ss} {line}");
                    if (r.GetValue(generateOnly))
                    {
                        var runs = FashionDiffusionEvaluation.GenerateOnly(options, Log, cts.Token);
                        foreach (var run in runs)
                            stdout.WriteLine(FormattableString.Invariant($"{run.Key}: {run.AvailableSamples}/{run.RequestedSamples} samples, {run.GenerationSeconds:F1}s generation{(run.SecondsPerImage is double spi ? FormattableString.Invariant($", {spi:F3} s/image") : "")}"));
                        return runs.All(x => x.Complete) ? 0 : IncompleteExitCode;
                    }
                    var metrics = FashionDiffusionEvaluation.Run(options, Log, cts.Token);
                    FashionDiffusionEvaluation.Write(outFolder, metrics);
                    stdout.WriteLine($"wrote {Path.Combine(outFolder, FashionDiffusionEvaluation.MetricsFile)} and {FashionDiffusionEvaluation.CardFile}");
                    if (metrics.Complete) return 0;
                    stdout.WriteLine("incomplete: some sections do not have all their samples yet; rerun the same command to continue.");
                    return IncompleteExitCode;
                }
                finally { Console.CancelKeyPress -= onCancel; }
            }
            catch (Exception e) when (e is IOException or InvalidDataException or ArgumentException or SafeTensorsFormatException or UnauthorizedAccessException)
            {
                stderr.WriteLine($"error: {e.Message.ReplaceLineEndings(" ")}");
                return InputErrorExitCode;
            }
        });
        return cmd;
    }

    private static Option<int> Count(string name, string description, int defaultValue, int minimumWhenNonZero)
    {
        var o = new Option<int>(name) { Description = description, DefaultValueFactory = _ => defaultValue };
        o.Validators.Add(r =>
        {
            if (!Parsed<int>(r, out var v)) return;
            if (v < 0 || (v > 0 && v < minimumWhenNonZero))
                r.AddError(minimumWhenNonZero > 1 ? $"{name} must be 0 (skip) or at least {minimumWhenNonZero}, got {v}." : $"{name} must be 0 (skip) or more, got {v}.");
        });
        return o;
    }

    /// <summary>The option's value, or false when it did not convert (the parser reports that error itself).</summary>
    private static bool Parsed<T>(OptionResult r, out T value)
    {
        try { value = r.GetValueOrDefault<T>(); return true; }
        catch (InvalidOperationException) { value = default!; return false; }
    }

    /// <summary>The command line as typed (arguments re-quoted where they need it).</summary>
    private static string CommandText(ParseResult r) =>
        "mlaugment " + string.Join(" ", r.Tokens.Select(t => t.Value.Length == 0 || t.Value.Any(c => char.IsWhiteSpace(c) || c is '"' or '\'' or '$' or '`')
            ? "'" + t.Value.Replace("'", "'\\''") + "'" : t.Value));
}
