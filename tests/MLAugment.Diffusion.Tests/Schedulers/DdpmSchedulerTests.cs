using MLAugment.Diffusion.Schedulers;
using static MLAugment.Diffusion.Tests.Schedulers.DiffusersDummies;

namespace MLAugment.Diffusion.Tests.Schedulers;

/// <summary>
/// diffusers tests/schedulers/test_scheduler_ddpm.py, the checks with literal expected values. The full loops draw
/// the posterior noise with torch.randn from torch.manual_seed(0); <see cref="TorchCpuGenerator"/> replays those draws.
/// diffusers loops over all training timesteps without set_timesteps; SetTimesteps(num_train_timesteps) gives the
/// same schedule (leading spacing, ratio 1: 999, 998, ..., 0).
/// </summary>
[TestClass]
public sealed class DdpmSchedulerTests
{
    private static SchedulerConfig Config(SchedulerConfig? o = null) => (o ?? new SchedulerConfig()) with
    {
        NumTrainTimesteps = o?.NumTrainTimesteps ?? 1000,
        BetaStart = o?.BetaStart ?? 0.0001,
        BetaEnd = o?.BetaEnd ?? 0.02,
        BetaSchedule = o?.BetaSchedule ?? "linear",
        VarianceType = o?.VarianceType ?? "fixed_small",
        ClipSample = o?.ClipSample ?? true,
    };

    private static float[] FullLoop(SchedulerConfig? overrides = null)
    {
        var scheduler = new DdpmScheduler(Config(overrides));
        scheduler.SetTimesteps(scheduler.NumTrainTimesteps);
        var generator = new TorchCpuGenerator(0);
        float[] sample = SampleDeter();
        foreach (float t in scheduler.Timesteps)
        {
            float[] residual = Model(sample, t);
            float[] noise = t > 0 ? generator.Randn(sample.Length) : [];
            scheduler.Step(residual, t, sample, sample, noise);
        }
        return sample;
    }

    [TestMethod]
    public void FullLoopNoNoise()
    {
        float[] sample = FullLoop();
        Near(258.9606, SumAbs(sample), 1e-2, "sum");
        Near(0.3372, MeanAbs(sample), 1e-3, "mean");
    }

    [TestMethod]
    public void FullLoopWithVPrediction()
    {
        float[] sample = FullLoop(new SchedulerConfig { PredictionType = "v_prediction" });
        Near(202.0296, SumAbs(sample), 1e-2, "sum");
        Near(0.2631, MeanAbs(sample), 1e-3, "mean");
    }

    [TestMethod]
    public void FullLoopWithNoise()
    {
        var scheduler = new DdpmScheduler(Config());
        scheduler.SetTimesteps(scheduler.NumTrainTimesteps);
        int tStart = scheduler.NumTrainTimesteps - 2;
        var generator = new TorchCpuGenerator(0);
        float[] sample = SampleDeter();
        float[] noise = NoiseDeter();
        float[] timesteps = scheduler.Timesteps.Skip(tStart * scheduler.Order).ToArray();
        CollectionAssert.AreEqual(new float[] { 1, 0 }, timesteps);
        scheduler.AddNoise(sample, noise, timesteps[0], sample);
        foreach (float t in timesteps)
        {
            float[] residual = Model(sample, t);
            float[] variance = t > 0 ? generator.Randn(sample.Length) : [];
            scheduler.Step(residual, t, sample, sample, variance);
        }
        Near(387.9466, SumAbs(sample), 1e-2, "sum");
        Near(0.5051, MeanAbs(sample), 1e-3, "mean");
    }

    [TestMethod]
    public void Variance()
    {
        var scheduler = new DdpmScheduler(Config());
        Assert.IsTrue(Math.Abs(scheduler.GetVariance(0) - 0.0) < 1e-5);
        Assert.IsTrue(Math.Abs(scheduler.GetVariance(487) - 0.00979) < 1e-5);
        Assert.IsTrue(Math.Abs(scheduler.GetVariance(999) - 0.02) < 1e-5);
    }

    [TestMethod]
    public void CustomTimestepsGivePreviousTimesteps()
    {
        var scheduler = new DdpmScheduler(Config());
        int[] timesteps = [100, 87, 50, 1, 0];
        scheduler.SetTimesteps(timesteps);
        for (int i = 0; i < timesteps.Length; i++)
        {
            int expectedPrev = i == timesteps.Length - 1 ? -1 : timesteps[i + 1];
            Assert.AreEqual(expectedPrev, scheduler.PreviousTimestep((int)scheduler.Timesteps[i]));
        }
    }

    [TestMethod]
    public void CustomTimestepsMustDescend()
    {
        var scheduler = new DdpmScheduler(Config());
        var e = Assert.ThrowsExactly<ArgumentException>(() => scheduler.SetTimesteps([100, 87, 50, 51, 0]));
        StringAssert.Contains(e.Message, "descending");
        Assert.AreEqual("customTimesteps", e.ParamName);
    }

    [TestMethod]
    public void CustomTimestepsMustStartBelowTrainTimesteps()
    {
        var scheduler = new DdpmScheduler(Config());
        var e = Assert.ThrowsExactly<ArgumentException>(() => scheduler.SetTimesteps([scheduler.NumTrainTimesteps]));
        StringAssert.Contains(e.Message, "num_train_timesteps");
    }

    /// <summary>
    /// test_trained_betas: explicit betas survive a config save/load. (diffusers accepts betas of any length; here their
    /// count must equal num_train_timesteps.)
    /// </summary>
    [TestMethod]
    public void TrainedBetasSurviveConfigRoundTrip()
    {
        var config = Config(new SchedulerConfig { NumTrainTimesteps = 2, TrainedBetas = [0.1, 0.3] });
        var scheduler = new DdpmScheduler(config);
        var reloaded = (DdpmScheduler)SchedulerFactory.FromConfig(SchedulerConfig.FromJson(scheduler.Config.ToJson()));
        CollectionAssert.AreEqual(scheduler.AlphasCumprod.ToArray(), reloaded.AlphasCumprod.ToArray());
        Assert.AreEqual(0.9f, scheduler.AlphasCumprod[0], 1e-7f);
        Assert.AreEqual(0.9f * 0.7f, scheduler.AlphasCumprod[1], 1e-7f);
    }
}
