namespace MLAugment.Data;

/// <summary>
/// A fitted step: maps a view to a new lazy view. <see cref="Transform"/> only validates the schema and wraps its
/// input; work happens when cursors pull rows. Mirrors <c>Microsoft.ML.ITransformer</c>.
/// </summary>
public interface ITransformer : ICanSaveModel
{
    /// <summary>The schema <see cref="Transform"/> would produce; throws <see cref="ArgumentOutOfRangeException"/> for unsuitable input.</summary>
    DataViewSchema GetOutputSchema(DataViewSchema inputSchema);

    IDataView Transform(IDataView input);

    /// <summary>True when every output row is computed from exactly one input row (no row-count changes).</summary>
    bool IsRowToRowMapper { get; }

    /// <summary>A per-row mapper for prediction; throws <see cref="InvalidOperationException"/> when <see cref="IsRowToRowMapper"/> is false.</summary>
    IRowToRowMapper GetRowToRowMapper(DataViewSchema inputSchema);
}
