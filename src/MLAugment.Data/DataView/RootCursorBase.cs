namespace MLAugment.Data;

/// <summary>
/// Base for cursors that produce rows themselves (not by delegating to an input cursor): keeps Position, the
/// "done" state and the active-column and type checks; subclasses supply <see cref="MoveNextCore"/> and getters.
/// </summary>
internal abstract class RootCursorBase : DataViewRowCursor
{
    private readonly bool[] _active;
    private readonly Delegate?[] _getters;
    private long _position = -1;
    private bool _done;

    protected RootCursorBase(DataViewSchema schema, bool[] active)
    {
        Schema = schema;
        _active = active;
        _getters = new Delegate?[schema.Count];
    }

    public sealed override DataViewSchema Schema { get; }

    public sealed override long Position => _position;

    public override long Batch => 0;

    protected bool IsGood => _position >= 0;

    public sealed override bool MoveNext()
    {
        if (_done)
            return false;
        if (MoveNextCore())
        {
            _position++;
            return true;
        }
        _done = true;
        _position = -1;
        return false;
    }

    protected abstract bool MoveNextCore();

    /// <summary>Builds the getter for an active column; called once per column, the delegate is then reused.</summary>
    protected abstract Delegate MakeGetter(int columnIndex);

    public sealed override bool IsColumnActive(DataViewSchema.Column column)
    {
        CursorUtils.CheckBelongs(Schema, column);
        return _active[column.Index];
    }

    public sealed override ValueGetter<TValue> GetGetter<TValue>(DataViewSchema.Column column)
    {
        CursorUtils.CheckBelongs(Schema, column);
        if (!_active[column.Index])
            throw CursorUtils.InactiveColumn(column);
        var getter = _getters[column.Index] ??= MakeGetter(column.Index);
        return CursorUtils.Cast<TValue>(getter, column);
    }

    protected void EnsureOnRow()
    {
        if (_position < 0)
            throw CursorUtils.NotOnRow();
    }

    protected override void Dispose(bool disposing)
    {
        _done = true;
        _position = -1;
        base.Dispose(disposing);
    }
}
