using MLAugment.Onnx.Runtime;

namespace MLAugment.Onnx.StableDiffusion;

/// <summary>How <see cref="OnnxStableDiffusionBackend"/> opens and runs a Stable Diffusion ONNX folder.</summary>
public sealed record OnnxStableDiffusionOptions
{
    /// <summary>
    /// Settings of every ORT session: threads, graph optimization, execution provider (CPU, or CUDA when available with
    /// the fallback reason sent to <see cref="OrtSessionOptions.Log"/>).
    /// </summary>
    public OrtSessionOptions Session { get; init; } = new();

    /// <summary>The ORT environment; null uses <see cref="OrtEnvironment.Instance"/>.</summary>
    public OrtEnvironment? Environment { get; init; }

    /// <summary>
    /// Image size in pixels. Null: the UNet's <c>sample_size</c> (unet/config.json) × the VAE scale factor, as diffusers
    /// defaults it; else fixed spatial dims of the UNet's <c>sample</c> input × the factor; else 512.
    /// </summary>
    public int? ImageHeight { get; init; }
    public int? ImageWidth { get; init; }

    /// <summary>Latent scaling factor; null reads <c>scaling_factor</c> from the VAE config (0.18215 when absent).</summary>
    public float? ScalingFactor { get; init; }

    /// <summary>Rows per UNet call; 0 sends all rows of a <c>Predict</c> in one call (a model with a fixed batch dimension sets its own).</summary>
    public int UNetBatchSize { get; init; }

    /// <summary>Images per VAE call; diffusers' ONNX pipeline decodes one at a time because whole batches take too much memory.</summary>
    public int VaeBatchSize { get; init; } = 1;

    /// <summary>Receives loader notes (where each setting came from, prompt truncation). Null: <see cref="System.Diagnostics.Trace"/>.</summary>
    public Action<string>? Log { get; init; }

    public void Validate()
    {
        ArgumentNullException.ThrowIfNull(Session, nameof(Session));
        if (ImageHeight is < 1) throw new ArgumentOutOfRangeException(nameof(ImageHeight), ImageHeight, "image height must be >= 1.");
        if (ImageWidth is < 1) throw new ArgumentOutOfRangeException(nameof(ImageWidth), ImageWidth, "image width must be >= 1.");
        if (ScalingFactor is { } s && (!(s > 0) || float.IsInfinity(s)))
            throw new ArgumentOutOfRangeException(nameof(ScalingFactor), s, "the scaling factor must be a finite value > 0.");
        if (UNetBatchSize < 0) throw new ArgumentOutOfRangeException(nameof(UNetBatchSize), UNetBatchSize, "UNet batch size must be >= 0 (0 = all rows).");
        if (VaeBatchSize < 1) throw new ArgumentOutOfRangeException(nameof(VaeBatchSize), VaeBatchSize, "VAE batch size must be >= 1.");
    }
}
