namespace MLAugment.Data.Transforms.Image;

/// <summary>What <see cref="ImageLoadingTransformer"/> does with a file it cannot read or decode.</summary>
public enum ImageLoadErrorPolicy : byte
{
    /// <summary>Throw from the getter; the exception names the file (ML.NET's behaviour).</summary>
    Fail = 0,

    /// <summary>
    /// Log a warning through <c>MLContext.Log</c> and deliver a missing value: a null image (<c>LoadImages</c>) or an
    /// empty byte vector (<c>LoadRawImageBytes</c>). The row stays: a row-to-row transform must not change the row
    /// count, and whether a row exists must not depend on which columns a cursor activates (ML.NET's "don't throw while
    /// cursoring" norm treats such values as missing). Downstream, <c>ResizeImages</c> and <c>ConvertToGrayscale</c> pass
    /// the null on and <c>ExtractPixels</c> yields a zero vector, as in ML.NET.
    /// </summary>
    SkipAndLog = 1,
}

/// <summary>
/// Loads images named by a text column of paths (relative to <c>imageFolder</c> when it is given). Empty or blank paths give a
/// missing (null) image, as in ML.NET. Loading is lazy: a file is read when its row's image is requested.
/// </summary>
/// <remarks>
/// <format type="text/markdown"><![CDATA[
/// ### Estimator Characteristics
/// |  |  |
/// | -- | -- |
/// | Does this estimator need to look at the data to train its parameters? | No |
/// | Input column data type | Text |
/// | Output column data type | MLImage (`Image`), or variable-size vector of Byte for raw bytes |
/// ]]></format>
/// Mirrors <c>Microsoft.ML.Data.ImageLoadingEstimator</c>.
/// <seealso cref="ImageEstimatorsCatalog.LoadImages"/>
/// <seealso cref="ImageEstimatorsCatalog.LoadRawImageBytes"/>
/// </remarks>
public sealed class ImageLoadingEstimator : TrivialEstimator<ImageLoadingTransformer>
{
    internal ImageLoadingEstimator(MLContext? context, string? imageFolder, bool asImage, ImageLoadErrorPolicy errorPolicy,
        string outputColumnName, string? inputColumnName)
        : base(new ImageLoadingTransformer(context, imageFolder, asImage, errorPolicy, [(outputColumnName, inputColumnName ?? outputColumnName)]))
    {
    }

    public override SchemaShape GetOutputSchema(SchemaShape inputSchema)
    {
        ArgumentNullException.ThrowIfNull(inputSchema);
        var result = inputSchema.ToDictionary(c => c.Name);
        foreach (var (output, input) in Transformer.ColumnPairs)
        {
            if (!inputSchema.TryFindColumn(input, out var col))
                throw SchemaExceptions.ExceptSchemaMismatch(nameof(inputSchema), "input", input);
            if (col.ItemType is not TextDataViewType || col.Kind != SchemaShape.Column.VectorKind.Scalar)
                throw SchemaExceptions.ExceptSchemaMismatch(nameof(inputSchema), "input", input, TextDataViewType.Instance.ToString(), col.GetTypeString());
            result[output] = Transformer.AsImage
                ? new SchemaShape.Column(output, SchemaShape.Column.VectorKind.Scalar, new ImageDataViewType(), false)
                : new SchemaShape.Column(output, SchemaShape.Column.VectorKind.VariableVector, NumberDataViewType.Byte, false);
        }
        return new SchemaShape(result.Values);
    }
}

/// <summary>Loads images from paths. Mirrors <c>Microsoft.ML.Data.ImageLoadingTransformer</c>.</summary>
[LoadableModel(LoaderSignature)]
public sealed class ImageLoadingTransformer : OneToOneTransformerBase
{
    internal const string LoaderSignature = "ImageLoaderTransform";

    private readonly MLContext? _context;

    internal ImageLoadingTransformer(MLContext? context, string? imageFolder, bool asImage, ImageLoadErrorPolicy errorPolicy,
        (string outputColumnName, string inputColumnName)[] columns)
        : base(columns)
    {
        if (!Enum.IsDefined(errorPolicy))
            throw new ArgumentOutOfRangeException(nameof(errorPolicy), errorPolicy, "Unknown image load error policy.");
        _context = context;
        ImageFolder = imageFolder;
        AsImage = asImage;
        ErrorPolicy = errorPolicy;
    }

    /// <summary>The folder relative paths are resolved against (null or blank: paths are used as given).</summary>
    public string? ImageFolder { get; }

    /// <summary>What happens when a file cannot be read or decoded.</summary>
    public ImageLoadErrorPolicy ErrorPolicy { get; }

    /// <summary>True for <c>MLImage</c> output, false for raw file bytes.</summary>
    internal bool AsImage { get; }

    private static VersionInfo GetVersionInfo() => new("IMGLOADR", 0x00010001, 0x00010001, 0x00010001, LoaderSignature);

    protected override void CheckInputColumn(DataViewSchema inputSchema, int col, int srcCol)
    {
        var type = inputSchema[srcCol].Type;
        if (type is not TextDataViewType)
            throw SchemaExceptions.ExceptSchemaMismatch(nameof(inputSchema), "input", ColumnPairs[col].inputColumnName,
                TextDataViewType.Instance.ToString(), type.ToString()!);
    }

    protected override MapperBase MakeRowMapper(DataViewSchema schema) => new Mapper(this, schema);

    /// <summary>*** Binary format *** column pairs; string-or-null: image folder; bool: as image; byte: error policy.</summary>
    protected override void SaveModel(ModelSaveContext ctx)
    {
        ctx.SetVersionInfo(GetVersionInfo());
        SaveColumns(ctx);
        ctx.SaveStringOrNull(ImageFolder);
        ctx.Writer.Write(AsImage);
        ctx.Writer.Write((byte)ErrorPolicy);
    }

    private static ImageLoadingTransformer Create(ModelLoadContext ctx)
    {
        ctx.CheckAtModel(GetVersionInfo());
        var columns = LoadColumns(ctx);
        var folder = ctx.LoadStringOrNull();
        bool asImage = ctx.Reader.ReadBoolean();
        var policy = ImageColumnChecks.ReadEnum<ImageLoadErrorPolicy>(ctx);
        return new ImageLoadingTransformer(ctx.Context, folder, asImage, policy, columns);
    }

    private string ResolvePath(ReadOnlyMemory<char> path)
    {
        string p = path.ToString();
        return string.IsNullOrWhiteSpace(ImageFolder) ? p : Path.Combine(ImageFolder, p);
    }

    private void LogSkipped(string column, string path, Exception e) =>
        _context?.WriteLog(ChannelMessageKind.Warning, nameof(ImageLoadingTransformer),
            $"Column '{column}': could not load image '{path}', using a missing value instead. {e.GetType().Name}: {e.Message}");

    // Read and decode failures are the data's fault; programming errors (ArgumentException and the like) still throw.
    private static bool IsFileError(Exception e) => e is IOException or UnauthorizedAccessException;

    private sealed class Mapper : OneToOneMapperBase
    {
        private readonly ImageLoadingTransformer _parent;

        public Mapper(ImageLoadingTransformer parent, DataViewSchema inputSchema) : base(parent, inputSchema)
        {
            _parent = parent;
        }

        protected override DataViewSchema.DetachedColumn[] GetOutputColumnsCore() =>
            _parent.ColumnPairs.Select(p => new DataViewSchema.DetachedColumn(p.outputColumnName,
                _parent.AsImage ? new ImageDataViewType() : new VectorDataViewType(NumberDataViewType.Byte))).ToArray();

        protected override Delegate MakeGetter(DataViewRow input, int iinfo, Func<int, bool> activeOutput, out Action? disposer)
        {
            var getSrc = input.GetGetter<ReadOnlyMemory<char>>(input.Schema[ColMapNewToOld[iinfo]]);
            string column = _parent.ColumnPairs[iinfo].outputColumnName;
            ReadOnlyMemory<char> src = default;
            if (!_parent.AsImage)
            {
                disposer = null;
                return (ValueGetter<VBuffer<byte>>)((ref VBuffer<byte> dst) =>
                {
                    getSrc(ref src);
                    byte[] bytes = [];
                    if (!src.Span.IsWhiteSpace())
                    {
                        string path = _parent.ResolvePath(src);
                        try
                        {
                            bytes = File.ReadAllBytes(path);
                        }
                        catch (Exception e) when (IsFileError(e) && _parent.ErrorPolicy == ImageLoadErrorPolicy.SkipAndLog)
                        {
                            _parent.LogSkipped(column, path, e);
                        }
                    }
                    var editor = VBufferEditor.Create(ref dst, bytes.Length);
                    bytes.CopyTo(editor.Values);
                    dst = editor.Commit();
                });
            }

            var getter = OwnedImageGetter.Create(() =>
            {
                getSrc(ref src);
                if (src.Span.IsWhiteSpace())
                    return null;
                string path = _parent.ResolvePath(src);
                try
                {
                    var image = MLImage.CreateFromFile(path);
                    image.Tag = path;
                    return image;
                }
                catch (Exception e) when (IsFileError(e) && _parent.ErrorPolicy == ImageLoadErrorPolicy.SkipAndLog)
                {
                    _parent.LogSkipped(column, path, e);
                    return null;
                }
            }, out var dispose);
            disposer = dispose;
            return getter;
        }
    }
}
