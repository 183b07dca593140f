namespace MLAugment.Engine.IO;

/// <summary>
/// One tensor in a safetensors file. <see cref="DataBegin"/>/<see cref="DataEnd"/> are the header's
/// data_offsets (relative to the start of the data section, which follows the header).
/// </summary>
public sealed record SafeTensorsEntry(string Name, SafeTensorsDType DType, long[] Shape, long DataBegin, long DataEnd)
{
    /// <summary>Product of the shape (1 for a scalar, shape []).</summary>
    public long ElementCount
    {
        get
        {
            long n = 1;
            foreach (long d in Shape) n *= d;
            return n;
        }
    }

    public long ByteLength => DataEnd - DataBegin;

    public override string ToString() => $"{Name}: {DType}[{string.Join(", ", Shape)}]";
}
