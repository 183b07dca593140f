namespace MLAugment.Onnx.Format;

/// <summary>
/// One dimension of a value's declared shape: a fixed size (<c>dim_value</c>), a symbolic name such as "batch"
/// (<c>dim_param</c>), or unknown (neither). Converts implicitly from <see cref="long"/> and <see cref="string"/>.
/// </summary>
public readonly record struct OnnxDimension
{
    public long? Value { get; }
    public string? Param { get; }

    public OnnxDimension(long value)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(value);
        Value = value;
    }

    public OnnxDimension(string param)
    {
        ArgumentException.ThrowIfNullOrEmpty(param);
        Param = param;
    }

    public static OnnxDimension Unknown => default;
    public bool IsUnknown => Value is null && Param is null;

    public static implicit operator OnnxDimension(long value) => new(value);
    public static implicit operator OnnxDimension(string param) => new(param);

    public override string ToString() => Value?.ToString() ?? Param ?? "?";
}
