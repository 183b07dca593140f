using MLAugment.Onnx.Format;

namespace MLAugment.Onnx.Runtime;

/// <summary>
/// Declared type of a session input or output: element type (null for non-tensors) and shape, where a free dimension
/// is -1 and <see cref="SymbolicDimensions"/> holds its name (e.g. "batch", or "" when unnamed).
/// </summary>
public sealed record OrtTensorInfo(string Name, OnnxDataType? ElementType, IReadOnlyList<long> Shape, IReadOnlyList<string> SymbolicDimensions)
{
    public override string ToString() =>
        $"{Name}: {ElementType?.ToString() ?? "non-tensor"}[{string.Join(", ", Shape.Select((d, i) => d >= 0 ? d.ToString() : SymbolicDimensions[i] is { Length: > 0 } s ? s : "?"))}]";
}
