using MLAugment.Diffusion.Schedulers;
using static MLAugment.Diffusion.Tests.Schedulers.DiffusersDummies;

namespace MLAugment.Diffusion.Tests.Schedulers;

/// <summary>diffusers tests/schedulers/test_scheduler_ddim.py, the checks with literal expected values.</summary>
[TestClass]
public sealed class DdimSchedulerTests
{
    private static SchedulerConfig Config(SchedulerConfig? overrides = null) => (overrides ?? new SchedulerConfig()) with
    {
        NumTrainTimesteps = overrides?.NumTrainTimesteps ?? 1000,
        BetaStart = overrides?.BetaStart ?? 0.0001,
        BetaEnd = overrides?.BetaEnd ?? 0.02,
        BetaSchedule = overrides?.BetaSchedule ?? "linear",
        ClipSample = overrides?.ClipSample ?? true,
    };

    /// <summary>DDIMSchedulerTest.full_loop: 10 steps, eta = 0.</summary>
    private static float[] FullLoop(SchedulerConfig? overrides = null)
    {
        var scheduler = new DdimScheduler(Config(overrides));
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
        Near(172.0067, SumAbs(sample), 1e-2, "sum");
        Near(0.223967, MeanAbs(sample), 1e-3, "mean");
    }

    [TestMethod]
    public void FullLoopWithVPrediction()
    {
        float[] sample = FullLoop(new SchedulerConfig { PredictionType = "v_prediction" });
        Near(52.5302, SumAbs(sample), 1e-2, "sum");
        Near(0.0684, MeanAbs(sample), 1e-3, "mean");
    }

    [TestMethod]
    public void FullLoopWithSetAlphaToOne()
    {
        float[] sample = FullLoop(new SchedulerConfig { SetAlphaToOne = true, BetaStart = 0.01 });
        Near(149.8295, SumAbs(sample), 1e-2, "sum");
        Near(0.1951, MeanAbs(sample), 1e-3, "mean");
    }

    [TestMethod]
    public void FullLoopWithNoSetAlphaToOne()
    {
        float[] sample = FullLoop(new SchedulerConfig { SetAlphaToOne = false, BetaStart = 0.01 });
        Near(149.0784, SumAbs(sample), 1e-2, "sum");
        Near(0.1941, MeanAbs(sample), 1e-3, "mean");
    }

    [TestMethod]
    public void FullLoopWithNoise()
    {
        var scheduler = new DdimScheduler(Config());
        scheduler.SetTimesteps(10);
        const int tStart = 8;
        float[] sample = SampleDeter();
        float[] noise = NoiseDeter();
        float[] timesteps = scheduler.Timesteps.Skip(tStart * scheduler.Order).ToArray();
        scheduler.AddNoise(sample, noise, timesteps[0], sample);
        foreach (float t in timesteps)
        {
            float[] residual = Model(sample, t);
            scheduler.Step(residual, t, sample, sample);
        }
        Near(354.5418, SumAbs(sample), 1e-2, "sum");
        Near(0.4616, MeanAbs(sample), 1e-3, "mean");
    }

    [TestMethod]
    public void StepsOffsetShiftsLeadingTimesteps()
    {
        var scheduler = new DdimScheduler(Config(new SchedulerConfig { StepsOffset = 1 }));
        scheduler.SetTimesteps(5);
        CollectionAssert.AreEqual(new float[] { 801, 601, 401, 201, 1 }, scheduler.Timesteps.ToArray());
    }

    [TestMethod]
    public void Variance()
    {
        var scheduler = new DdimScheduler(Config());
        Assert.IsTrue(Math.Abs(scheduler.GetVariance(0, 0) - 0.0) < 1e-5);
        Assert.IsTrue(Math.Abs(scheduler.GetVariance(420, 400) - 0.14771) < 1e-5);
        Assert.IsTrue(Math.Abs(scheduler.GetVariance(980, 960) - 0.32460) < 1e-5);
        Assert.IsTrue(Math.Abs(scheduler.GetVariance(487, 486) - 0.00979) < 1e-5);
        Assert.IsTrue(Math.Abs(scheduler.GetVariance(999, 998) - 0.02) < 1e-5);
    }
}
