namespace MLAugment.Data;

/// <summary>
/// The numeric column types, one singleton per .NET numeric type. <c>ToString()</c> is the .NET type name
/// ("Single", "Int32"), as in ML.NET's <c>Microsoft.ML.Data.NumberDataViewType</c>.
/// </summary>
public sealed class NumberDataViewType : PrimitiveDataViewType
{
    private readonly string _name;

    private NumberDataViewType(Type rawType) : base(rawType)
    {
        _name = rawType.Name;
    }

    public static NumberDataViewType SByte { get; } = new(typeof(sbyte));
    public static NumberDataViewType Byte { get; } = new(typeof(byte));
    public static NumberDataViewType Int16 { get; } = new(typeof(short));
    public static NumberDataViewType UInt16 { get; } = new(typeof(ushort));
    public static NumberDataViewType Int32 { get; } = new(typeof(int));
    public static NumberDataViewType UInt32 { get; } = new(typeof(uint));
    public static NumberDataViewType Int64 { get; } = new(typeof(long));
    public static NumberDataViewType UInt64 { get; } = new(typeof(ulong));
    public static NumberDataViewType Single { get; } = new(typeof(float));
    public static NumberDataViewType Double { get; } = new(typeof(double));

    /// <summary>The singleton for a .NET numeric type, or null when <paramref name="rawType"/> is not numeric.</summary>
    public static NumberDataViewType? FromRawType(Type rawType)
    {
        if (rawType == typeof(sbyte)) return SByte;
        if (rawType == typeof(byte)) return Byte;
        if (rawType == typeof(short)) return Int16;
        if (rawType == typeof(ushort)) return UInt16;
        if (rawType == typeof(int)) return Int32;
        if (rawType == typeof(uint)) return UInt32;
        if (rawType == typeof(long)) return Int64;
        if (rawType == typeof(ulong)) return UInt64;
        if (rawType == typeof(float)) return Single;
        if (rawType == typeof(double)) return Double;
        return null;
    }

    public override bool Equals(DataViewType? other) => ReferenceEquals(this, other);

    public override bool Equals(object? obj) => ReferenceEquals(this, obj);

    public override int GetHashCode() => RawType.GetHashCode();

    public override string ToString() => _name;
}
