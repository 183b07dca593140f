namespace MLAugment.Data;

/// <summary>
/// The lazy view a <see cref="RowToRowTransformerBase"/> returns: the input's rows with the mapper's columns appended.
/// Same row count, shuffling and ids as the input.
/// </summary>
internal sealed class RowToRowMapperTransform : IDataView
{
    private readonly IDataView _source;
    private readonly RowToRowTransformerBase.MapperBase _mapper;

    public RowToRowMapperTransform(IDataView source, RowToRowTransformerBase.MapperBase mapper)
    {
        _source = source;
        _mapper = mapper;
    }

    public bool CanShuffle => _source.CanShuffle;

    public DataViewSchema Schema => _mapper.OutputSchema;

    public long? GetRowCount() => _source.GetRowCount();

    public DataViewRowCursor GetRowCursor(IEnumerable<DataViewSchema.Column> columnsNeeded, Random? rand = null)
    {
        var activeOutput = CursorUtils.ActiveFlags(Schema, columnsNeeded);
        var input = _source.GetRowCursor(InputColumns(activeOutput), rand);
        return new MappedRowCursor(_mapper, input, activeOutput);
    }

    public DataViewRowCursor[] GetRowCursorSet(IEnumerable<DataViewSchema.Column> columnsNeeded, int n, Random? rand = null)
    {
        var activeOutput = CursorUtils.ActiveFlags(Schema, columnsNeeded);
        var inputs = _source.GetRowCursorSet(InputColumns(activeOutput), n, rand);
        return inputs.Select(c => (DataViewRowCursor)new MappedRowCursor(_mapper, c, activeOutput)).ToArray();
    }

    private IEnumerable<DataViewSchema.Column> InputColumns(bool[] activeOutput)
    {
        var activeInput = _mapper.GetActiveInput(activeOutput);
        return CursorUtils.Columns(_source.Schema, i => activeInput[i]).ToArray();
    }
}
