namespace MLAugment.Data;

/// <summary>
/// Computes output rows from single input rows, as prediction engines need. Mirrors <c>Microsoft.ML.IRowToRowMapper</c>.
/// </summary>
public interface IRowToRowMapper
{
    DataViewSchema InputSchema { get; }

    DataViewSchema OutputSchema { get; }

    /// <summary>The input columns needed to compute the given output columns.</summary>
    IEnumerable<DataViewSchema.Column> GetDependencies(IEnumerable<DataViewSchema.Column> dependingColumns);

    /// <summary>
    /// A live row whose getters pull from <paramref name="input"/>, with only <paramref name="activeColumns"/> active.
    /// Disposing the returned row disposes <paramref name="input"/>.
    /// </summary>
    DataViewRow GetRow(DataViewRow input, IEnumerable<DataViewSchema.Column> activeColumns);
}
