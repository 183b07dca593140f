using System.Runtime.InteropServices;

namespace MLAugment.Onnx.Format;

/// <summary>Where a tensor's bytes live when stored outside the model file (<c>data_location = EXTERNAL</c>).</summary>
/// <param name="Location">File path relative to the model's directory.</param>
/// <param name="Offset">Byte offset inside that file.</param>
/// <param name="Length">Byte length; null when the entry was absent (the data then runs to the end of the file).</param>
public sealed record OnnxExternalData(string Location, long Offset, long? Length);

/// <summary>
/// A <c>TensorProto</c>: name, element type, dims and little-endian raw bytes (or a pointer to external data).
/// </summary>
public sealed class OnnxTensor
{
    public string Name { get; }
    public OnnxDataType DataType { get; }
    public IReadOnlyList<long> Dims { get; }
    /// <summary>Little-endian element bytes; empty when <see cref="ExternalData"/> is set.</summary>
    public ReadOnlyMemory<byte> RawData { get; }
    public OnnxExternalData? ExternalData { get; }

    public long ElementCount => Dims.Aggregate(1L, (a, d) => a * d);

    public OnnxTensor(string name, OnnxDataType dataType, IReadOnlyList<long> dims, ReadOnlyMemory<byte> rawData)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(dims);
        foreach (var d in dims)
            if (d < 0) throw new ArgumentException($"Tensor '{name}' has negative dimension {d} in [{string.Join(", ", dims)}].", nameof(dims));
        Name = name;
        DataType = dataType;
        Dims = dims.ToArray();
        long expected = ElementCount * dataType.ElementSize();
        if (rawData.Length != expected)
            throw new ArgumentException(
                $"Tensor '{name}' of {dataType} [{string.Join(", ", dims)}] needs {expected} bytes of data, got {rawData.Length}.", nameof(rawData));
        RawData = rawData;
    }

    /// <summary>A tensor whose data lives in an external file.</summary>
    public OnnxTensor(string name, OnnxDataType dataType, IReadOnlyList<long> dims, OnnxExternalData externalData)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(externalData);
        ArgumentNullException.ThrowIfNull(dims);
        foreach (var d in dims)
            if (d < 0) throw new ArgumentException($"Tensor '{name}' has negative dimension {d} in [{string.Join(", ", dims)}].", nameof(dims));
        if (externalData.Offset < 0 || externalData.Length < 0)
            throw new ArgumentException($"Tensor '{name}' has external data at negative offset or length ({externalData}).", nameof(externalData));
        Name = name;
        DataType = dataType;
        Dims = dims.ToArray();
        ExternalData = externalData;
    }

    public static OnnxTensor FromFloats(string name, IReadOnlyList<long> dims, ReadOnlySpan<float> values) =>
        new(name, OnnxDataType.Float, dims, ToBytes(values));

    public static OnnxTensor FromInt64s(string name, IReadOnlyList<long> dims, ReadOnlySpan<long> values) =>
        new(name, OnnxDataType.Int64, dims, ToBytes(values));

    public static OnnxTensor FromInt32s(string name, IReadOnlyList<long> dims, ReadOnlySpan<int> values) =>
        new(name, OnnxDataType.Int32, dims, ToBytes(values));

    public static OnnxTensor FromHalves(string name, IReadOnlyList<long> dims, ReadOnlySpan<Half> values) =>
        new(name, OnnxDataType.Float16, dims, ToBytes(values));

    public static OnnxTensor FromBools(string name, IReadOnlyList<long> dims, ReadOnlySpan<bool> values) =>
        new(name, OnnxDataType.Bool, dims, ToBytes(values));

    /// <summary>The data as floats (copy); only for in-memory float tensors.</summary>
    public float[] ToFloats() => Read<float>(OnnxDataType.Float);

    /// <summary>The data as int64 values (copy); only for in-memory int64 tensors.</summary>
    public long[] ToInt64s() => Read<long>(OnnxDataType.Int64);

    private T[] Read<T>(OnnxDataType expected) where T : unmanaged
    {
        if (DataType != expected) throw new InvalidOperationException($"Tensor '{Name}' is {DataType}, not {expected}.");
        if (ExternalData is not null) throw new InvalidOperationException($"Tensor '{Name}' keeps its data in external file '{ExternalData.Location}'.");
        return MemoryMarshal.Cast<byte, T>(RawData.Span).ToArray();
    }

    private static byte[] ToBytes<T>(ReadOnlySpan<T> values) where T : unmanaged
    {
        if (!BitConverter.IsLittleEndian) throw new PlatformNotSupportedException("ONNX raw_data is little-endian; big-endian hosts are not supported.");
        return MemoryMarshal.AsBytes(values).ToArray();
    }

    public override string ToString() => $"{Name}: {DataType}[{string.Join(", ", Dims)}]";
}
