namespace MLAugment.Data;

/// <summary>
/// Streaming pool shuffle (<c>mlContext.Data.ShuffleRows</c>): keeps a pool of up to <c>poolSize</c> rows and emits a
/// uniformly chosen one, refilling its slot from the source. Every cursor starts from the same seed (or from the
/// <see cref="Random"/> passed in), so two cursors give the same order. When <c>shuffleSource</c> is set and the source
/// can shuffle, the source is read in shuffled order too.
/// </summary>
internal sealed class ShuffleDataView : IDataView
{
    private readonly IDataView _source;
    private readonly int _seed;
    private readonly int _poolSize;
    private readonly bool _shuffleSource;

    public ShuffleDataView(IDataView source, int seed, int poolSize, bool shuffleSource)
    {
        _source = source;
        _seed = seed;
        _poolSize = poolSize;
        _shuffleSource = shuffleSource;
    }

    public bool CanShuffle => true;

    public DataViewSchema Schema => _source.Schema;

    public long? GetRowCount() => _source.GetRowCount();

    public DataViewRowCursor GetRowCursor(IEnumerable<DataViewSchema.Column> columnsNeeded, Random? rand = null)
    {
        var active = CursorUtils.ActiveFlags(Schema, columnsNeeded);
        var random = new Random(rand?.Next() ?? _seed);
        var sourceRand = _shuffleSource && _source.CanShuffle ? new Random(random.Next()) : null;
        var input = _source.GetRowCursor(CursorUtils.Columns(Schema, i => active[i]).ToArray(), sourceRand);
        return new Cursor(input, active, _poolSize, random);
    }

    public DataViewRowCursor[] GetRowCursorSet(IEnumerable<DataViewSchema.Column> columnsNeeded, int n, Random? rand = null) =>
        [GetRowCursor(columnsNeeded, rand)];

    private sealed class Cursor : RootCursorBase
    {
        private readonly DataViewRowCursor _input;
        private readonly RowPool _pool;
        private readonly Random _random;
        private readonly int[] _filled;
        private int _count;
        private int _current = -1;
        private bool _sourceDone;

        // Slots not yet filled from the source, taken in order during the initial fill.
        private int _nextFresh;

        public Cursor(DataViewRowCursor input, bool[] active, int poolSize, Random random) : base(input.Schema, active)
        {
            _input = input;
            _random = random;
            _pool = new RowPool(input, active, poolSize);
            _filled = new int[poolSize];
        }

        protected override bool MoveNextCore()
        {
            // The slot handed out last time is free again: refill it, then top the pool up.
            if (_current >= 0)
            {
                TryRead(_current);
                _current = -1;
            }
            while (_nextFresh < _filled.Length && !_sourceDone)
                TryRead(_nextFresh++);
            if (_count == 0)
                return false;
            int j = _random.Next(_count);
            _current = _filled[j];
            _filled[j] = _filled[--_count];
            return true;
        }

        private void TryRead(int slot)
        {
            if (_sourceDone || !_input.MoveNext())
            {
                _sourceDone = true;
                return;
            }
            _pool.Fill(slot);
            _filled[_count++] = slot;
        }

        private int CurrentSlot()
        {
            EnsureOnRow();
            return _current;
        }

        protected override Delegate MakeGetter(int columnIndex) => _pool.MakeGetter(columnIndex, CurrentSlot);

        public override ValueGetter<DataViewRowId> GetIdGetter() => (ref DataViewRowId id) => id = _pool.GetId(CurrentSlot());

        protected override void Dispose(bool disposing)
        {
            if (disposing)
                _input.Dispose();
            base.Dispose(disposing);
        }
    }
}
