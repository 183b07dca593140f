using MLAugment.Data;
using MLAugment.Data.Transforms.Augmentation;
using MLAugment.Diffusion.Models;
using MLAugment.Diffusion.Schedulers;
using MLAugment.Engine;
using MLAugment.Tasks;

namespace MLAugment.Tasks.Tests.Recipes;

/// <summary>The README's code sample, run end to end on a tiny random model and a generated image folder.</summary>
[TestClass]
public sealed class ReadmeSampleTests
{
    [TestMethod]
    public void ReadmePipelineBalancesTrainsAndEvaluates()
    {
        var root = Directory.CreateTempSubdirectory("readme-").FullName;
        try
        {
            string modelDir = Path.Combine(root, "model"), photos = Path.Combine(root, "photos");
            var classes = new[] { "Dark", "Light" };
            var g = new Generator(0);
            var unet = new ConditionalUNet(new UNetConfig { SampleSize = 4, InChannels = 2, OutChannels = 2, BlockOutChannels = new[] { 16, 16 },
                AttentionLevels = new[] { false, false }, NormNumGroups = 8, LayersPerBlock = 1, NumClassEmbeds = 2 }, g);
            var vae = new Autoencoder(new AutoencoderConfig { LatentChannels = 2, BlockOutChannels = new[] { 8, 8, 8 }, NormNumGroups = 4, SampleSize = 16 }, g);
            new LatentDiffusionModel(unet, vae, classes, new SchedulerConfig { ClassName = "DDPMScheduler", NumTrainTimesteps = 1000 }).Save(modelDir);

            // Long-tailed folder: 6 dark images, 2 light ones.
            var rng = new Random(3);
            foreach (var (label, count, level) in new[] { ("Dark", 6, 40), ("Light", 2, 210) })
            {
                Directory.CreateDirectory(Path.Combine(photos, label));
                for (int i = 0; i < count; i++)
                {
                    var px = new byte[16 * 16 * 4];
                    for (int p = 0; p < 16 * 16; p++) { byte v = (byte)Math.Clamp(level + rng.Next(-20, 20), 0, 255); px[4 * p] = px[4 * p + 1] = px[4 * p + 2] = v; px[4 * p + 3] = 255; }
                    using var img = MLImage.CreateFromPixels(16, 16, MLPixelFormat.Bgra32, px);
                    img.Save(Path.Combine(photos, label, $"{i}.png"));
                }
            }

            var ml = new MLContext(seed: 1);
            var data = ml.Data.LoadFromImageFolder(photos);
            var pipeline = ml.Transforms.Conversion.MapValueToKey("Label")
                .Append(ml.Transforms.LoadImages("Image", imageFolder: null, inputColumnName: "ImagePath"))
                .Append(ml.Transforms.ResizeImages("Image", 16, 16))
                .Append(ml.Transforms.ClassBalancing(new ClassBalancingOptions { ModelPath = modelDir, NumInferenceSteps = 3 }), TransformerScope.Training)
                .Append(ml.Transforms.ExtractPixels("Features", "Image"))
                .Append(ml.MulticlassClassification.Trainers.ImageClassification(new MLAugment.Tasks.Trainers.ImageClassificationTrainer.Options { Epoch = 3, BatchSize = 4, ValidationSetFraction = null }));
            var model = pipeline.Fit(data);
            var metrics = ml.MulticlassClassification.Evaluate(model.Transform(data));
            Assert.AreEqual(2, metrics.ConfusionMatrix.NumberOfClasses);
            Assert.AreEqual(8.0, metrics.ConfusionMatrix.Counts.Sum(r => r.Sum()), "scoring skips the training-only balancing");
        }
        finally { Directory.Delete(root, true); }
    }
}
