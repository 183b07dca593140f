namespace MLAugment.Data;

/// <summary>
/// The type of a column in an <see cref="IDataView"/>. <see cref="RawType"/> is the .NET type a getter delivers; it does
/// not identify the column type on its own (<c>Key&lt;UInt32&gt;</c> and <c>UInt32</c> both use <see cref="uint"/>).
/// Mirrors <c>Microsoft.ML.DataViewType</c>.
/// </summary>
public abstract class DataViewType : IEquatable<DataViewType>
{
    private protected DataViewType(Type rawType)
    {
        RawType = rawType ?? throw new ArgumentNullException(nameof(rawType));
    }

    /// <summary>The .NET type of values delivered by getters of this column type.</summary>
    public Type RawType { get; }

    public abstract bool Equals(DataViewType? other);

    public override bool Equals(object? obj) => obj is DataViewType other && Equals(other);

    public override int GetHashCode() => RawType.GetHashCode();
}

/// <summary>
/// Types whose values are immutable or copyable by assignment (numbers, text, booleans, keys, row ids).
/// Mirrors <c>Microsoft.ML.Data.PrimitiveDataViewType</c>.
/// </summary>
public abstract class PrimitiveDataViewType : DataViewType
{
    private protected PrimitiveDataViewType(Type rawType) : base(rawType)
    {
        if (rawType.IsGenericType && rawType.GetGenericTypeDefinition() == typeof(VBuffer<>))
            throw new ArgumentException("A primitive type cannot have a VBuffer raw type.", nameof(rawType));
    }
}

/// <summary>
/// Types whose values carry ownership or mutability concerns (vectors, images). Subclass this for new column kinds,
/// e.g. an image type whose raw type is <c>MLImage</c>. Mirrors <c>Microsoft.ML.Data.StructuredDataViewType</c>.
/// </summary>
public abstract class StructuredDataViewType : DataViewType
{
    protected StructuredDataViewType(Type rawType) : base(rawType)
    {
    }
}
