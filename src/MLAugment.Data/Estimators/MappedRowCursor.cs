namespace MLAugment.Data;

/// <summary>
/// The row (or cursor, when the input is a cursor) produced by a <see cref="RowToRowTransformerBase.MapperBase"/>:
/// input columns pass through, added columns come from the mapper's getters. Disposing it disposes the input.
/// </summary>
internal sealed class MappedRowCursor : WrappingRowCursor
{
    private readonly RowToRowTransformerBase.MapperBase _mapper;
    private readonly Delegate?[] _getters;
    private readonly Action? _disposer;

    public MappedRowCursor(RowToRowTransformerBase.MapperBase mapper, DataViewRow input, bool[] activeOutput)
        : base(input, activeOutput)
    {
        _mapper = mapper;
        _getters = mapper.CreateGetters(input, activeOutput, out _disposer);
    }

    public override DataViewSchema Schema => _mapper.OutputSchema;

    protected override ValueGetter<TValue> GetActiveGetter<TValue>(DataViewSchema.Column column)
    {
        int n = _mapper.InputSchema.Count;
        if (column.Index < n)
            return Input.GetGetter<TValue>(Input.Schema[column.Index]);
        return CursorUtils.Cast<TValue>(_getters[column.Index - n]!, column);
    }

    protected override void DisposeCore() => _disposer?.Invoke();
}
