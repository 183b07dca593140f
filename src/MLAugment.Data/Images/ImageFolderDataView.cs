namespace MLAugment.Data;

/// <summary>
/// The files of an image folder as rows: <c>ImagePath</c> (text, full path) and, when labelled, <c>Label</c> (text, or a
/// key whose <c>KeyValues</c> are the class names in ordinal order). The listing is taken once, when the view is made,
/// and sorted, so every cursor sees the same rows in the same order. Row ids are the row index.
/// </summary>
internal sealed class ImageFolderDataView : IDataView
{
    /// <summary>The file extensions the codecs can decode (content is sniffed on load; these only select files).</summary>
    public static readonly IReadOnlySet<string> SupportedExtensions = new HashSet<string>(StringComparer.OrdinalIgnoreCase)
    {
        ".png", ".jpg", ".jpeg", ".jpe", ".jfif", ".bmp", ".dib", ".pbm", ".pgm", ".ppm", ".pnm",
    };

    private readonly string[] _paths;
    private readonly int[]? _labels;
    private readonly string[] _classNames;
    private readonly bool _labelAsKey;

    private ImageFolderDataView(string[] paths, int[]? labels, string[] classNames, bool labelAsKey)
    {
        _paths = paths;
        _labels = labels;
        _classNames = classNames;
        _labelAsKey = labelAsKey;
        var builder = new DataViewSchema.Builder();
        builder.AddColumn(ImageFolderCatalog.ImagePathColumnName, TextDataViewType.Instance);
        if (labels is not null)
        {
            if (labelAsKey)
            {
                var names = classNames.Select(n => n.AsMemory()).ToArray();
                var annotations = new DataViewSchema.Annotations.Builder();
                annotations.AddKeyValues(names.Length, TextDataViewType.Instance,
                    (ref VBuffer<ReadOnlyMemory<char>> dst) => VBuffer<ReadOnlyMemory<char>>.Copy(names, 0, ref dst, names.Length));
                builder.AddColumn(ImageFolderCatalog.LabelColumnName, new KeyDataViewType(typeof(uint), names.Length), annotations.ToAnnotations());
            }
            else
            {
                builder.AddColumn(ImageFolderCatalog.LabelColumnName, TextDataViewType.Instance);
            }
        }
        Schema = builder.ToSchema();
    }

    /// <summary>Lists <paramref name="root"/>; with labels, each image's class is its top-level sub-folder under root.</summary>
    public static ImageFolderDataView Create(string root, bool useFolderNameAsLabel, bool labelAsKey, bool recursive)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(root);
        var full = Path.GetFullPath(root);
        if (!Directory.Exists(full))
            throw new DirectoryNotFoundException($"Image folder '{full}' does not exist.");
        // Recursive: everything below root. Otherwise: root's own files, or with labels each class folder's own files.
        IEnumerable<string> candidates = recursive
            ? Directory.EnumerateFiles(full, "*", SearchOption.AllDirectories)
            : useFolderNameAsLabel
                ? Directory.EnumerateDirectories(full).SelectMany(d => Directory.EnumerateFiles(d))
                : Directory.EnumerateFiles(full);
        var files = candidates.Where(f => SupportedExtensions.Contains(Path.GetExtension(f))).ToList();
        files.Sort(StringComparer.Ordinal);
        if (files.Count == 0)
            throw new InvalidDataException(
                $"Image folder '{full}' contains no images{(useFolderNameAsLabel ? " in class sub-folders" : "")} (looked for {string.Join(", ", SupportedExtensions.Order(StringComparer.Ordinal))}).");
        if (!useFolderNameAsLabel)
            return new ImageFolderDataView(files.ToArray(), null, [], labelAsKey);

        var classes = new List<string>(files.Count);
        foreach (var f in files)
        {
            var relative = Path.GetRelativePath(full, f);
            int sep = relative.IndexOfAny([Path.DirectorySeparatorChar, Path.AltDirectorySeparatorChar]);
            if (sep <= 0)
                throw new InvalidDataException(
                    $"Image '{f}' is directly in '{full}', but with useFolderNameAsLabel every image must be inside a class sub-folder.");
            classes.Add(relative[..sep]);
        }
        var classNames = classes.Distinct().Order(StringComparer.Ordinal).ToArray();
        var index = classNames.Select((n, i) => (n, i)).ToDictionary(p => p.n, p => p.i, StringComparer.Ordinal);
        return new ImageFolderDataView(files.ToArray(), classes.Select(c => index[c]).ToArray(), classNames, labelAsKey);
    }

    public bool CanShuffle => true;

    public DataViewSchema Schema { get; }

    public long? GetRowCount() => _paths.Length;

    public DataViewRowCursor GetRowCursor(IEnumerable<DataViewSchema.Column> columnsNeeded, Random? rand = null) =>
        new Cursor(this, CursorUtils.ActiveFlags(Schema, columnsNeeded), IndexedCursorBase.ShuffledOrder(_paths.Length, rand));

    public DataViewRowCursor[] GetRowCursorSet(IEnumerable<DataViewSchema.Column> columnsNeeded, int n, Random? rand = null) =>
        [GetRowCursor(columnsNeeded, rand)];

    private sealed class Cursor : IndexedCursorBase
    {
        private readonly ImageFolderDataView _parent;

        public Cursor(ImageFolderDataView parent, bool[] active, int[]? order) : base(parent.Schema, active, parent._paths.Length, order)
        {
            _parent = parent;
        }

        protected override Delegate MakeGetter(int columnIndex)
        {
            if (columnIndex == 0)
                return (ValueGetter<ReadOnlyMemory<char>>)((ref ReadOnlyMemory<char> dst) => dst = _parent._paths[Item()].AsMemory());
            var labels = _parent._labels!;
            if (_parent._labelAsKey)
                return (ValueGetter<uint>)((ref uint dst) => dst = (uint)labels[Item()] + 1);
            return (ValueGetter<ReadOnlyMemory<char>>)((ref ReadOnlyMemory<char> dst) => dst = _parent._classNames[labels[Item()]].AsMemory());
        }
    }
}
