using MLAugment.Data;
using MLAugment.Diffusion.Models;
using MLAugment.Engine;
using MLAugment.Onnx.ClassConditional;
using MLAugment.Onnx.Export;
using MLAugment.Tasks.Recipes;
using AG = MLAugment.Engine.Autograd.Autograd;

namespace MLAugment.Tasks.Tests.Recipes;

/// <summary>
/// The embedded Fashion-MNIST model's architecture (the recipe's own configs, random weights: the trained weights are
/// not part of the repository's tests) exported to ONNX runs on ONNX Runtime with the engine's results.
/// </summary>
[TestClass]
public sealed class FashionModelOnnxExportTests
{
    private static double MaxRelativeError(ReadOnlySpan<float> actual, ReadOnlySpan<float> reference)
    {
        Assert.AreEqual(reference.Length, actual.Length);
        double maxDiff = 0, maxRef = 0;
        for (int i = 0; i < reference.Length; i++)
        {
            maxDiff = Math.Max(maxDiff, Math.Abs(actual[i] - reference[i]));
            maxRef = Math.Max(maxRef, Math.Abs(reference[i]));
        }
        Assert.IsGreaterThan(0.0, maxRef);
        return maxDiff / maxRef;
    }

    [TestMethod]
    public void FashionModel_ExportedAsAnOnnxFolder_AgreesWithTheEngineWithin1e4()
    {
        var g = new Generator(7);
        var unet = new ConditionalUNet(FashionDiffusionRecipe.UNetConfig, g);
        var vae = new Autoencoder(FashionDiffusionRecipe.VaeConfig with { ScalingFactor = 0.9f }, g);
        var model = new LatentDiffusionModel(unet, vae, FashionMnist.ClassNames, FashionDiffusionRecipe.SchedulerConfig, FashionDiffusionRecipe.Aliases);
        string folder = Path.Combine(Path.GetTempPath(), "mlaugment-fashion-onnx-" + Guid.NewGuid().ToString("N"));
        try
        {
            DiffusionOnnxExport.ExportDiffusersFolder(model, folder);
            using var onnx = new OnnxClassConditionalBackend(folder);
            var latents = Tensor.Randn(new Generator(8), 2, 4, 8, 8);
            var conditions = new[] { model.EncodeCondition("a pair of jeans"), model.NullCondition() };
            var images = Tensor.Rand(new Generator(9), 2, 1, 32, 32) * 2f - 1f;

            Tensor enginePrediction, engineLatents, engineImages;
            using (AG.NoGrad())
            {
                enginePrediction = model.Predict(latents, 500f, conditions);
                engineLatents = model.EncodeImages(images);
                engineImages = model.DecodeLatents(latents);
            }

            Assert.IsLessThanOrEqualTo(1e-4, MaxRelativeError(onnx.Predict(latents, 500f, conditions).Span, enginePrediction.Span), "UNet");
            Assert.IsLessThanOrEqualTo(1e-4, MaxRelativeError(onnx.EncodeImages(images).Span, engineLatents.Span), "VAE encoder");
            Assert.IsLessThanOrEqualTo(1e-4, MaxRelativeError(onnx.DecodeLatents(latents).Span, engineImages.Span), "VAE decoder");
            CollectionAssert.AreEqual(model.KnownConditions.ToArray(), onnx.KnownConditions.ToArray());
        }
        finally
        {
            if (Directory.Exists(folder)) Directory.Delete(folder, recursive: true);
        }
    }
}
