namespace MLAugment.Data;

/// <summary>Boolean columns; the raw type is <see cref="bool"/>.</summary>
public sealed class BooleanDataViewType : PrimitiveDataViewType
{
    private BooleanDataViewType() : base(typeof(bool))
    {
    }

    public static BooleanDataViewType Instance { get; } = new();

    public override bool Equals(DataViewType? other) => ReferenceEquals(this, other);

    public override bool Equals(object? obj) => ReferenceEquals(this, obj);

    public override int GetHashCode() => RawType.GetHashCode();

    public override string ToString() => "Boolean";
}
