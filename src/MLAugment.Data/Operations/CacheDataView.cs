namespace MLAugment.Data;

/// <summary>
/// An in-memory cache of a source view (<c>mlContext.Data.Cache</c>, <c>AppendCacheCheckpoint</c>): each column is read
/// from the source the first time a cursor needs it and served from memory afterwards, so expensive upstream work
/// (e.g. generated images) runs once however many epochs read it. Row ids are kept; shuffled cursors are supported
/// because rows are addressable. The source must be repeatable: columns filled by different passes must line up.
/// </summary>
internal sealed class CacheDataView : IDataView
{
    private readonly IDataView _source;
    private readonly object _gate = new();
    private readonly CachedColumn?[] _columns;
    private DataViewRowId[]? _ids;

    public CacheDataView(IDataView source, IEnumerable<string> columnsToPrefetch)
    {
        _source = source;
        _columns = new CachedColumn?[source.Schema.Count];
        var prefetch = columnsToPrefetch.Select(n => source.Schema.GetColumnOrNull(n)
            ?? throw SchemaExceptions.ExceptSchemaMismatch(nameof(columnsToPrefetch), "prefetch", n)).ToArray();
        if (prefetch.Length > 0)
            Fill(prefetch.Select(c => c.Index).ToHashSet());
    }

    public bool CanShuffle => true;

    public DataViewSchema Schema => _source.Schema;

    public long? GetRowCount()
    {
        lock (_gate)
            return _ids?.Length ?? _source.GetRowCount();
    }

    public DataViewRowCursor GetRowCursor(IEnumerable<DataViewSchema.Column> columnsNeeded, Random? rand = null)
    {
        var active = CursorUtils.ActiveFlags(Schema, columnsNeeded);
        var columns = Fill(Enumerable.Range(0, active.Length).Where(i => active[i]).ToHashSet());
        int[]? order = null;
        if (rand is not null)
        {
            order = Enumerable.Range(0, _ids!.Length).ToArray();
            rand.Shuffle(order);
        }
        return new Cursor(this, active, columns, _ids!, order);
    }

    public DataViewRowCursor[] GetRowCursorSet(IEnumerable<DataViewSchema.Column> columnsNeeded, int n, Random? rand = null) =>
        [GetRowCursor(columnsNeeded, rand)];

    /// <summary>Reads the not-yet-cached columns among <paramref name="wanted"/> in one pass; returns a snapshot of the cache.</summary>
    private CachedColumn?[] Fill(HashSet<int> wanted)
    {
        lock (_gate)
        {
            var missing = wanted.Where(i => _columns[i] is null).ToArray();
            if (missing.Length == 0 && _ids is not null)
                return (CachedColumn?[])_columns.Clone();
            using var cursor = _source.GetRowCursor(missing.Select(i => Schema[i]).ToArray());
            var fillers = missing.ToDictionary(i => i, i => CachedColumn.Create(cursor, Schema[i]));
            var id = cursor.GetIdGetter();
            var ids = new List<DataViewRowId>();
            while (cursor.MoveNext())
            {
                DataViewRowId rowId = default;
                id(ref rowId);
                ids.Add(rowId);
                foreach (var f in fillers.Values)
                    f.Append();
            }
            if (_ids is null)
            {
                _ids = ids.ToArray();
            }
            else if (ids.Count != _ids.Length || !ids.SequenceEqual(_ids))
            {
                throw new InvalidOperationException(
                    $"The cached source returned {ids.Count} rows on this pass but {_ids.Length} before, or in another order; a cached view must be repeatable.");
            }
            foreach (var (i, f) in fillers)
                _columns[i] = f;
            return (CachedColumn?[])_columns.Clone();
        }
    }

    private abstract class CachedColumn
    {
        public static CachedColumn Create(DataViewRowCursor cursor, DataViewSchema.Column column)
        {
            var raw = column.Type.RawType;
            var type = raw.IsGenericType && raw.GetGenericTypeDefinition() == typeof(VBuffer<>)
                ? typeof(VectorColumn<>).MakeGenericType(raw.GetGenericArguments()[0])
                : typeof(ValueColumn<>).MakeGenericType(raw);
            return (CachedColumn)Activator.CreateInstance(type, cursor, column)!;
        }

        public abstract void Append();

        public abstract Delegate MakeGetter(Func<int> row);
    }

    private sealed class ValueColumn<T> : CachedColumn
    {
        private readonly ValueGetter<T> _getter;
        private readonly List<T> _values = [];

        public ValueColumn(DataViewRowCursor cursor, DataViewSchema.Column column) => _getter = cursor.GetGetter<T>(column);

        public override void Append()
        {
            T value = default!;
            _getter(ref value);
            _values.Add(value);
        }

        public override Delegate MakeGetter(Func<int> row) => (ValueGetter<T>)((ref T dst) => dst = _values[row()]);
    }

    private sealed class VectorColumn<T> : CachedColumn
    {
        private readonly ValueGetter<VBuffer<T>> _getter;
        private readonly List<VBuffer<T>> _values = [];

        public VectorColumn(DataViewRowCursor cursor, DataViewSchema.Column column) => _getter = cursor.GetGetter<VBuffer<T>>(column);

        // A fresh buffer per row: the cache owns its copies.
        public override void Append()
        {
            VBuffer<T> value = default;
            _getter(ref value);
            _values.Add(value);
        }

        public override Delegate MakeGetter(Func<int> row) =>
            (ValueGetter<VBuffer<T>>)((ref VBuffer<T> dst) => _values[row()].CopyTo(ref dst));
    }

    private sealed class Cursor : RootCursorBase
    {
        private readonly CachedColumn?[] _columns;
        private readonly DataViewRowId[] _ids;
        private readonly int[]? _order;
        private int _row = -1;

        public Cursor(CacheDataView parent, bool[] active, CachedColumn?[] columns, DataViewRowId[] ids, int[]? order)
            : base(parent.Schema, active)
        {
            _columns = columns;
            _ids = ids;
            _order = order;
        }

        protected override bool MoveNextCore()
        {
            long next = Position + 1;
            if (next >= _ids.Length)
                return false;
            _row = _order is null ? (int)next : _order[next];
            return true;
        }

        private int Row()
        {
            EnsureOnRow();
            return _row;
        }

        protected override Delegate MakeGetter(int columnIndex) => _columns[columnIndex]!.MakeGetter(Row);

        public override ValueGetter<DataViewRowId> GetIdGetter() => (ref DataViewRowId id) => id = _ids[Row()];
    }
}
