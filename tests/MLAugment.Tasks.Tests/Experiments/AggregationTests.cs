using MLAugment.Tasks.Experiments;

namespace MLAugment.Tasks.Tests.Experiments;

[TestClass]
public sealed class AggregationTests
{
    internal static ArmRunResult Run(AugmentationArm arm, int seed, double macro, long synthetic = 0, long generated = 0, double seconds = 0) => new()
    {
        Profile = "long-tail", Arm = arm, Seed = seed, MacroAccuracy = macro, MicroAccuracy = macro - 0.01, MacroF1 = macro - 0.02,
        PerClassRecall = [macro], TrainingRows = 100 + (int)synthetic, Epochs = 3, SyntheticImages = synthetic, ImagesGenerated = generated,
        CacheHits = synthetic - generated, GenerationSeconds = seconds, TrainSeconds = 1, EvaluationSeconds = 1, TestRows = 10,
    };

    [TestMethod]
    public void MeanAndSampleStdMatchHandComputedValues()
    {
        var a = MeanStd.Of([0.80, 0.82, 0.84]);
        Assert.AreEqual(0.82, a.Mean, 1e-12);
        Assert.AreEqual(0.02, a.Std, 1e-12, "sqrt((0.02² + 0 + 0.02²) / 2)");
        var b = MeanStd.Of([1, 2, 3, 4]);
        Assert.AreEqual(2.5, b.Mean, 1e-12);
        Assert.AreEqual(Math.Sqrt(5.0 / 3), b.Std, 1e-12, "sum of squares 5, n - 1 = 3");
        Assert.AreEqual(0, MeanStd.Of([0.7]).Std);
        Assert.AreEqual("82.00 ± 2.00", a.Format());
        Assert.ThrowsExactly<ArgumentException>(() => MeanStd.Of([]));
    }

    [TestMethod]
    public void AggregateAveragesEachArmAndChargesCachedRowsAtTheMeasuredRate()
    {
        var runs = new[]
        {
            Run(AugmentationArm.NoAugmentation, 1, 0.60), Run(AugmentationArm.NoAugmentation, 2, 0.62), Run(AugmentationArm.NoAugmentation, 3, 0.64),
            // ClassBalancing generated 100 images in 10 s and 100 in 30 s: 0.2 s per image.
            Run(AugmentationArm.ClassBalancing, 1, 0.70, synthetic: 100, generated: 100, seconds: 10),
            Run(AugmentationArm.ClassBalancing, 2, 0.72, synthetic: 100, generated: 100, seconds: 30),
            // ClassBalancing + classical read the same images from the cache: charged 100 × 0.2 = 20 s.
            Run(AugmentationArm.ClassBalancingClassical, 1, 0.74, synthetic: 100),
            Run(AugmentationArm.ClassBalancingClassical, 2, 0.74, synthetic: 100),
        };
        var s = ArmSummary.Aggregate(runs, AugmentationArms.All);
        CollectionAssert.AreEqual(new[] { AugmentationArm.NoAugmentation, AugmentationArm.ClassBalancing, AugmentationArm.ClassBalancingClassical },
            s.Select(x => x.Arm).ToArray(), "arms in the given order, arms without runs left out");
        var none = s[0];
        Assert.AreEqual(0.62, none.MacroAccuracy.Mean, 1e-12);
        Assert.AreEqual(0.02, none.MacroAccuracy.Std, 1e-12);
        Assert.AreEqual(0.61, none.MicroAccuracy.Mean, 1e-12);
        Assert.AreEqual(0.0, none.GenerationSeconds);
        var cb = s[1];
        Assert.AreEqual(0.71, cb.MacroAccuracy.Mean, 1e-12);
        Assert.AreEqual(20.0, cb.GenerationSeconds!.Value, 1e-9, "100 images × 0.2 s");
        Assert.AreEqual(20.0, cb.MeasuredGenerationSeconds, 1e-9);
        Assert.AreEqual((0.71 - 0.62) * 100 / 20, cb.PointsPerGenerationSecond(none)!.Value, 1e-9);
        var cached = s[2];
        Assert.AreEqual(0.0, cached.MeasuredGenerationSeconds);
        Assert.AreEqual(20.0, cached.GenerationSeconds!.Value, 1e-9);
        Assert.IsNull(none.PointsPerGenerationSecond(none), "no generation, no rate");
    }

    [TestMethod]
    public void TheTwoStdCriterionUsesTheLargerSeedStdOfThePair()
    {
        var s = ArmSummary.Aggregate(new[]
        {
            Run(AugmentationArm.NoAugmentation, 1, 0.60), Run(AugmentationArm.NoAugmentation, 2, 0.62), Run(AugmentationArm.NoAugmentation, 3, 0.64), // std 0.02
            Run(AugmentationArm.Classical, 1, 0.645), Run(AugmentationArm.Classical, 2, 0.65), Run(AugmentationArm.Classical, 3, 0.655),     // std 0.005
            Run(AugmentationArm.ClassBalancing, 1, 0.67, 10, 10, 1), Run(AugmentationArm.ClassBalancing, 2, 0.67, 10, 10, 1), Run(AugmentationArm.ClassBalancing, 3, 0.67, 10, 10, 1),
        }, AugmentationArms.All);
        var checks = ExperimentReport.Criteria(s);
        Assert.HasCount(2, checks);
        var vsNone = checks.Single(c => c.Baseline == AugmentationArm.NoAugmentation);
        Assert.AreEqual(0.05, vsNone.Difference, 1e-12);
        Assert.AreEqual(0.02, vsNone.Std, 1e-12);
        Assert.IsTrue(vsNone.Holds, "0.05 > 2 × 0.02");
        var vsClassical = checks.Single(c => c.Baseline == AugmentationArm.Classical);
        Assert.AreEqual(0.02, vsClassical.Difference, 1e-12);
        Assert.AreEqual(0.005, vsClassical.Std, 1e-12);
        Assert.IsTrue(vsClassical.Holds, "0.02 > 2 × 0.005");
        Assert.IsFalse(MarginCheck.Compute(s[2], s[0], k: 3).Holds, "0.05 < 3 × 0.02");
        StringAssert.Contains(vsNone.ToString(), "holds");
    }
}
