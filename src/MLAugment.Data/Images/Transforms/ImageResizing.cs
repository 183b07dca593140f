namespace MLAugment.Data.Transforms.Image;

/// <summary>
/// Resizes images to a fixed width and height with bilinear resampling: isotropically with cropping (default) or padding,
/// or by stretching. Missing (null) images stay missing.
/// </summary>
/// <remarks>
/// <format type="text/markdown"><![CDATA[
/// ### Estimator Characteristics
/// |  |  |
/// | -- | -- |
/// | Does this estimator need to look at the data to train its parameters? | No |
/// | Input column data type | MLImage |
/// | Output column data type | MLImage (`Image<imageHeight, imageWidth>`) |
/// ]]></format>
/// Geometry follows ML.NET (see <see cref="ResizingKind"/>); the interpolation is bilinear where ML.NET's Skia backend uses
/// Mitchell cubic (Iso modes) or nearest neighbour (Fill), so pixel values differ slightly. An image already of the target
/// size is copied, not shared. Mirrors <c>Microsoft.ML.Transforms.Image.ImageResizingEstimator</c>.
/// <seealso cref="ImageEstimatorsCatalog.ResizeImages"/>
/// </remarks>
public sealed class ImageResizingEstimator : TrivialEstimator<ImageResizingTransformer>
{
    internal static class Defaults
    {
        public const ResizingKind Resizing = ResizingKind.IsoCrop;
        public const Anchor CropAnchor = Anchor.Center;
    }

    /// <summary>How the source's aspect ratio is handled. Values are saved with models.</summary>
    public enum ResizingKind : byte
    {
        /// <summary>Scale uniformly so the whole image fits, and pad the rest with opaque black, centred.</summary>
        IsoPad = 0,

        /// <summary>Scale uniformly so the output is covered, and crop the overflow as the anchor says.</summary>
        IsoCrop = 1,

        /// <summary>Ignore the aspect ratio and stretch to the target size.</summary>
        Fill = 2,
    }

    /// <summary>Which part IsoCrop keeps: Top/Bottom/Left/Right keep that edge, Center crops evenly.</summary>
    public enum Anchor : byte
    {
        Right = 0,
        Left = 1,
        Top = 2,
        Bottom = 3,
        Center = 4,
    }

    internal ImageResizingEstimator(string outputColumnName, int imageWidth, int imageHeight, string? inputColumnName,
        ResizingKind resizing, Anchor cropAnchor)
        : base(new ImageResizingTransformer([new ImageResizingTransformer.ColumnOptions(outputColumnName, imageWidth, imageHeight,
            inputColumnName ?? outputColumnName, resizing, cropAnchor)]))
    {
    }

    public override SchemaShape GetOutputSchema(SchemaShape inputSchema)
    {
        ArgumentNullException.ThrowIfNull(inputSchema);
        var result = inputSchema.ToDictionary(c => c.Name);
        foreach (var c in Transformer.Columns)
        {
            ImageColumnChecks.FindImage(inputSchema, c.InputColumnName);
            result[c.Name] = new SchemaShape.Column(c.Name, SchemaShape.Column.VectorKind.Scalar, c.Type, false);
        }
        return new SchemaShape(result.Values);
    }
}

/// <summary>Resizes images. Mirrors <c>Microsoft.ML.Transforms.Image.ImageResizingTransformer</c>.</summary>
[LoadableModel(LoaderSignature)]
public sealed class ImageResizingTransformer : OneToOneTransformerBase
{
    internal const string LoaderSignature = "ImageScalerTransform";

    internal ImageResizingTransformer(ColumnOptions[] columns)
        : base(columns.Select(c => (c.Name, c.InputColumnName)).ToArray())
    {
        Columns = columns;
    }

    internal IReadOnlyList<ColumnOptions> Columns { get; }

    /// <summary>One resized column.</summary>
    internal sealed class ColumnOptions
    {
        public ColumnOptions(string name, int imageWidth, int imageHeight, string inputColumnName,
            ImageResizingEstimator.ResizingKind resizing, ImageResizingEstimator.Anchor anchor)
        {
            ArgumentException.ThrowIfNullOrWhiteSpace(name, "outputColumnName");
            if (imageWidth <= 0)
                throw new ArgumentOutOfRangeException(nameof(imageWidth), imageWidth, "The resized width must be positive.");
            if (imageHeight <= 0)
                throw new ArgumentOutOfRangeException(nameof(imageHeight), imageHeight, "The resized height must be positive.");
            if (!Enum.IsDefined(resizing))
                throw new ArgumentOutOfRangeException(nameof(resizing), resizing, "Unknown resizing kind.");
            if (!Enum.IsDefined(anchor))
                throw new ArgumentOutOfRangeException("cropAnchor", anchor, "Unknown crop anchor.");
            Name = name;
            InputColumnName = inputColumnName;
            ImageWidth = imageWidth;
            ImageHeight = imageHeight;
            Resizing = resizing;
            Anchor = anchor;
            Type = new ImageDataViewType(imageHeight, imageWidth);
        }

        public string Name { get; }
        public string InputColumnName { get; }
        public int ImageWidth { get; }
        public int ImageHeight { get; }
        public ImageResizingEstimator.ResizingKind Resizing { get; }
        public ImageResizingEstimator.Anchor Anchor { get; }
        public ImageDataViewType Type { get; }
    }

    private static VersionInfo GetVersionInfo() => new("IMGSCALF", 0x00010001, 0x00010001, 0x00010001, LoaderSignature);

    protected override void CheckInputColumn(DataViewSchema inputSchema, int col, int srcCol) =>
        ImageColumnChecks.CheckImage(inputSchema, srcCol, ColumnPairs[col].inputColumnName);

    protected override MapperBase MakeRowMapper(DataViewSchema schema) => new Mapper(this, schema);

    /// <summary>*** Binary format *** column pairs; per column: int width, int height, byte resizing kind, byte anchor.</summary>
    protected override void SaveModel(ModelSaveContext ctx)
    {
        ctx.SetVersionInfo(GetVersionInfo());
        SaveColumns(ctx);
        foreach (var c in Columns)
        {
            ctx.Writer.Write(c.ImageWidth);
            ctx.Writer.Write(c.ImageHeight);
            ctx.Writer.Write((byte)c.Resizing);
            ctx.Writer.Write((byte)c.Anchor);
        }
    }

    private static ImageResizingTransformer Create(ModelLoadContext ctx)
    {
        ctx.CheckAtModel(GetVersionInfo());
        var pairs = LoadColumns(ctx);
        var columns = new ColumnOptions[pairs.Length];
        for (int i = 0; i < pairs.Length; i++)
        {
            int width = ctx.Reader.ReadInt32();
            int height = ctx.Reader.ReadInt32();
            if (width <= 0 || height <= 0)
                throw new InvalidDataException($"Model entry '{ctx.Directory}' has an invalid resize target {width}x{height}.");
            var resizing = ImageColumnChecks.ReadEnum<ImageResizingEstimator.ResizingKind>(ctx);
            var anchor = ImageColumnChecks.ReadEnum<ImageResizingEstimator.Anchor>(ctx);
            columns[i] = new ColumnOptions(pairs[i].outputColumnName, width, height, pairs[i].inputColumnName, resizing, anchor);
        }
        return new ImageResizingTransformer(columns);
    }

    private sealed class Mapper : OneToOneMapperBase
    {
        private readonly ImageResizingTransformer _parent;

        public Mapper(ImageResizingTransformer parent, DataViewSchema inputSchema) : base(parent, inputSchema)
        {
            _parent = parent;
        }

        protected override DataViewSchema.DetachedColumn[] GetOutputColumnsCore() =>
            _parent.Columns.Select(c => new DataViewSchema.DetachedColumn(c.Name, c.Type)).ToArray();

        protected override Delegate MakeGetter(DataViewRow input, int iinfo, Func<int, bool> activeOutput, out Action? disposer)
        {
            var info = _parent.Columns[iinfo];
            var getter = OwnedImageGetter.Map(input, input.Schema[ColMapNewToOld[iinfo]], src =>
                src.Width == info.ImageWidth && src.Height == info.ImageHeight
                    ? src.Raw.Clone()
                    : ImageOperations.Resize(src.Raw, info.ImageWidth, info.ImageHeight, info.Resizing, info.Anchor), out var dispose);
            disposer = dispose;
            return getter;
        }
    }
}
