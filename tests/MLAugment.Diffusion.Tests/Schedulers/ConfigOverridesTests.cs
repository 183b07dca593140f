using MLAugment.Diffusion.Schedulers;
using static MLAugment.Diffusion.Tests.Schedulers.DiffusersDummies;

namespace MLAugment.Diffusion.Tests.Schedulers;

/// <summary>
/// diffusers' check_over_configs / check_over_forward sweeps (test_timesteps, test_betas, test_schedules,
/// test_prediction_type, test_clip_sample, test_timestep_spacing, test_steps_offset, test_rescale_betas_zero_snr,
/// test_karras_sigmas, test_lower_order_final, test_inference_steps, test_time_indices, ...): each config is accepted,
/// a scheduler rebuilt from its saved JSON config steps identically, and the sample stays finite where diffusers' does.
/// diffusers uses torch.rand for the sample; this uses dummy_sample_deter (the check is self-consistency only).
/// </summary>
[TestClass]
public sealed class ConfigOverridesTests
{
    private static void CheckOverConfig(string className, SchedulerConfig config, int steps, int startIndex = 0, int count = 3,
        bool expectFinite = true)
    {
        IScheduler a = SchedulerFactory.Create(className, config);
        IScheduler b = SchedulerFactory.FromConfig(SchedulerConfig.FromJson(a.Config.ToJson()));
        Assert.AreEqual(a.GetType(), b.GetType());
        Assert.AreEqual(a.Config.ToJson(), b.Config.ToJson());
        a.SetTimesteps(steps);
        b.SetTimesteps(steps);
        CollectionAssert.AreEqual(a.Timesteps.ToArray(), b.Timesteps.ToArray());
        int begin = Math.Min(startIndex, a.Timesteps.Count - 1);
        if (begin > 0) { a.SetBeginIndex(begin); b.SetBeginIndex(begin); }
        float[] x = SampleDeter(), y = SampleDeter();
        float[] noise = new TorchCpuGenerator(1).Randn(Count);
        for (int k = begin; k < Math.Min(begin + count, a.Timesteps.Count); k++)
        {
            float t = a.Timesteps[k];
            float[] inA = (float[])x.Clone(), inB = (float[])y.Clone();
            a.ScaleModelInput(inA, t);
            b.ScaleModelInput(inB, t);
            float[] residualA = inA.Select(v => 0.1f * v).ToArray(), residualB = inB.Select(v => 0.1f * v).ToArray();
            a.Step(residualA, t, x, x, noise);
            b.Step(residualB, t, y, y, noise);
            CollectionAssert.AreEqual(x, y, $"{className} {config.ToJson()} step {k}");
        }
        if (expectFinite) Assert.IsTrue(x.All(float.IsFinite), $"{className} {config.ToJson()} produced NaN/inf");
    }

    private static readonly (double Start, double End)[] Betas = [(0.0001, 0.002), (0.001, 0.02), (0.01, 0.2), (0.1, 2)];

    [TestMethod]
    public void Ddpm()
    {
        const string c = DdpmScheduler.ClassName;
        var baseConfig = new SchedulerConfig { NumTrainTimesteps = 1000, BetaStart = 0.0001, BetaEnd = 0.02, BetaSchedule = "linear", VarianceType = "fixed_small", ClipSample = true };
        foreach (int t in new[] { 1, 5, 100, 1000 }) CheckOverConfig(c, baseConfig with { NumTrainTimesteps = t }, Math.Min(10, t));
        foreach (var (s, e) in Betas) CheckOverConfig(c, baseConfig with { BetaStart = s, BetaEnd = e }, 10, expectFinite: e < 0.2); // larger betas drive alpha_bar to float32 zero at high t
        foreach (string s in new[] { "linear", "squaredcos_cap_v2" }) CheckOverConfig(c, baseConfig with { BetaSchedule = s }, 10);
        foreach (string v in new[] { "fixed_small", "fixed_small_log", "fixed_large" }) CheckOverConfig(c, baseConfig with { VarianceType = v }, 10);
        foreach (bool clip in new[] { true, false }) CheckOverConfig(c, baseConfig with { ClipSample = clip }, 10);
        foreach (string p in new[] { "epsilon", "sample", "v_prediction" }) CheckOverConfig(c, baseConfig with { PredictionType = p }, 10);
        foreach (bool r in new[] { true, false }) CheckOverConfig(c, baseConfig with { RescaleBetasZeroSnr = r, PredictionType = "v_prediction" }, 10);
        foreach (int t in new[] { 0, 500, 999 }) CheckOverConfig(c, baseConfig, 1000, startIndex: 999 - t, count: 1);
    }

    [TestMethod]
    public void Ddim()
    {
        const string c = DdimScheduler.ClassName;
        var baseConfig = new SchedulerConfig { NumTrainTimesteps = 1000, BetaStart = 0.0001, BetaEnd = 0.02, BetaSchedule = "linear", ClipSample = true };
        foreach (int t in new[] { 100, 500, 1000 }) CheckOverConfig(c, baseConfig with { NumTrainTimesteps = t }, 50);
        foreach (int o in new[] { 0, 1 }) CheckOverConfig(c, baseConfig with { StepsOffset = o }, 50);
        foreach (var (s, e) in Betas) CheckOverConfig(c, baseConfig with { BetaStart = s, BetaEnd = e }, 50, expectFinite: e < 0.2); // larger betas drive alpha_bar to float32 zero at high t
        foreach (string s in new[] { "linear", "squaredcos_cap_v2" }) CheckOverConfig(c, baseConfig with { BetaSchedule = s }, 50);
        foreach (string p in new[] { "epsilon", "v_prediction" }) CheckOverConfig(c, baseConfig with { PredictionType = p }, 50);
        foreach (bool clip in new[] { true, false }) CheckOverConfig(c, baseConfig with { ClipSample = clip }, 50);
        foreach (string sp in new[] { "trailing", "leading" }) CheckOverConfig(c, baseConfig with { TimestepSpacing = sp }, 50);
        foreach (bool r in new[] { true, false }) CheckOverConfig(c, baseConfig with { RescaleBetasZeroSnr = r, PredictionType = "v_prediction", TimestepSpacing = "trailing" }, 50);
        foreach (int t in new[] { 1, 10, 49 }) CheckOverConfig(c, baseConfig, 50, startIndex: t, count: 1);
        foreach (var (t, n) in new[] { (1, 10), (10, 50), (50, 500) }) CheckOverConfig(c, baseConfig, n, startIndex: t, count: 1);
        foreach (double eta in new[] { 0.0, 0.5, 1.0 })
        {
            var a = new DdimScheduler(baseConfig) { Eta = eta };
            a.SetTimesteps(50);
            float[] x = SampleDeter();
            a.Step(x.Select(v => 0.1f * v).ToArray(), a.Timesteps[10], x, x, NoiseDeter());
            Assert.IsTrue(x.All(float.IsFinite));
        }
    }

    [TestMethod]
    public void DdimInverse()
    {
        const string c = DdimInverseScheduler.ClassName;
        var baseConfig = new SchedulerConfig { NumTrainTimesteps = 1000, BetaStart = 0.0001, BetaEnd = 0.02, BetaSchedule = "linear", ClipSample = true };
        foreach (int t in new[] { 100, 500, 1000 }) CheckOverConfig(c, baseConfig with { NumTrainTimesteps = t }, 50);
        foreach (int o in new[] { 0, 1 }) CheckOverConfig(c, baseConfig with { StepsOffset = o }, 50);
        foreach (var (s, e) in Betas) CheckOverConfig(c, baseConfig with { BetaStart = s, BetaEnd = e }, 50, expectFinite: e < 0.2); // larger betas drive alpha_bar to float32 zero at high t
        foreach (string s in new[] { "linear", "squaredcos_cap_v2" }) CheckOverConfig(c, baseConfig with { BetaSchedule = s }, 50);
        foreach (string p in new[] { "epsilon", "v_prediction" }) CheckOverConfig(c, baseConfig with { PredictionType = p }, 50);
        foreach (bool clip in new[] { true, false }) CheckOverConfig(c, baseConfig with { ClipSample = clip }, 50);
        foreach (string sp in new[] { "trailing", "leading" }) CheckOverConfig(c, baseConfig with { TimestepSpacing = sp }, 50);
        foreach (int t in new[] { 1, 10, 49 }) CheckOverConfig(c, baseConfig, 50, startIndex: t, count: 1);
    }

    [TestMethod]
    public void EulerDiscrete()
    {
        const string c = EulerDiscreteScheduler.ClassName;
        var baseConfig = new SchedulerConfig { NumTrainTimesteps = 1100, BetaStart = 0.0001, BetaEnd = 0.02, BetaSchedule = "linear" };
        foreach (int t in new[] { 10, 50, 100, 1000 }) CheckOverConfig(c, baseConfig with { NumTrainTimesteps = t }, 10);
        foreach (var (s, e) in new[] { (0.00001, 0.0002), (0.0001, 0.002), (0.001, 0.02) }) CheckOverConfig(c, baseConfig with { BetaStart = s, BetaEnd = e }, 10);
        foreach (string s in new[] { "linear", "scaled_linear" }) CheckOverConfig(c, baseConfig with { BetaSchedule = s }, 10);
        foreach (string p in new[] { "epsilon", "v_prediction" }) CheckOverConfig(c, baseConfig with { PredictionType = p }, 10);
        foreach (string tt in new[] { "discrete", "continuous" }) CheckOverConfig(c, baseConfig with { TimestepType = tt, PredictionType = "v_prediction" }, 10);
        CheckOverConfig(c, baseConfig with { UseKarrasSigmas = true, SigmaMin = 0.02, SigmaMax = 700.0 }, 10);
        CheckOverConfig(c, baseConfig with { UseExponentialSigmas = true }, 10);
        foreach (bool r in new[] { true, false }) CheckOverConfig(c, baseConfig with { RescaleBetasZeroSnr = r }, 10);
        foreach (string sp in new[] { "linspace", "leading", "trailing" }) CheckOverConfig(c, baseConfig with { TimestepSpacing = sp }, 10);
    }

    [TestMethod]
    public void EulerAncestralDiscrete()
    {
        const string c = EulerAncestralDiscreteScheduler.ClassName;
        var baseConfig = new SchedulerConfig { NumTrainTimesteps = 1100, BetaStart = 0.0001, BetaEnd = 0.02, BetaSchedule = "linear" };
        foreach (int t in new[] { 10, 50, 100, 1000 }) CheckOverConfig(c, baseConfig with { NumTrainTimesteps = t }, 10);
        foreach (var (s, e) in new[] { (0.00001, 0.0002), (0.0001, 0.002), (0.001, 0.02) }) CheckOverConfig(c, baseConfig with { BetaStart = s, BetaEnd = e }, 10);
        foreach (string s in new[] { "linear", "scaled_linear" }) CheckOverConfig(c, baseConfig with { BetaSchedule = s }, 10);
        foreach (string p in new[] { "epsilon", "v_prediction" }) CheckOverConfig(c, baseConfig with { PredictionType = p }, 10);
        foreach (bool r in new[] { true, false }) CheckOverConfig(c, baseConfig with { RescaleBetasZeroSnr = r }, 10);
    }

    [TestMethod]
    public void DpmSolverMultistep()
    {
        const string c = DpmSolverMultistepScheduler.ClassName;
        var baseConfig = new SchedulerConfig
        {
            NumTrainTimesteps = 1000, BetaStart = 0.0001, BetaEnd = 0.02, BetaSchedule = "linear", SolverOrder = 2,
            PredictionType = "epsilon", Thresholding = false, AlgorithmType = "dpmsolver++", SolverType = "midpoint",
            LowerOrderFinal = false, EulerAtFinal = false, LambdaMinClipped = double.NegativeInfinity, FinalSigmasType = "sigma_min",
        };
        foreach (int t in new[] { 25, 50, 100, 999, 1000 }) CheckOverConfig(c, baseConfig with { NumTrainTimesteps = t }, 25);
        foreach (string p in new[] { "epsilon", "v_prediction" }) CheckOverConfig(c, baseConfig with { PredictionType = p }, 25);
        foreach (bool l in new[] { true, false }) CheckOverConfig(c, baseConfig with { LowerOrderFinal = l }, 25);
        foreach (bool e in new[] { true, false }) CheckOverConfig(c, baseConfig with { EulerAtFinal = e }, 25);
        foreach (double l in new[] { double.NegativeInfinity, -5.1 }) CheckOverConfig(c, baseConfig with { LambdaMinClipped = l }, 25);
        foreach (bool r in new[] { true, false }) CheckOverConfig(c, baseConfig with { RescaleBetasZeroSnr = r }, 25);
        CheckOverConfig(c, baseConfig with { UseExponentialSigmas = true }, 25);
        foreach (string a in new[] { "dpmsolver", "dpmsolver++" })
        foreach (string st in new[] { "midpoint", "heun" })
        foreach (int o in new[] { 1, 2, 3 })
        foreach (string p in new[] { "epsilon", "sample" })
            CheckOverConfig(c, baseConfig with { AlgorithmType = a, SolverType = st, SolverOrder = o, PredictionType = p }, 25, count: o + 1);
        foreach (int n in new[] { 1, 2, 3, 5, 10, 50, 100, 999, 1000 }) CheckOverConfig(c, baseConfig, n, count: 1);
    }
}
