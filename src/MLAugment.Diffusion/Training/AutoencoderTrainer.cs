using System.Diagnostics;
using MLAugment.Diffusion.Models;
using MLAugment.Engine;
using MLAugment.Engine.Optim;

namespace MLAugment.Diffusion.Training;

/// <summary>Hyperparameters of <see cref="AutoencoderTrainer"/>.</summary>
public sealed record AutoencoderTrainingOptions
{
    public int MaxSteps { get; init; } = 3000;
    public int BatchSize { get; init; } = 64;
    public double LearningRate { get; init; } = 1e-3;
    public int WarmupSteps { get; init; } = 100;
    /// <summary>Weight of KL(q(z|x) ‖ N(0, I)); small, as in LDM's KL-f autoencoders, to keep the latent smooth.</summary>
    public float KlWeight { get; init; } = 1e-6f;
    public ulong Seed { get; init; } = 0;
    public int LogEvery { get; init; } = 50;
    public int CheckpointEvery { get; init; } = 500;
}

/// <summary>
/// Trains the <see cref="Autoencoder"/>: L = ‖x − D(z)‖₁ + β·KL, z = μ + σ·ε (the reparameterised posterior sample).
/// Random draws of step s come from (seed, s), so resumes are exact.
/// </summary>
public sealed class AutoencoderTrainer
{
    private readonly Autoencoder _vae;
    private readonly AutoencoderTrainingOptions _o;
    private readonly AdamW _optimizer;
    private readonly CosineWithWarmupScheduler _lr;
    public int Step { get; private set; }

    public AutoencoderTrainer(Autoencoder vae, AutoencoderTrainingOptions options)
    {
        _vae = vae; _o = options;
        _optimizer = new AdamW(vae.NamedParameters().ToList(), lr: options.LearningRate, weightDecay: 0);
        _lr = new CosineWithWarmupScheduler(_optimizer, options.WarmupSteps, options.MaxSteps);
    }

    /// <param name="images">[N, C, H, W] in [−1, 1].</param>
    public void Train(Tensor images, Action<AutoencoderTrainer>? checkpoint = null, IProgress<TrainingProgress>? progress = null, CancellationToken cancellation = default)
    {
        int n = images.Shape[0], per = images.Length / n, bs = _o.BatchSize;
        var shape = images.Shape.ToArray(); shape[0] = bs;
        var batch = Tensor.Unscoped(shape);
        var root = new Generator(_o.Seed);
        _vae.Train();
        var clock = Stopwatch.StartNew();
        int start = Step; double lossAcc = 0; int count = 0;
        while (Step < _o.MaxSteps && !cancellation.IsCancellationRequested)
        {
            long epochLength = Math.Max(n / bs, 1);
            var perm = root.Fork(1, Step / epochLength).Permutation(n);
            int offset = (int)(Step % epochLength) * bs;
            for (int i = 0; i < bs; i++) images.Span.Slice(perm[(offset + i) % n] * per, per).CopyTo(batch.Span.Slice(i * per, per));
            var g = root.Fork(2, Step);
            float loss;
            using (TensorScope.Begin())
            {
                var (mean, logvar) = _vae.Encode(batch);
                var std = (logvar * 0.5f).Exp();
                var z = mean + std * Tensor.Randn(g, mean.Shape.ToArray());
                var recon = _vae.Decode(z);
                var rec = F.L1Loss(recon, batch);
                // KL(N(μ, σ²) ‖ N(0, 1)) = ½ Σ (μ² + σ² − 1 − log σ²), averaged per image.
                var kl = (mean.Square() + logvar.Exp() - 1f - logvar).Sum() * (0.5f / bs);
                var l = rec + kl * _o.KlWeight;
                loss = rec.Item();
                _optimizer.ZeroGrad();
                l.Backward();
            }
            GradClipping.ClipGradNorm(_vae.Parameters(), 1f);
            _optimizer.Step();
            _lr.Step();
            Step++;
            lossAcc += loss; count++;
            if (Step % _o.LogEvery == 0 || Step == _o.MaxSteps)
            {
                double ips = (Step - start) * (double)bs / Math.Max(clock.Elapsed.TotalSeconds, 1e-9);
                progress?.Report(new TrainingProgress(Step, _o.MaxSteps, lossAcc / count, _lr.LearningRates[0], ips,
                    TimeSpan.FromSeconds((_o.MaxSteps - Step) * bs / Math.Max(ips, 1e-9))));
                lossAcc = 0; count = 0;
            }
            if (Step % _o.CheckpointEvery == 0 || Step == _o.MaxSteps) checkpoint?.Invoke(this);
        }
        _vae.Eval();
    }

    public Dictionary<string, Tensor> StateDict()
    {
        var d = new Dictionary<string, Tensor>();
        foreach (var (k, v) in _vae.StateDict()) d["model." + k] = v;
        foreach (var (k, v) in _optimizer.StateDict()) d["optim." + k] = v;
        d["trainer.step"] = Tensor.Scalar(Step);
        return d;
    }

    public void LoadStateDict(IReadOnlyDictionary<string, Tensor> state)
    {
        Dictionary<string, Tensor> Part(string p) => state.Where(kv => kv.Key.StartsWith(p, StringComparison.Ordinal)).ToDictionary(kv => kv.Key[p.Length..], kv => kv.Value);
        if (!state.TryGetValue("trainer.step", out var step)) throw new InvalidDataException("Autoencoder checkpoint: missing 'trainer.step'.");
        _vae.LoadStateDict(Part("model."), strict: true);
        _optimizer.LoadStateDict(Part("optim."));
        Step = (int)step.Item();
        _lr.LastStep = Step;
    }
}
