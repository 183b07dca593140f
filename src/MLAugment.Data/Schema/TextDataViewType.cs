namespace MLAugment.Data;

/// <summary>Text columns; the raw type is <see cref="ReadOnlyMemory{T}"/> of <see cref="char"/>, printed "String".</summary>
public sealed class TextDataViewType : PrimitiveDataViewType
{
    private TextDataViewType() : base(typeof(ReadOnlyMemory<char>))
    {
    }

    public static TextDataViewType Instance { get; } = new();

    public override bool Equals(DataViewType? other) => ReferenceEquals(this, other);

    public override bool Equals(object? obj) => ReferenceEquals(this, obj);

    public override int GetHashCode() => RawType.GetHashCode();

    public override string ToString() => "String";
}
