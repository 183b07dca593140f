namespace MLAugment.Data;

/// <summary>
/// Keeps the rows of a source view that pass a predicate; schema and row ids are the source's, the row count becomes
/// unknown. The predicate is built per cursor from the cursor itself so it can read the columns it needs.
/// </summary>
internal sealed class FilterDataView : IDataView
{
    private readonly IDataView _source;
    private readonly DataViewSchema.Column[] _predicateColumns;
    private readonly Func<DataViewRow, Func<bool>> _makePredicate;

    /// <param name="predicateColumns">Source columns the predicate reads.</param>
    /// <param name="makePredicate">Given a source cursor, returns a predicate evaluated on its current row.</param>
    public FilterDataView(IDataView source, IEnumerable<DataViewSchema.Column> predicateColumns, Func<DataViewRow, Func<bool>> makePredicate)
    {
        _source = source;
        _predicateColumns = predicateColumns.ToArray();
        _makePredicate = makePredicate;
    }

    public bool CanShuffle => _source.CanShuffle;

    public DataViewSchema Schema => _source.Schema;

    public long? GetRowCount() => null;

    public DataViewRowCursor GetRowCursor(IEnumerable<DataViewSchema.Column> columnsNeeded, Random? rand = null)
    {
        var active = CursorUtils.ActiveFlags(Schema, columnsNeeded);
        var input = _source.GetRowCursor(SourceColumns(active), rand);
        return new Cursor(input, active, _makePredicate(input));
    }

    public DataViewRowCursor[] GetRowCursorSet(IEnumerable<DataViewSchema.Column> columnsNeeded, int n, Random? rand = null)
    {
        var active = CursorUtils.ActiveFlags(Schema, columnsNeeded);
        return _source.GetRowCursorSet(SourceColumns(active), n, rand)
            .Select(input => (DataViewRowCursor)new Cursor(input, active, _makePredicate(input)))
            .ToArray();
    }

    private IEnumerable<DataViewSchema.Column> SourceColumns(bool[] active) =>
        CursorUtils.Columns(Schema, i => active[i]).Concat(_predicateColumns).DistinctBy(c => c.Index).ToArray();

    /// <summary>Moves the input until the predicate holds; positions count the rows kept.</summary>
    private sealed class Cursor(DataViewRowCursor input, bool[] active, Func<bool> predicate) : WrappingRowCursor(input, active)
    {
        private readonly DataViewRowCursor _input = input;
        private long _position = -1;

        public override DataViewSchema Schema => Input.Schema;

        public override long Position => _position;

        public override bool MoveNext()
        {
            while (_input.MoveNext())
            {
                if (predicate())
                {
                    _position++;
                    return true;
                }
            }
            _position = -1;
            return false;
        }

        protected override ValueGetter<TValue> GetActiveGetter<TValue>(DataViewSchema.Column column) => Input.GetGetter<TValue>(column);
    }
}
