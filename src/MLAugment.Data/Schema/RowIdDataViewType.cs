namespace MLAugment.Data;

/// <summary>128-bit row identifier columns; the raw type is <see cref="DataViewRowId"/>.</summary>
public sealed class RowIdDataViewType : PrimitiveDataViewType
{
    private RowIdDataViewType() : base(typeof(DataViewRowId))
    {
    }

    public static RowIdDataViewType Instance { get; } = new();

    public override bool Equals(DataViewType? other) => ReferenceEquals(this, other);

    public override bool Equals(object? obj) => ReferenceEquals(this, obj);

    public override int GetHashCode() => RawType.GetHashCode();

    public override string ToString() => "DataViewRowId";
}
