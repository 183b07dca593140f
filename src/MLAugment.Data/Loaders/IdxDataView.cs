namespace MLAugment.Data;

/// <summary>
/// In-memory IDX images and labels: <c>Label</c> (key, 1-based, with <c>KeyValues</c> class names) and <c>Image</c>
/// (vector of rows×cols pixels as <c>Single</c> 0..255 or <c>Byte</c>). Row ids are the item index.
/// </summary>
internal sealed class IdxDataView : IDataView
{
    private readonly ArraySegment<byte> _pixels;
    private readonly ArraySegment<byte> _labels;
    private readonly int _pixelsPerImage;
    private readonly bool _asBytes;

    public IdxDataView(ArraySegment<byte> pixels, ArraySegment<byte> labels, int rows, int cols, string[] classNames, bool asBytes)
    {
        _pixels = pixels;
        _labels = labels;
        _pixelsPerImage = rows * cols;
        _asBytes = asBytes;

        var names = classNames.Select(n => n.AsMemory()).ToArray();
        var keyValues = new DataViewSchema.Annotations.Builder();
        keyValues.AddKeyValues(names.Length, TextDataViewType.Instance,
            (ref VBuffer<ReadOnlyMemory<char>> dst) => VBuffer<ReadOnlyMemory<char>>.Copy(names, 0, ref dst, names.Length));
        var builder = new DataViewSchema.Builder();
        builder.AddColumn("Label", new KeyDataViewType(typeof(uint), names.Length), keyValues.ToAnnotations());
        builder.AddColumn("Image", new VectorDataViewType(asBytes ? NumberDataViewType.Byte : NumberDataViewType.Single, rows, cols));
        Schema = builder.ToSchema();
    }

    public bool CanShuffle => true;

    public DataViewSchema Schema { get; }

    public long? GetRowCount() => _labels.Count;

    public DataViewRowCursor GetRowCursor(IEnumerable<DataViewSchema.Column> columnsNeeded, Random? rand = null) =>
        new Cursor(this, CursorUtils.ActiveFlags(Schema, columnsNeeded), IndexedCursorBase.ShuffledOrder(_labels.Count, rand));

    public DataViewRowCursor[] GetRowCursorSet(IEnumerable<DataViewSchema.Column> columnsNeeded, int n, Random? rand = null) =>
        [GetRowCursor(columnsNeeded, rand)];

    private sealed class Cursor : IndexedCursorBase
    {
        private readonly IdxDataView _parent;

        public Cursor(IdxDataView parent, bool[] active, int[]? order) : base(parent.Schema, active, parent._labels.Count, order)
        {
            _parent = parent;
        }

        protected override Delegate MakeGetter(int columnIndex)
        {
            if (columnIndex == 0)
                return (ValueGetter<uint>)((ref uint key) => key = _parent._labels[Item()] + 1u);
            int n = _parent._pixelsPerImage;
            if (_parent._asBytes)
                return (ValueGetter<VBuffer<byte>>)((ref VBuffer<byte> dst) =>
                {
                    var editor = VBufferEditor.Create(ref dst, n);
                    _parent._pixels.AsSpan(Item() * n, n).CopyTo(editor.Values);
                    dst = editor.Commit();
                });
            return (ValueGetter<VBuffer<float>>)((ref VBuffer<float> dst) =>
            {
                var src = _parent._pixels.AsSpan(Item() * n, n);
                var editor = VBufferEditor.Create(ref dst, n);
                for (int i = 0; i < n; i++)
                    editor.Values[i] = src[i];
                dst = editor.Commit();
            });
        }
    }
}
