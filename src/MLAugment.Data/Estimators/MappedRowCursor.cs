namespace MLAugment.Data;

/// <summary>
/// The row (or cursor, when the input is a cursor) produced by a <see cref="RowToRowTransformerBase.MapperBase"/>:
/// input columns pass through, added columns come from the mapper's getters. Disposing it disposes the input.
/// </summary>
internal sealed class MappedRowCursor : DataViewRowCursor
{
    private readonly RowToRowTransformerBase.MapperBase _mapper;
    private readonly DataViewRow _input;
    private readonly bool[] _active;
    private readonly Delegate?[] _getters;
    private readonly Action? _disposer;
    private bool _disposed;

    public MappedRowCursor(RowToRowTransformerBase.MapperBase mapper, DataViewRow input, bool[] activeOutput)
    {
        _mapper = mapper;
        _input = input;
        _active = activeOutput;
        _getters = mapper.CreateGetters(input, activeOutput, out _disposer);
    }

    public override DataViewSchema Schema => _mapper.OutputSchema;

    public override long Position => _input.Position;

    public override long Batch => _input.Batch;

    public override bool MoveNext() =>
        _input is DataViewRowCursor cursor ? cursor.MoveNext() : throw new InvalidOperationException("This row was made from a single input row and cannot move.");

    public override ValueGetter<DataViewRowId> GetIdGetter() => _input.GetIdGetter();

    public override bool IsColumnActive(DataViewSchema.Column column)
    {
        CursorUtils.CheckBelongs(Schema, column);
        return _active[column.Index];
    }

    public override ValueGetter<TValue> GetGetter<TValue>(DataViewSchema.Column column)
    {
        CursorUtils.CheckBelongs(Schema, column);
        if (!_active[column.Index])
            throw CursorUtils.InactiveColumn(column);
        int n = _mapper.InputSchema.Count;
        if (column.Index < n)
            return _input.GetGetter<TValue>(_input.Schema[column.Index]);
        return CursorUtils.Cast<TValue>(_getters[column.Index - n]!, column);
    }

    protected override void Dispose(bool disposing)
    {
        if (_disposed)
            return;
        _disposed = true;
        if (disposing)
        {
            _disposer?.Invoke();
            _input.Dispose();
        }
        base.Dispose(disposing);
    }
}
