using System.Collections;

namespace MLAugment.Data;

/// <summary>
/// The ordered, immutable list of columns of a view. Names may repeat: lookup by name finds the column with the
/// largest index and the earlier ones are <see cref="Column.IsHidden"/> (reachable by index only). This is how
/// transforms write "in place". Mirrors <c>Microsoft.ML.DataViewSchema</c>.
/// </summary>
public sealed partial class DataViewSchema : IReadOnlyList<DataViewSchema.Column>
{
    private readonly Column[] _columns;
    private readonly Dictionary<string, int> _nameToIndex;

    internal DataViewSchema(IReadOnlyList<DetachedColumn> columns)
    {
        _columns = new Column[columns.Count];
        _nameToIndex = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int i = 0; i < columns.Count; i++)
            _nameToIndex[columns[i].Name] = i;
        for (int i = 0; i < columns.Count; i++)
        {
            var c = columns[i];
            _columns[i] = new Column(c.Name, i, _nameToIndex[c.Name] != i, c.Type, c.Annotations);
        }
    }

    public int Count => _columns.Length;

    public Column this[int columnIndex]
    {
        get
        {
            if ((uint)columnIndex >= (uint)_columns.Length)
                throw new ArgumentOutOfRangeException(nameof(columnIndex), $"Column index {columnIndex} is out of range 0..{_columns.Length - 1}.");
            return _columns[columnIndex];
        }
    }

    /// <summary>The visible column named <paramref name="name"/>; throws <see cref="ArgumentOutOfRangeException"/> when absent.</summary>
    public Column this[string name] =>
        GetColumnOrNull(name) ?? throw new ArgumentOutOfRangeException(nameof(name), $"Column '{name}' not found");

    public Column? GetColumnOrNull(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return _nameToIndex.TryGetValue(name, out int i) ? _columns[i] : null;
    }

    public IEnumerator<Column> GetEnumerator() => ((IEnumerable<Column>)_columns).GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    public override string ToString() => $"{Count} columns";

    /// <summary>Builds a schema from detached column descriptions, in order.</summary>
    public static DataViewSchema Create(IEnumerable<DetachedColumn> columns) => new(columns.ToArray());

    /// <summary>A column of a schema: its name, position, type and annotations. Obtained from a schema, never constructed.</summary>
    public readonly struct Column
    {
        internal Column(string name, int index, bool isHidden, DataViewType type, Annotations annotations)
        {
            Name = name;
            Index = index;
            IsHidden = isHidden;
            Type = type;
            Annotations = annotations;
        }

        public string Name { get; }

        public int Index { get; }

        /// <summary>True when a later column of the same name shadows this one.</summary>
        public bool IsHidden { get; }

        public DataViewType Type { get; }

        public Annotations Annotations { get; }

        public override string ToString()
        {
            var kinds = Annotations.Schema.Select(c => c.Name).ToArray();
            return kinds.Length == 0 ? $"{Name}: {Type}" : $"{Name}: {Type} {{{string.Join(", ", kinds)}}}";
        }
    }

    /// <summary>A column description not yet attached to a schema (no index). Used to declare output columns.</summary>
    public readonly struct DetachedColumn
    {
        public DetachedColumn(string name, DataViewType type, Annotations? annotations = null)
        {
            ArgumentException.ThrowIfNullOrEmpty(name);
            Name = name;
            Type = type ?? throw new ArgumentNullException(nameof(type));
            Annotations = annotations ?? Annotations.Empty;
        }

        public DetachedColumn(Column column) : this(column.Name, column.Type, column.Annotations)
        {
        }

        public string Name { get; }

        public DataViewType Type { get; }

        public Annotations Annotations { get; }
    }
}
