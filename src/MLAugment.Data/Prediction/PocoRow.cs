namespace MLAugment.Data;

/// <summary>A single row whose values come from the row object currently set in <see cref="Current"/>.</summary>
internal sealed class PocoRow<TRow> : DataViewRow
    where TRow : class
{
    private readonly Delegate[] _getters;
    private long _id = -1;

    public PocoRow(DataViewSchema schema, PocoColumn<TRow>[] columns)
    {
        Schema = schema;
        _getters = columns.Select(c => c.MakeGetter(() => Current ?? throw CursorUtils.NotOnRow())).ToArray();
    }

    public TRow? Current { get; private set; }

    /// <summary>Points the row at a new object; each object gets a fresh row id.</summary>
    public void Set(TRow row)
    {
        Current = row ?? throw new ArgumentNullException(nameof(row));
        _id++;
    }

    public override DataViewSchema Schema { get; }

    public override long Position => _id;

    public override long Batch => 0;

    public override bool IsColumnActive(DataViewSchema.Column column)
    {
        CursorUtils.CheckBelongs(Schema, column);
        return true;
    }

    public override ValueGetter<TValue> GetGetter<TValue>(DataViewSchema.Column column)
    {
        CursorUtils.CheckBelongs(Schema, column);
        return CursorUtils.Cast<TValue>(_getters[column.Index], column);
    }

    public override ValueGetter<DataViewRowId> GetIdGetter() => (ref DataViewRowId id) => id = new DataViewRowId((ulong)_id, 0);
}
