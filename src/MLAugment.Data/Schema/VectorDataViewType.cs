namespace MLAugment.Data;

/// <summary>
/// A vector of a primitive item type; the raw type is <see cref="VBuffer{T}"/>. <see cref="Size"/> 0 means variable
/// length. Dimensions describe a known-size vector's logical shape (e.g. 28, 28 for a 784-pixel image); a 0 dimension
/// makes the whole vector variable-sized. Mirrors <c>Microsoft.ML.Data.VectorDataViewType</c>.
/// </summary>
public sealed class VectorDataViewType : StructuredDataViewType
{
    public VectorDataViewType(PrimitiveDataViewType itemType, int size = 0)
        : this(itemType, size == 0 ? [] : [size])
    {
    }

    public VectorDataViewType(PrimitiveDataViewType itemType, params int[] dimensions)
        : base(MakeRawType(itemType))
    {
        ArgumentNullException.ThrowIfNull(dimensions);
        ItemType = itemType;
        long size = dimensions.Length == 0 ? 0 : 1;
        foreach (int d in dimensions)
        {
            if (d < 0)
                throw new ArgumentOutOfRangeException(nameof(dimensions), $"Vector dimensions must be non-negative, got [{string.Join(", ", dimensions)}].");
            size *= d;
        }
        if (size > int.MaxValue)
            throw new ArgumentOutOfRangeException(nameof(dimensions), $"Vector size {size} exceeds Int32.MaxValue.");
        Size = (int)size;
        Dimensions = Size == 0 && dimensions.Length == 1 ? [] : dimensions.ToArray();
    }

    public PrimitiveDataViewType ItemType { get; }

    /// <summary>The fixed number of items, or 0 when the length varies from row to row.</summary>
    public int Size { get; }

    /// <summary>The logical shape; empty for a variable-length vector.</summary>
    public IReadOnlyList<int> Dimensions { get; }

    public bool IsKnownSize => Size > 0;

    private static Type MakeRawType(PrimitiveDataViewType itemType)
    {
        ArgumentNullException.ThrowIfNull(itemType);
        return typeof(VBuffer<>).MakeGenericType(itemType.RawType);
    }

    public override bool Equals(DataViewType? other)
    {
        if (other is not VectorDataViewType v || !v.ItemType.Equals(ItemType) || v.Size != Size || v.Dimensions.Count != Dimensions.Count)
            return false;
        for (int i = 0; i < Dimensions.Count; i++)
            if (v.Dimensions[i] != Dimensions[i])
                return false;
        return true;
    }

    public override bool Equals(object? obj) => obj is DataViewType other && Equals(other);

    public override int GetHashCode() => HashCode.Combine(ItemType, Size);

    public override string ToString() =>
        Dimensions.Count == 0 ? $"Vector<{ItemType}>" : $"Vector<{ItemType}, {string.Join(", ", Dimensions)}>";
}
