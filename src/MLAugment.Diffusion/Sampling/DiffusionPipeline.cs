using MLAugment.Diffusion.Schedulers;
using MLAugment.Engine;
using AG = MLAugment.Engine.Autograd.Autograd;

namespace MLAugment.Diffusion.Sampling;

/// <summary>
/// Sampling on any <see cref="IDiffusionBackend"/>: text/label-to-image, image-to-image at a strength
/// (SDEdit / DA-Fusion), blended masked editing (Blended Latent Diffusion with exact pixel paste-back),
/// and DDIM inversion. Every image has its own seed, so an image never depends on its batch neighbours,
/// the batch size or the thread count.
/// </summary>
public sealed partial class DiffusionPipeline
{
    public IDiffusionBackend Backend { get; }
    private readonly float[] _alphasCumprod;
    private readonly string _predictionType;

    public DiffusionPipeline(IDiffusionBackend backend)
    {
        Backend = backend ?? throw new ArgumentNullException(nameof(backend));
        var c = backend.SchedulerConfig;
        _alphasCumprod = AlphasCumprod(c);
        _predictionType = new DdpmScheduler(c).Config.PredictionType ?? "epsilon";
    }

    /// <summary>Images [N, C, H, W] in [−1, 1] for each prompt/label, one seed per image.</summary>
    public Tensor Generate(IReadOnlyList<string> prompts, IReadOnlyList<long> seeds, GenerationOptions? options = null)
    {
        options ??= new GenerationOptions();
        options.Validate();
        CheckCounts(prompts.Count, seeds.Count, "seeds");
        var conds = prompts.Select(Backend.EncodeCondition).ToArray();
        return RunChunked(prompts.Count, options, (start, count) =>
        {
            var scheduler = CreateScheduler(options);
            scheduler.SetTimesteps(options.NumInferenceSteps);
            var latents = InitialNoise(seeds, start, count, stream: 0);
            latents.Span.MultiplyInPlace(scheduler.InitNoiseSigma);
            Denoise(scheduler, latents, scheduler.Timesteps.ToArray(), conds.AsSpan(start, count).ToArray(), seeds, start, options, blend: null);
            return DecodeClamped(latents);
        });
    }

    /// <summary>
    /// SDEdit / DA-Fusion variation: noise each image's latents to the level of <paramref name="strength"/>
    /// (0 = unchanged, 1 = pure noise) and denoise toward its prompt/label.
    /// </summary>
    public Tensor ImageToImage(Tensor images, IReadOnlyList<string> prompts, IReadOnlyList<long> seeds, float strength, GenerationOptions? options = null)
    {
        options ??= new GenerationOptions();
        options.Validate();
        CheckStrength(strength);
        CheckImages(images, "images");
        CheckCounts(images.Shape[0], prompts.Count, "prompts");
        CheckCounts(images.Shape[0], seeds.Count, "seeds");
        var conds = prompts.Select(Backend.EncodeCondition).ToArray();
        return RunChunked(images.Shape[0], options, (start, count) =>
        {
            var scheduler = CreateScheduler(options);
            scheduler.SetTimesteps(options.NumInferenceSteps);
            var timesteps = scheduler.GetImg2ImgTimesteps(strength);
            var src = images.Narrow0(start, count);
            if (timesteps.Length == 0) return src.Clone();
            var x0 = EncodeNoGrad(src);
            var noise = InitialNoise(seeds, start, count, stream: 0);
            var latents = Tensor.EmptyLike(x0);
            scheduler.AddNoise(x0.Span, noise.Span, timesteps[0], latents.Span);
            Denoise(scheduler, latents, timesteps, conds.AsSpan(start, count).ToArray(), seeds, start, options, blend: null);
            return DecodeClamped(latents);
        });
    }

    private IScheduler CreateScheduler(GenerationOptions o)
    {
        var s = o.Scheduler == null ? SchedulerFactory.FromConfig(Backend.SchedulerConfig) : SchedulerFactory.Create(o.Scheduler, Backend.SchedulerConfig);
        if (s is DdimScheduler ddim) ddim.Eta = o.Eta;
        return s;
    }

    /// <summary>The reverse loop shared by every mode; <paramref name="blend"/> runs after each step (masked editing).</summary>
    private void Denoise(IScheduler scheduler, Tensor latents, float[] timesteps, Condition[] conds, IReadOnlyList<long> seeds, int seedOffset,
        GenerationOptions o, Action<int, float?, Tensor>? blend)
    {
        int count = latents.Shape[0];
        var stepNoiseGens = Enumerable.Range(0, count).Select(i => new Generator(seeds[seedOffset + i]).Fork(1)).ToArray();
        var nullCond = o.GuidanceScale != 1f ? Backend.NullCondition(o.NegativePrompt) : null;
        int per = latents.Length / count;
        for (int i = 0; i < timesteps.Length; i++)
        {
            float t = timesteps[i];
            using (var scope = TensorScope.Begin())
            {
                var input = latents.Clone();
                scheduler.ScaleModelInput(input.Span, t);
                var output = PredictWithCfg(input, t, conds, nullCond, o.GuidanceScale);
                if (o.Guidance is { } g && t >= g.MinTimestepFraction * _alphasCumprod.Length)
                    output = ApplyGradientGuidance(g, input, output, t, conds, nullCond, o.GuidanceScale);
                Span<float> noise = default;
                if (scheduler.RequiresNoise)
                {
                    var n = Tensor.Empty(latents.Shape.ToArray());
                    for (int b = 0; b < count; b++) stepNoiseGens[b].FillNormal(n.Span.Slice(b * per, per));
                    noise = n.Span;
                }
                scheduler.Step(output.Span, t, latents.Span, latents.Span, noise);
                blend?.Invoke(i, i + 1 < timesteps.Length ? timesteps[i + 1] : null, latents);
            }
            o.Progress?.Report((i + 1, timesteps.Length));
        }
    }

    /// <summary>Classifier-free guidance (Ho &amp; Salimans 2022): out = out_uncond + w·(out_cond − out_uncond), one batched call.</summary>
    private Tensor PredictWithCfg(Tensor input, float t, Condition[] conds, Condition? nullCond, float scale)
    {
        if (nullCond == null) return Backend.Predict(input, t, conds);
        int b = input.Shape[0];
        var both = F.Concat(new[] { input, input }, 0);
        var allConds = Enumerable.Repeat(nullCond, b).Concat(conds).ToArray();
        var output = Backend.Predict(both, t, allConds);
        var uncond = output.Narrow0(0, b);
        var cond = output.Narrow0(b, b);
        return uncond + (cond - uncond) * scale;
    }

    private Tensor ApplyGradientGuidance(GradientGuidance g, Tensor input, Tensor output, float t, Condition[] conds, Condition? nullCond, float cfg)
    {
        if (!Backend.SupportsGradients)
            throw new NotSupportedException($"Gradient guidance needs a differentiable backend; {Backend.GetType().Name} is not.");
        float abar = AlphaBarAt(t), sa = MathF.Sqrt(abar), s1 = MathF.Sqrt(1 - abar);
        string pt = _predictionType;
        Tensor grad;
        using var gradMode = AG.EnableGrad();
        if (g.Target == GuidanceTarget.NoisySample)
        {
            var x = input.Detach().Clone(); x.RequiresGrad = true;
            var outX = PredictWithCfg(x, t, conds, nullCond, cfg);
            var x0 = ToX0(pt, x, outX, sa, s1);
            var score = g.Score(Backend.DecodeLatents(x0)).Sum();
            grad = AG.Grad(score, new[] { x })[0];
        }
        else
        {
            Tensor x0;
            using (AG.NoGrad()) x0 = ToX0(pt, input, output, sa, s1);
            var leaf = x0.Detach().Clone(); leaf.RequiresGrad = true;
            var score = g.Score(Backend.DecodeLatents(leaf)).Sum();
            // ∂x̂₀/∂x_t ≈ 1/√ᾱ_t when the ε-dependence is ignored (the usual cheap approximation).
            grad = AG.Grad(score, new[] { leaf })[0] * (1f / sa);
        }
        gradMode.Dispose();
        using (AG.NoGrad())
        {
            var eps = ToEpsilon(pt, input, output, sa, s1);
            var guided = eps - grad * (g.Scale * s1);
            return FromEpsilon(pt, input, guided, sa, s1);
        }
    }

    private static Tensor ToX0(string pt, Tensor x, Tensor o, float sa, float s1) => pt switch
    {
        "epsilon" => (x - o * s1) * (1f / sa),
        "v_prediction" => x * sa - o * s1,
        _ => o,
    };

    private static Tensor ToEpsilon(string pt, Tensor x, Tensor o, float sa, float s1) => pt switch
    {
        "epsilon" => o,
        "v_prediction" => o * sa + x * s1,
        _ => (x - o * sa) * (1f / s1),
    };

    private static Tensor FromEpsilon(string pt, Tensor x, Tensor eps, float sa, float s1) => pt switch
    {
        "epsilon" => eps,
        "v_prediction" => (eps - x * s1) * (1f / sa),
        _ => (x - eps * s1) * (1f / sa),
    };

    /// <summary>ᾱ at a possibly fractional timestep (Euler schedulers), linearly interpolated.</summary>
    internal float AlphaBarAt(float t)
    {
        float c = Math.Clamp(t, 0, _alphasCumprod.Length - 1);
        int lo = (int)MathF.Floor(c), hi = Math.Min(lo + 1, _alphasCumprod.Length - 1);
        float f = c - lo;
        return _alphasCumprod[lo] * (1 - f) + _alphasCumprod[hi] * f;
    }

    private static float[] AlphasCumprod(SchedulerConfig config)
    {
        var c = new DdpmScheduler(config).Config; // every field resolved to diffusers' defaults
        var betas = NoiseSchedule.Betas(c.NumTrainTimesteps!.Value, c.BetaStart!.Value, c.BetaEnd!.Value, c.BetaSchedule!, c.TrainedBetas, "DiffusionPipeline");
        var a = new float[betas.Length];
        double acc = 1;
        for (int i = 0; i < betas.Length; i++) { acc *= 1 - betas[i]; a[i] = (float)acc; }
        return a;
    }

    // ---- helpers ----

    private Tensor InitialNoise(IReadOnlyList<long> seeds, int start, int count, int stream)
    {
        var t = Tensor.Empty(count, Backend.LatentChannels, Backend.LatentHeight, Backend.LatentWidth);
        int per = t.Length / Math.Max(count, 1);
        for (int i = 0; i < count; i++)
        {
            var g = new Generator(seeds[start + i]);
            if (stream != 0) g = g.Fork(stream);
            g.FillNormal(t.Span.Slice(i * per, per));
        }
        return t;
    }

    private Tensor EncodeNoGrad(Tensor images)
    {
        using (AG.NoGrad()) return Backend.EncodeImages(images);
    }

    private Tensor DecodeClamped(Tensor latents)
    {
        using (AG.NoGrad()) return Backend.DecodeLatents(latents).Clamp(-1f, 1f);
    }

    /// <summary>Runs <paramref name="chunk"/> over [start, start+count) slices and stacks the results.</summary>
    private static Tensor RunChunked(int n, GenerationOptions o, Func<int, int, Tensor> chunk)
    {
        if (n == 0) throw new ArgumentException("Nothing to generate: the input is empty.");
        var parts = new List<Tensor>();
        for (int start = 0; start < n; start += o.BatchSize)
        {
            int count = Math.Min(o.BatchSize, n - start);
            using var scope = TensorScope.Begin();
            Tensor part;
            using (AG.NoGrad()) part = chunk(start, count).Clone();
            parts.Add(scope.Keep(part));
        }
        return parts.Count == 1 ? parts[0] : F.Concat(parts.ToArray(), 0);
    }

    private void CheckImages(Tensor images, string name)
    {
        if (images.Rank != 4 || images.Shape[1] != Backend.ImageChannels || images.Shape[2] != Backend.ImageHeight || images.Shape[3] != Backend.ImageWidth)
            throw new ArgumentException($"{name}: shape {ShapeUtil.Format(images.Shape)} does not match the model's [N, {Backend.ImageChannels}, {Backend.ImageHeight}, {Backend.ImageWidth}].");
    }

    private void CheckLatents(Tensor latents, string name)
    {
        if (latents.Rank != 4 || latents.Shape[1] != Backend.LatentChannels || latents.Shape[2] != Backend.LatentHeight || latents.Shape[3] != Backend.LatentWidth)
            throw new ArgumentException($"{name}: shape {ShapeUtil.Format(latents.Shape)} does not match the model's latents [N, {Backend.LatentChannels}, {Backend.LatentHeight}, {Backend.LatentWidth}].");
    }

    private static void CheckCounts(int expected, int actual, string what)
    {
        if (expected != actual) throw new ArgumentException($"{what}: {actual} given for {expected} images.");
    }

    private static void CheckStrength(float strength)
    {
        if (!(strength >= 0 && strength <= 1)) throw new ArgumentOutOfRangeException(nameof(strength), strength, "strength must be in [0, 1].");
    }
}

internal static class SpanMath
{
    public static void MultiplyInPlace(this Span<float> s, float k)
    {
        if (k != 1f) System.Numerics.Tensors.TensorPrimitives.Multiply(s, k, s);
    }
}
