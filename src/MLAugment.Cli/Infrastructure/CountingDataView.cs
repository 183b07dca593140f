using MLAugment.Data;

namespace MLAugment.Cli.Infrastructure;

/// <summary>
/// Passes a view through unchanged and reports each row its cursors move to: progress for consumers that read a whole
/// view without reporting (an evaluator scoring a test set).
/// </summary>
internal sealed class CountingDataView(IDataView inner, Action<long> onRow) : IDataView
{
    public bool CanShuffle => inner.CanShuffle;

    public DataViewSchema Schema => inner.Schema;

    public long? GetRowCount() => inner.GetRowCount();

    public DataViewRowCursor GetRowCursor(IEnumerable<DataViewSchema.Column> columnsNeeded, Random? rand = null) =>
        new Cursor(inner.GetRowCursor(columnsNeeded, rand), onRow);

    public DataViewRowCursor[] GetRowCursorSet(IEnumerable<DataViewSchema.Column> columnsNeeded, int n, Random? rand = null) =>
        [GetRowCursor(columnsNeeded, rand)];

    private sealed class Cursor(DataViewRowCursor inner, Action<long> onRow) : DataViewRowCursor
    {
        private long _rows;

        public override long Position => inner.Position;
        public override long Batch => inner.Batch;
        public override DataViewSchema Schema => inner.Schema;
        public override bool IsColumnActive(DataViewSchema.Column column) => inner.IsColumnActive(column);
        public override ValueGetter<TValue> GetGetter<TValue>(DataViewSchema.Column column) => inner.GetGetter<TValue>(column);
        public override ValueGetter<DataViewRowId> GetIdGetter() => inner.GetIdGetter();

        public override bool MoveNext()
        {
            if (!inner.MoveNext())
                return false;
            onRow(++_rows);
            return true;
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing)
                inner.Dispose();
            base.Dispose(disposing);
        }
    }
}
