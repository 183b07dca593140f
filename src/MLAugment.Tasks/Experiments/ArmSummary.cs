namespace MLAugment.Tasks.Experiments;

/// <summary>A mean and a sample standard deviation (n − 1 in the denominator; 0 for a single value).</summary>
public readonly record struct MeanStd(double Mean, double Std, int Count)
{
    public static MeanStd Of(IEnumerable<double> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        var v = values.ToArray();
        if (v.Length == 0) throw new ArgumentException("MeanStd: no values.", nameof(values));
        double mean = v.Average();
        double ss = v.Sum(x => (x - mean) * (x - mean));
        return new MeanStd(mean, v.Length > 1 ? Math.Sqrt(ss / (v.Length - 1)) : 0, v.Length);
    }

    /// <summary>"81.23 ± 0.45" with values scaled by <paramref name="scale"/> (100 for percentages).</summary>
    public string Format(double scale = 100, string number = "F2") =>
        $"{(Mean * scale).ToString(number, System.Globalization.CultureInfo.InvariantCulture)} ± {(Std * scale).ToString(number, System.Globalization.CultureInfo.InvariantCulture)}";
}

/// <summary>The runs of one arm, aggregated over seeds.</summary>
public sealed record ArmSummary
{
    public required AugmentationArm Arm { get; init; }
    public required IReadOnlyList<int> Seeds { get; init; }
    public required MeanStd MacroAccuracy { get; init; }
    public required MeanStd MicroAccuracy { get; init; }
    public required MeanStd MacroF1 { get; init; }
    public required double SyntheticImages { get; init; }
    public required double TrainingRows { get; init; }
    /// <summary>Mean over seeds of the seconds measured inside the model (cache hits cost nothing here).</summary>
    public required double MeasuredGenerationSeconds { get; init; }
    /// <summary>
    /// Mean over seeds of what the arm's synthetic images cost: synthetic images × the seconds per generated image
    /// measured for the same generation mode in this experiment (so rows read from the cache are charged too); null
    /// when nothing of that mode was generated in any run.
    /// </summary>
    public required double? GenerationSeconds { get; init; }
    public required double TrainSeconds { get; init; }

    /// <summary>Aggregates the runs of each arm (in <paramref name="arms"/> order; arms without runs are left out).</summary>
    public static IReadOnlyList<ArmSummary> Aggregate(IEnumerable<ArmRunResult> runs, IEnumerable<AugmentationArm> arms)
    {
        var all = runs.ToList();
        // Seconds per generated image per generation mode, pooled over the runs that generated.
        double? Rate(Func<AugmentationArm, bool> mode)
        {
            var fresh = all.Where(r => mode(r.Arm) && r.ImagesGenerated > 0).ToList();
            return fresh.Count == 0 ? null : fresh.Sum(r => r.GenerationSeconds) / fresh.Sum(r => r.ImagesGenerated);
        }
        double? balancingRate = Rate(a => a.UsesClassBalancing()), img2imgRate = Rate(a => a == AugmentationArm.DiffusionAugment);
        var result = new List<ArmSummary>();
        foreach (var arm in arms)
        {
            var r = all.Where(x => x.Arm == arm).OrderBy(x => x.Seed).ToList();
            if (r.Count == 0) continue;
            double? rate = arm.UsesClassBalancing() ? balancingRate : arm == AugmentationArm.DiffusionAugment ? img2imgRate : 0;
            result.Add(new ArmSummary
            {
                Arm = arm,
                Seeds = r.Select(x => x.Seed).ToArray(),
                MacroAccuracy = MeanStd.Of(r.Select(x => x.MacroAccuracy)),
                MicroAccuracy = MeanStd.Of(r.Select(x => x.MicroAccuracy)),
                MacroF1 = MeanStd.Of(r.Select(x => x.MacroF1)),
                SyntheticImages = r.Average(x => (double)x.SyntheticImages),
                TrainingRows = r.Average(x => (double)x.TrainingRows),
                MeasuredGenerationSeconds = r.Average(x => x.GenerationSeconds),
                GenerationSeconds = arm.UsesDiffusion() ? rate is double s ? r.Average(x => x.SyntheticImages * s) : null : 0,
                TrainSeconds = r.Average(x => x.TrainSeconds),
            });
        }
        return result;
    }

    /// <summary>Macro-accuracy points gained over <paramref name="baseline"/> per second of generation (null without generation).</summary>
    public double? PointsPerGenerationSecond(ArmSummary baseline) =>
        GenerationSeconds is double s && s > 0 ? (MacroAccuracy.Mean - baseline.MacroAccuracy.Mean) * 100 / s : null;
}

/// <summary>Whether one arm beats another by more than k standard deviations (the larger of the two arms' seed std).</summary>
public sealed record MarginCheck(AugmentationArm Arm, AugmentationArm Baseline, double Difference, double Std, double K)
{
    public bool Holds => Difference > K * Std;

    public static MarginCheck Compute(ArmSummary arm, ArmSummary baseline, double k = 2) =>
        new(arm.Arm, baseline.Arm, arm.MacroAccuracy.Mean - baseline.MacroAccuracy.Mean,
            Math.Max(arm.MacroAccuracy.Std, baseline.MacroAccuracy.Std), k);

    public override string ToString() => string.Create(System.Globalization.CultureInfo.InvariantCulture,
        $"{Arm.DisplayName()} − {Baseline.DisplayName()} = {Difference * 100:+0.00;-0.00} points macro-accuracy; {K:0.#}× std = {K * Std * 100:0.00} points (std = the larger seed std of the two, {Std * 100:0.00}): {(Holds ? "holds" : "does NOT hold")}");
}
