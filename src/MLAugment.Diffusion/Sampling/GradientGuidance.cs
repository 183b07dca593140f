using MLAugment.Engine;

namespace MLAugment.Diffusion.Sampling;

/// <summary>Which variable the guidance score is differentiated with respect to.</summary>
public enum GuidanceTarget
{
    /// <summary>∇ w.r.t. the predicted clean image x̂₀ (cheap: no backprop through the denoiser).</summary>
    PredictedOriginal,
    /// <summary>∇ w.r.t. the noisy sample x_t, through the denoiser (exact classifier guidance; engine models only).</summary>
    NoisySample,
}

/// <summary>
/// Classifier guidance (Dhariwal &amp; Nichol 2021, Alg. 2): ε̂ ← ε̂ − s·√(1−ᾱ_t)·∇_{x_t} score.
/// <see cref="Score"/> maps decoded images [B, C, H, W] in [−1, 1] and each row's index to a per-row score to
/// maximise (e.g. log p(target | image)); it must be built from differentiable engine ops.
/// </summary>
public sealed record GradientGuidance(Func<Tensor, Tensor> Score, float Scale, GuidanceTarget Target = GuidanceTarget.PredictedOriginal)
{
    /// <summary>Only steps with t ≥ this fraction of the schedule are guided (late steps add noise-free detail only).</summary>
    public float MinTimestepFraction { get; init; } = 0f;
}
