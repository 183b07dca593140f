using MLAugment.Tasks.Recipes;

namespace MLAugment.Tasks.Tests.Recipes;

[TestClass]
public sealed class DiffusionModelCardTests
{
    private static SampleRun Run(int issue, int requested, bool complete = true, double seconds = 10) => new()
    {
        Key = "k", IssueSamples = issue, RequestedSamples = requested, AvailableSamples = complete ? requested : requested / 2, Complete = complete,
        GenerationSeconds = complete ? seconds : 0, SecondsPerImage = complete ? seconds / requested : null, WallSeconds = 12,
    };

    /// <summary>A small hand-made metrics object: fidelity below target, DDPM with fewer samples than the issue, DDIM unfinished.</summary>
    internal static DiffusionQualityMetrics Fake() => new()
    {
        Command = "mlaugment evaluate-diffusion --ddpm-samples 50", CreatedUtc = new DateTime(2026, 11, 22, 3, 0, 0, DateTimeKind.Utc),
        Complete = false, WallSeconds = 4000,
        Environment = new RunEnvironment(2, 2, "Linux", ".NET 10", "X64") { LoadAverageAtStart = 3.5, LoadAverageAtEnd = 2.25 },
        Model = new ModelFacts("models/fashion-ldm", "abc123", ["Coat", "Bag"], 1, 32, 32) { TrainingData = "the train split only." },
        Judge = new JudgeSummary { Folder = "models/fashion-classifier", Description = "SmallCnn", TrainingData = "train split", FeatureDimension = 32, TestAccuracy = 0.912, TestImages = 10000 },
        Training = TrainingLogSummary.Parse(["00:00:00 vae: step 50/100 loss 1", "00:10:00 vae: step 100/100 loss 1"], "models/fashion-ldm/training/train.log"),
        Settings = new QualitySettings { GuidanceScale = 3, Seed = 1234, ChunkSize = 100, SeedRule = "image i: seed 1234 + i", ReferenceData = "test split", ReferenceImages = 10000, FloorData = "train prefix", SourceData = "train prefix" },
        FrechetFloors = [new FrechetFloor(50, 10000, 0.5, 1), new FrechetFloor(1000, 10000, 0.125, 1)],
        ClassFidelity = new ClassFidelityFigures
        {
            Sampler = DiffusionQualityReport.DpmSolver, Steps = 20, GuidanceScale = 3, Threshold = 0.9, Run = Run(1000, 1000), Samples = 1000, Accuracy = 0.875,
            PerClass = [new ClassFidelityRow("Coat", 500, 400, 0.8, 0.85), new ClassFidelityRow("Bag", 500, 475, 0.95, 0.99)],
        },
        FrechetDistances =
        [
            new FrechetFigures { Sampler = DiffusionQualityReport.DpmSolver, SamplerLabel = "DPM-Solver++ (2M)", Steps = 20, GuidanceScale = 3, Run = Run(10000, 1000), Samples = 1000, Value = 1.234, FloorAtSameSamples = 0.125 },
            new FrechetFigures { Sampler = DiffusionQualityReport.Ddim, SamplerLabel = "DDIM (η = 0)", Steps = 50, GuidanceScale = 3, Run = Run(10000, 1000, complete: false), FloorAtSameSamples = 0.125 },
            new FrechetFigures { Sampler = DiffusionQualityReport.Ddpm, SamplerLabel = "DDPM (ancestral)", Steps = 1000, GuidanceScale = 3, Run = Run(10000, 50, seconds: 400), Samples = 50, Value = 2.5, FloorAtSameSamples = 0.5 },
        ],
        Img2Img = new Img2ImgFigures
        {
            Strength = 0.5f, Sampler = DiffusionQualityReport.DpmSolver, Steps = 20, GuidanceScale = 3, Threshold = 0.95, Run = Run(0, 200), Samples = 200,
            KeepsLabel = 0.97, AgreesWithJudgeOnSource = 0.96, JudgeAccuracyOnSources = 0.98, MeanSsimToSource = 0.7125,
        },
        Inversion = new InversionFigures
        {
            Steps = 50, LatentRefinementSteps = 100, ThresholdDb = 30, Run = Run(0, 100), Samples = 100, Psnr = "mean per-image PSNR",
            PsnrVsAutoencoderRoundTripDb = 31.5, PsnrVsOriginalDb = 24.25, AutoencoderRoundTripPsnrDb = 25.5,
            EncoderRoundTripPsnrDb = 22.75, EncoderLatentsPsnrVsOriginalDb = 22.5,
        },
    };

    [TestMethod]
    public void LoadAverageAtOrBelowTheCpuCountIsNotCalledInflated()
    {
        var m = Fake();
        m = m with { Environment = m.Environment! with { LoadAverageAtStart = 0.67, LoadAverageAtEnd = 1.49 } };
        var card = DiffusionModelCard.Render(m);
        StringAssert.Contains(card, "load average at the start of this run 0.67, at its end 1.49 on 2 CPUs: not above the CPU count.");
        Assert.IsFalse(card.Contains("inflated"), card);
    }

    [TestMethod]
    public void CardStatesEveryFigureWithItsSampleCountAndVerdict()
    {
        var card = DiffusionModelCard.Render(Fake());
        StringAssert.Contains(card, "`mlaugment evaluate-diffusion --ddpm-samples 50`");
        StringAssert.Contains(card, "2 logical CPUs");
        StringAssert.Contains(card, "load average at the start of this run 3.50, at its end 2.25 on 2 CPUs: above the CPU count, so other work shared the machine");
        StringAssert.Contains(card, "**87.5%** of 1,000 samples are judged as the class they were generated for (issue target ≥ 90%: **not met**)");
        StringAssert.Contains(card, "| Coat | 500 | 80.0% | 85.0% |");
        StringAssert.Contains(card, "| DPM-Solver++ (2M) | 20 | 3 | 1,000 (issue: 10,000) | 1.234 | 0.125 |");
        StringAssert.Contains(card, "| DDIM (η = 0) | 50 | 3 | 500 of 1,000 so far | — | 0.125 |");
        StringAssert.Contains(card, "| DDPM (ancestral) | 1000 | 3 | 50 (issue: 10,000) | 2.500 | 0.500 | 8.000 |");
        StringAssert.Contains(card, "Judged as the source's label: **97.0%** (issue target ≥ 95%: met)");
        StringAssert.Contains(card, "Mean SSIM to the source: **0.713**");
        StringAssert.Contains(card, "latents first fitted through the decoder (100 Adam steps");
        StringAssert.Contains(card, "Reconstruction vs the source image: **24.25 dB** (issue target ≥ 30 dB: **not met**)");
        StringAssert.Contains(card, "(what DDIM inversion alone loses): 31.50 dB; those latents decoded vs the source: 25.50 dB");
        StringAssert.Contains(card, "Without fitting (the encoder's latents inverted): 22.50 dB vs the source; the encoder–decoder round trip alone gives 22.75 dB");
        StringAssert.Contains(card, "vae: steps 50–100 of 100 logged (00:00:00–00:10:00), 10 min 00 s");
        StringAssert.Contains(card, "1 h 06 min");
    }

    [TestMethod]
    public void CardNamesEveryShortfallAgainstTheIssue()
    {
        var m = Fake();
        var card = DiffusionModelCard.Render(m);
        StringAssert.Contains(card, "**Incomplete evaluation:**");
        StringAssert.Contains(card, "> - Fréchet distance, DPM-Solver++ (2M) 20 steps: 1,000 samples (issue: 10,000).");
        StringAssert.Contains(card, "> - Fréchet distance, DDIM (η = 0) 50 steps: 500 of 1,000 requested samples generated so far, no figure yet (issue: 10,000).");
        StringAssert.Contains(card, "> - Fréchet distance, DDPM (ancestral) 1000 steps: 50 samples (issue: 10,000).");
        StringAssert.Contains(card, "> - Fréchet distance, DPM-Solver++ (2M) 10 steps: not measured.");
        Assert.IsFalse(card.Contains("class fidelity:"), "fidelity ran with the issue's 1,000 samples");

        var complete = m with { Complete = true, Inversion = null };
        card = DiffusionModelCard.Render(complete);
        Assert.IsFalse(card.Contains("Incomplete evaluation"));
        StringAssert.Contains(card, "## DDIM inversion\n\nNot measured in this run.".ReplaceLineEndings());
        StringAssert.Contains(card, "> - DDIM inversion: not measured.");
    }

    [TestMethod]
    public void CardRenderedFromTheJsonFileIsTheSameCard()
    {
        var m = Fake();
        var back = DiffusionQualityMetrics.FromJson(m.ToJson(), "metrics.json");
        Assert.AreEqual(DiffusionModelCard.Render(m), DiffusionModelCard.Render(back));
        var e = Assert.ThrowsExactly<InvalidDataException>(() => DiffusionQualityMetrics.FromJson("{\"format\": \"other\", \"settings\": {}}", "x/metrics.json"));
        StringAssert.Contains(e.Message, "x/metrics.json");
    }

    [TestMethod]
    public void RenderCardRewritesTheReadmeFromMetricsJson()
    {
        var dir = Path.Combine(Path.GetTempPath(), "mlaugment-card-" + Guid.NewGuid().ToString("N"));
        try
        {
            FashionDiffusionEvaluation.Write(dir, Fake());
            File.WriteAllText(Path.Combine(dir, "README.md"), "stale");
            FashionDiffusionEvaluation.RenderCard(dir);
            Assert.AreEqual(DiffusionModelCard.Render(Fake()), File.ReadAllText(Path.Combine(dir, "README.md")));
            Assert.ThrowsExactly<FileNotFoundException>(() => FashionDiffusionEvaluation.RenderCard(Path.Combine(dir, "nothing")));
        }
        finally { if (Directory.Exists(dir)) Directory.Delete(dir, true); }
    }
}
