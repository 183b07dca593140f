namespace MLAugment.Data;

/// <summary>
/// Reads a value into <paramref name="value"/>. Passing by reference lets the callee reuse the caller's buffers
/// (VBuffer arrays, images). Mirrors <c>Microsoft.ML.ValueGetter&lt;TValue&gt;</c>.
/// </summary>
public delegate void ValueGetter<TValue>(ref TValue value);

/// <summary>
/// The lazy, immutable, repeatable table at the heart of the pipeline, the analogue of <see cref="IEnumerable{T}"/>
/// for rows with a schema. Two cursors with the same arguments return the same rows and values; cursoring never
/// mutates the view, and only requested columns are computed. Implementations must be thread-safe.
/// Mirrors <c>Microsoft.ML.IDataView</c>.
/// </summary>
public interface IDataView
{
    /// <summary>Whether <see cref="GetRowCursor"/> honours a <see cref="Random"/> by shuffling.</summary>
    bool CanShuffle { get; }

    DataViewSchema Schema { get; }

    /// <summary>The number of rows if known cheaply, otherwise null ("unknown, possibly known later").</summary>
    long? GetRowCount();

    /// <summary>
    /// A cursor over all rows where only <paramref name="columnsNeeded"/> are active; asking for a getter of another
    /// column throws. <paramref name="rand"/> requests a shuffled order when <see cref="CanShuffle"/>.
    /// </summary>
    DataViewRowCursor GetRowCursor(IEnumerable<DataViewSchema.Column> columnsNeeded, Random? rand = null);

    /// <summary>
    /// Cursors that partition the rows; <paramref name="n"/> is a recommendation (≤ 0: no preference) and returning a
    /// single cursor is legal. Order is recoverable through <see cref="DataViewRow.Batch"/>.
    /// </summary>
    DataViewRowCursor[] GetRowCursorSet(IEnumerable<DataViewSchema.Column> columnsNeeded, int n, Random? rand = null);
}
