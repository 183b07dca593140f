using MLAugment.Diffusion.Models;
using MLAugment.Diffusion.Sampling;
using MLAugment.Diffusion.Schedulers;
using MLAugment.Engine;
using MLAugment.Engine.IO;
using MLAugment.Tasks.Recipes;

namespace MLAugment.Tasks.Tests.Recipes;

[TestClass]
public sealed class DiffusionQualityReportTests
{
    /// <summary>A judge whose "features" are 4 pooled pixel statistics and whose class is decided by mean brightness.</summary>
    internal sealed class BrightnessJudge(params string[] classes) : IImageJudge
    {
        public IReadOnlyList<string> ClassNames { get; } = classes.Length > 0 ? classes : ["dark", "light"];
        public int FeatureDimension => 4;
        public (float[] Probabilities, float[] Features) Score(Tensor images)
        {
            int n = images.Shape[0], per = images.Length / n;
            var p = new float[n * 2]; var f = new float[n * 4];
            for (int i = 0; i < n; i++)
            {
                var s = images.Span.Slice(i * per, per);
                float mean = 0, sq = 0, max = float.MinValue, min = float.MaxValue;
                foreach (var v in s) { mean += v; sq += v * v; max = Math.Max(max, v); min = Math.Min(min, v); }
                mean /= per;
                f[i * 4] = mean; f[i * 4 + 1] = sq / per; f[i * 4 + 2] = max; f[i * 4 + 3] = min;
                p[i * 2] = mean < 0 ? 0.9f : 0.1f; p[i * 2 + 1] = 1 - p[i * 2];
            }
            return (p, f);
        }
    }

    internal static LatentDiffusionModel TinyModel()
    {
        var g = new Generator(0);
        var unet = new ConditionalUNet(new UNetConfig { SampleSize = 4, InChannels = 2, OutChannels = 2, BlockOutChannels = new[] { 16, 16 },
            AttentionLevels = new[] { false, false }, NormNumGroups = 8, LayersPerBlock = 1, NumClassEmbeds = 2 }, g);
        var vae = new Autoencoder(new AutoencoderConfig { LatentChannels = 2, BlockOutChannels = new[] { 8, 8, 8 }, NormNumGroups = 4, SampleSize = 16 }, g);
        // The embedded model's scheduler config: "leading" spacing with steps_offset 1.
        return new LatentDiffusionModel(unet, vae, new[] { "dark", "light" }, FashionDiffusionRecipe.SchedulerConfig, modelId: "tiny-quality-model");
    }

    private static QualityData Data(int train = 12)
    {
        var labels = Enumerable.Range(0, train).Select(i => i % 2).ToArray();
        return new QualityData(Tensor.Rand(new Generator(1), train, 1, 16, 16) * 2f - 1f, labels,
            Tensor.Rand(new Generator(2), 8, 1, 16, 16) * 2f - 1f, Enumerable.Range(0, 8).Select(i => i % 2).ToArray());
    }

    /// <summary>DDPM's 1000 steps dominate a tiny run; 2 samples in chunks of 2 keep it to one chunk.</summary>
    private static DiffusionQualityOptions Small => new()
    {
        FidelitySamples = 4, FrechetSamples = 6, DdpmFrechetSamples = 2, Img2ImgSamples = 3, InversionSamples = 2, ChunkSize = 2,
    };

    private static string TempDir()
    {
        var d = Path.Combine(Path.GetTempPath(), "mlaugment-quality-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(d);
        return d;
    }

    [TestMethod]
    public void ReportMeasuresEveryQuantityWithTheSampleCountBehindIt()
    {
        var work = TempDir();
        try
        {
            var m = new DiffusionQualityReport(new DiffusionPipeline(TinyModel()), new BrightnessJudge(), work, Small).Run(Data());
            Assert.IsTrue(m.Complete);
            Assert.AreEqual(4, m.ClassFidelity!.Samples);
            Assert.IsNotNull(m.ClassFidelity.Accuracy);
            Assert.AreEqual(2, m.ClassFidelity.PerClass.Count);
            Assert.AreEqual(4, m.ClassFidelity.PerClass.Sum(r => r.Samples));
            CollectionAssert.AreEqual(new[] { 10, 20, 50, 1000 }, m.FrechetDistances.Select(f => f.Steps).ToArray());
            CollectionAssert.AreEqual(new[] { 6, 6, 6, 2 }, m.FrechetDistances.Select(f => f.Samples).ToArray());
            Assert.IsTrue(m.FrechetDistances.All(f => f.Value is double v && v >= 0 && f.FloorAtSameSamples is not null));
            CollectionAssert.AreEqual(new[] { 2, 6 }, m.FrechetFloors.Select(f => f.Samples).ToArray());
            Assert.AreEqual(3, m.Img2Img!.Samples);
            Assert.IsTrue(m.Img2Img.MeanSsimToSource is > -1 and <= 1);
            Assert.AreEqual(2, m.Inversion!.Samples);
            Assert.IsNotNull(m.Inversion.PsnrVsAutoencoderRoundTripDb);
            // Default: latents fitted through the decoder first; the encoder-latent inversion is reported next to it.
            Assert.AreEqual(100, m.Inversion.LatentRefinementSteps);
            Assert.IsTrue(m.Inversion.AutoencoderRoundTripPsnrDb > m.Inversion.EncoderRoundTripPsnrDb,
                $"fitted latents decode closer ({m.Inversion.AutoencoderRoundTripPsnrDb:F2} dB) than the encoder's ({m.Inversion.EncoderRoundTripPsnrDb:F2} dB)");
            Assert.IsNotNull(m.Inversion.EncoderLatentsPsnrVsOriginalDb);
            Assert.AreEqual(10_000, m.FrechetDistances[0].Run.IssueSamples);
            // 1000 "leading" steps with offset 1 would start at t = 1000; the full chain runs t = 999 … 0 instead, and says so.
            StringAssert.Contains(m.FrechetDistances[3].Note, "trailing");
            StringAssert.Contains(m.FrechetDistances[3].Run.Key, "1000steps-trailing");
            Assert.AreEqual("", m.FrechetDistances[2].Note);
            // Whole chunks: 6 FD samples in chunks of 2 are 3 chunks; the fidelity set is the first 2 of them.
            Assert.AreEqual(1, m.FrechetDistances[1].Run.ChunksGenerated);
            Assert.AreEqual(2, m.FrechetDistances[1].Run.ChunksReused);
            var json = m.ToJson();
            StringAssert.Contains(json, "\"samples\": 6");
            Assert.AreEqual(json, DiffusionQualityMetrics.FromJson(json, "test").ToJson());
        }
        finally { Directory.Delete(work, true); }
    }

    [TestMethod]
    public void PerImageCostIsTheMedianChunksSoAPausedChunkDoesNotMoveIt()
    {
        var work = TempDir();
        try
        {
            var model = TinyModel();
            var options = Small with { FidelitySamples = 0, Img2ImgSamples = 0, InversionSamples = 0, DdpmFrechetSamples = 0 };
            var report = new DiffusionQualityReport(new DiffusionPipeline(model), new BrightnessJudge(), work, options);
            var first = report.Run(Data());
            // Restamp the DPM-Solver++ 10-step set's three chunks: 2 s, 3 s, and 3,000 s for one made while the process was stopped.
            string key = first.FrechetDistances[0].Run.Key;
            double[] stamped = [2, 3000, 3];
            for (int j = 0; j < 3; j++)
            {
                Assert.IsTrue(report.Store.TryLoad(key, j, out var images, out _));
                report.Store.Save(key, j, images, stamped[j]);
            }
            var again = new DiffusionQualityReport(new DiffusionPipeline(model), new BrightnessJudge(), work, options).Run(Data());
            var run = again.FrechetDistances[0].Run;
            Assert.AreEqual(3005, run.GenerationSeconds, 1e-9, "the total is every chunk's time");
            Assert.AreEqual(3.0 / options.ChunkSize, run.SecondsPerImage!.Value, 1e-12, "per image: the median chunk");
        }
        finally { Directory.Delete(work, true); }
    }

    [TestMethod]
    public void InterruptedRunResumedGivesTheSameFiguresAndChunksAsAnUninterruptedRun()
    {
        string a = TempDir(), b = TempDir();
        try
        {
            var model = TinyModel();
            var options = Small with { DdpmFrechetSamples = 0 };
            var whole = new DiffusionQualityReport(new DiffusionPipeline(model), new BrightnessJudge(), a, options).Run(Data());

            using var cts = new CancellationTokenSource();
            int chunks = 0;
            var interrupted = new DiffusionQualityReport(new DiffusionPipeline(model), new BrightnessJudge(), b, options)
            {
                ChunkCompleted = _ => { if (++chunks == 3) cts.Cancel(); },
            }.Run(Data(), cts.Token);
            Assert.IsFalse(interrupted.Complete);
            Assert.AreEqual(3, chunks);
            // Fidelity (2 chunks) finished; img2img got 1 of its 2 chunks, so it has no figure, only the count on disk.
            Assert.IsNotNull(interrupted.ClassFidelity!.Accuracy);
            Assert.IsNull(interrupted.Img2Img!.KeepsLabel);
            Assert.AreEqual(2, interrupted.Img2Img.Run.AvailableSamples);
            Assert.IsFalse(interrupted.Img2Img.Run.Complete);
            Assert.IsTrue(interrupted.Img2Img.Run.GenerationSeconds > 0, "an unfinished set still reports the seconds of its stored chunks");
            Assert.IsNotNull(interrupted.Img2Img.Run.SecondsPerImage);
            Assert.IsTrue(interrupted.FrechetDistances.All(f => f.Value is null && !f.Run.Complete));

            var resumed = new DiffusionQualityReport(new DiffusionPipeline(model), new BrightnessJudge(), b, options).Run(Data());
            Assert.IsTrue(resumed.Complete);
            Assert.AreEqual(1, resumed.Img2Img!.Run.ChunksReused);
            Assert.AreEqual(whole.ClassFidelity!.Accuracy, resumed.ClassFidelity!.Accuracy);
            CollectionAssert.AreEqual(whole.FrechetDistances.Select(f => f.Value).ToArray(), resumed.FrechetDistances.Select(f => f.Value).ToArray());
            Assert.AreEqual(whole.Img2Img!.MeanSsimToSource, resumed.Img2Img.MeanSsimToSource);
            Assert.AreEqual(whole.Img2Img.KeepsLabel, resumed.Img2Img.KeepsLabel);
            Assert.AreEqual(whole.Inversion!.PsnrVsOriginalDb, resumed.Inversion!.PsnrVsOriginalDb);
            var filesA = Directory.GetFiles(a, "*.safetensors", SearchOption.AllDirectories).Select(f => Path.GetRelativePath(a, f)).Order().ToArray();
            var filesB = Directory.GetFiles(b, "*.safetensors", SearchOption.AllDirectories).Select(f => Path.GetRelativePath(b, f)).Order().ToArray();
            CollectionAssert.AreEqual(filesA, filesB);
            foreach (var f in filesA)
                CollectionAssert.AreEqual(Images(Path.Combine(a, f)), Images(Path.Combine(b, f)), f);
        }
        finally { Directory.Delete(a, true); Directory.Delete(b, true); }
    }

    [TestMethod]
    public void GenerationWithoutAJudgeFillsExactlyTheChunksTheReportUses()
    {
        string a = TempDir(), b = TempDir();
        try
        {
            var model = TinyModel();
            var options = Small with { DdpmFrechetSamples = 0 };
            var runs = DiffusionQualityReport.GenerateOnly(new DiffusionPipeline(model), a, options, Data() with { TestImages = Tensor.Zeros(0, 1, 16, 16), TestLabels = [] });
            Assert.AreEqual(8, runs.Count, "fidelity, img2img, three inversion sets (fitted, its decoding, encoder latents), three FD sets");
            Assert.IsTrue(runs.All(r => r.Complete));
            var m = new DiffusionQualityReport(new DiffusionPipeline(model), new BrightnessJudge(), a, options).Run(Data());
            Assert.IsTrue(m.FrechetDistances.All(f => f.Run.ChunksGenerated == 0));
            Assert.AreEqual(0, m.ClassFidelity!.Run.ChunksGenerated + m.Img2Img!.Run.ChunksGenerated + m.Inversion!.Run.ChunksGenerated);
            var fresh = new DiffusionQualityReport(new DiffusionPipeline(model), new BrightnessJudge(), b, options).Run(Data());
            CollectionAssert.AreEqual(fresh.FrechetDistances.Select(f => f.Value).ToArray(), m.FrechetDistances.Select(f => f.Value).ToArray());
        }
        finally { Directory.Delete(a, true); Directory.Delete(b, true); }
    }

    [TestMethod]
    public void ImagesDependOnTheirIndexNotOnHowManyWereAskedFor()
    {
        string a = TempDir(), b = TempDir();
        try
        {
            var model = TinyModel();
            var only = Small with { FidelitySamples = 0, Img2ImgSamples = 0, InversionSamples = 0, DdpmFrechetSamples = 0 };
            var few = new DiffusionQualityReport(new DiffusionPipeline(model), new BrightnessJudge(), a, only with { FrechetSamples = 4 }).Run(Data());
            var more = new DiffusionQualityReport(new DiffusionPipeline(model), new BrightnessJudge(), a, only with { FrechetSamples = 6 }).Run(Data());
            Assert.AreEqual(2, more.FrechetDistances[0].Run.ChunksReused);
            Assert.AreEqual(1, more.FrechetDistances[0].Run.ChunksGenerated);
            // The same 6 images made in one go with another chunk size: image i is image i.
            var other = new DiffusionQualityReport(new DiffusionPipeline(model), new BrightnessJudge(), b, only with { FrechetSamples = 6, ChunkSize = 3 }).Run(Data());
            Assert.AreEqual(more.FrechetDistances[0].Value!.Value, other.FrechetDistances[0].Value!.Value, 1e-6);
            Assert.AreNotEqual(few.FrechetDistances[0].Value, more.FrechetDistances[0].Value);
        }
        finally { Directory.Delete(a, true); Directory.Delete(b, true); }
    }

    [TestMethod]
    public void AJudgeWithOtherClassesOrTooFewTrainingImagesIsRejected()
    {
        var work = TempDir();
        try
        {
            var pipeline = new DiffusionPipeline(TinyModel());
            var e = Assert.ThrowsExactly<ArgumentException>(() => new DiffusionQualityReport(pipeline, new BrightnessJudge("light", "dark"), work, Small));
            StringAssert.Contains(e.Message, "[light, dark] are not the model's [dark, light]");
            var report = new DiffusionQualityReport(pipeline, new BrightnessJudge(), work, Small with { FrechetSamples = 40 });
            e = Assert.ThrowsExactly<ArgumentException>(() => report.Run(Data(train: 12)));
            StringAssert.Contains(e.Message, "need 40 training images");
            Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new DiffusionQualityReport(pipeline, new BrightnessJudge(), work, Small with { FrechetSamples = 1 }));
        }
        finally { Directory.Delete(work, true); }
    }

    [TestMethod]
    public void AChunkFileUnderTheWrongNameIsAnErrorNotASilentReuse()
    {
        var work = TempDir();
        try
        {
            var store = new SampleChunkStore(work, "model-a", 2);
            store.Save("set", 0, Tensor.Zeros(2, 1, 4, 4), 1.5);
            Assert.IsTrue(store.TryLoad("set", 0, out var images, out var seconds));
            Assert.AreEqual(1.5, seconds);
            Assert.AreEqual(32, images.Length);
            Assert.IsFalse(store.TryLoad("set", 1, out _, out _));
            File.Copy(store.ChunkPath("set", 0), store.ChunkPath("set", 1));
            var e = Assert.ThrowsExactly<InvalidDataException>(() => store.TryLoad("set", 1, out _, out _));
            StringAssert.Contains(e.Message, "chunk-00001.safetensors");
            StringAssert.Contains(e.Message, "delete the file");
            Assert.AreEqual(0, Directory.GetFiles(store.SetFolder("set"), "*.tmp*").Length);
        }
        finally { Directory.Delete(work, true); }
    }

    private static float[] Images(string path)
    {
        using var r = SafeTensorsReader.Open(path);
        return r.ReadFloat32("images");
    }
}
