using MLAugment.Diffusion.Schedulers;
using MLAugment.Diffusion.Text;
using MLAugment.Onnx.Format;

namespace MLAugment.Onnx.StableDiffusion;

/// <summary>What the VAE encoder graph returns, as the two exporters write it.</summary>
public enum VaeEncoderOutputKind
{
    /// <summary>Legacy diffusers export: <c>latent_sample</c> [B, 4, h, w] (the fixture returns the posterior mean).</summary>
    LatentSample,
    /// <summary>Optimum export: <c>latent_parameters</c> [B, 8, h, w] = mean ‖ log-variance.</summary>
    LatentParameters,
}

/// <summary>Shape and I/O variants of the model written by <see cref="TinyStableDiffusionFixture"/>.</summary>
public sealed record TinyStableDiffusionOptions
{
    /// <summary>Element type of the text encoder's <c>input_ids</c>: Int32 (diffusers export) or Int64 (Optimum).</summary>
    public OnnxDataType InputIdsType { get; init; } = OnnxDataType.Int32;

    /// <summary>Element type of the UNet's <c>timestep</c>: Float (legacy export), Int64 (HF onnx branches) or Float16.</summary>
    public OnnxDataType TimestepType { get; init; } = OnnxDataType.Float;

    /// <summary>false: <c>timestep</c> is declared [1] (broadcast over the batch); true: ["batch"].</summary>
    public bool TimestepPerRow { get; init; }

    /// <summary>Declare every float input and output float16, as diffusers' <c>--fp16</c> export does (the maths inside stays float32).</summary>
    public bool Float16Io { get; init; }

    public VaeEncoderOutputKind VaeEncoderOutput { get; init; } = VaeEncoderOutputKind.LatentSample;

    /// <summary>Square image side in pixels; must be a multiple of 2·<see cref="VaeScaleFactor"/> (the UNet halves the latent once).</summary>
    public int ImageSize { get; init; } = 16;

    /// <summary>Pixels per latent cell along each side: 2 or 4 (the VAE has one stride-2 stage per factor of 2).</summary>
    public int VaeScaleFactor { get; init; } = 2;

    public int LatentChannels { get; init; } = 4;

    /// <summary>Text encoder width D (last_hidden_state is [B, 77, D]).</summary>
    public int HiddenSize { get; init; } = 32;

    public int TextLayers { get; init; } = 2;

    public int AttentionHeads { get; init; } = 2;

    /// <summary>Channels of the UNet and VAE feature maps (GroupNorm uses 8 groups).</summary>
    public int Channels { get; init; } = 32;

    /// <summary>Written to <c>vae_encoder/config.json</c> and <c>vae_decoder/config.json</c> as <c>scaling_factor</c>.</summary>
    public float ScalingFactor { get; init; } = 0.18215f;

    /// <summary>
    /// The tokenizer written to <c>tokenizer/</c>; its vocabulary size sets the embedding table's rows, so every id it
    /// produces has an embedding. Null: a byte-level CLIP vocabulary without merges (the 256 byte symbols, the same with
    /// <c>&lt;/w&gt;</c>, start and end tokens: 514 ids), which tokenizes any text, one byte per token.
    /// </summary>
    public ClipTokenizer? Tokenizer { get; init; }

    /// <summary>Written to <c>scheduler/scheduler_config.json</c>; null: Stable Diffusion 1.5's PNDM config.</summary>
    public SchedulerConfig? Scheduler { get; init; }

    public void Validate()
    {
        if (InputIdsType is not (OnnxDataType.Int32 or OnnxDataType.Int64))
            throw new ArgumentOutOfRangeException(nameof(InputIdsType), InputIdsType, "input_ids must be Int32 or Int64.");
        if (TimestepType is not (OnnxDataType.Float or OnnxDataType.Int64 or OnnxDataType.Float16))
            throw new ArgumentOutOfRangeException(nameof(TimestepType), TimestepType, "timestep must be Float, Int64 or Float16.");
        if (VaeScaleFactor is not (2 or 4 or 8))
            throw new ArgumentOutOfRangeException(nameof(VaeScaleFactor), VaeScaleFactor, "the VAE scale factor must be 2, 4 or 8.");
        if (ImageSize < 2 * VaeScaleFactor || ImageSize % (2 * VaeScaleFactor) != 0)
            throw new ArgumentOutOfRangeException(nameof(ImageSize), ImageSize, $"the image side must be a positive multiple of {2 * VaeScaleFactor} (2 × VAE scale factor).");
        if (Channels < 8 || Channels % 8 != 0)
            throw new ArgumentOutOfRangeException(nameof(Channels), Channels, "channels must be a positive multiple of 8 (GroupNorm uses 8 groups).");
        if (AttentionHeads < 1 || HiddenSize < 1 || HiddenSize % AttentionHeads != 0 || Channels % AttentionHeads != 0)
            throw new ArgumentOutOfRangeException(nameof(AttentionHeads), AttentionHeads, $"hidden size {HiddenSize} and channels {Channels} must divide into {AttentionHeads} heads.");
        if (TextLayers < 1) throw new ArgumentOutOfRangeException(nameof(TextLayers), TextLayers, "at least one text transformer layer.");
        if (LatentChannels < 1) throw new ArgumentOutOfRangeException(nameof(LatentChannels), LatentChannels, "latent channels must be >= 1.");
        if (!(ScalingFactor > 0) || float.IsInfinity(ScalingFactor))
            throw new ArgumentOutOfRangeException(nameof(ScalingFactor), ScalingFactor, "the scaling factor must be a finite value > 0.");
    }
}
