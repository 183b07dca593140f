using System.Globalization;
using System.Text;

namespace MLAugment.Tasks.Experiments;

/// <summary>One profile's part of a report: what was trained on, the aggregated arms, and the figure files.</summary>
public sealed record ReportSection
{
    public required string ProfileName { get; init; }
    public required string ProfileDescription { get; init; }
    public required IReadOnlyList<string> ClassNames { get; init; }
    public required IReadOnlyList<int> SubsetCounts { get; init; }
    public required int TestRows { get; init; }
    public required int BalancingAdded { get; init; }
    public required int DiffusionPerImage { get; init; }
    public required ExperimentSettings Settings { get; init; }
    public required IReadOnlyList<ArmSummary> Summaries { get; init; }
    /// <summary>The real-vs-synthetic grid (a file name inside the report folder), if written.</summary>
    public string? SamplesFile { get; init; }
}

/// <summary>
/// Writes an experiment report folder: <c>report.md</c> (the table per profile, the 2×-std checks computed from the
/// runs, what the generator saw), <c>accuracy-{profile}.png</c> (bars with ± std whiskers) per profile, and the sample
/// grids the caller already wrote.
/// </summary>
public static class ExperimentReport
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    private static string I(FormattableString f) => f.ToString(Inv);

    /// <summary>The arms' table in Markdown (accuracies in percent).</summary>
    public static string FormatTable(IReadOnlyList<ArmSummary> summaries)
    {
        ArgumentNullException.ThrowIfNull(summaries);
        var baseline = summaries.FirstOrDefault(s => s.Arm == AugmentationArm.NoAugmentation);
        var sb = new StringBuilder();
        sb.AppendLine("| arm | seeds | macro-acc % (mean ± std) | micro-acc % | macro-F1 % | training rows | generated images | generation s | Δ macro points per generation s vs no-aug |");
        sb.AppendLine("|---|---:|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var s in summaries)
        {
            string gen = s.Arm.UsesDiffusion() ? s.GenerationSeconds is double g ? g.ToString("F1", Inv) : "n/a (all cached)" : "0";
            string per = baseline is null || !s.Arm.UsesDiffusion() ? "—"
                : s.PointsPerGenerationSecond(baseline) is double p ? p.ToString("+0.0000;-0.0000", Inv) : "n/a";
            sb.AppendLine(string.Create(Inv,
                $"| {s.Arm.DisplayName()} | {s.Seeds.Count} | {s.MacroAccuracy.Format()} | {s.MicroAccuracy.Format()} | {s.MacroF1.Format()} | {s.TrainingRows:F0} | {s.SyntheticImages:F0} | {gen} | {per} |"));
        }
        return sb.ToString();
    }

    /// <summary>ClassBalancing against no augmentation and against classical, each at 2× std (only the pairs present).</summary>
    public static IReadOnlyList<MarginCheck> Criteria(IReadOnlyList<ArmSummary> summaries, double k = 2)
    {
        var byArm = summaries.ToDictionary(s => s.Arm);
        var checks = new List<MarginCheck>();
        if (byArm.TryGetValue(AugmentationArm.ClassBalancing, out var cb))
            foreach (var b in new[] { AugmentationArm.NoAugmentation, AugmentationArm.Classical })
                if (byArm.TryGetValue(b, out var baseline))
                    checks.Add(MarginCheck.Compute(cb, baseline, k));
        return checks;
    }

    /// <summary>Writes the chart of each section and <c>report.md</c> into <paramref name="folder"/>; returns the report's path.</summary>
    /// <param name="generatorNote">What the generator was trained on (stated in the report as a caveat).</param>
    /// <param name="notes">Further lines (timings, machine, model folder), listed under "Run".</param>
    public static string Write(string folder, string title, string generatorNote, IReadOnlyList<ReportSection> sections, IEnumerable<string>? notes = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(folder);
        ArgumentNullException.ThrowIfNull(sections);
        Directory.CreateDirectory(folder);
        var md = new StringBuilder();
        md.AppendLine($"# {title}").AppendLine();
        md.AppendLine("## What the generator saw").AppendLine().AppendLine(generatorNote).AppendLine();
        foreach (var sec in sections)
        {
            md.AppendLine($"## {sec.ProfileDescription}").AppendLine();
            md.AppendLine(I($"Training subset (drawn from the train split with seed {sec.Settings.SubsetSeed}; the same for every arm and seed): {sec.SubsetCounts.Sum()} rows, per class ") +
                string.Join(", ", sec.ClassNames.Select((c, i) => $"{c} {sec.SubsetCounts[i]}")) + I($". Test: {sec.TestRows} rows of the test split."));
            md.AppendLine();
            md.AppendLine(
                I($"ClassBalancing adds {sec.BalancingAdded} rows ({(sec.Settings.BalanceTo is int t ? $"every class to {t}" : "every class to the head class's count")}, ") +
                I($"{sec.Settings.BalancingMode}); DiffusionAugment img2img adds {sec.DiffusionPerImage} per real row at strength {sec.Settings.Strength:0.##} (about the same budget). ") +
                I($"Generation: {sec.Settings.Scheduler}, {sec.Settings.NumInferenceSteps} steps, guidance {sec.Settings.GuidanceScale:0.##}; the generation seed is the run's seed. ") +
                I($"Classifier: SmallCnn width {sec.Settings.ClassifierWidth}, AdamW lr {sec.Settings.LearningRate:0.####}{(sec.Settings.CosineDecay ? " decayed to 0 along a half cosine" : " (constant)")}, batch {sec.Settings.ClassifierBatchSize}, ") +
                I($"about {sec.Settings.TrainingExamples} training examples per run (epochs = that / training rows, in [{sec.Settings.MinEpochs}, {sec.Settings.MaxEpochs}]), so arms that add rows get no extra optimisation steps."));
            md.AppendLine();
            md.Append(FormatTable(sec.Summaries)).AppendLine();
            md.AppendLine("Std is the sample standard deviation over seeds (n − 1). \"generation s\" charges every synthetic row at the seconds per image measured for its generation mode in this experiment, also rows read from the cache (ClassBalancing + classical reuses ClassBalancing's images); accuracy points per generation-second is (arm − no augmentation) macro-accuracy points / generation s.");
            md.AppendLine();
            var checks = Criteria(sec.Summaries);
            if (checks.Count > 0)
            {
                md.AppendLine("Criterion (ClassBalancing beats the baseline on macro-accuracy by more than 2× the seed std), computed from the runs above:").AppendLine();
                foreach (var c in checks) md.AppendLine($"- {c}");
                md.AppendLine();
            }
            string chart = $"accuracy-{sec.ProfileName}.png";
            var png = BarChart.Render($"{sec.ProfileName.ToUpperInvariant()}: MACRO ACCURACY", "%",
                sec.Summaries.Select(s => (s.Arm.ChartLabel(), s.MacroAccuracy.Mean * 100, s.MacroAccuracy.Std * 100, s.Arm.UsesClassBalancing())).ToList());
            using (var f = File.Create(Path.Combine(folder, chart)))
                MLAugment.Data.Images.Codecs.PngEncoder.Encode(png, f);
            md.AppendLine($"![macro-accuracy per arm, mean ± std over seeds]({chart})").AppendLine();
            if (sec.SamplesFile is not null)
                md.AppendLine($"Real training images and synthetic ones per class (first seed): ![real vs synthetic]({sec.SamplesFile})").AppendLine();
        }
        var extra = notes?.ToList() ?? [];
        if (extra.Count > 0)
        {
            md.AppendLine("## Run").AppendLine();
            foreach (var n in extra) md.AppendLine($"- {n}");
            md.AppendLine();
        }
        string path = Path.Combine(folder, "report.md");
        File.WriteAllText(path, md.ToString());
        return path;
    }
}
