using MLAugment.Diffusion.Schedulers;

namespace MLAugment.Diffusion.Tests.Schedulers;

[TestClass]
public sealed class SchedulerConfigTests
{
    // Stable Diffusion 1.5's scheduler_config.json, plus a DPM-Solver style -Infinity and an unknown nested field.
    private const string Sd15Json = """
        {
          "_class_name": "PNDMScheduler",
          "_diffusers_version": "0.6.0",
          "beta_end": 0.012,
          "beta_schedule": "scaled_linear",
          "beta_start": 0.00085,
          "num_train_timesteps": 1000,
          "set_alpha_to_one": false,
          "skip_prk_steps": true,
          "steps_offset": 1,
          "trained_betas": null,
          "clip_sample": false,
          "lambda_min_clipped": -Infinity,
          "some_future_field": { "a": [1, 2, 3] }
        }
        """;

    [TestMethod]
    public void ReadsSnakeCaseFieldsAndKeepsUnknownOnes()
    {
        var config = SchedulerConfig.FromJson(Sd15Json);
        Assert.AreEqual("PNDMScheduler", config.ClassName);
        Assert.AreEqual(1000, config.NumTrainTimesteps);
        Assert.AreEqual(0.00085, config.BetaStart);
        Assert.AreEqual(0.012, config.BetaEnd);
        Assert.AreEqual("scaled_linear", config.BetaSchedule);
        Assert.AreEqual(false, config.SetAlphaToOne);
        Assert.AreEqual(1, config.StepsOffset);
        Assert.AreEqual(false, config.ClipSample);
        Assert.IsNull(config.TrainedBetas);
        Assert.AreEqual(double.NegativeInfinity, config.LambdaMinClipped);
        Assert.IsNull(config.TimestepSpacing, "absent fields stay null so each scheduler applies its own default");
        Assert.IsNotNull(config.ExtensionData);
        Assert.IsTrue(config.ExtensionData.ContainsKey("_diffusers_version"));
        Assert.IsTrue(config.ExtensionData.ContainsKey("skip_prk_steps"));
        Assert.IsTrue(config.ExtensionData.ContainsKey("some_future_field"));
    }

    [TestMethod]
    public void RoundTripsThroughStringAndFile()
    {
        var config = SchedulerConfig.FromJson(Sd15Json);
        string json = config.ToJson();
        StringAssert.Contains(json, "\"beta_schedule\": \"scaled_linear\"");
        StringAssert.Contains(json, "\"skip_prk_steps\": true");
        StringAssert.Contains(json, "\"_diffusers_version\": \"0.6.0\"");
        StringAssert.Contains(json, "\"lambda_min_clipped\": -Infinity", "written bare, as Python json does");
        var again = SchedulerConfig.FromJson(json);
        Assert.IsTrue(config.ContentEquals(again));
        Assert.AreEqual(json, again.ToJson());

        string path = Path.Combine(Path.GetTempPath(), $"sched-{Guid.NewGuid():N}.json");
        try
        {
            again.Save(path);
            var fromFile = SchedulerConfig.FromFile(path);
            Assert.IsTrue(config.ContentEquals(fromFile));
            Assert.AreEqual(3, fromFile.ExtensionData!["some_future_field"].GetProperty("a").GetArrayLength());
        }
        finally { File.Delete(path); }
    }

    [TestMethod]
    public void TrainedBetasRoundTrip()
    {
        var config = new SchedulerConfig { ClassName = "DDIMScheduler", NumTrainTimesteps = 3, TrainedBetas = [0.1, 0.2, 0.3] };
        var again = SchedulerConfig.FromJson(config.ToJson());
        CollectionAssert.AreEqual(new[] { 0.1, 0.2, 0.3 }, again.TrainedBetas);
        Assert.IsTrue(config.ContentEquals(again));
    }

    [TestMethod]
    public void SchedulerConfigResolvesDiffusersDefaults()
    {
        var ddim = new DdimScheduler();
        Assert.AreEqual("DDIMScheduler", ddim.Config.ClassName);
        Assert.AreEqual("leading", ddim.Config.TimestepSpacing);
        Assert.AreEqual(true, ddim.Config.SetAlphaToOne);
        Assert.AreEqual(true, ddim.Config.ClipSample);
        var euler = new EulerDiscreteScheduler();
        Assert.AreEqual("linspace", euler.Config.TimestepSpacing);
        Assert.AreEqual("zero", euler.Config.FinalSigmasType);
        var dpm = new DpmSolverMultistepScheduler();
        Assert.AreEqual(2, dpm.Config.SolverOrder);
        Assert.AreEqual("dpmsolver++", dpm.Config.AlgorithmType);
        Assert.AreEqual(true, dpm.Config.LowerOrderFinal);
        Assert.AreEqual("linspace", dpm.Config.TimestepSpacing);
        var ddpm = new DdpmScheduler();
        Assert.AreEqual("fixed_small", ddpm.Config.VarianceType);
        Assert.AreEqual("leading", ddpm.Config.TimestepSpacing);
    }

    /// <summary>diffusers test_default_arguments_not_in_config: switching class applies the new class's defaults; explicit values stick.</summary>
    [TestMethod]
    public void SwitchingClassUsesNewDefaultsButKeepsExplicitValues()
    {
        var sd = SchedulerConfig.FromJson(Sd15Json);
        IScheduler euler = SchedulerFactory.Create(EulerDiscreteScheduler.ClassName, sd);
        Assert.AreEqual("linspace", euler.Config.TimestepSpacing);
        Assert.AreEqual(1, euler.Config.StepsOffset);
        IScheduler trailing = SchedulerFactory.Create(EulerDiscreteScheduler.ClassName, sd with { TimestepSpacing = "trailing" });
        IScheduler again = SchedulerFactory.Create(DdimScheduler.ClassName, trailing.Config);
        Assert.AreEqual("trailing", again.Config.TimestepSpacing);
        Assert.IsTrue(again.Config.ExtensionData!.ContainsKey("skip_prk_steps"), "unknown fields survive class switches");
    }

    [TestMethod]
    public void FactoryCreatesByClassName()
    {
        foreach (string name in SchedulerFactory.SupportedClassNames)
        {
            IScheduler s = SchedulerFactory.FromConfig(new SchedulerConfig { ClassName = name });
            Assert.AreEqual(name, s.Config.ClassName);
        }
        Assert.IsInstanceOfType<DdpmScheduler>(SchedulerFactory.FromConfig(new SchedulerConfig { ClassName = "DDPMScheduler" }));
        Assert.IsInstanceOfType<DpmSolverMultistepScheduler>(SchedulerFactory.FromConfig(new SchedulerConfig { ClassName = "DPMSolverMultistepScheduler" }));
    }

    [TestMethod]
    public void FactoryRejectsUnknownOrMissingClass()
    {
        var e = Assert.ThrowsExactly<NotSupportedException>(() => SchedulerFactory.FromConfig(SchedulerConfig.FromJson(Sd15Json)));
        StringAssert.Contains(e.Message, "PNDMScheduler");
        StringAssert.Contains(e.Message, "EulerDiscreteScheduler");
        Assert.ThrowsExactly<ArgumentException>(() => SchedulerFactory.FromConfig(new SchedulerConfig()));
    }

    [TestMethod]
    public void ThresholdingIsRejectedByEveryScheduler()
    {
        foreach (string name in SchedulerFactory.SupportedClassNames)
        {
            var e = Assert.ThrowsExactly<NotSupportedException>(() => SchedulerFactory.Create(name, new SchedulerConfig { Thresholding = true }));
            StringAssert.Contains(e.Message, "thresholding");
        }
        Assert.IsNotNull(new DdpmScheduler(new SchedulerConfig { Thresholding = false }));
    }

    [TestMethod]
    public void InvalidJsonIsReportedAsFormatError()
    {
        Assert.ThrowsExactly<FormatException>(() => SchedulerConfig.FromJson("{ \"num_train_timesteps\": \"many\" }"));
        Assert.ThrowsExactly<FormatException>(() => SchedulerConfig.FromJson("null"));
    }

    [TestMethod]
    public void UnsupportedEnumValuesNameTheField()
    {
        var e = Assert.ThrowsExactly<NotSupportedException>(() => new DdimScheduler(new SchedulerConfig { BetaSchedule = "sigmoid" }));
        StringAssert.Contains(e.Message, "beta_schedule");
        e = Assert.ThrowsExactly<NotSupportedException>(() => new EulerDiscreteScheduler(new SchedulerConfig { PredictionType = "flow" }));
        StringAssert.Contains(e.Message, "prediction_type");
        e = Assert.ThrowsExactly<NotSupportedException>(() => new DdpmScheduler(new SchedulerConfig { VarianceType = "learned_range" }));
        StringAssert.Contains(e.Message, "variance_type");
        var a = Assert.ThrowsExactly<ArgumentException>(() => new DdpmScheduler(new SchedulerConfig { NumTrainTimesteps = 4, TrainedBetas = [0.1] }));
        StringAssert.Contains(a.Message, "trained_betas");
    }
}
