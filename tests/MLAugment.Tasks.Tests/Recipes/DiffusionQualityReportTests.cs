using MLAugment.Diffusion.Models;
using MLAugment.Diffusion.Sampling;
using MLAugment.Diffusion.Schedulers;
using MLAugment.Engine;
using MLAugment.Tasks.Recipes;

namespace MLAugment.Tasks.Tests.Recipes;

[TestClass]
public sealed class DiffusionQualityReportTests
{
    /// <summary>A judge whose "features" are 4 pooled pixel statistics and whose class is decided by mean brightness.</summary>
    private sealed class BrightnessJudge : IImageJudge
    {
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

    [TestMethod]
    public void ReportMeasuresEveryQuantityAndStatesSampleCounts()
    {
        var g = new Generator(0);
        var unet = new ConditionalUNet(new UNetConfig { SampleSize = 4, InChannels = 2, OutChannels = 2, BlockOutChannels = new[] { 16, 16 },
            AttentionLevels = new[] { false, false }, NormNumGroups = 8, LayersPerBlock = 1, NumClassEmbeds = 2 }, g);
        var vae = new Autoencoder(new AutoencoderConfig { LatentChannels = 2, BlockOutChannels = new[] { 8, 8, 8 }, NormNumGroups = 4, SampleSize = 16 }, g);
        var model = new LatentDiffusionModel(unet, vae, new[] { "dark", "light" }, new SchedulerConfig { NumTrainTimesteps = 1000 });
        var report = new DiffusionQualityReport(new DiffusionPipeline(model), new BrightnessJudge(), new DiffusionQualityOptions
        {
            FidelitySamples = 4, FrechetSamples = 6, DdpmFrechetSamples = 2, Img2ImgSamples = 3, InversionSamples = 2, BatchSize = 4,
        });
        var train = Tensor.Rand(new Generator(1), 8, 1, 16, 16) * 2f - 1f;
        var test = Tensor.Rand(new Generator(2), 8, 1, 16, 16) * 2f - 1f;
        var r = report.Run(train, new[] { 0, 1, 0, 1, 0, 1, 0, 1 }, test);
        foreach (var key in new[] { "frechet_floor_train_vs_test", "class_fidelity", "frechet_distance_vs_test", "img2img_strength_0.5", "ddim_inversion_50_steps" })
            Assert.IsTrue(r.ContainsKey(key), key);
        Assert.AreEqual(4, ((System.Collections.IList)r["frechet_distance_vs_test"]).Count);
        var path = Path.GetTempFileName();
        DiffusionQualityReport.Write(path, r);
        StringAssert.Contains(File.ReadAllText(path), "\"samples\": 6");
        File.Delete(path);
    }
}
