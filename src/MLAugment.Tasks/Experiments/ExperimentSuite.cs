using System.Diagnostics;
using MLAugment.Data;
using MLAugment.Diffusion.Models;

namespace MLAugment.Tasks.Experiments;

/// <summary>
/// The Fashion-MNIST augmentation experiments end to end, as the <c>experiment</c> and <c>demo</c> commands run them:
/// load the model folder and both splits, run each profile in <c>{output}/{profile}</c> (resumable), draw the sample
/// grids, write the report folder.
/// </summary>
public sealed class ExperimentSuite
{
    public required string ModelPath { get; init; }
    public required IReadOnlyList<ExperimentSettings> Profiles { get; init; }
    /// <summary>Runs (JSON), caches and, unless <see cref="ReportDirectory"/> is set, the report.</summary>
    public required string OutputDirectory { get; init; }
    public string? ReportDirectory { get; init; }
    public string Title { get; init; } = "MLAugment augmentation experiments (Fashion-MNIST)";
    public int SamplesPerClass { get; init; } = 6;
    public Action<string>? Log { get; init; }
    /// <summary>Where Fashion-MNIST is (null: <see cref="FashionMnist.DefaultRoot"/> or MLAUGMENT_FASHION_MNIST).</summary>
    public string? DataRoot { get; init; }

    /// <summary>The report's statement of what the generator was trained on.</summary>
    public static string GeneratorNote(string modelPath, string modelId) =>
        $"The generator (`{modelPath}`, ModelId `{modelId}`) was trained by `mlaugment train-diffusion` (FashionDiffusionRecipe) on the full " +
        "Fashion-MNIST train split: all 60,000 images of all 10 classes, including the train images that the long-tail and few-shot subsets " +
        "drop. It never saw the test split, which is used only for evaluation here. Caveat: the generator has therefore seen thousands of images of " +
        "every rare class that the classifier is not given, so part of any gain from generation is knowledge transferred from those dropped train " +
        "images (as with any generator pretrained on more data than the downstream task), not created from the subset alone.";

    public sealed record Outcome(string ReportPath, IReadOnlyList<ReportSection> Sections, TimeSpan Elapsed);

    public Outcome Run(CancellationToken cancellationToken = default)
    {
        if (Profiles.Count == 0) throw new ArgumentException("Experiment suite: no profile to run.");
        var clock = Stopwatch.StartNew();
        var load = Stopwatch.StartNew();
        var model = LatentDiffusionModel.Load(ModelPath);
        var train = FashionMnist.Load("train", DataRoot);
        var test = FashionMnist.Load("test", DataRoot);
        Log?.Invoke($"loaded model {model.ModelId} and Fashion-MNIST ({train.Count} train, {test.Count} test) in {load.Elapsed.TotalSeconds:F1} s");
        string report = ReportDirectory ?? OutputDirectory;
        var sections = new List<ReportSection>();
        foreach (var settings in Profiles)
        {
            var experiment = new AugmentationExperiment(settings, model, train, test, FashionMnist.ClassNames, Path.Combine(OutputDirectory, settings.Profile.Name))
            {
                Log = Log,
            };
            Log?.Invoke($"{settings.Profile.Describe()}: {experiment.SubsetIndices.Count} training rows ({string.Join(", ", experiment.SubsetCounts)}), " +
                $"ClassBalancing adds {experiment.BalancingAdded}, DiffusionAugment {experiment.DiffusionPerImage} per row; {settings.Arms.Count} arms × {settings.Seeds.Count} seeds");
            var results = experiment.Run(cancellationToken);
            var samplesClock = Stopwatch.StartNew();
            string samples = experiment.WriteSamples(report, SamplesPerClass);
            Log?.Invoke($"{settings.Profile.Name}: sample grid in {samplesClock.Elapsed.TotalSeconds:F1} s");
            sections.Add(experiment.ToReportSection(results, samples));
        }
        var notes = new List<string>
        {
            $"Model folder `{ModelPath}`; {Environment.ProcessorCount} logical cores; engine threads {MLAugment.Engine.EngineOptions.MaxDegreeOfParallelism}.",
            $"Wall time of this invocation (runs resumed from earlier invocations cost nothing here): {clock.Elapsed.TotalSeconds:F0} s; " +
            $"process CPU time {Process.GetCurrentProcess().TotalProcessorTime.TotalSeconds:F0} s (all threads). Per-run wall and CPU seconds are in the run files.",
            $"Per-run results (JSON, one file per arm and seed) are in `{Path.GetFullPath(OutputDirectory)}/<profile>/runs`; generated images in `<profile>/cache`.",
        };
        string path = ExperimentReport.Write(report, Title, GeneratorNote(ModelPath, model.ModelId), sections, notes);
        return new Outcome(path, sections, clock.Elapsed);
    }
}
