namespace MLAugment.Data;

/// <summary>Factory for <see cref="VBufferEditor{T}"/>. Mirrors <c>Microsoft.ML.Data.VBufferEditor</c>.</summary>
public static class VBufferEditor
{
    /// <summary>
    /// Starts editing <paramref name="destination"/> as a buffer of <paramref name="newLogicalLength"/> with
    /// <paramref name="valuesCount"/> explicit values (dense when omitted or equal to the length). Its arrays are reused
    /// when large enough; the caller must not use <paramref name="destination"/> again until it receives the committed buffer.
    /// </summary>
    public static VBufferEditor<T> Create<T>(ref VBuffer<T> destination, int newLogicalLength, int? valuesCount = null,
        int? maxValuesCapacity = null, bool keepOldOnResize = false, bool requireIndicesOnDense = false)
    {
        int count = valuesCount ?? newLogicalLength;
        if (newLogicalLength < 0)
            throw new ArgumentOutOfRangeException(nameof(newLogicalLength), newLogicalLength, "Length must be non-negative.");
        if (count < 0 || count > newLogicalLength)
            throw new ArgumentOutOfRangeException(nameof(valuesCount), count, $"Values count must be in 0..{newLogicalLength}.");
        // Allocate room for growth when the caller knows how large the buffer will get.
        int capacity = Math.Max(count, maxValuesCapacity ?? count);

        var values = destination.RawValues;
        bool newValues = false;
        if (values is null || values.Length < count)
        {
            var fresh = new T[capacity];
            if (keepOldOnResize && values is not null)
                values.AsSpan().CopyTo(fresh);
            values = fresh;
            newValues = true;
        }

        var indices = destination.RawIndices;
        bool newIndices = false;
        bool needIndices = count < newLogicalLength || requireIndicesOnDense;
        if (needIndices && (indices is null || indices.Length < count))
        {
            var fresh = new int[capacity];
            if (keepOldOnResize && indices is not null)
                indices.AsSpan().CopyTo(fresh);
            indices = fresh;
            newIndices = true;
        }
        return new VBufferEditor<T>(newLogicalLength, count, values, indices, newValues, newIndices);
    }

    /// <summary>Edits <paramref name="destination"/> in place at its current length and sparsity.</summary>
    public static VBufferEditor<T> CreateFromBuffer<T>(ref VBuffer<T> destination)
    {
        int count = destination.GetValues().Length;
        return new VBufferEditor<T>(destination.Length, count, destination.RawValues ?? [], destination.RawIndices, false, false);
    }
}

/// <summary>
/// Write access to the arrays behind a <see cref="VBuffer{T}"/>; <see cref="Commit"/> produces the edited buffer.
/// When sparse, <see cref="Indices"/> must be filled with strictly increasing slots.
/// </summary>
public ref struct VBufferEditor<T>
{
    private readonly int _logicalLength;
    private readonly T[] _values;
    private readonly int[]? _indices;

    internal VBufferEditor(int logicalLength, int count, T[] values, int[]? indices, bool createdNewValues, bool createdNewIndices)
    {
        _logicalLength = logicalLength;
        _values = values;
        _indices = indices;
        Values = values.AsSpan(0, count);
        Indices = indices is null ? Span<int>.Empty : indices.AsSpan(0, Math.Min(count, indices.Length));
        CreatedNewValues = createdNewValues;
        CreatedNewIndices = createdNewIndices;
    }

    public Span<T> Values { get; }

    public Span<int> Indices { get; }

    /// <summary>True when the values array had to be reallocated (old contents are gone unless keepOldOnResize).</summary>
    public bool CreatedNewValues { get; }

    public bool CreatedNewIndices { get; }

    public VBuffer<T> Commit()
    {
        int count = Values.Length;
        return count == _logicalLength
            ? new VBuffer<T>(_logicalLength, _values, _indices)
            : new VBuffer<T>(_logicalLength, count, _values, _indices);
    }

    /// <summary>Commits only the first <paramref name="maxValuesCount"/> explicit values (for sparse outputs whose count was over-estimated).</summary>
    public VBuffer<T> CommitTruncated(int maxValuesCount)
    {
        if (maxValuesCount < 0 || maxValuesCount > Values.Length)
            throw new ArgumentOutOfRangeException(nameof(maxValuesCount), maxValuesCount, $"Must be in 0..{Values.Length}.");
        return maxValuesCount == _logicalLength
            ? new VBuffer<T>(_logicalLength, _values, _indices)
            : new VBuffer<T>(_logicalLength, maxValuesCount, _values, _indices);
    }
}
