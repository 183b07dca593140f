namespace MLAugment.Data;

/// <summary>
/// Root cursor over an in-memory view of <c>count</c> items addressed by index (optionally in a shuffled order):
/// the item index is the row's identity, so row ids agree across serial and shuffled cursors.
/// </summary>
internal abstract class IndexedCursorBase : RootCursorBase
{
    private readonly int _count;
    private readonly int[]? _order;
    private int _item = -1;

    protected IndexedCursorBase(DataViewSchema schema, bool[] active, int count, int[]? order) : base(schema, active)
    {
        _count = count;
        _order = order;
    }

    /// <summary>0..count−1 shuffled by <paramref name="rand"/>, or null (natural order) when no generator is given.</summary>
    public static int[]? ShuffledOrder(int count, Random? rand)
    {
        if (rand is null) return null;
        var order = Enumerable.Range(0, count).ToArray();
        rand.Shuffle(order);
        return order;
    }

    protected sealed override bool MoveNextCore()
    {
        long next = Position + 1;
        if (next >= _count)
            return false;
        _item = _order is null ? (int)next : _order[next];
        return true;
    }

    /// <summary>Index of the current item; throws when the cursor is not on a row.</summary>
    protected int Item()
    {
        EnsureOnRow();
        return _item;
    }

    public sealed override ValueGetter<DataViewRowId> GetIdGetter() => (ref DataViewRowId id) => id = new DataViewRowId((ulong)Item(), 0);
}
