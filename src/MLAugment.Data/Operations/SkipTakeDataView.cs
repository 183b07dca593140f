namespace MLAugment.Data;

/// <summary>Skips the first <c>skip</c> rows of a source view and keeps at most <c>take</c> of the rest, in order.</summary>
internal sealed class SkipTakeDataView : IDataView
{
    private readonly IDataView _source;
    private readonly long _skip;
    private readonly long _take;

    public SkipTakeDataView(IDataView source, long skip, long take)
    {
        _source = source;
        _skip = skip;
        _take = take;
    }

    public bool CanShuffle => false;

    public DataViewSchema Schema => _source.Schema;

    public long? GetRowCount() =>
        _source.GetRowCount() is long n ? Math.Max(0, Math.Min(_take, n - _skip)) : null;

    public DataViewRowCursor GetRowCursor(IEnumerable<DataViewSchema.Column> columnsNeeded, Random? rand = null) =>
        new Cursor(_source.GetRowCursor(columnsNeeded), _skip, _take);

    public DataViewRowCursor[] GetRowCursorSet(IEnumerable<DataViewSchema.Column> columnsNeeded, int n, Random? rand = null) =>
        [GetRowCursor(columnsNeeded, rand)];

    private sealed class Cursor : DataViewRowCursor
    {
        private readonly DataViewRowCursor _input;
        private long _toSkip;
        private readonly long _take;
        private long _position = -1;
        private bool _done;

        public Cursor(DataViewRowCursor input, long skip, long take)
        {
            _input = input;
            _toSkip = skip;
            _take = take;
        }

        public override DataViewSchema Schema => _input.Schema;

        public override long Position => _position;

        public override long Batch => 0;

        public override bool MoveNext()
        {
            if (_done || _position + 1 >= _take)
                return Done();
            while (_toSkip > 0)
            {
                if (!_input.MoveNext())
                    return Done();
                _toSkip--;
            }
            if (!_input.MoveNext())
                return Done();
            _position++;
            return true;
        }

        private bool Done()
        {
            _position = -1;
            _done = true;
            return false;
        }

        public override ValueGetter<DataViewRowId> GetIdGetter() => _input.GetIdGetter();

        public override bool IsColumnActive(DataViewSchema.Column column) => _input.IsColumnActive(column);

        public override ValueGetter<TValue> GetGetter<TValue>(DataViewSchema.Column column) => _input.GetGetter<TValue>(column);

        protected override void Dispose(bool disposing)
        {
            if (disposing)
                _input.Dispose();
            base.Dispose(disposing);
        }
    }
}
