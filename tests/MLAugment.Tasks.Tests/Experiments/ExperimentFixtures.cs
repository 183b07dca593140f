using MLAugment.Data;
using MLAugment.Diffusion.Models;
using MLAugment.Diffusion.Schedulers;
using MLAugment.Engine;
using MLAugment.Tasks.Experiments;

namespace MLAugment.Tasks.Tests.Experiments;

/// <summary>
/// A tiny random latent diffusion model (16×16 gray, 2×4×4 latents, 3 classes) and a toy split shaped like
/// Fashion-MNIST (12×12 bytes: a bright horizontal bar, vertical bar or square), so a whole experiment runs in seconds.
/// </summary>
internal static class ExperimentFixtures
{
    public static readonly string[] Classes = ["T-shirt/top", "Trouser", "Sneaker"];

    private static readonly Lazy<LatentDiffusionModel> Shared = new(() =>
    {
        var g = new Generator(0);
        var unet = new ConditionalUNet(new UNetConfig
        {
            SampleSize = 4, InChannels = 2, OutChannels = 2, BlockOutChannels = [8, 8], AttentionLevels = [false, false],
            NormNumGroups = 4, LayersPerBlock = 1, NumClassEmbeds = Classes.Length,
        }, g);
        var vae = new Autoencoder(new AutoencoderConfig
        {
            InChannels = 1, OutChannels = 1, LatentChannels = 2, BlockOutChannels = [8, 8, 8], NormNumGroups = 4, SampleSize = 16, LayersPerBlock = 1,
        }, g);
        var sched = new SchedulerConfig { ClassName = "DDPMScheduler", NumTrainTimesteps = 1000, BetaSchedule = "linear", BetaStart = 0.0001, BetaEnd = 0.02 };
        return new LatentDiffusionModel(unet, vae, Classes, sched, new Dictionary<string, string[]>(), "tiny-experiment");
    });

    public static LatentDiffusionModel Model => Shared.Value;

    /// <summary><paramref name="perClass"/> toy images of each class, classes interleaved (row i has class i mod 3).</summary>
    public static FashionMnist Split(int perClass, int seed)
    {
        const int S = 12;
        var rng = new Random(seed);
        int n = perClass * Classes.Length;
        var px = new byte[n * S * S];
        var labels = new int[n];
        for (int i = 0; i < n; i++)
        {
            int c = i % Classes.Length, a = rng.Next(2, S - 3);
            labels[i] = c;
            var img = px.AsSpan(i * S * S, S * S);
            for (int p = 0; p < img.Length; p++) img[p] = (byte)rng.Next(0, 40);
            for (int t = 1; t < S - 1; t++)
            {
                if (c == 0) img[a * S + t] = 230;
                if (c == 1) img[t * S + a] = 230;
            }
            if (c == 2)
                for (int y = a - 1; y <= a + 1; y++)
                    for (int x = a - 1; x <= a + 1; x++)
                        img[y * S + x] = 230;
        }
        return new FashionMnist(px, labels, n, S, S);
    }

    /// <summary>Settings small enough for a unit test: 3 denoising steps, a 4-channel classifier, a few epochs.</summary>
    public static ExperimentSettings Tiny(params AugmentationArm[] arms) => new()
    {
        Profile = new LongTailProfile(ImbalanceRatio: 4, MaxPerClass: 8),
        Seeds = [1, 2],
        Arms = arms.Length == 0 ? AugmentationArms.All : arms,
        NumInferenceSteps = 3,
        GenerationBatchSize = 8,
        ClassifierWidth = 4,
        ClassifierBatchSize = 8,
        TrainingExamples = 48,
        MinEpochs = 1,
        MaxEpochs = 3,
        TestLimit = 30,
    };

    public static string NewFolder(string what)
    {
        var folder = Path.Combine(Path.GetTempPath(), $"mlaugment-exp-{what}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(folder);
        return folder;
    }
}
