using MLAugment.Diffusion.Schedulers;
using static MLAugment.Diffusion.Tests.Schedulers.DiffusersDummies;

namespace MLAugment.Diffusion.Tests.Schedulers;

/// <summary>
/// diffusers tests/schedulers/test_scheduler_euler_ancestral.py, the checks with literal expected values. Each step
/// draws torch.randn from torch.manual_seed(0) (also the last, whose sigma_up is 0); <see cref="TorchCpuGenerator"/>
/// replays the draws in the same order.
/// </summary>
[TestClass]
public sealed class EulerAncestralDiscreteSchedulerTests
{
    private const int NumInferenceSteps = 10;

    private static SchedulerConfig Config(SchedulerConfig? o = null) => (o ?? new SchedulerConfig()) with
    {
        NumTrainTimesteps = o?.NumTrainTimesteps ?? 1100,
        BetaStart = o?.BetaStart ?? 0.0001,
        BetaEnd = o?.BetaEnd ?? 0.02,
        BetaSchedule = o?.BetaSchedule ?? "linear",
    };

    private static float[] Loop(EulerAncestralDiscreteScheduler scheduler, float[] sample, IEnumerable<float> timesteps)
    {
        var generator = new TorchCpuGenerator(0);
        foreach (float t in timesteps)
        {
            scheduler.ScaleModelInput(sample, t);
            float[] output = Model(sample, t);
            scheduler.Step(output, t, sample, sample, generator.Randn(sample.Length));
        }
        return sample;
    }

    private static float[] FullLoop(SchedulerConfig? overrides = null)
    {
        var scheduler = new EulerAncestralDiscreteScheduler(Config(overrides));
        scheduler.SetTimesteps(NumInferenceSteps);
        float[] sample = SampleDeter();
        float sigma0 = scheduler.InitNoiseSigma;
        for (int i = 0; i < sample.Length; i++) sample[i] *= sigma0;
        return Loop(scheduler, sample, scheduler.Timesteps);
    }

    [TestMethod]
    public void FullLoopNoNoise()
    {
        float[] sample = FullLoop();
        Near(152.3192, SumAbs(sample), 1e-2, "sum");
        Near(0.1983, MeanAbs(sample), 1e-3, "mean");
    }

    [TestMethod]
    public void FullLoopWithVPrediction()
    {
        float[] sample = FullLoop(new SchedulerConfig { PredictionType = "v_prediction" });
        Near(108.4439, SumAbs(sample), 1e-2, "sum");
        Near(0.1412, MeanAbs(sample), 1e-3, "mean");
    }

    /// <summary>test_full_loop_device: the same loop as FullLoopNoNoise.</summary>
    [TestMethod]
    public void FullLoopDevice()
    {
        float[] sample = FullLoop();
        Near(152.3192, SumAbs(sample), 1e-2, "sum");
        Near(0.1983, MeanAbs(sample), 1e-3, "mean");
    }

    [TestMethod]
    public void FullLoopWithNoise()
    {
        var scheduler = new EulerAncestralDiscreteScheduler(Config());
        const int tStart = NumInferenceSteps - 2;
        scheduler.SetTimesteps(NumInferenceSteps);
        float[] sample = SampleDeter();
        float sigma0 = scheduler.InitNoiseSigma;
        for (int i = 0; i < sample.Length; i++) sample[i] *= sigma0;
        float[] noise = NoiseDeter();
        float[] timesteps = scheduler.Timesteps.Skip(tStart * scheduler.Order).ToArray();
        scheduler.AddNoise(sample, noise, timesteps[0], sample);
        Loop(scheduler, sample, timesteps);
        Near(56163.0508, SumAbs(sample), 1e-2, "sum");
        Near(73.1290, MeanAbs(sample), 1e-3, "mean");
    }
}
