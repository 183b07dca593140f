namespace MLAugment.Data;

/// <summary>Applies several row-to-row mappers in sequence to one row (the mapper of a transformer chain).</summary>
internal sealed class CompositeRowToRowMapper : IRowToRowMapper
{
    private readonly IRowToRowMapper[] _mappers;

    public CompositeRowToRowMapper(DataViewSchema inputSchema, IRowToRowMapper[] mappers)
    {
        InputSchema = inputSchema;
        _mappers = mappers;
        OutputSchema = mappers.Length == 0 ? inputSchema : mappers[^1].OutputSchema;
    }

    public DataViewSchema InputSchema { get; }

    public DataViewSchema OutputSchema { get; }

    public IEnumerable<DataViewSchema.Column> GetDependencies(IEnumerable<DataViewSchema.Column> dependingColumns)
    {
        var needed = dependingColumns;
        for (int i = _mappers.Length - 1; i >= 0; i--)
            needed = _mappers[i].GetDependencies(needed).ToArray();
        return needed;
    }

    public DataViewRow GetRow(DataViewRow input, IEnumerable<DataViewSchema.Column> activeColumns)
    {
        if (_mappers.Length == 0)
            return input;
        // Walk backwards to learn which columns each stage must expose, then build rows forwards.
        var active = new IEnumerable<DataViewSchema.Column>[_mappers.Length];
        active[^1] = activeColumns.ToArray();
        for (int i = _mappers.Length - 1; i > 0; i--)
            active[i - 1] = _mappers[i].GetDependencies(active[i]).ToArray();
        var row = input;
        for (int i = 0; i < _mappers.Length; i++)
            row = _mappers[i].GetRow(row, active[i]);
        return row;
    }
}
