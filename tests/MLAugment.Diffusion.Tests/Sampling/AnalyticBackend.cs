using MLAugment.Diffusion.Sampling;
using MLAugment.Diffusion.Schedulers;
using MLAugment.Engine;

namespace MLAugment.Diffusion.Tests.Sampling;

/// <summary>
/// A pixel-space backend whose ε-prediction is a smooth known function (ε = k·x), so sampler maths can be
/// checked without a trained network.
/// </summary>
internal sealed class AnalyticBackend : IDiffusionBackend
{
    private sealed record Cond(string Text) : Condition(Text);
    private readonly float _k;
    public AnalyticBackend(float k = 0.1f, bool differentiable = true) { _k = k; SupportsGradients = differentiable; }
    public string ModelId => "analytic";
    public SchedulerConfig SchedulerConfig { get; } = new() { ClassName = "DDIMScheduler", NumTrainTimesteps = 1000, BetaSchedule = "scaled_linear", BetaStart = 0.00085, BetaEnd = 0.012 };
    public int ImageChannels => 1;
    public int ImageHeight => 8;
    public int ImageWidth => 8;
    public int LatentChannels => 1;
    public int LatentHeight => 8;
    public int LatentWidth => 8;
    public IReadOnlyList<string> KnownConditions => new[] { "x" };
    public Condition EncodeCondition(string p) => p == "x" ? new Cond(p) : throw new UnknownConditionException(p, KnownConditions);
    public Condition NullCondition(string? n = null) => new Cond("");
    public Tensor Predict(Tensor latents, float t, IReadOnlyList<Condition> c) => latents * _k;
    public Tensor EncodeImages(Tensor images) => images.Clone();
    public Tensor DecodeLatents(Tensor latents) => latents.Clone();
    public bool SupportsGradients { get; }
}
