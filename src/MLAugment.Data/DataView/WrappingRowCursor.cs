namespace MLAugment.Data;

/// <summary>
/// A cursor over an input row or cursor whose position, batch, row ids and movement are the input's (a subclass may
/// move differently, e.g. skip rows), with a fixed set of active columns. Subclasses say where an active column's
/// values come from; disposing the cursor disposes the input, once.
/// </summary>
internal abstract class WrappingRowCursor : DataViewRowCursor
{
    private readonly bool[] _active;
    private bool _disposed;

    protected WrappingRowCursor(DataViewRow input, bool[] active)
    {
        Input = input;
        _active = active;
    }

    /// <summary>The wrapped row or cursor.</summary>
    protected DataViewRow Input { get; }

    public override long Position => Input.Position;

    public override long Batch => Input.Batch;

    public override bool MoveNext() =>
        Input is DataViewRowCursor cursor ? cursor.MoveNext() : throw new InvalidOperationException("This row was made from a single input row and cannot move.");

    public override ValueGetter<DataViewRowId> GetIdGetter() => Input.GetIdGetter();

    public override bool IsColumnActive(DataViewSchema.Column column)
    {
        CursorUtils.CheckBelongs(Schema, column);
        return _active[column.Index];
    }

    public sealed override ValueGetter<TValue> GetGetter<TValue>(DataViewSchema.Column column)
    {
        CursorUtils.CheckBelongs(Schema, column);
        if (!_active[column.Index])
            throw CursorUtils.InactiveColumn(column);
        return GetActiveGetter<TValue>(column);
    }

    /// <summary>The getter of <paramref name="column"/>, which belongs to <see cref="DataViewRow.Schema"/> and is active.</summary>
    protected abstract ValueGetter<TValue> GetActiveGetter<TValue>(DataViewSchema.Column column);

    /// <summary>Releases what the subclass holds; runs once, before the input is disposed.</summary>
    protected virtual void DisposeCore()
    {
    }

    protected sealed override void Dispose(bool disposing)
    {
        if (_disposed)
            return;
        _disposed = true;
        if (disposing)
        {
            DisposeCore();
            Input.Dispose();
        }
        base.Dispose(disposing);
    }
}
