namespace MLAugment.Data;

/// <summary>
/// Fixed slots holding copies of rows read from a cursor (values of the active columns plus the row id), so a view
/// can hand rows out later and in another order. Vectors are deep-copied on the way out; the consumer owns what it gets.
/// </summary>
internal sealed class RowPool
{
    private readonly ColumnSlots?[] _columns;
    private readonly DataViewRowId[] _ids;
    private readonly ValueGetter<DataViewRowId> _idGetter;

    public RowPool(DataViewRowCursor source, bool[] active, int capacity)
    {
        _columns = new ColumnSlots?[source.Schema.Count];
        for (int i = 0; i < _columns.Length; i++)
        {
            if (!active[i])
                continue;
            var column = source.Schema[i];
            var raw = column.Type.RawType;
            var slotsType = raw.IsGenericType && raw.GetGenericTypeDefinition() == typeof(VBuffer<>)
                ? typeof(VBufferSlots<>).MakeGenericType(raw.GetGenericArguments()[0])
                : typeof(ValueSlots<>).MakeGenericType(raw);
            _columns[i] = (ColumnSlots)Activator.CreateInstance(slotsType, source, column, capacity)!;
        }
        _ids = new DataViewRowId[capacity];
        _idGetter = source.GetIdGetter();
    }

    /// <summary>Copies the source cursor's current row into <paramref name="slot"/>.</summary>
    public void Fill(int slot)
    {
        foreach (var c in _columns)
            c?.Fill(slot);
        _idGetter(ref _ids[slot]);
    }

    public DataViewRowId GetId(int slot) => _ids[slot];

    /// <summary>A getter reading column <paramref name="column"/> from the slot <paramref name="currentSlot"/>() returns.</summary>
    public Delegate MakeGetter(int column, Func<int> currentSlot) => _columns[column]!.MakeGetter(currentSlot);

    private abstract class ColumnSlots
    {
        public abstract void Fill(int slot);

        public abstract Delegate MakeGetter(Func<int> currentSlot);
    }

    private sealed class ValueSlots<T> : ColumnSlots
    {
        private readonly ValueGetter<T> _getter;
        private readonly T[] _values;

        public ValueSlots(DataViewRowCursor source, DataViewSchema.Column column, int capacity)
        {
            _getter = source.GetGetter<T>(column);
            _values = new T[capacity];
        }

        public override void Fill(int slot) => _getter(ref _values[slot]);

        public override Delegate MakeGetter(Func<int> currentSlot) =>
            (ValueGetter<T>)((ref T dst) => dst = _values[currentSlot()]);
    }

    private sealed class VBufferSlots<T> : ColumnSlots
    {
        private readonly ValueGetter<VBuffer<T>> _getter;
        private readonly VBuffer<T>[] _values;

        public VBufferSlots(DataViewRowCursor source, DataViewSchema.Column column, int capacity)
        {
            _getter = source.GetGetter<VBuffer<T>>(column);
            _values = new VBuffer<T>[capacity];
        }

        public override void Fill(int slot) => _getter(ref _values[slot]);

        public override Delegate MakeGetter(Func<int> currentSlot) =>
            (ValueGetter<VBuffer<T>>)((ref VBuffer<T> dst) => _values[currentSlot()].CopyTo(ref dst));
    }
}
