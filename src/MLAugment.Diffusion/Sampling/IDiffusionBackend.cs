using MLAugment.Diffusion.Schedulers;
using MLAugment.Engine;

namespace MLAugment.Diffusion.Sampling;

/// <summary>
/// What the samplers need from a diffusion model, whichever runtime executes it (the engine's own
/// models, or ONNX Runtime for Stable-Diffusion-layout folders). Images are NCHW floats in [−1, 1];
/// latents are already multiplied by the autoencoder's scaling factor (pixel-space models: latents = images).
/// </summary>
public interface IDiffusionBackend
{
    /// <summary>Stable identity of the weights and config (e.g. a content hash), used by caches and provenance.</summary>
    string ModelId { get; }
    SchedulerConfig SchedulerConfig { get; }
    int ImageChannels { get; }
    int ImageHeight { get; }
    int ImageWidth { get; }
    int LatentChannels { get; }
    int LatentHeight { get; }
    int LatentWidth { get; }

    /// <summary>Labels or prompts the model understands, for error messages and discovery.</summary>
    IReadOnlyList<string> KnownConditions { get; }

    /// <summary>Maps a prompt or label to a condition; throws <see cref="UnknownConditionException"/> listing the known ones.</summary>
    Condition EncodeCondition(string promptOrLabel);

    /// <summary>The unconditional (or negative-prompt) condition for classifier-free guidance.</summary>
    Condition NullCondition(string? negativePrompt = null);

    /// <summary>The denoiser's raw output (ε, v or x₀ per the scheduler config) for one timestep; one condition per row.</summary>
    Tensor Predict(Tensor latents, float timestep, IReadOnlyList<Condition> conditions);

    /// <summary>Scaled latents of images (the posterior mean: deterministic).</summary>
    Tensor EncodeImages(Tensor images);

    /// <summary>Images in [−1, 1] (not clamped) from scaled latents.</summary>
    Tensor DecodeLatents(Tensor latents);

    /// <summary>True when <see cref="Predict"/> and <see cref="DecodeLatents"/> are differentiable (gradient guidance).</summary>
    bool SupportsGradients { get; }
}

/// <summary>A model-specific encoded condition (a class id, text embeddings, ...). Opaque to samplers.</summary>
public abstract record Condition(string Text);

/// <summary>Thrown for a prompt or label the model cannot condition on; lists what it knows.</summary>
public sealed class UnknownConditionException : ArgumentException
{
    public IReadOnlyList<string> Known { get; }
    public UnknownConditionException(string given, IReadOnlyList<string> known, string? detail = null)
        : base($"Unknown condition '{given}'{(detail != null ? " (" + detail + ")" : "")}; the model knows: {string.Join(", ", known)}.")
    { Known = known; }
}
