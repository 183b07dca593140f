namespace MLAugment.Onnx.Export;

/// <summary>How <see cref="OnnxModuleExporter"/> names and shapes the exported graph.</summary>
public sealed record OnnxExportOptions
{
    public string GraphName { get; init; } = "model";
    public string InputName { get; init; } = "input";
    public string OutputName { get; init; } = "output";

    /// <summary>Declare dimension 0 of the input and output as the symbolic "batch" instead of the example's size.</summary>
    public bool DynamicBatch { get; init; } = true;

    /// <summary>Emitters for the module tree; null uses <see cref="OnnxModuleEmitters.CreateDefault"/>.</summary>
    public OnnxModuleEmitters? Emitters { get; init; }
}
