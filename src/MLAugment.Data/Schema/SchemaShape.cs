using System.Collections;

namespace MLAugment.Data;

/// <summary>
/// A relaxed schema used to propagate column promises through estimators before any data is seen: names, scalar or
/// vector kind, item type and key-ness, but no vector sizes or key counts. Only visible columns are listed.
/// Mirrors <c>Microsoft.ML.SchemaShape</c>, whose constructors and <see cref="Create"/> are internal in ML.NET
/// (a port seam: see docs/mlnet-port.md).
/// </summary>
public sealed class SchemaShape : IReadOnlyList<SchemaShape.Column>
{
    private readonly Column[] _columns;

    public SchemaShape(IEnumerable<Column> columns)
    {
        _columns = columns.ToArray();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var c in _columns)
            if (!seen.Add(c.Name))
                throw new ArgumentException($"SchemaShape has two columns named '{c.Name}'.", nameof(columns));
    }

    public static SchemaShape Empty { get; } = new(Array.Empty<Column>());

    public int Count => _columns.Length;

    public Column this[int index] => _columns[index];

    public bool TryFindColumn(string name, out Column column)
    {
        foreach (var c in _columns)
        {
            if (c.Name == name)
            {
                column = c;
                return true;
            }
        }
        column = default;
        return false;
    }

    /// <summary>The shape of every visible column of <paramref name="schema"/>, annotations included.</summary>
    public static SchemaShape Create(DataViewSchema schema)
    {
        var cols = new List<Column>();
        foreach (var c in schema)
        {
            if (c.IsHidden)
                continue;
            GetColumnTypeShape(c.Type, out var kind, out var itemType, out bool isKey);
            var annotations = new List<Column>();
            foreach (var a in c.Annotations.Schema)
            {
                if (a.IsHidden)
                    continue;
                GetColumnTypeShape(a.Type, out var aKind, out var aItem, out bool aKey);
                annotations.Add(new Column(a.Name, aKind, aItem, aKey));
            }
            cols.Add(new Column(c.Name, kind, itemType, isKey, new SchemaShape(annotations)));
        }
        return new SchemaShape(cols);
    }

    /// <summary>Splits a concrete type into (vector kind, item type, is-key); key items become their raw number type.</summary>
    public static void GetColumnTypeShape(DataViewType type, out Column.VectorKind kind, out DataViewType itemType, out bool isKey)
    {
        if (type is VectorDataViewType v)
        {
            kind = v.IsKnownSize ? Column.VectorKind.Vector : Column.VectorKind.VariableVector;
            itemType = v.ItemType;
        }
        else
        {
            kind = Column.VectorKind.Scalar;
            itemType = type;
        }
        isKey = itemType is KeyDataViewType;
        if (isKey)
            itemType = NumberDataViewType.FromRawType(itemType.RawType)!;
    }

    public IEnumerator<Column> GetEnumerator() => ((IEnumerable<Column>)_columns).GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    public override string ToString() => string.Join("; ", _columns.Select(c => $"{c.Name}: {c.GetTypeString()}"));

    /// <summary>The promise for one column.</summary>
    public readonly struct Column
    {
        public enum VectorKind
        {
            Scalar,
            Vector,
            VariableVector,
        }

        public Column(string name, VectorKind vecKind, DataViewType itemType, bool isKey, SchemaShape? annotations = null)
        {
            ArgumentException.ThrowIfNullOrEmpty(name);
            ArgumentNullException.ThrowIfNull(itemType);
            if (itemType is KeyDataViewType || itemType is VectorDataViewType)
                throw new ArgumentException($"SchemaShape item type must be neither a key nor a vector (got {itemType}); use isKey and vecKind.", nameof(itemType));
            Name = name;
            Kind = vecKind;
            ItemType = itemType;
            IsKey = isKey;
            Annotations = annotations ?? Empty;
        }

        public string Name { get; }

        public VectorKind Kind { get; }

        /// <summary>The item type: never a key or vector type (a key column reports its raw number type here).</summary>
        public DataViewType ItemType { get; }

        public bool IsKey { get; }

        public SchemaShape Annotations { get; }

        /// <summary>
        /// Whether this promise is satisfied by <paramref name="source"/>: same kind, item type and key-ness, and every
        /// annotation of this column present and compatible in <paramref name="source"/>.
        /// </summary>
        public bool IsCompatibleWith(Column source)
        {
            if (Kind != source.Kind || !ItemType.Equals(source.ItemType) || IsKey != source.IsKey)
                return false;
            foreach (var a in Annotations)
                if (!source.Annotations.TryFindColumn(a.Name, out var sa) || !a.IsCompatibleWith(sa))
                    return false;
            return true;
        }

        /// <summary>"Single", "Key&lt;UInt32&gt;", "Vector&lt;Single&gt;", "VarVector&lt;String&gt;" (ML.NET's wording).</summary>
        public string GetTypeString()
        {
            string result = ItemType.ToString()!;
            if (IsKey)
                result = $"Key<{result}>";
            if (Kind == VectorKind.Vector)
                result = $"Vector<{result}>";
            else if (Kind == VectorKind.VariableVector)
                result = $"VarVector<{result}>";
            return result;
        }

        public override string ToString() => $"{Name}: {GetTypeString()}";
    }
}
