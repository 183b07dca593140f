using MLAugment.Diffusion.Schedulers;
using static MLAugment.Diffusion.Tests.Schedulers.DiffusersDummies;

namespace MLAugment.Diffusion.Tests.Schedulers;

/// <summary>diffusers tests/schedulers/test_scheduler_dpm_multi.py, the checks with literal expected values.</summary>
[TestClass]
public sealed class DpmSolverMultistepSchedulerTests
{
    private static SchedulerConfig Config(SchedulerConfig? o = null) => (o ?? new SchedulerConfig()) with
    {
        NumTrainTimesteps = o?.NumTrainTimesteps ?? 1000,
        BetaStart = o?.BetaStart ?? 0.0001,
        BetaEnd = o?.BetaEnd ?? 0.02,
        BetaSchedule = o?.BetaSchedule ?? "linear",
        SolverOrder = o?.SolverOrder ?? 2,
        PredictionType = o?.PredictionType ?? "epsilon",
        Thresholding = o?.Thresholding ?? false,
        SampleMaxValue = o?.SampleMaxValue ?? 1.0,
        AlgorithmType = o?.AlgorithmType ?? "dpmsolver++",
        SolverType = o?.SolverType ?? "midpoint",
        LowerOrderFinal = o?.LowerOrderFinal ?? false,
        EulerAtFinal = o?.EulerAtFinal ?? false,
        LambdaMinClipped = o?.LambdaMinClipped ?? double.NegativeInfinity,
        VarianceType = null,
        FinalSigmasType = o?.FinalSigmasType ?? "sigma_min",
    };

    private static float[] FullLoop(IScheduler scheduler)
    {
        float[] sample = SampleDeter();
        scheduler.SetTimesteps(10);
        foreach (float t in scheduler.Timesteps)
        {
            float[] residual = Model(sample, t);
            scheduler.Step(residual, t, sample, sample);
        }
        return sample;
    }

    private static float[] FullLoop(SchedulerConfig? overrides = null) => FullLoop(new DpmSolverMultistepScheduler(Config(overrides)));

    [TestMethod]
    public void FullLoopNoNoise() => Near(0.3301, MeanAbs(FullLoop()), 1e-3, "mean");

    [TestMethod]
    public void FullLoopWithVPrediction() =>
        Near(0.2251, MeanAbs(FullLoop(new SchedulerConfig { PredictionType = "v_prediction" })), 1e-3, "mean");

    [TestMethod]
    public void FullLoopWithKarrasAndVPrediction() =>
        Near(0.2096, MeanAbs(FullLoop(new SchedulerConfig { PredictionType = "v_prediction", UseKarrasSigmas = true })), 1e-3, "mean");

    [TestMethod]
    public void FullLoopWithLuAndVPrediction() =>
        Near(0.1554, MeanAbs(FullLoop(new SchedulerConfig { PredictionType = "v_prediction", UseLuLambdas = true })), 1e-3, "mean");

    [TestMethod]
    public void FullLoopWithNoise()
    {
        var scheduler = new DpmSolverMultistepScheduler(Config());
        scheduler.SetTimesteps(10);
        const int tStart = 5;
        float[] sample = SampleDeter();
        float[] noise = NoiseDeter();
        float[] timesteps = scheduler.Timesteps.Skip(tStart * scheduler.Order).ToArray();
        scheduler.AddNoise(sample, noise, timesteps[0], sample);
        foreach (float t in timesteps)
        {
            float[] residual = Model(sample, t);
            scheduler.Step(residual, t, sample, sample);
        }
        Near(318.4111, SumAbs(sample), 1e-2, "sum");
        Near(0.4146, MeanAbs(sample), 1e-3, "mean");
    }

    /// <summary>
    /// test_switch, restricted to the classes implemented here: the config round-trips through the other schedulers'
    /// factories (DDIM / Euler / DDPM instead of DPM-single / UniPC / DEIS) and back without changing the result.
    /// </summary>
    [TestMethod]
    public void SwitchKeepsDefaults()
    {
        IScheduler scheduler = new DpmSolverMultistepScheduler(Config());
        Near(0.3301, MeanAbs(FullLoop(scheduler)), 1e-3, "mean");
        scheduler = SchedulerFactory.Create(DdimScheduler.ClassName, scheduler.Config);
        scheduler = SchedulerFactory.Create(EulerDiscreteScheduler.ClassName, scheduler.Config);
        scheduler = SchedulerFactory.Create(DpmSolverMultistepScheduler.ClassName, scheduler.Config);
        Near(0.3301, MeanAbs(FullLoop(scheduler)), 1e-3, "mean");
    }

    [TestMethod]
    public void DuplicatedTimestepsKeepLength()
    {
        var scheduler = new DpmSolverMultistepScheduler(Config());
        scheduler.SetTimesteps(scheduler.NumTrainTimesteps);
        Assert.AreEqual(scheduler.NumInferenceSteps, scheduler.Timesteps.Count);
    }

    /// <summary>full_loop with the generator replay: SDE variants draw torch.randn at every step.</summary>
    private static float[] FullLoopWithGenerator(DpmSolverMultistepScheduler scheduler, bool customTimesteps = false)
    {
        float[] sample = SampleDeter();
        scheduler.SetTimesteps(10);
        if (customTimesteps)
        {
            int[] ts = scheduler.Timesteps.Select(t => (int)t).ToArray();
            scheduler = new DpmSolverMultistepScheduler(scheduler.Config);
            scheduler.SetTimesteps(ts);
        }
        var generator = new TorchCpuGenerator(0);
        foreach (float t in scheduler.Timesteps)
        {
            float[] residual = Model(sample, t);
            float[] noise = scheduler.RequiresNoise ? generator.Randn(sample.Length) : [];
            scheduler.Step(residual, t, sample, sample, noise);
        }
        return sample;
    }

    /// <summary>test_solver_order_and_type: every algorithm / solver type / order / prediction combination stays finite.</summary>
    [TestMethod]
    public void SolverOrderAndTypeGiveFiniteSamples()
    {
        foreach (string algorithm in new[] { "dpmsolver", "dpmsolver++", "sde-dpmsolver", "sde-dpmsolver++" })
        foreach (string solverType in new[] { "midpoint", "heun" })
        foreach (int order in new[] { 1, 2, 3 })
        foreach (string prediction in new[] { "epsilon", "sample" })
        {
            if (algorithm.StartsWith("sde-") && order == 3) continue;
            var scheduler = new DpmSolverMultistepScheduler(Config(new SchedulerConfig
            {
                SolverOrder = order, SolverType = solverType, PredictionType = prediction, AlgorithmType = algorithm,
            }));
            float[] sample = FullLoopWithGenerator(scheduler);
            Assert.IsTrue(sample.All(float.IsFinite), $"{algorithm}/{solverType}/order {order}/{prediction} produced NaN or infinity");
        }
    }

    /// <summary>test_custom_timesteps: re-installing the computed timesteps as custom timesteps gives the same loop.</summary>
    [TestMethod]
    public void CustomTimestepsReproduceTheSchedule()
    {
        foreach (string algorithm in new[] { "dpmsolver++", "sde-dpmsolver++" })
        foreach (string prediction in new[] { "epsilon", "sample", "v_prediction" })
        foreach (string finalSigmas in new[] { "sigma_min", "zero" })
        {
            var config = Config(new SchedulerConfig { AlgorithmType = algorithm, PredictionType = prediction, FinalSigmasType = finalSigmas });
            float[] expected = FullLoopWithGenerator(new DpmSolverMultistepScheduler(config));
            float[] actual = FullLoopWithGenerator(new DpmSolverMultistepScheduler(config), customTimesteps: true);
            double diff = 0;
            for (int i = 0; i < Count; i++) diff += Math.Abs(expected[i] - actual[i]);
            Assert.IsTrue(diff < 1e-5, $"{algorithm}/{prediction}/{finalSigmas}: sum |diff| = {diff}");
        }
    }

    [TestMethod]
    public void ZeroFinalSigmaIsRejectedForNoisePredictionSolver()
    {
        var e = Assert.ThrowsExactly<ArgumentException>(() =>
            new DpmSolverMultistepScheduler(new SchedulerConfig { AlgorithmType = "dpmsolver", FinalSigmasType = "zero" }));
        StringAssert.Contains(e.Message, "final_sigmas_type");
    }

    [TestMethod]
    public void LambdaMinClippedShortensTheSchedule()
    {
        var clipped = new DpmSolverMultistepScheduler(new SchedulerConfig { BetaSchedule = "squaredcos_cap_v2", LambdaMinClipped = -5.1 });
        var full = new DpmSolverMultistepScheduler(new SchedulerConfig { BetaSchedule = "squaredcos_cap_v2" });
        clipped.SetTimesteps(10);
        full.SetTimesteps(10);
        Assert.IsTrue(clipped.Timesteps[0] < full.Timesteps[0], $"{clipped.Timesteps[0]} vs {full.Timesteps[0]}");
    }
}
