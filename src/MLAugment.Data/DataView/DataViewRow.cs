namespace MLAugment.Data;

/// <summary>
/// One row of values with a schema, read through typed getters. Getters may be asked for only for active columns,
/// and only with <c>TValue == column.Type.RawType</c>; anything else throws rather than converting silently.
/// Mirrors <c>Microsoft.ML.DataViewRow</c>.
/// </summary>
public abstract class DataViewRow : IDisposable
{
    /// <summary>The row's position within this cursor (not the data): −1 before the first and after the last row.</summary>
    public abstract long Position { get; }

    /// <summary>Reconciles parallel cursor sets: non-decreasing within a cursor, unique to one cursor of a set.</summary>
    public abstract long Batch { get; }

    public abstract DataViewSchema Schema { get; }

    public abstract bool IsColumnActive(DataViewSchema.Column column);

    public abstract ValueGetter<TValue> GetGetter<TValue>(DataViewSchema.Column column);

    /// <summary>A getter for the row's 128-bit id, consistent across all cursorings of the same view.</summary>
    public abstract ValueGetter<DataViewRowId> GetIdGetter();

    public void Dispose()
    {
        Dispose(true);
        GC.SuppressFinalize(this);
    }

    protected virtual void Dispose(bool disposing)
    {
    }
}

/// <summary>A forward-only <see cref="DataViewRow"/>; call <see cref="MoveNext"/> once to reach the first row.</summary>
public abstract class DataViewRowCursor : DataViewRow
{
    public abstract bool MoveNext();
}
