namespace MLAugment.Data;

/// <summary>
/// A lazy view over a sequence of row objects (<c>mlContext.Data.LoadFromEnumerable</c>). Lists give a known row count
/// and shuffled cursors; other sequences are streamed and must yield the same rows each time they are enumerated.
/// Row ids are the row's position in the sequence.
/// </summary>
internal sealed class EnumerableDataView<TRow> : IDataView
    where TRow : class
{
    private readonly IEnumerable<TRow> _data;
    private readonly IReadOnlyList<TRow>? _list;
    private readonly PocoColumn<TRow>[] _columns;

    public EnumerableDataView(IEnumerable<TRow> data)
    {
        _data = data ?? throw new ArgumentNullException(nameof(data));
        _list = data as IReadOnlyList<TRow> ?? (data is IList<TRow> l ? new ListAdapter(l) : null);
        _columns = PocoSchema<TRow>.Columns.Where(c => c.CanRead).ToArray();
        var builder = new DataViewSchema.Builder();
        foreach (var c in _columns)
            builder.AddColumn(c.Name, c.Type);
        Schema = builder.ToSchema();
    }

    public bool CanShuffle => _list is not null;

    public DataViewSchema Schema { get; }

    public long? GetRowCount() => _list?.Count;

    public DataViewRowCursor GetRowCursor(IEnumerable<DataViewSchema.Column> columnsNeeded, Random? rand = null)
    {
        var active = CursorUtils.ActiveFlags(Schema, columnsNeeded);
        return new Cursor(this, active, _list is not null && rand is not null ? Permutation(_list.Count, rand) : null);
    }

    public DataViewRowCursor[] GetRowCursorSet(IEnumerable<DataViewSchema.Column> columnsNeeded, int n, Random? rand = null) =>
        [GetRowCursor(columnsNeeded, rand)];

    private static int[] Permutation(int n, Random rand)
    {
        var perm = new int[n];
        for (int i = 0; i < n; i++)
            perm[i] = i;
        for (int i = n - 1; i > 0; i--)
        {
            int j = rand.Next(i + 1);
            (perm[i], perm[j]) = (perm[j], perm[i]);
        }
        return perm;
    }

    private sealed class ListAdapter(IList<TRow> list) : IReadOnlyList<TRow>
    {
        public TRow this[int index] => list[index];

        public int Count => list.Count;

        public IEnumerator<TRow> GetEnumerator() => list.GetEnumerator();

        System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();
    }

    private sealed class Cursor : RootCursorBase
    {
        private readonly EnumerableDataView<TRow> _parent;
        private readonly int[]? _order;
        private readonly IEnumerator<TRow>? _enumerator;
        private long _index = -1;
        private TRow? _current;

        public Cursor(EnumerableDataView<TRow> parent, bool[] active, int[]? order) : base(parent.Schema, active)
        {
            _parent = parent;
            _order = order;
            if (parent._list is null)
                _enumerator = parent._data.GetEnumerator();
        }

        protected override bool MoveNextCore()
        {
            TRow? next;
            if (_enumerator is not null)
            {
                if (!_enumerator.MoveNext())
                    return false;
                next = _enumerator.Current;
                _index++;
            }
            else
            {
                var list = _parent._list!;
                if (Position + 1 >= list.Count)
                    return false;
                _index = _order is null ? Position + 1 : _order[Position + 1];
                next = list[(int)_index];
            }
            _current = next ?? throw new InvalidOperationException($"Row {_index} of the {typeof(TRow).Name} sequence is null.");
            return true;
        }

        private TRow Current()
        {
            EnsureOnRow();
            return _current!;
        }

        protected override Delegate MakeGetter(int columnIndex) => _parent._columns[columnIndex].MakeGetter(Current);

        public override ValueGetter<DataViewRowId> GetIdGetter() =>
            (ref DataViewRowId id) =>
            {
                EnsureOnRow();
                id = new DataViewRowId((ulong)_index, 0);
            };

        protected override void Dispose(bool disposing)
        {
            if (disposing)
                _enumerator?.Dispose();
            base.Dispose(disposing);
        }
    }
}
