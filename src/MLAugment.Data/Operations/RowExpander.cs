namespace MLAugment.Data;

/// <summary>
/// The per-cursor worker of a <see cref="RowExpandingTransformerBase"/>: told about each source row, it says how many
/// output rows that row yields and provides getters for the columns the transformer writes. Getters read
/// <see cref="Index"/> (0-based output index within the current source row) and <see cref="SourceRowId"/>.
/// Randomness must come from <see cref="DeriveSeed"/> so every cursoring yields the same rows.
/// </summary>
public abstract class RowExpander : IDisposable
{
    /// <summary>The output index within the current source row (0 ≤ Index &lt; the count returned by <see cref="BeginSourceRow"/>).</summary>
    public int Index { get; internal set; }

    /// <summary>The id of the current source row.</summary>
    public DataViewRowId SourceRowId { get; internal set; }

    /// <summary>Called once per source row, with the source cursor on that row: the number of output rows (≥ 0) it yields.</summary>
    public abstract int BeginSourceRow();

    /// <summary>The getter (a <see cref="ValueGetter{TValue}"/> of the column's raw type) for written column <paramref name="iinfo"/>.</summary>
    public abstract Delegate MakeGetter(int iinfo);

    /// <summary>A seed unique to (<paramref name="seed"/>, source row, <see cref="Index"/>): the same for every cursoring.</summary>
    public ulong DeriveSeed(int seed)
    {
        var id = SourceRowId.Combine(new DataViewRowId((ulong)(uint)seed, (ulong)Index));
        return id.Low ^ id.High;
    }

    public void Dispose()
    {
        Dispose(true);
        GC.SuppressFinalize(this);
    }

    protected virtual void Dispose(bool disposing)
    {
    }
}
