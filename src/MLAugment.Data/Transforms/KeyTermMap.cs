namespace MLAugment.Data.Transforms;

/// <summary>
/// The learned vocabulary of one <see cref="ValueToKeyMappingTransformer"/> column: terms in key order (term i has key
/// i+1) and the reverse lookup. Missing values (NaN, empty text) are never terms and map to key 0.
/// </summary>
internal abstract class KeyTermMap
{
    public abstract PrimitiveDataViewType ItemType { get; }

    public abstract int Count { get; }

    /// <summary>A getter mapping the input column of <paramref name="input"/> (scalar or vector of the item type) to keys.</summary>
    public abstract Delegate MakeGetter(DataViewRow input, DataViewSchema.Column column);

    /// <summary>Adds the KeyValues annotation: the terms themselves, or their text when <paramref name="asText"/>.</summary>
    public abstract void AddKeyValues(DataViewSchema.Annotations.Builder builder, bool asText);

    public abstract void Save(BinaryWriter writer);

    public static KeyTermMap Create(PrimitiveDataViewType itemType, IEnumerable<object> terms) =>
        (KeyTermMap)Activator.CreateInstance(typeof(KeyTermMap<>).MakeGenericType(itemType.RawType), itemType, terms)!;

    public static KeyTermMap Load(BinaryReader reader)
    {
        var type = DataViewTypeSerializer.Read(reader) as PrimitiveDataViewType
            ?? throw new InvalidDataException("Saved key vocabulary has a non-primitive item type.");
        var vector = (System.Collections.IEnumerable)typeof(KeyTermMap).GetMethod(nameof(ReadTerms), System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Static)!
            .MakeGenericMethod(type.RawType).Invoke(null, [reader, type])!;
        return Create(type, vector.Cast<object>());
    }

    private static IEnumerable<T> ReadTerms<T>(BinaryReader reader, PrimitiveDataViewType type)
    {
        int n = reader.ReadInt32();
        var vector = ValueSerializer.Read<VBuffer<T>>(reader, new VectorDataViewType(type, n));
        return vector.DenseValues().ToArray();
    }

    /// <summary>Whether <paramref name="value"/> is a missing value (never a term).</summary>
    public static bool IsMissing<T>(T value) => value switch
    {
        float f => float.IsNaN(f),
        double d => double.IsNaN(d),
        ReadOnlyMemory<char> m => m.IsEmpty,
        _ => false,
    };

    /// <summary>Equality for terms: text compares by content.</summary>
    public static IEqualityComparer<T> Comparer<T>() =>
        typeof(T) == typeof(ReadOnlyMemory<char>) ? (IEqualityComparer<T>)(object)TextComparer.Instance : EqualityComparer<T>.Default;

    /// <summary>Ordering for <see cref="ValueToKeyMappingEstimator.KeyOrdinality.ByValue"/>: numeric, or ordinal text.</summary>
    public static IComparer<T> Order<T>() =>
        typeof(T) == typeof(ReadOnlyMemory<char>) ? (IComparer<T>)(object)TextComparer.Instance : System.Collections.Generic.Comparer<T>.Default;

    private sealed class TextComparer : IEqualityComparer<ReadOnlyMemory<char>>, IComparer<ReadOnlyMemory<char>>
    {
        public static readonly TextComparer Instance = new();

        public bool Equals(ReadOnlyMemory<char> x, ReadOnlyMemory<char> y) => x.Span.SequenceEqual(y.Span);

        public int GetHashCode(ReadOnlyMemory<char> obj) => string.GetHashCode(obj.Span);

        public int Compare(ReadOnlyMemory<char> x, ReadOnlyMemory<char> y) => x.Span.SequenceCompareTo(y.Span);
    }
}

internal sealed class KeyTermMap<T> : KeyTermMap
    where T : notnull
{
    private readonly T[] _terms;
    private readonly Dictionary<T, uint> _keys;
    private readonly PrimitiveDataViewType _itemType;

    public KeyTermMap(PrimitiveDataViewType itemType, IEnumerable<object> terms)
    {
        _itemType = itemType;
        _terms = terms.Cast<T>().ToArray();
        _keys = new Dictionary<T, uint>(_terms.Length, KeyTermMap.Comparer<T>());
        for (int i = 0; i < _terms.Length; i++)
            if (!_keys.TryAdd(_terms[i], (uint)i + 1))
                throw new InvalidDataException($"Key vocabulary lists the term '{_terms[i]}' twice.");
    }

    public override PrimitiveDataViewType ItemType => _itemType;

    public override int Count => _terms.Length;

    private uint Map(T value) => _keys.TryGetValue(value, out uint key) ? key : 0;

    public override Delegate MakeGetter(DataViewRow input, DataViewSchema.Column column)
    {
        if (column.Type is VectorDataViewType)
        {
            var src = input.GetGetter<VBuffer<T>>(column);
            VBuffer<T> buffer = default;
            return (ValueGetter<VBuffer<uint>>)((ref VBuffer<uint> dst) =>
            {
                src(ref buffer);
                var editor = VBufferEditor.Create(ref dst, buffer.Length);
                int i = 0;
                foreach (var v in buffer.DenseValues())
                    editor.Values[i++] = Map(v);
                dst = editor.Commit();
            });
        }
        var scalar = input.GetGetter<T>(column);
        T value = default!;
        return (ValueGetter<uint>)((ref uint dst) =>
        {
            scalar(ref value);
            dst = Map(value);
        });
    }

    public override void AddKeyValues(DataViewSchema.Annotations.Builder builder, bool asText)
    {
        if (asText && typeof(T) != typeof(ReadOnlyMemory<char>))
        {
            var text = _terms.Select(t => (Convert.ToString(t, System.Globalization.CultureInfo.InvariantCulture) ?? "").AsMemory()).ToArray();
            builder.AddKeyValues(text.Length, TextDataViewType.Instance,
                (ref VBuffer<ReadOnlyMemory<char>> dst) => VBuffer<ReadOnlyMemory<char>>.Copy(text, 0, ref dst, text.Length));
            return;
        }
        builder.AddKeyValues(_terms.Length, _itemType, (ref VBuffer<T> dst) => VBuffer<T>.Copy(_terms, 0, ref dst, _terms.Length));
    }

    public override void Save(BinaryWriter writer)
    {
        DataViewTypeSerializer.Write(writer, _itemType);
        writer.Write(_terms.Length);
        ValueSerializer.Write(writer, new VectorDataViewType(_itemType, _terms.Length), new VBuffer<T>(_terms.Length, _terms));
    }
}
