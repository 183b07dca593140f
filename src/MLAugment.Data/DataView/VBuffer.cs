namespace MLAugment.Data;

/// <summary>
/// A vector value that is either dense or sparse. A sparse buffer means "dense, with <c>default(T)</c> wherever no
/// index is listed". The buffer takes ownership of the arrays passed in; mutate through <see cref="VBufferEditor"/>,
/// which reuses those arrays. <typeparamref name="T"/> must be copyable by assignment (no buffers of buffers).
/// Mirrors <c>Microsoft.ML.Data.VBuffer&lt;T&gt;</c>.
/// </summary>
public readonly struct VBuffer<T>
{
    private readonly T[]? _values;
    private readonly int[]? _indices;
    private readonly int _count;

    /// <summary>Creates a dense buffer of <paramref name="length"/> items backed by <paramref name="values"/>.</summary>
    public VBuffer(int length, T[] values, int[]? indices = null)
    {
        if (length < 0) throw new ArgumentOutOfRangeException(nameof(length), length, "Length must be non-negative.");
        if (length > 0 && (values is null || values.Length < length))
            throw new ArgumentException($"A dense VBuffer of length {length} needs at least {length} values, got {values?.Length ?? 0}.", nameof(values));
        Length = length;
        _count = length;
        _values = values;
        _indices = indices;
    }

    /// <summary>Creates a sparse buffer with <paramref name="count"/> explicit items at strictly increasing indices.</summary>
    public VBuffer(int length, int count, T[] values, int[]? indices)
    {
        if (length < 0) throw new ArgumentOutOfRangeException(nameof(length), length, "Length must be non-negative.");
        if (count < 0 || count > length) throw new ArgumentOutOfRangeException(nameof(count), count, $"Count must be in 0..{length}.");
        if (count > 0 && (values is null || values.Length < count))
            throw new ArgumentException($"VBuffer needs at least {count} values, got {values?.Length ?? 0}.", nameof(values));
        if (count < length)
        {
            if (count > 0 && (indices is null || indices.Length < count))
                throw new ArgumentException($"A sparse VBuffer with {count} items needs at least {count} indices, got {indices?.Length ?? 0}.", nameof(indices));
            for (int i = 0; i < count; i++)
            {
                int prev = i == 0 ? -1 : indices![i - 1];
                if (indices![i] <= prev || indices[i] >= length)
                    throw new ArgumentException($"Sparse indices must be strictly increasing in 0..{length - 1}; index {i} is {indices[i]}.", nameof(indices));
            }
        }
        Length = length;
        _count = count;
        _values = values;
        _indices = indices;
    }

    /// <summary>The logical length of the vector.</summary>
    public int Length { get; }

    public bool IsDense => _count == Length;

    /// <summary>The explicitly stored values (all of them when dense).</summary>
    public ReadOnlySpan<T> GetValues() => _values is null ? ReadOnlySpan<T>.Empty : _values.AsSpan(0, _count);

    /// <summary>The indices of the stored values; empty when dense.</summary>
    public ReadOnlySpan<int> GetIndices() => IsDense || _indices is null ? ReadOnlySpan<int>.Empty : _indices.AsSpan(0, _count);

    /// <summary>All <see cref="Length"/> values, densified.</summary>
    public IEnumerable<T> DenseValues()
    {
        if (IsDense)
        {
            for (int i = 0; i < Length; i++)
                yield return _values![i];
            yield break;
        }
        int next = 0;
        for (int i = 0; i < Length; i++)
        {
            if (next < _count && _indices![next] == i)
                yield return _values![next++];
            else
                yield return default!;
        }
    }

    /// <summary>Index/value pairs: the explicit ones, or every slot when <paramref name="all"/> is true.</summary>
    public IEnumerable<KeyValuePair<int, T>> Items(bool all = false)
    {
        if (all || IsDense)
        {
            int i = 0;
            foreach (var v in DenseValues())
                yield return new KeyValuePair<int, T>(i++, v);
            yield break;
        }
        for (int i = 0; i < _count; i++)
            yield return new KeyValuePair<int, T>(_indices![i], _values![i]);
    }

    public T GetItemOrDefault(int slot)
    {
        if ((uint)slot >= (uint)Length)
            throw new ArgumentOutOfRangeException(nameof(slot), slot, $"Slot must be in 0..{Length - 1}.");
        if (IsDense)
            return _values![slot];
        int found = _indices is null ? -1 : Array.BinarySearch(_indices, 0, _count, slot);
        return found >= 0 ? _values![found] : default!;
    }

    public void GetItemOrDefault(int slot, ref T dst) => dst = GetItemOrDefault(slot);

    /// <summary>Copies into <paramref name="destination"/>, reusing its arrays; keeps sparsity.</summary>
    public void CopyTo(ref VBuffer<T> destination)
    {
        var editor = VBufferEditor.Create(ref destination, Length, _count);
        GetValues().CopyTo(editor.Values);
        if (!IsDense)
            GetIndices().CopyTo(editor.Indices);
        destination = editor.Commit();
    }

    /// <summary>Copies into <paramref name="destination"/> as a dense vector, reusing its arrays.</summary>
    public void CopyToDense(ref VBuffer<T> destination)
    {
        var editor = VBufferEditor.Create(ref destination, Length);
        CopyTo(editor.Values);
        destination = editor.Commit();
    }

    /// <summary>Writes all <see cref="Length"/> values, densified, to the start of <paramref name="destination"/>.</summary>
    public void CopyTo(Span<T> destination) => CopyTo(destination, 0);

    public void CopyTo(Span<T> destination, int destinationIndex, T defaultValue = default!)
    {
        if (destinationIndex < 0 || destination.Length - destinationIndex < Length)
            throw new ArgumentException($"Destination needs room for {Length} items at offset {destinationIndex}, has {destination.Length}.", nameof(destination));
        var dst = destination.Slice(destinationIndex, Length);
        if (IsDense)
        {
            GetValues().CopyTo(dst);
            return;
        }
        dst.Fill(defaultValue);
        for (int i = 0; i < _count; i++)
            dst[_indices![i]] = _values![i];
    }

    /// <summary>Creates a dense buffer copy of <paramref name="length"/> items of <paramref name="source"/> starting at <paramref name="sourceIndex"/>.</summary>
    public static void Copy(T[] source, int sourceIndex, ref VBuffer<T> destination, int length)
    {
        ArgumentNullException.ThrowIfNull(source);
        if (sourceIndex < 0 || length < 0 || sourceIndex + length > source.Length)
            throw new ArgumentOutOfRangeException(nameof(length), $"Cannot copy {length} items from offset {sourceIndex} of an array of {source.Length}.");
        var editor = VBufferEditor.Create(ref destination, length);
        source.AsSpan(sourceIndex, length).CopyTo(editor.Values);
        destination = editor.Commit();
    }

    internal T[]? RawValues => _values;

    internal int[]? RawIndices => _indices;

    public override string ToString() => IsDense ? $"Dense[{Length}]" : $"Sparse[{_count}/{Length}]";
}
