using MLAugment.Data;
using MLAugment.Diffusion.Models;
using MLAugment.Diffusion.Schedulers;
using MLAugment.Diffusion.Training;
using MLAugment.Engine;
using MLAugment.Engine.IO;
using AG = MLAugment.Engine.Autograd.Autograd;

namespace MLAugment.Tasks.Recipes;

/// <summary>
/// How the embedded Fashion-MNIST latent diffusion model is trained, end to end and resumable:
/// 1) a KL autoencoder 32×32×1 → 8×8×4 on the training split, 2) latents of the training split (posterior means)
/// and the scaling factor 1/std, 3) a class-conditional UNet on those latents (ε-prediction, CFG dropout 0.1, EMA),
/// 4) the EMA weights written as a model folder. Only the 60,000-image training split is ever read.
/// Checkpoints go to <c>{work}/vae.ckpt.safetensors</c> and <c>{work}/unet.ckpt.safetensors</c>; rerunning resumes.
/// </summary>
public sealed class FashionDiffusionRecipe
{
    public const int ImageSize = 32;

    public static AutoencoderConfig VaeConfig => new()
    {
        InChannels = 1, OutChannels = 1, LatentChannels = 4, BlockOutChannels = new[] { 32, 64, 64 },
        LayersPerBlock = 1, NormNumGroups = 16, SampleSize = ImageSize,
    };

    public static UNetConfig UNetConfig => new()
    {
        SampleSize = 8, InChannels = 4, OutChannels = 4, BlockOutChannels = new[] { 64, 128 }, LayersPerBlock = 2,
        AttentionLevels = new[] { false, true }, AttentionHeadDim = 32, NormNumGroups = 16, NumClassEmbeds = 10,
    };

    public static SchedulerConfig SchedulerConfig => new()
    {
        ClassName = "DDPMScheduler", NumTrainTimesteps = 1000, BetaSchedule = "scaled_linear", BetaStart = 0.00085, BetaEnd = 0.012,
        PredictionType = "epsilon", TimestepSpacing = "leading", StepsOffset = 1, ClipSample = false,
    };

    public static readonly IReadOnlyDictionary<string, string[]> Aliases = new Dictionary<string, string[]>
    {
        ["T-shirt/top"] = new[] { "tshirt", "tee", "tee shirt" },
        ["Trouser"] = new[] { "pants", "jeans" },
        ["Pullover"] = new[] { "sweater", "jumper" },
        ["Sneaker"] = new[] { "trainer", "running shoe" },
        ["Sandal"] = new[] { "flip-flop" },
        ["Bag"] = new[] { "handbag", "purse" },
        ["Ankle boot"] = new[] { "boot" },
    };

    public string WorkDir { get; }
    public AutoencoderTrainingOptions VaeOptions { get; init; } = new() { MaxSteps = 3000, BatchSize = 64, LearningRate = 1e-3, WarmupSteps = 100, CheckpointEvery = 250 };
    public DiffusionTrainingOptions UNetOptions { get; init; } = new() { MaxSteps = 30_000, BatchSize = 128, LearningRate = 5e-4, WarmupSteps = 500, CheckpointEvery = 250, EmaDecay = 0.999 };
    public Action<string>? Log { get; init; }

    public FashionDiffusionRecipe(string workDir)
    {
        WorkDir = workDir;
        Directory.CreateDirectory(workDir);
    }

    /// <summary>Runs (or resumes) every stage and writes the model folder; returns it loaded.</summary>
    public LatentDiffusionModel Run(string modelFolder, FashionMnist? train = null, CancellationToken ct = default)
    {
        train ??= FashionMnist.Load("train");
        var images = Tensor.Wrap(train.ToPaddedFloats(ImageSize), train.Count, 1, ImageSize, ImageSize);
        var vae = TrainAutoencoder(images, ct);
        if (ct.IsCancellationRequested) throw new OperationCanceledException("Training cancelled after the autoencoder checkpoint.");
        var (latents, scale) = EncodeLatents(vae, images);
        var unet = TrainUNet(latents, train.Labels, ct, out var ema);
        if (ct.IsCancellationRequested) throw new OperationCanceledException("Training cancelled after a UNet checkpoint.");
        ema.CopyTo(); // ship the EMA weights
        var scaledVae = new Autoencoder(VaeConfig with { ScalingFactor = scale }, new Generator(0));
        scaledVae.LoadStateDict(vae.StateDict());
        var model = new LatentDiffusionModel(unet, scaledVae, FashionMnist.ClassNames, SchedulerConfig, Aliases);
        model.Save(modelFolder);
        return LatentDiffusionModel.Load(modelFolder);
    }

    public Autoencoder TrainAutoencoder(Tensor images, CancellationToken ct = default)
    {
        var vae = new Autoencoder(VaeConfig, new Generator(1));
        var trainer = new AutoencoderTrainer(vae, VaeOptions);
        var ckpt = Path.Combine(WorkDir, "vae.ckpt.safetensors");
        if (File.Exists(ckpt)) { trainer.LoadStateDict(StateDictFile.Load(ckpt)); Log?.Invoke($"vae: resumed at step {trainer.Step}"); }
        if (trainer.Step < VaeOptions.MaxSteps)
            trainer.Train(images, t => StateDictFile.Save(ckpt, t.StateDict()), new LogProgress("vae", Log), ct);
        vae.Eval();
        return vae;
    }

    /// <summary>Posterior means of every image and the scaling factor 1/std that gives them unit variance (as LDM).</summary>
    public (Tensor Latents, float Scale) EncodeLatents(Autoencoder vae, Tensor images)
    {
        int n = images.Shape[0], bs = 500;
        var cfg = VaeConfig;
        var latents = Tensor.Unscoped(n, cfg.LatentChannels, cfg.LatentSize, cfg.LatentSize);
        int per = latents.Length / n;
        using (AG.NoGrad())
            for (int s = 0; s < n; s += bs)
            {
                using var scope = TensorScope.Begin();
                int c = Math.Min(bs, n - s);
                var mean = vae.Encode(images.Narrow0(s, c)).Mean;
                mean.Span.CopyTo(latents.Span.Slice(s * per, c * per));
            }
        double sum = 0, sq = 0;
        foreach (var v in latents.Span) { sum += v; sq += (double)v * v; }
        double mu = sum / latents.Length, std = Math.Sqrt(sq / latents.Length - mu * mu);
        float scale = (float)(1 / std);
        System.Numerics.Tensors.TensorPrimitives.Multiply(latents.Span, scale, latents.Span);
        Log?.Invoke($"latents: std {std:F4} -> scaling_factor {scale:F5}");
        return (latents, scale);
    }

    public ConditionalUNet TrainUNet(Tensor latents, int[] labels, CancellationToken ct, out Engine.Optim.ExponentialMovingAverage ema)
    {
        var unet = new ConditionalUNet(UNetConfig, new Generator(2));
        var trainer = new DiffusionTrainer(unet, SchedulerConfig, UNetOptions);
        var ckpt = Path.Combine(WorkDir, "unet.ckpt.safetensors");
        if (File.Exists(ckpt)) { trainer.LoadStateDict(StateDictFile.Load(ckpt)); Log?.Invoke($"unet: resumed at step {trainer.Step}"); }
        if (trainer.Step < UNetOptions.MaxSteps)
            trainer.Train(latents, labels, t => StateDictFile.Save(ckpt, t.StateDict()), new LogProgress("unet", Log), ct);
        unet.Eval();
        ema = trainer.Ema;
        return unet;
    }

    private sealed class LogProgress(string stage, Action<string>? log) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress p) =>
            log?.Invoke($"{stage}: step {p.Step}/{p.MaxSteps} loss {p.Loss:F5} lr {p.LearningRate:E2} {p.ImagesPerSecond:F0} img/s eta {p.Eta:hh\\:mm\\:ss}");
    }
}
