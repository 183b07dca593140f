namespace MLAugment.Data;

/// <summary>
/// A categorical key: an unsigned integer where <b>0 means missing</b> and valid keys are <c>1..Count</c>.
/// Key columns normally carry a <c>KeyValues</c> annotation (a vector of <see cref="Count"/> labels, entry <c>k-1</c>
/// naming key <c>k</c>). Raw types: <see cref="byte"/>, <see cref="ushort"/>, <see cref="uint"/> (usual), <see cref="ulong"/>.
/// Mirrors <c>Microsoft.ML.Data.KeyDataViewType</c>; prints as "Key&lt;UInt32, 0-(Count-1)&gt;".
/// </summary>
public sealed class KeyDataViewType : PrimitiveDataViewType
{
    public KeyDataViewType(Type type, ulong count) : base(type)
    {
        if (!IsValidDataType(type))
            throw new ArgumentException($"Type '{type.Name}' is not valid for a key; use Byte, UInt16, UInt32 or UInt64.", nameof(type));
        if (count == 0 || count > MaxCount(type))
            throw new ArgumentOutOfRangeException(nameof(count), count, $"A key of type {type.Name} needs a count in 1..{MaxCount(type)}.");
        Count = count;
    }

    public KeyDataViewType(Type type, int count) : this(type, count > 0 ? (ulong)count : 0UL)
    {
    }

    /// <summary>The number of valid key values; keys range over 1..Count.</summary>
    public ulong Count { get; }

    public static bool IsValidDataType(Type type) =>
        type == typeof(byte) || type == typeof(ushort) || type == typeof(uint) || type == typeof(ulong);

    private static ulong MaxCount(Type type) =>
        type == typeof(byte) ? byte.MaxValue : type == typeof(ushort) ? ushort.MaxValue : type == typeof(uint) ? uint.MaxValue : ulong.MaxValue;

    public override bool Equals(DataViewType? other) =>
        other is KeyDataViewType key && key.RawType == RawType && key.Count == Count;

    public override bool Equals(object? obj) => obj is DataViewType other && Equals(other);

    public override int GetHashCode() => HashCode.Combine(RawType, Count);

    public override string ToString() => $"Key<{RawType.Name}, 0-{Count - 1}>";
}
