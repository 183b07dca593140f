using MLAugment.Diffusion.Schedulers;
using static MLAugment.Diffusion.Tests.Schedulers.DiffusersDummies;

namespace MLAugment.Diffusion.Tests.Schedulers;

/// <summary>diffusers tests/schedulers/test_scheduler_euler.py, the checks with literal expected values.</summary>
[TestClass]
public sealed class EulerDiscreteSchedulerTests
{
    private const int NumInferenceSteps = 10;

    private static SchedulerConfig Config(SchedulerConfig? o = null) => (o ?? new SchedulerConfig()) with
    {
        NumTrainTimesteps = o?.NumTrainTimesteps ?? 1100,
        BetaStart = o?.BetaStart ?? 0.0001,
        BetaEnd = o?.BetaEnd ?? 0.02,
        BetaSchedule = o?.BetaSchedule ?? "linear",
    };

    /// <summary>
    /// EulerDiscreteSchedulerTest.full_loop. As in the Python test, the scaled model input replaces the sample that is
    /// then stepped (sample = scheduler.scale_model_input(sample, t)), which the in-place ScaleModelInput reproduces.
    /// </summary>
    private static float[] FullLoop(SchedulerConfig? overrides = null)
    {
        var scheduler = new EulerDiscreteScheduler(Config(overrides));
        scheduler.SetTimesteps(NumInferenceSteps);
        float[] sample = SampleDeter();
        float sigma0 = scheduler.InitNoiseSigma;
        for (int i = 0; i < sample.Length; i++) sample[i] *= sigma0;
        foreach (float t in scheduler.Timesteps)
        {
            scheduler.ScaleModelInput(sample, t);
            float[] output = Model(sample, t);
            scheduler.Step(output, t, sample, sample);
        }
        return sample;
    }

    [TestMethod]
    public void FullLoopNoNoise()
    {
        float[] sample = FullLoop();
        Near(10.0807, SumAbs(sample), 1e-2, "sum");
        Near(0.0131, MeanAbs(sample), 1e-3, "mean");
    }

    [TestMethod]
    public void FullLoopWithVPrediction()
    {
        float[] sample = FullLoop(new SchedulerConfig { PredictionType = "v_prediction" });
        Near(0.0002, SumAbs(sample), 1e-2, "sum");
        Near(2.2676e-06, MeanAbs(sample), 1e-3, "mean");
    }

    /// <summary>test_full_loop_device: the same loop as FullLoopNoNoise (device placement has no counterpart here).</summary>
    [TestMethod]
    public void FullLoopDevice()
    {
        float[] sample = FullLoop();
        Near(10.0807, SumAbs(sample), 1e-2, "sum");
        Near(0.0131, MeanAbs(sample), 1e-3, "mean");
    }

    [TestMethod]
    public void FullLoopDeviceKarrasSigmas()
    {
        float[] sample = FullLoop(new SchedulerConfig { UseKarrasSigmas = true });
        Near(124.52299499511719, SumAbs(sample), 1e-2, "sum");
        Near(0.16213932633399963, MeanAbs(sample), 1e-3, "mean");
    }

    [TestMethod]
    public void FullLoopWithNoise()
    {
        var scheduler = new EulerDiscreteScheduler(Config());
        scheduler.SetTimesteps(NumInferenceSteps);
        float[] sample = SampleDeter();
        float sigma0 = scheduler.InitNoiseSigma;
        for (int i = 0; i < sample.Length; i++) sample[i] *= sigma0;
        const int tStart = NumInferenceSteps - 2;
        float[] noise = NoiseDeter();
        float[] timesteps = scheduler.Timesteps.Skip(tStart * scheduler.Order).ToArray();
        scheduler.AddNoise(sample, noise, timesteps[0], sample);
        foreach (float t in timesteps)
        {
            scheduler.ScaleModelInput(sample, t);
            float[] output = Model(sample, t);
            scheduler.Step(output, t, sample, sample);
        }
        Near(57062.9297, SumAbs(sample), 1e-2, "sum");
        Near(74.3007, MeanAbs(sample), 1e-3, "mean");
    }

    private static float[] Loop(EulerDiscreteScheduler scheduler)
    {
        float[] sample = SampleDeter();
        float sigma0 = scheduler.InitNoiseSigma;
        for (int i = 0; i < sample.Length; i++) sample[i] *= sigma0;
        foreach (float t in scheduler.Timesteps)
        {
            scheduler.ScaleModelInput(sample, t);
            scheduler.Step(Model(sample, t), t, sample, sample);
        }
        return sample;
    }

    /// <summary>test_custom_timesteps: re-installing the computed timesteps as custom timesteps gives the same loop.</summary>
    [TestMethod]
    public void CustomTimestepsReproduceTheSchedule()
    {
        foreach (string prediction in new[] { "epsilon", "sample", "v_prediction" })
        foreach (string interpolation in new[] { "linear", "log_linear" })
        foreach (string finalSigmas in new[] { "sigma_min", "zero" })
        {
            var config = Config(new SchedulerConfig { PredictionType = prediction, InterpolationType = interpolation, FinalSigmasType = finalSigmas });
            var reference = new EulerDiscreteScheduler(config);
            reference.SetTimesteps(NumInferenceSteps);
            float[] timesteps = reference.Timesteps.ToArray();
            float[] expected = Loop(reference);
            var custom = new EulerDiscreteScheduler(config);
            custom.SetTimesteps(timesteps);
            float[] actual = Loop(custom);
            double diff = 0;
            for (int i = 0; i < Count; i++) diff += Math.Abs(expected[i] - actual[i]);
            Assert.IsTrue(diff < 1e-5, $"{prediction}/{interpolation}/{finalSigmas}: sum |diff| = {diff}");
        }
    }

    /// <summary>test_custom_sigmas: re-installing the computed sigmas gives the same loop.</summary>
    [TestMethod]
    public void CustomSigmasReproduceTheSchedule()
    {
        foreach (string prediction in new[] { "epsilon", "sample", "v_prediction" })
        foreach (string finalSigmas in new[] { "sigma_min", "zero" })
        {
            var config = Config(new SchedulerConfig { PredictionType = prediction, FinalSigmasType = finalSigmas });
            var reference = new EulerDiscreteScheduler(config);
            reference.SetTimesteps(NumInferenceSteps);
            float[] sigmas = reference.Sigmas.ToArray();
            float[] expected = Loop(reference);
            var custom = new EulerDiscreteScheduler(config);
            custom.SetSigmas(sigmas);
            float[] actual = Loop(custom);
            double diff = 0;
            for (int i = 0; i < Count; i++) diff += Math.Abs(expected[i] - actual[i]);
            Assert.IsTrue(diff < 1e-5, $"{prediction}/{finalSigmas}: sum |diff| = {diff}");
        }
    }

    [TestMethod]
    public void CustomTimestepsAreRejectedWithKarrasSigmas()
    {
        var s = new EulerDiscreteScheduler(Config(new SchedulerConfig { UseKarrasSigmas = true }));
        Assert.ThrowsExactly<InvalidOperationException>(() => s.SetTimesteps(new float[] { 999, 500, 0 }));
    }
}
