using MLAugment.Diffusion.Models;
using MLAugment.Diffusion.Schedulers;
using MLAugment.Engine;

namespace MLAugment.Diffusion.Tests.Sampling;

/// <summary>Small randomly initialised latent diffusion models for fast behavioural tests.</summary>
internal static class TinyModels
{
    public static readonly string[] Classes = { "T-shirt/top", "Trouser", "Sneaker" };

    public static LatentDiffusionModel Create(int seed = 0)
    {
        var g = new Generator(seed);
        var unet = new ConditionalUNet(new UNetConfig
        {
            SampleSize = 4, InChannels = 2, OutChannels = 2, BlockOutChannels = new[] { 16, 32 },
            AttentionLevels = new[] { false, true }, AttentionHeadDim = 16, NormNumGroups = 8, LayersPerBlock = 1,
            NumClassEmbeds = Classes.Length,
        }, g);
        var vae = new Autoencoder(new AutoencoderConfig
        {
            InChannels = 1, OutChannels = 1, LatentChannels = 2, BlockOutChannels = new[] { 8, 16, 16 },
            NormNumGroups = 4, SampleSize = 16, LayersPerBlock = 1,
        }, g);
        var sched = new SchedulerConfig { ClassName = "DDPMScheduler", NumTrainTimesteps = 1000, BetaSchedule = "linear", BetaStart = 0.0001, BetaEnd = 0.02 };
        return new LatentDiffusionModel(unet, vae, Classes, sched, new Dictionary<string, string[]> { ["Sneaker"] = new[] { "trainer" } }, "tiny-test");
    }

    public static Tensor Images(int n, int seed = 1)
    {
        var t = Tensor.Rand(new Generator(seed), n, 1, 16, 16);
        return t * 2f - 1f;
    }
}
