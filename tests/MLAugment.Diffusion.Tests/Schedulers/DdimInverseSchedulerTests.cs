using MLAugment.Diffusion.Schedulers;
using static MLAugment.Diffusion.Tests.Schedulers.DiffusersDummies;

namespace MLAugment.Diffusion.Tests.Schedulers;

/// <summary>diffusers tests/schedulers/test_scheduler_ddim_inverse.py, the checks with literal expected values.</summary>
[TestClass]
public sealed class DdimInverseSchedulerTests
{
    private static SchedulerConfig Config(SchedulerConfig? o = null) => (o ?? new SchedulerConfig()) with
    {
        NumTrainTimesteps = o?.NumTrainTimesteps ?? 1000,
        BetaStart = o?.BetaStart ?? 0.0001,
        BetaEnd = o?.BetaEnd ?? 0.02,
        BetaSchedule = o?.BetaSchedule ?? "linear",
        ClipSample = o?.ClipSample ?? true,
    };

    private static float[] FullLoop(SchedulerConfig? overrides = null)
    {
        var scheduler = new DdimInverseScheduler(Config(overrides));
        float[] sample = SampleDeter();
        scheduler.SetTimesteps(10);
        foreach (float t in scheduler.Timesteps)
        {
            float[] residual = Model(sample, t);
            scheduler.Step(residual, t, sample, sample);
        }
        return sample;
    }

    [TestMethod]
    public void FullLoopNoNoise()
    {
        float[] sample = FullLoop();
        Near(671.6816, SumAbs(sample), 1e-2, "sum");
        Near(0.8746, MeanAbs(sample), 1e-3, "mean");
    }

    [TestMethod]
    public void FullLoopWithVPrediction()
    {
        float[] sample = FullLoop(new SchedulerConfig { PredictionType = "v_prediction" });
        Near(1394.2185, SumAbs(sample), 1e-2, "sum");
        Near(1.8154, MeanAbs(sample), 1e-3, "mean");
    }

    [TestMethod]
    public void FullLoopWithSetAlphaToOne()
    {
        float[] sample = FullLoop(new SchedulerConfig { SetAlphaToOne = true, BetaStart = 0.01 });
        Near(539.9622, SumAbs(sample), 1e-2, "sum");
        Near(0.7031, MeanAbs(sample), 1e-3, "mean");
    }

    [TestMethod]
    public void FullLoopWithNoSetAlphaToOne()
    {
        float[] sample = FullLoop(new SchedulerConfig { SetAlphaToOne = false, BetaStart = 0.01 });
        Near(542.6722, SumAbs(sample), 1e-2, "sum");
        Near(0.7066, MeanAbs(sample), 1e-3, "mean");
    }

    [TestMethod]
    public void StepsOffsetShiftsAscendingLeadingTimesteps()
    {
        var scheduler = new DdimInverseScheduler(Config(new SchedulerConfig { StepsOffset = 1 }));
        scheduler.SetTimesteps(5);
        CollectionAssert.AreEqual(new float[] { 1, 201, 401, 601, 801 }, scheduler.Timesteps.ToArray());
    }

    [TestMethod]
    public void LinspaceSpacingIsRejectedLikeDiffusers()
    {
        var e = Assert.ThrowsExactly<NotSupportedException>(() => new DdimInverseScheduler(new SchedulerConfig { TimestepSpacing = "linspace" }));
        StringAssert.Contains(e.Message, "timestep_spacing");
    }
}
