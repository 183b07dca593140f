namespace MLAugment.Onnx.Format;

/// <summary>
/// How <see cref="OnnxModelWriter.Save"/> moves initializers out of the model file, as diffusers' exported UNet does
/// (<c>model.onnx</c> + a weights file beside it); needed once weights pass protobuf's 2 GB message limit.
/// </summary>
public sealed record OnnxExternalDataOptions
{
    /// <summary>Name of the weights file, created in the model's directory.</summary>
    public string FileName { get; init; } = "weights.pb";

    /// <summary>Initializers smaller than this many bytes stay inside the model file.</summary>
    public long SizeThreshold { get; init; } = 1024;

    /// <summary>Each tensor starts at a multiple of this many bytes in the weights file (lets readers map it aligned).</summary>
    public int Alignment { get; init; } = 64;
}
