namespace MLAugment.Data;

/// <summary>The lazy view a <see cref="RowExpandingTransformerBase"/> returns (see there for the contract).</summary>
internal sealed class RowExpandingDataView : IDataView
{
    private readonly RowExpandingTransformerBase _parent;
    private readonly IDataView _source;
    private readonly RowExpandingTransformerBase.Bindings _bindings;

    public RowExpandingDataView(RowExpandingTransformerBase parent, IDataView source, RowExpandingTransformerBase.Bindings bindings)
    {
        _parent = parent;
        _source = source;
        _bindings = bindings;
    }

    public bool CanShuffle => false;

    public DataViewSchema Schema => _bindings.OutputSchema;

    public long? GetRowCount() =>
        _parent.FixedRowsPerSourceRow is int k && _source.GetRowCount() is long n ? n * k : null;

    public DataViewRowCursor GetRowCursor(IEnumerable<DataViewSchema.Column> columnsNeeded, Random? rand = null)
    {
        var active = CursorUtils.ActiveFlags(Schema, columnsNeeded);
        var activeWritten = new bool[_bindings.Written.Length];
        var sourceActive = new HashSet<int>();
        for (int i = 0; i < active.Length; i++)
        {
            if (!active[i])
                continue;
            int s = _bindings.Sources[i];
            if (s >= 0)
                sourceActive.Add(s);
            else if (s != RowExpandingTransformerBase.Bindings.GeneratedKey)
                activeWritten[-1 - s] = true;
        }
        foreach (var name in _parent.SourceColumnsNeeded(_source.Schema, i => activeWritten[i]))
        {
            var c = _source.Schema.GetColumnOrNull(name)
                ?? throw SchemaExceptions.ExceptSchemaMismatch("inputSchema", "input", name);
            sourceActive.Add(c.Index);
        }
        var input = _source.GetRowCursor(sourceActive.Select(i => _source.Schema[i]).ToArray());
        return new Cursor(this, input, active, activeWritten);
    }

    public DataViewRowCursor[] GetRowCursorSet(IEnumerable<DataViewSchema.Column> columnsNeeded, int n, Random? rand = null) =>
        [GetRowCursor(columnsNeeded, rand)];

    private sealed class Cursor : RootCursorBase
    {
        private readonly RowExpandingDataView _view;
        private readonly DataViewRowCursor _input;
        private readonly RowExpander _expander;
        private readonly ValueGetter<DataViewRowId> _sourceId;
        private int _remaining;
        private int _count;

        public Cursor(RowExpandingDataView view, DataViewRowCursor input, bool[] active, bool[] activeWritten)
            : base(view.Schema, active)
        {
            _view = view;
            _input = input;
            _sourceId = input.GetIdGetter();
            _expander = view._parent.NewExpander(input, i => activeWritten[i]);
        }

        protected override bool MoveNextCore()
        {
            while (_remaining == 0)
            {
                if (!_input.MoveNext())
                    return false;
                DataViewRowId id = default;
                _sourceId(ref id);
                _expander.SourceRowId = id;
                _expander.Index = 0;
                _count = _expander.BeginSourceRow();
                if (_count < 0)
                    throw new InvalidOperationException($"{_view._parent.GetType().Name} asked for {_count} rows from one source row.");
                _remaining = _count;
            }
            _expander.Index = _count - _remaining;
            _remaining--;
            return true;
        }

        protected override Delegate MakeGetter(int columnIndex)
        {
            int s = _view._bindings.Sources[columnIndex];
            if (s == RowExpandingTransformerBase.Bindings.GeneratedKey)
                return (ValueGetter<DataViewRowId>)((ref DataViewRowId dst) =>
                {
                    EnsureOnRow();
                    dst = _expander.SourceRowId;
                });
            if (s < 0)
                return _expander.MakeGetter(-1 - s);
            var col = _input.Schema[s];
            var method = typeof(DataViewRow).GetMethod(nameof(DataViewRow.GetGetter))!.MakeGenericMethod(col.Type.RawType);
            return (Delegate)method.Invoke(_input, [col])!;
        }

        public override ValueGetter<DataViewRowId> GetIdGetter() =>
            (ref DataViewRowId id) =>
            {
                EnsureOnRow();
                id = _expander.SourceRowId.Combine(new DataViewRowId((ulong)_expander.Index, 0));
            };

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                _expander.Dispose();
                _input.Dispose();
            }
            base.Dispose(disposing);
        }
    }
}
