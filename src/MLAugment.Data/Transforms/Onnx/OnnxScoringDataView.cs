namespace MLAugment.Data.Transforms.Onnx;

/// <summary>
/// The view <see cref="OnnxTransformer.Transform"/> returns. A cursor that needs ONNX outputs reads the model inputs
/// through a second cursor running up to one batch ahead, scores that batch in one ORT call, and serves it row by row
/// while the main cursor supplies the passed-through columns; row ids are compared so the two never drift apart.
/// </summary>
internal sealed class OnnxScoringDataView : IDataView
{
    private readonly IDataView _source;
    private readonly OnnxRowMapper _mapper;
    private readonly OnnxTransformer _parent;

    public OnnxScoringDataView(IDataView source, OnnxRowMapper mapper, OnnxTransformer parent)
    {
        _source = source;
        _mapper = mapper;
        _parent = parent;
    }

    public bool CanShuffle => _source.CanShuffle;
    public DataViewSchema Schema => _mapper.OutputSchema;
    public long? GetRowCount() => _source.GetRowCount();

    public DataViewRowCursor GetRowCursor(IEnumerable<DataViewSchema.Column> columnsNeeded, Random? rand = null)
    {
        var active = CursorUtils.ActiveFlags(Schema, columnsNeeded);
        int n = _source.Schema.Count;
        var outputs = Enumerable.Range(0, _parent.Outputs.Length).Where(i => active[n + i]).ToArray();
        if (outputs.Length == 0)
            return new MappedRowCursor(_mapper, _source.GetRowCursor(CursorUtils.Columns(_source.Schema, i => active[i]).ToArray(), rand), active);
        // Both cursors get the same shuffle: a view returns the same order for equally seeded generators.
        int? seed = rand?.Next();
        var main = _source.GetRowCursor(CursorUtils.Columns(_source.Schema, i => active[i]).ToArray(), seed is { } s ? new Random(s) : null);
        var feeder = _source.GetRowCursor(_mapper.InputColumns.Select(i => _source.Schema[i]).ToArray(), seed is { } f ? new Random(f) : null);
        return new BatchingCursor(this, main, feeder, active, outputs);
    }

    public DataViewRowCursor[] GetRowCursorSet(IEnumerable<DataViewSchema.Column> columnsNeeded, int n, Random? rand = null) =>
        [GetRowCursor(columnsNeeded, rand)];

    private sealed class BatchingCursor : DataViewRowCursor
    {
        private readonly OnnxScoringDataView _view;
        private readonly DataViewRowCursor _main, _feeder;
        private readonly bool[] _active;
        private readonly int[] _outputs; // ONNX output index per run slot
        private readonly int[] _slotOfOutput;
        private readonly Action<Array, int>[] _readers;
        private readonly ValueGetter<DataViewRowId> _mainId, _feederId;
        private readonly DataViewRowId[] _batchIds;
        private Array[] _values = [];
        private int[] _rowSizes = [];
        private int _batchCount, _index;
        private bool _feederDone, _disposed;

        public BatchingCursor(OnnxScoringDataView view, DataViewRowCursor main, DataViewRowCursor feeder, bool[] active, int[] outputs)
        {
            _view = view;
            _main = main;
            _feeder = feeder;
            _active = active;
            _outputs = outputs;
            _slotOfOutput = Enumerable.Repeat(-1, view._parent.Outputs.Length).ToArray();
            for (int k = 0; k < outputs.Length; k++) _slotOfOutput[outputs[k]] = k;
            _readers = view._mapper.MakeReaders(feeder);
            _mainId = main.GetIdGetter();
            _feederId = feeder.GetIdGetter();
            _batchIds = new DataViewRowId[view._parent.BatchSize];
        }

        public override DataViewSchema Schema => _view.Schema;
        public override long Position => _main.Position;
        public override long Batch => _main.Batch;
        public override ValueGetter<DataViewRowId> GetIdGetter() => _main.GetIdGetter();

        public override bool MoveNext()
        {
            if (!_main.MoveNext()) return false;
            if (++_index >= _batchCount) FillBatch();
            DataViewRowId id = default;
            _mainId(ref id);
            if (_index >= _batchCount || !id.Equals(_batchIds[_index]))
                throw new InvalidOperationException(
                    "ApplyOnnxModel: the input view returned different rows to two cursors opened with the same arguments; an IDataView must be repeatable.");
            return true;
        }

        private void FillBatch()
        {
            var parent = _view._parent;
            var buffers = parent.Inputs.Select(b => OnnxTransformer.NewBuffer(b, parent.BatchSize)).ToArray();
            int rows = 0;
            while (rows < parent.BatchSize && !_feederDone)
            {
                if (!_feeder.MoveNext())
                {
                    _feederDone = true;
                    break;
                }
                for (int i = 0; i < _readers.Length; i++) _readers[i](buffers[i], rows);
                _feederId(ref _batchIds[rows]);
                rows++;
            }
            _index = 0;
            _batchCount = rows;
            if (rows == 0) return;
            if (rows < parent.BatchSize)
                for (int i = 0; i < buffers.Length; i++) buffers[i] = Truncate(buffers[i], rows * parent.Inputs[i].RowSize);
            (_values, _rowSizes) = parent.Run(rows, buffers, _outputs);
        }

        private static Array Truncate(Array a, int length) => a switch
        {
            float[] f => f[..length],
            long[] l => l[..length],
            int[] n => n[..length],
            _ => a,
        };

        public override bool IsColumnActive(DataViewSchema.Column column)
        {
            CursorUtils.CheckBelongs(Schema, column);
            return _active[column.Index];
        }

        public override ValueGetter<TValue> GetGetter<TValue>(DataViewSchema.Column column)
        {
            CursorUtils.CheckBelongs(Schema, column);
            if (!_active[column.Index]) throw CursorUtils.InactiveColumn(column);
            int n = _view._source.Schema.Count;
            if (column.Index < n) return _main.GetGetter<TValue>(_main.Schema[column.Index]);
            int slot = _slotOfOutput[column.Index - n];
            var raw = _view._parent.Outputs[column.Index - n].ItemType.RawType;
            Delegate getter = raw == typeof(float) ? OutputGetter<float>(slot)
                : raw == typeof(long) ? OutputGetter<long>(slot)
                : OutputGetter<int>(slot);
            return CursorUtils.Cast<TValue>(getter, column);
        }

        private ValueGetter<VBuffer<T>> OutputGetter<T>(int slot) => (ref VBuffer<T> dst) =>
        {
            if (_main.Position < 0 || _index >= _batchCount) throw CursorUtils.NotOnRow();
            OnnxRowMapper.WriteRow(_values[slot], _rowSizes[slot], _index, ref dst);
        };

        protected override void Dispose(bool disposing)
        {
            if (_disposed) return;
            _disposed = true;
            if (disposing)
            {
                _main.Dispose();
                _feeder.Dispose();
            }
            base.Dispose(disposing);
        }
    }
}
