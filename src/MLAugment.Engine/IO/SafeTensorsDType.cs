namespace MLAugment.Engine.IO;

/// <summary>Element types of the safetensors format, named as in the file header.</summary>
public enum SafeTensorsDType
{
    BOOL, U8, I8, I16, U16, F16, BF16, I32, U32, F32, F64, I64, U64, F8_E4M3, F8_E5M2,
}

public static class SafeTensorsDTypeInfo
{
    /// <summary>Bytes per element.</summary>
    public static int SizeOf(this SafeTensorsDType t) => t switch
    {
        SafeTensorsDType.BOOL or SafeTensorsDType.U8 or SafeTensorsDType.I8 or SafeTensorsDType.F8_E4M3 or SafeTensorsDType.F8_E5M2 => 1,
        SafeTensorsDType.I16 or SafeTensorsDType.U16 or SafeTensorsDType.F16 or SafeTensorsDType.BF16 => 2,
        SafeTensorsDType.I32 or SafeTensorsDType.U32 or SafeTensorsDType.F32 => 4,
        SafeTensorsDType.F64 or SafeTensorsDType.I64 or SafeTensorsDType.U64 => 8,
        _ => throw new ArgumentOutOfRangeException(nameof(t), t, "Unknown safetensors dtype."),
    };

    /// <summary>Parses a header dtype string (case-sensitive, as the format defines it).</summary>
    public static bool TryParse(string s, out SafeTensorsDType t)
    {
        foreach (var v in Enum.GetValues<SafeTensorsDType>())
            if (s == v.ToString()) { t = v; return true; }
        t = default;
        return false;
    }

    /// <summary>Whether <see cref="SafeTensorsReader.ReadFloat32(string, Span{float})"/> converts this dtype.</summary>
    public static bool ConvertsToFloat32(this SafeTensorsDType t) => t is not (SafeTensorsDType.F8_E4M3 or SafeTensorsDType.F8_E5M2);
}
