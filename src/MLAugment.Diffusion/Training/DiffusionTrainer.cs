using System.Diagnostics;
using MLAugment.Diffusion.Models;
using MLAugment.Diffusion.Schedulers;
using MLAugment.Engine;
using MLAugment.Engine.Optim;
using AG = MLAugment.Engine.Autograd.Autograd;

namespace MLAugment.Diffusion.Training;

/// <summary>
/// Trains a <see cref="ConditionalUNet"/> on (latent, class) pairs with the DDPM objective (Ho et al. 2020):
/// t ~ U{0..T−1}, x_t = √ᾱ_t·x₀ + √(1−ᾱ_t)·ε, loss = ‖target − model(x_t, t, y)‖² with target ε or v (per the scheduler
/// config's prediction_type), y replaced by the null class with probability p (classifier-free guidance).
/// AdamW, linear warmup + cosine decay, gradient clipping, EMA of the weights.
/// Every random draw of step s comes from a generator forked from (seed, s), so a run resumed from a checkpoint
/// at step s continues bit-identically to an uninterrupted one.
/// </summary>
public sealed class DiffusionTrainer
{
    private readonly ConditionalUNet _unet;
    private readonly IScheduler _noiseScheduler;
    private readonly DiffusionTrainingOptions _o;
    private readonly AdamW _optimizer;
    private readonly CosineWithWarmupScheduler _lr;
    private readonly string _predictionType;

    public ExponentialMovingAverage Ema { get; }
    public int Step { get; private set; }

    public DiffusionTrainer(ConditionalUNet unet, SchedulerConfig schedulerConfig, DiffusionTrainingOptions options)
    {
        options.Validate();
        _unet = unet;
        _o = options;
        _noiseScheduler = new DdpmScheduler(schedulerConfig);
        _predictionType = schedulerConfig.PredictionType ?? "epsilon";
        var named = unet.NamedParameters().ToList();
        _optimizer = new AdamW(named, lr: options.LearningRate, weightDecay: options.WeightDecay);
        _lr = new CosineWithWarmupScheduler(_optimizer, options.WarmupSteps, options.MaxSteps);
        Ema = new ExponentialMovingAverage(named, decay: options.EmaDecay);
    }

    /// <summary>
    /// Runs until <see cref="DiffusionTrainingOptions.MaxSteps"/> or cancellation, calling <paramref name="checkpoint"/>
    /// every CheckpointEvery steps and at the end.
    /// </summary>
    /// <param name="latents">Training latents [N, C, h, w], already scaled.</param>
    /// <param name="labels">Class index per row.</param>
    public void Train(Tensor latents, int[] labels, Action<DiffusionTrainer>? checkpoint = null,
        IProgress<TrainingProgress>? progress = null, CancellationToken cancellation = default)
    {
        int n = latents.Shape[0];
        if (labels.Length != n) throw new ArgumentException($"DiffusionTrainer: {labels.Length} labels for {n} latents.");
        if (latents.Rank != 4 || latents.Shape[1] != _unet.Config.InChannels)
            throw new ArgumentException($"DiffusionTrainer: latents {ShapeUtil.Format(latents.Shape)} must be [N, {_unet.Config.InChannels}, h, w].");
        int per = latents.Length / n, bs = _o.BatchSize;
        var shape = latents.Shape.ToArray(); shape[0] = bs;
        var batch = Tensor.Unscoped(shape);
        var noise = Tensor.Unscoped(shape);
        var noisy = Tensor.Unscoped(shape);
        var target = Tensor.Unscoped(shape);
        var ts = new float[bs];
        var ys = new int[bs];
        _unet.Train();
        var clock = Stopwatch.StartNew();
        int startStep = Step;
        double lossAcc = 0; int lossCount = 0;
        var root = new Generator(_o.Seed);
        while (Step < _o.MaxSteps && !cancellation.IsCancellationRequested)
        {
            // Data order: a fresh permutation per epoch, so each image is seen once per epoch.
            long epochLength = n / bs;
            long epoch = Step / Math.Max(epochLength, 1);
            int offset = (int)(Step % Math.Max(epochLength, 1)) * bs;
            var perm = root.Fork(1, epoch).Permutation(n);
            var g = root.Fork(2, Step);
            for (int i = 0; i < bs; i++)
            {
                int idx = perm[(offset + i) % n];
                latents.Span.Slice(idx * per, per).CopyTo(batch.Span.Slice(i * per, per));
                ts[i] = g.NextInt(_noiseScheduler.NumTrainTimesteps);
                ys[i] = g.NextUniform() < _o.ConditionDropProbability ? _unet.Config.NullClass : labels[idx];
            }
            g.FillNormal(noise.Span);
            for (int i = 0; i < bs; i++)
            {
                var x0 = batch.Span.Slice(i * per, per);
                var e = noise.Span.Slice(i * per, per);
                _noiseScheduler.AddNoise(x0, e, ts[i], noisy.Span.Slice(i * per, per));
                if (_predictionType == "v_prediction") _noiseScheduler.GetVelocity(x0, e, ts[i], target.Span.Slice(i * per, per));
                else if (_predictionType == "sample") x0.CopyTo(target.Span.Slice(i * per, per));
                else e.CopyTo(target.Span.Slice(i * per, per));
            }
            float loss;
            using (TensorScope.Begin())
            {
                var pred = _unet.Forward(noisy, ts, ys);
                var l = F.MseLoss(pred, target);
                loss = l.Item();
                _optimizer.ZeroGrad();
                l.Backward();
            }
            if (!float.IsFinite(loss))
                throw new InvalidOperationException($"DiffusionTrainer: loss became {loss} at step {Step}; lower the learning rate or check the data.");
            GradClipping.ClipGradNorm(_unet.Parameters(), _o.MaxGradNorm);
            _optimizer.Step();
            _lr.Step();
            Ema.Step();
            Step++;
            lossAcc += loss; lossCount++;
            if (Step % _o.LogEvery == 0 || Step == _o.MaxSteps)
            {
                double secs = clock.Elapsed.TotalSeconds;
                double ips = (Step - startStep) * (double)bs / Math.Max(secs, 1e-9);
                var eta = TimeSpan.FromSeconds((_o.MaxSteps - Step) * bs / Math.Max(ips, 1e-9));
                progress?.Report(new TrainingProgress(Step, _o.MaxSteps, lossAcc / lossCount, _lr.LearningRates[0], ips, eta));
                lossAcc = 0; lossCount = 0;
            }
            if (Step % _o.CheckpointEvery == 0 || Step == _o.MaxSteps) checkpoint?.Invoke(this);
        }
    }

    /// <summary>Everything needed to resume: model weights, EMA shadow weights, optimizer moments, and the step.</summary>
    public Dictionary<string, Tensor> StateDict()
    {
        var d = new Dictionary<string, Tensor>();
        foreach (var (k, v) in _unet.StateDict()) d["model." + k] = v;
        foreach (var (k, v) in Ema.StateDict()) d["ema." + k] = v;
        foreach (var (k, v) in _optimizer.StateDict()) d["optim." + k] = v;
        d["trainer.step"] = Tensor.Scalar(Step);
        return d;
    }

    public void LoadStateDict(IReadOnlyDictionary<string, Tensor> state)
    {
        Dictionary<string, Tensor> Part(string prefix) => state.Where(kv => kv.Key.StartsWith(prefix, StringComparison.Ordinal))
            .ToDictionary(kv => kv.Key[prefix.Length..], kv => kv.Value);
        if (!state.TryGetValue("trainer.step", out var step))
            throw new InvalidDataException("DiffusionTrainer checkpoint: missing 'trainer.step'.");
        _unet.LoadStateDict(Part("model."), strict: true);
        Ema.LoadStateDict(Part("ema."));
        _optimizer.LoadStateDict(Part("optim."));
        Step = (int)step.Item();
        _lr.LastStep = Step;
    }
}
