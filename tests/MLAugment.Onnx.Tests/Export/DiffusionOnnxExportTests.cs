using MLAugment.Diffusion.Models;
using MLAugment.Engine;
using MLAugment.Onnx.Export;
using static MLAugment.Onnx.Tests.Export.ExportModels;

namespace MLAugment.Onnx.Tests.Export;

/// <summary>
/// The engine's UNet and autoencoder exported to ONNX compute what the engine computes, on ONNX Runtime (the
/// embedded model's real configuration is checked in MLAugment.Tasks.Tests, FashionModelOnnxExportTests).
/// </summary>
[TestClass]
public sealed class DiffusionOnnxExportTests
{
    private const double Tolerance = 1e-4;

    private static double UNetError(UNetConfig config, int batch, ulong seed)
    {
        var unet = Perturb(new ConditionalUNet(config, new Generator(seed)), seed + 1);
        int s = config.SampleSize;
        var sample = Tensor.Randn(new Generator(seed + 2), batch, config.InChannels, s, s);
        // Different timesteps and classes per row, the null class included.
        var timesteps = Enumerable.Range(0, batch).Select(i => i == 0 ? 999f : 17.5f + 301f * i).ToArray();
        var labels = Enumerable.Range(0, batch).Select(i => i == batch - 1 ? config.NullClass : i % config.NumClassEmbeds).ToArray();

        var expected = ExportModels.Engine(() => unet.Forward(sample, timesteps, labels));
        var actual = RunOrt(DiffusionOnnxExport.ExportUNet(unet), DiffusionOnnxExport.UNetOutput,
            (DiffusionOnnxExport.SampleInput, sample.Span.ToArray(), [batch, config.InChannels, s, s]),
            (DiffusionOnnxExport.TimestepInput, timesteps, [batch]),
            (DiffusionOnnxExport.ClassLabelsInput, labels.Select(l => (long)l).ToArray(), [batch]));
        return MaxRelativeError(actual, expected);
    }

    [TestMethod]
    public void TinyUNet_OnOrt_MatchesTheEngine()
    {
        double error = UNetError(TinyUNetConfig, batch: 3, seed: 10);
        Assert.IsLessThanOrEqualTo(Tolerance, error, $"max relative error {error:E3}");
    }

    [TestMethod]
    public void UNetWithOddEmbeddingWidthAndUnflippedSinusoid_OnOrt_MatchesTheEngine()
    {
        var config = TinyUNetConfig with { BlockOutChannels = [12, 24], NormNumGroups = 4, FlipSinToCos = false, FreqShift = 1, AttentionLevels = [true, false], AttentionHeadDim = 4 };
        double error = UNetError(config, batch: 2, seed: 30);
        Assert.IsLessThanOrEqualTo(Tolerance, error, $"max relative error {error:E3}");
    }

    [TestMethod]
    public void AutoencoderEncoder_OnOrt_GivesMeanAndClampedLogVariance()
    {
        var vae = Perturb(new Autoencoder(TinyVaeConfig, new Generator(40)), 41);
        var images = Tensor.Rand(new Generator(42), 2, 1, 16, 16) * 2f - 1f;
        var expected = ExportModels.Engine(() =>
        {
            var (mean, logvar) = vae.Encode(images);
            return F.Concat([mean, logvar], 1);
        });

        var actual = RunOrt(DiffusionOnnxExport.ExportVaeEncoder(vae), DiffusionOnnxExport.VaeEncoderOutput,
            (DiffusionOnnxExport.SampleInput, images.Span.ToArray(), [2, 1, 16, 16]));

        double error = MaxRelativeError(actual, expected);
        Assert.IsLessThanOrEqualTo(Tolerance, error, $"max relative error {error:E3}");
    }

    [TestMethod]
    public void AutoencoderDecoder_OnOrt_MatchesTheEngine()
    {
        var vae = Perturb(new Autoencoder(TinyVaeConfig, new Generator(50)), 51);
        var latents = Tensor.Randn(new Generator(52), 2, 2, 4, 4);
        var expected = ExportModels.Engine(() => vae.Decode(latents));

        var actual = RunOrt(DiffusionOnnxExport.ExportVaeDecoder(vae), DiffusionOnnxExport.VaeDecoderOutput,
            (DiffusionOnnxExport.VaeDecoderInput, latents.Span.ToArray(), [2, 2, 4, 4]));

        double error = MaxRelativeError(actual, expected);
        Assert.IsLessThanOrEqualTo(Tolerance, error, $"max relative error {error:E3}");
    }

    [TestMethod]
    public void ExportedUNet_NamesItsWeightsByStateDictKey()
    {
        var unet = new ConditionalUNet(TinyUNetConfig, new Generator(60));
        var names = DiffusionOnnxExport.ExportUNet(unet).Graph.Initializers.Select(t => t.Name).ToHashSet();

        foreach (var key in new[] { "conv_in.weight", "class_embedding.weight", "down_blocks.1.1.to_q.bias", "mid_block.0.conv1.weight", "conv_out.bias" })
            Assert.Contains(key, names);
    }
}
