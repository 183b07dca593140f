using MLAugment.Diffusion.Schedulers;
using static MLAugment.Diffusion.Tests.Schedulers.DiffusersDummies;

namespace MLAugment.Diffusion.Tests.Schedulers;

/// <summary>The IScheduler contract: argument checks, in-place stepping, img2img start and the forward process.</summary>
[TestClass]
public sealed class SchedulerApiTests
{
    public static IEnumerable<object[]> AllClasses => SchedulerFactory.SupportedClassNames.Select(n => new object[] { n });

    private static IScheduler Create(string name) => SchedulerFactory.Create(name);

    private static float[] NoiseFor(IScheduler s) => new TorchCpuGenerator(7).Randn(Count);

    [TestMethod]
    [DynamicData(nameof(AllClasses))]
    public void SetTimestepsRejectsOutOfRangeSteps(string name)
    {
        IScheduler s = Create(name);
        var e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => s.SetTimesteps(0));
        Assert.AreEqual("numInferenceSteps", e.ParamName);
        e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => s.SetTimesteps(s.NumTrainTimesteps + 1));
        Assert.AreEqual("numInferenceSteps", e.ParamName);
        StringAssert.Contains(e.Message, "num_train_timesteps");
    }

    [TestMethod]
    [DynamicData(nameof(AllClasses))]
    public void StepBeforeSetTimestepsThrows(string name)
    {
        IScheduler s = Create(name);
        float[] x = SampleDeter();
        var e = Assert.ThrowsExactly<InvalidOperationException>(() => s.Step(x, 999, x, new float[Count], NoiseFor(s)));
        StringAssert.Contains(e.Message, "SetTimesteps");
        Assert.AreEqual(0, s.Timesteps.Count);
    }

    [TestMethod]
    [DynamicData(nameof(AllClasses))]
    public void MismatchedSpanLengthsNameTheParameter(string name)
    {
        IScheduler s = Create(name);
        s.SetTimesteps(10);
        float t = s.Timesteps[0];
        float[] x = SampleDeter(), noise = NoiseFor(s);
        var e = Assert.ThrowsExactly<ArgumentException>(() => s.Step(new float[Count - 1], t, x, new float[Count], noise));
        Assert.AreEqual("modelOutput", e.ParamName);
        e = Assert.ThrowsExactly<ArgumentException>(() => s.Step(x, t, x, new float[Count + 1], noise));
        Assert.AreEqual("prevSample", e.ParamName);
        e = Assert.ThrowsExactly<ArgumentException>(() => s.AddNoise(x, new float[3], t, new float[Count]));
        Assert.AreEqual("noise", e.ParamName);
        e = Assert.ThrowsExactly<ArgumentException>(() => s.GetVelocity(x, noise, 10, new float[2]));
        Assert.AreEqual("destination", e.ParamName);
    }

    [TestMethod]
    [DynamicData(nameof(AllClasses))]
    public void PartiallyOverlappingOutputIsRejected(string name)
    {
        IScheduler s = Create(name);
        s.SetTimesteps(10);
        var buffer = new float[Count + 1];
        float[] m = SampleDeter();
        var e = Assert.ThrowsExactly<ArgumentException>(() =>
            s.Step(m, s.Timesteps[0], buffer.AsSpan(0, Count), buffer.AsSpan(1, Count), NoiseFor(s)));
        Assert.AreEqual("prevSample", e.ParamName);
    }

    [TestMethod]
    [DynamicData(nameof(AllClasses))]
    public void InPlaceStepEqualsOutOfPlaceStep(string name)
    {
        float[] noise = new TorchCpuGenerator(3).Randn(Count);
        float[] RunLoop(bool inPlace)
        {
            IScheduler s = Create(name);
            s.SetTimesteps(5);
            float[] x = SampleDeter();
            foreach (float t in s.Timesteps)
            {
                float[] input = (float[])x.Clone();
                s.ScaleModelInput(input, t);
                float[] output = Model(input, t);
                if (inPlace) s.Step(output, t, x, x, noise);
                else { var next = new float[Count]; s.Step(output, t, x, next, noise); x = next; }
            }
            return x;
        }
        CollectionAssert.AreEqual(RunLoop(false), RunLoop(true));
    }

    [TestMethod]
    public void MissingNoiseIsAClearError()
    {
        float[] x = SampleDeter();
        var ddpm = new DdpmScheduler();
        ddpm.SetTimesteps(10);
        var e = Assert.ThrowsExactly<ArgumentException>(() => ddpm.Step(x, ddpm.Timesteps[0], x, new float[Count]));
        Assert.AreEqual("noise", e.ParamName);
        ddpm.Step(x, 0, x, new float[Count]); // t = 0 adds no noise

        var ddim = new DdimScheduler { Eta = 0.5 };
        ddim.SetTimesteps(10);
        Assert.IsTrue(ddim.RequiresNoise);
        e = Assert.ThrowsExactly<ArgumentException>(() => ddim.Step(x, ddim.Timesteps[0], x, new float[Count]));
        Assert.AreEqual("noise", e.ParamName);

        var ancestral = new EulerAncestralDiscreteScheduler();
        ancestral.SetTimesteps(10);
        e = Assert.ThrowsExactly<ArgumentException>(() => ancestral.Step(x, ancestral.Timesteps[0], x, new float[Count]));
        Assert.AreEqual("noise", e.ParamName);

        var sde = new DpmSolverMultistepScheduler(new SchedulerConfig { AlgorithmType = "sde-dpmsolver++" });
        sde.SetTimesteps(10);
        e = Assert.ThrowsExactly<ArgumentException>(() => sde.Step(x, sde.Timesteps[0], x, new float[Count]));
        Assert.AreEqual("noise", e.ParamName);

        var euler = new EulerDiscreteScheduler { SChurn = 1.0 };
        euler.SetTimesteps(10);
        e = Assert.ThrowsExactly<ArgumentException>(() => euler.Step(x, euler.Timesteps[0], x, new float[Count]));
        Assert.AreEqual("noise", e.ParamName);
    }

    [TestMethod]
    public void DeterministicSchedulersNeedNoNoise()
    {
        Assert.IsFalse(new DdimScheduler().RequiresNoise);
        Assert.IsFalse(new DdimInverseScheduler().RequiresNoise);
        Assert.IsFalse(new EulerDiscreteScheduler().RequiresNoise);
        Assert.IsFalse(new DpmSolverMultistepScheduler().RequiresNoise);
        Assert.IsTrue(new DdpmScheduler().RequiresNoise);
        Assert.IsTrue(new EulerAncestralDiscreteScheduler().RequiresNoise);
    }

    [TestMethod]
    public void TimestepOutsideScheduleIsRejected()
    {
        float[] x = SampleDeter();
        var euler = new EulerDiscreteScheduler();
        euler.SetTimesteps(10);
        var e = Assert.ThrowsExactly<ArgumentException>(() => euler.Step(x, 123.5f, x, new float[Count]));
        Assert.AreEqual("timestep", e.ParamName);
        var ddpm = new DdpmScheduler();
        ddpm.SetTimesteps(10);
        Assert.ThrowsExactly<ArgumentException>(() => ddpm.Step(x, 901, x, new float[Count], x));
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => ddpm.Step(x, 12.5f, x, new float[Count], x));
    }

    [TestMethod]
    public void StepPastTheEndIsRejected()
    {
        float[] x = SampleDeter();
        var dpm = new DpmSolverMultistepScheduler();
        dpm.SetTimesteps(2);
        foreach (float t in dpm.Timesteps) dpm.Step(Model(x, t), t, x, x);
        Assert.ThrowsExactly<InvalidOperationException>(() => dpm.Step(x, dpm.Timesteps[^1], x, x));
    }

    /// <summary>Known spacings for 10 of 1000 steps (Lin et al. 2023, Table 2; diffusers' set_timesteps).</summary>
    [TestMethod]
    public void TimestepSpacings()
    {
        float[] Spaced(string spacing, string cls = "DDIMScheduler")
        {
            IScheduler s = SchedulerFactory.Create(cls, new SchedulerConfig { TimestepSpacing = spacing });
            s.SetTimesteps(10);
            return s.Timesteps.ToArray();
        }
        CollectionAssert.AreEqual(new float[] { 900, 800, 700, 600, 500, 400, 300, 200, 100, 0 }, Spaced("leading"));
        CollectionAssert.AreEqual(new float[] { 999, 899, 799, 699, 599, 499, 399, 299, 199, 99 }, Spaced("trailing"));
        CollectionAssert.AreEqual(new float[] { 999, 888, 777, 666, 555, 444, 333, 222, 111, 0 }, Spaced("linspace"));
        // Euler keeps linspace timesteps fractional (float32), DPM-Solver spaces n + 1 points and drops the last.
        CollectionAssert.AreEqual(new float[] { 999, 888, 777, 666, 555, 444, 333, 222, 111, 0 }, Spaced("linspace", "EulerDiscreteScheduler"));
        var euler = new EulerDiscreteScheduler(new SchedulerConfig { NumTrainTimesteps = 1100 });
        euler.SetTimesteps(10);
        Assert.AreEqual(1099f, euler.Timesteps[0]);
        Assert.AreEqual((float)(1099.0 * 8 / 9), euler.Timesteps[1]);
        CollectionAssert.AreEqual(new float[] { 999, 899, 799, 699, 599, 500, 400, 300, 200, 100 }, Spaced("linspace", "DPMSolverMultistepScheduler"));
        CollectionAssert.AreEqual(new float[] { 900, 810, 720, 630, 540, 450, 360, 270, 180, 90 }, Spaced("leading", "DPMSolverMultistepScheduler"));
    }

    [TestMethod]
    public void InitNoiseSigma()
    {
        Assert.AreEqual(1f, new DdimScheduler().InitNoiseSigma);
        var euler = new EulerDiscreteScheduler();
        euler.SetTimesteps(10);
        Assert.AreEqual(euler.Sigmas[0], euler.InitNoiseSigma);
        var leading = new EulerDiscreteScheduler(new SchedulerConfig { TimestepSpacing = "leading" });
        leading.SetTimesteps(10);
        Assert.AreEqual(MathF.Sqrt(leading.Sigmas[0] * leading.Sigmas[0] + 1), leading.InitNoiseSigma, 1e-4f);
    }

    [TestMethod]
    [DynamicData(nameof(AllClasses))]
    public void Img2ImgTimestepsFollowDiffusersStrengthRule(string name)
    {
        IScheduler s = Create(name);
        s.SetTimesteps(10);
        float[] all = s.Timesteps.ToArray();
        float[] ts = s.GetImg2ImgTimesteps(0.75);   // init_timestep = int(7.5) = 7, t_start = 3
        CollectionAssert.AreEqual(all[3..], ts);
        Assert.AreEqual(3, s.BeginIndex);
        Assert.AreEqual(10, s.GetImg2ImgTimesteps(1.0).Length);
        Assert.AreEqual(0, s.GetImg2ImgTimesteps(0.0).Length);
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => s.GetImg2ImgTimesteps(1.5));
    }

    [TestMethod]
    public void Img2ImgRequiresSetTimesteps() =>
        Assert.ThrowsExactly<InvalidOperationException>(() => new EulerDiscreteScheduler().GetImg2ImgTimesteps(0.5));

    [TestMethod]
    public void SetBeginIndexValidatesRange()
    {
        var s = new EulerDiscreteScheduler();
        s.SetTimesteps(10);
        var e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => s.SetBeginIndex(11));
        Assert.AreEqual("beginIndex", e.ParamName);
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => s.SetBeginIndex(-1));
    }

    /// <summary>
    /// diffusers' Euler test_full_loop_with_noise, started the img2img way: strength 0.2 of 10 steps gives the same
    /// last two timesteps and begin index 8, and AddNoise/ScaleModelInput/Step then use the begin index instead of
    /// searching the timestep.
    /// </summary>
    [TestMethod]
    public void EulerImg2ImgStartMatchesDiffusersWithNoiseLoop()
    {
        var scheduler = new EulerDiscreteScheduler(new SchedulerConfig { NumTrainTimesteps = 1100 });
        scheduler.SetTimesteps(10);
        float[] sample = SampleDeter();
        float sigma0 = scheduler.InitNoiseSigma;
        for (int i = 0; i < sample.Length; i++) sample[i] *= sigma0;
        float[] timesteps = scheduler.GetImg2ImgTimesteps(0.2);
        Assert.AreEqual(8, scheduler.BeginIndex);
        scheduler.AddNoise(sample, NoiseDeter(), timesteps[0], sample);
        foreach (float t in timesteps)
        {
            scheduler.ScaleModelInput(sample, t);
            scheduler.Step(Model(sample, t), t, sample, sample);
        }
        Near(57062.9297, SumAbs(sample), 1e-2, "sum");
        Near(74.3007, MeanAbs(sample), 1e-3, "mean");
    }

    [TestMethod]
    public void DpmImg2ImgStartMatchesDiffusersWithNoiseLoop()
    {
        var scheduler = new DpmSolverMultistepScheduler(new SchedulerConfig { LowerOrderFinal = false, FinalSigmasType = "sigma_min" });
        scheduler.SetTimesteps(10);
        float[] sample = SampleDeter();
        float[] timesteps = scheduler.GetImg2ImgTimesteps(0.5);
        Assert.AreEqual(5, scheduler.BeginIndex);
        scheduler.AddNoise(sample, NoiseDeter(), timesteps[0], sample);
        foreach (float t in timesteps) scheduler.Step(Model(sample, t), t, sample, sample);
        Near(318.4111, SumAbs(sample), 1e-2, "sum");
        Near(0.4146, MeanAbs(sample), 1e-3, "mean");
    }

    [TestMethod]
    public void AddNoiseAndVelocityFollowTheForwardProcess()
    {
        var ddpm = new DdpmScheduler();
        float[] x0 = SampleDeter(), eps = NoiseDeter();
        var xt = new float[Count];
        var v = new float[Count];
        const int t = 500;
        ddpm.AddNoise(x0, eps, t, xt);
        ddpm.GetVelocity(x0, eps, t, v);
        double a = ddpm.AlphasCumprod[t];
        for (int i = 0; i < Count; i++)
        {
            Assert.AreEqual(Math.Sqrt(a) * x0[i] + Math.Sqrt(1 - a) * eps[i], xt[i], 1e-6);
            Assert.AreEqual(Math.Sqrt(a) * eps[i] - Math.Sqrt(1 - a) * x0[i], v[i], 1e-6);
            // v-parameterisation identity: x_0 = sqrt(alpha_bar) x_t - sqrt(1 - alpha_bar) v.
            Assert.AreEqual(x0[i], Math.Sqrt(a) * xt[i] - Math.Sqrt(1 - a) * v[i], 1e-5);
        }
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => ddpm.GetVelocity(x0, eps, 1000, v));
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => ddpm.AddNoise(x0, eps, 2.5f, xt));
    }

    /// <summary>A perfect v-prediction model lets DDIM recover x_0 exactly at any step (PredOriginalSample).</summary>
    [TestMethod]
    public void DdimPredOriginalSampleFromExactVelocity()
    {
        var ddim = new DdimScheduler(new SchedulerConfig { PredictionType = "v_prediction", ClipSample = false });
        ddim.SetTimesteps(10);
        float[] x0 = SampleDeter(), eps = NoiseDeter();
        var xt = new float[Count];
        var v = new float[Count];
        float t = ddim.Timesteps[2];
        ddim.AddNoise(x0, eps, t, xt);
        ddim.GetVelocity(x0, eps, t, v);
        ddim.Step(v, t, xt, new float[Count]);
        for (int i = 0; i < Count; i++) Assert.AreEqual(x0[i], ddim.PredOriginalSample[i], 1e-5);
    }

    [TestMethod]
    public void EulerAddNoiseUsesSigma()
    {
        var euler = new EulerDiscreteScheduler();
        euler.SetTimesteps(10);
        float[] x0 = SampleDeter(), eps = NoiseDeter();
        var xt = new float[Count];
        float t = euler.Timesteps[4];
        euler.AddNoise(x0, eps, t, xt);
        for (int i = 0; i < Count; i++) Assert.AreEqual(x0[i] + eps[i] * euler.Sigmas[4], xt[i], 1e-5);
    }

    [TestMethod]
    public void DdimEtaOneAddsScaledNoise()
    {
        float[] x = SampleDeter(), noise = NoiseDeter();
        var deterministic = new DdimScheduler();
        var stochastic = new DdimScheduler { Eta = 1.0 };
        deterministic.SetTimesteps(10);
        stochastic.SetTimesteps(10);
        float t = deterministic.Timesteps[3];
        var a = new float[Count];
        var b = new float[Count];
        deterministic.Step(Model(x, t), t, x, a);
        stochastic.Step(Model(x, t), t, x, b, noise);
        // With eta = 1, sigma_t^2 equals the DDPM posterior variance (Song et al. eq. 16) and the direction term shrinks.
        double variance = stochastic.GetVariance((int)t, (int)t - 100);
        Assert.IsTrue(variance > 0);
        Assert.IsFalse(a.SequenceEqual(b));
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new DdimScheduler { Eta = -0.1 });
    }

    /// <summary>
    /// numpy.arange(1000, 0, -1000 / 61) has 62 elements, the last about -6e-13; diffusers turns it into timestep -1.
    /// Every trailing schedule here has exactly the requested steps, all valid training timesteps.
    /// </summary>
    [TestMethod]
    [DynamicData(nameof(AllClasses))]
    public void TrailingSpacingNeverEmitsNegativeTimesteps(string name)
    {
        IScheduler s = SchedulerFactory.Create(name, new SchedulerConfig { TimestepSpacing = "trailing" });
        foreach (int steps in new[] { 61, 103, 121, 122, 201, 233 })
        {
            s.SetTimesteps(steps);
            Assert.AreEqual(steps, s.Timesteps.Count, $"{name} {steps} steps");
            Assert.IsTrue(s.Timesteps.All(t => t >= 0 && t < s.NumTrainTimesteps), $"{name} {steps} steps");
        }
    }
}
