namespace MLAugment.Data;

/// <summary>Column position(s) in a text file; accepted for source compatibility with ML.NET input classes (this library has no text loader).</summary>
[AttributeUsage(AttributeTargets.Field | AttributeTargets.Property, AllowMultiple = false, Inherited = true)]
public sealed class LoadColumnAttribute : Attribute
{
    public LoadColumnAttribute(int fieldIndex) => Start = fieldIndex.ToString(System.Globalization.CultureInfo.InvariantCulture);

    public LoadColumnAttribute(int start, int end) => Start = $"{start}-{end}";

    public LoadColumnAttribute(int[] columnIndexes) => Start = string.Join(",", columnIndexes);

    public string Start { get; }
}

/// <summary>The column name for a field or property (default: the member name).</summary>
[AttributeUsage(AttributeTargets.Field | AttributeTargets.Property, AllowMultiple = false, Inherited = true)]
public sealed class ColumnNameAttribute : Attribute
{
    public ColumnNameAttribute(string name)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        Name = name;
    }

    public string Name { get; }
}

/// <summary>Marks an array or <see cref="VBuffer{T}"/> member as a known-size vector with the given dimensions.</summary>
[AttributeUsage(AttributeTargets.Field | AttributeTargets.Property, AllowMultiple = false, Inherited = true)]
public sealed class VectorTypeAttribute : Attribute
{
    public VectorTypeAttribute() => Dims = [];

    public VectorTypeAttribute(int size) => Dims = [size];

    public VectorTypeAttribute(params int[] dims) => Dims = dims ?? [];

    public int[] Dims { get; }

    /// <summary>The total size (0 when variable).</summary>
    public int Size => Dims.Length == 0 ? 0 : Dims.Aggregate(1, (a, b) => a * b);
}

/// <summary>Marks an unsigned integer member (or array of them) as a key with <see cref="Count"/> values (1..Count; 0 = missing).</summary>
[AttributeUsage(AttributeTargets.Field | AttributeTargets.Property, AllowMultiple = false, Inherited = true)]
public sealed class KeyTypeAttribute : Attribute
{
    public KeyTypeAttribute(ulong count)
    {
        if (count == 0)
            throw new ArgumentOutOfRangeException(nameof(count), "A key type needs a positive count.");
        Count = count;
    }

    public ulong Count { get; }
}

/// <summary>Excludes a field or property from the column mapping.</summary>
[AttributeUsage(AttributeTargets.Field | AttributeTargets.Property, AllowMultiple = false, Inherited = true)]
public sealed class NoColumnAttribute : Attribute
{
}
