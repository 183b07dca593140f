using System.CommandLine;
using MLAugment.Diffusion.Models;
using MLAugment.Diffusion.Schedulers;

namespace MLAugment.Cli.Infrastructure;

/// <summary>
/// The options every generating command shares (model folder, sampler, guidance, seed, batch), declared once so
/// generate, augment and balance spell and validate them the same way.
/// </summary>
internal sealed class DiffusionOptions
{
    /// <summary>Where `mlaugment train-diffusion` writes the embedded Fashion-MNIST model.</summary>
    public const string DefaultModelFolder = "models/fashion-ldm";

    /// <summary>Short names for the diffusers scheduler classes (any supported class name is accepted as well).</summary>
    private static readonly Dictionary<string, string> SchedulerAliases = new(StringComparer.OrdinalIgnoreCase)
    {
        ["ddim"] = DdimScheduler.ClassName,
        ["ddpm"] = DdpmScheduler.ClassName,
        ["euler"] = EulerDiscreteScheduler.ClassName,
        ["euler-a"] = EulerAncestralDiscreteScheduler.ClassName,
        ["euler-ancestral"] = EulerAncestralDiscreteScheduler.ClassName,
        ["dpm"] = DpmSolverMultistepScheduler.ClassName,
        ["dpm++"] = DpmSolverMultistepScheduler.ClassName,
        ["dpm-solver"] = DpmSolverMultistepScheduler.ClassName,
    };

    public DiffusionOptions(string defaultScheduler, int defaultSeed = 0)
    {
        Model = new Option<string>("--model", "-m")
        {
            Description = "Diffusion model folder (LatentDiffusionModel layout).",
            DefaultValueFactory = _ => DefaultModelFolder,
        };
        Steps = new Option<int>("--steps") { Description = "Denoising steps (img2img runs strength x steps of them).", DefaultValueFactory = _ => 20 };
        Steps.Require(v => v >= 1, "--steps must be at least 1.");
        Scheduler = new Option<string>("--scheduler")
        {
            Description = $"Sampler: ddim, ddpm, euler, euler-a, dpm (DPM-Solver++), or a diffusers class name.",
            DefaultValueFactory = _ => defaultScheduler,
        };
        Scheduler.Check(v => TryResolveScheduler(v, out _));
        Guidance = new Option<float>("--guidance") { Description = "Classifier-free guidance scale (1 = no unconditional pass).", DefaultValueFactory = _ => 3f };
        Guidance.Require(g => g >= 0 && !float.IsInfinity(g), "--guidance must be a finite number >= 0.");
        Seed = new Option<int>("--seed") { Description = "Root seed: the same seed and options give the same images.", DefaultValueFactory = _ => defaultSeed };
        BatchSize = new Option<int>("--batch-size") { Description = "Images per denoiser call (memory vs speed; never changes a pixel).", DefaultValueFactory = _ => 16 };
        BatchSize.Require(v => v >= 1, "--batch-size must be at least 1.");
        NegativePrompt = new Option<string?>("--negative-prompt") { Description = "Condition to steer away from (a class name for class-conditional models)." };
    }

    public Option<string> Model { get; }
    public Option<int> Steps { get; }
    public Option<string> Scheduler { get; }
    public Option<float> Guidance { get; }
    public Option<int> Seed { get; }
    public Option<int> BatchSize { get; }
    public Option<string?> NegativePrompt { get; }

    public void AddTo(Command command)
    {
        foreach (var option in new Option[] { Model, Steps, Scheduler, Guidance, Seed, BatchSize, NegativePrompt })
            command.Options.Add(option);
    }

    /// <summary>The diffusers class name of --scheduler (validated at parse time).</summary>
    public string SchedulerClass(ParseResult result) =>
        TryResolveScheduler(result.GetValue(Scheduler), out var name) is null ? name! : throw new CliUsageException($"unknown scheduler '{result.GetValue(Scheduler)}'.");

    /// <summary>The model of --model, with errors that say what to do.</summary>
    public LatentDiffusionModel LoadModel(ParseResult result) => LoadModelFolder(result.GetValue(Model)!);

    public static LatentDiffusionModel LoadModelFolder(string folder)
    {
        if (!Directory.Exists(folder))
            throw new CliException(
                $"diffusion model folder '{folder}' does not exist" +
                (folder == DefaultModelFolder ? "; train it with 'mlaugment train-diffusion', or pass --model <folder>." : "; pass --model <a model folder>."));
        if (!File.Exists(Path.Combine(folder, "model_index.json")))
            throw new CliException($"'{folder}' is not a diffusion model folder (it has no model_index.json)" +
                (folder == DefaultModelFolder ? "; finish training it with 'mlaugment train-diffusion', or pass --model <folder>." : "; pass --model <a model folder>."));
        return LatentDiffusionModel.Load(folder);
    }

    /// <summary>Null when <paramref name="value"/> names a sampler (alias or class name), else the error text.</summary>
    private static string? TryResolveScheduler(string? value, out string? className)
    {
        className = null;
        if (string.IsNullOrWhiteSpace(value))
            return "--scheduler needs a value.";
        if (SchedulerAliases.TryGetValue(value, out var alias))
        {
            className = alias;
            return null;
        }
        className = SchedulerFactory.SupportedClassNames.FirstOrDefault(n => string.Equals(n, value, StringComparison.OrdinalIgnoreCase));
        if (className is not null && className != DdimInverseScheduler.ClassName)
            return null;
        className = null;
        return $"unknown scheduler '{value}'; use one of {string.Join(", ", SchedulerAliases.Keys)}, or a class name: " +
            string.Join(", ", SchedulerFactory.SupportedClassNames.Where(n => n != DdimInverseScheduler.ClassName)) + ".";
    }
}
