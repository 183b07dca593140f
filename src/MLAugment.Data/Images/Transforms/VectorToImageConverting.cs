namespace MLAugment.Data.Transforms.Image;

/// <summary>
/// Builds images from known-size vectors of Single, Double or Byte: the inverse of <c>ExtractPixels</c>, e.g. to turn a
/// diffusion model's output tensor back into an image. Each channel value becomes <c>round(value * scaleImage - offsetImage)</c>
/// clamped to 0..255; channels absent from <c>colorsPresent</c> take their default. Layout is planar (channels, height,
/// width) unless <c>interleavedColors</c>, where it is (height, width, channels). The images are <see cref="MLPixelFormat.Bgra32"/>.
/// </summary>
/// <remarks>
/// <format type="text/markdown"><![CDATA[
/// ### Estimator Characteristics
/// |  |  |
/// | -- | -- |
/// | Does this estimator need to look at the data to train its parameters? | No |
/// | Input column data type | Known-size vector of Single, Double or Byte |
/// | Output column data type | MLImage (`Image<imageHeight, imageWidth>`) |
/// ]]></format>
/// To undo <c>ExtractPixels(offsetImage: o, scaleImage: s)</c> use <c>scaleImage: 1 / s, offsetImage: -o</c>.
/// Differences from ML.NET: values are always rounded and clamped (ML.NET truncates unscaled values and wraps out-of-range
/// ones); a missing alpha channel takes <c>defaultAlpha</c> in every case (ML.NET writes 0 when scaling); a NaN value
/// throws, naming the column. Mirrors <c>Microsoft.ML.Transforms.Image.VectorToImageConvertingEstimator</c>.
/// <seealso cref="ImageEstimatorsCatalog.ConvertToImage"/>
/// </remarks>
public sealed class VectorToImageConvertingEstimator : TrivialEstimator<VectorToImageConvertingTransformer>
{
    internal static class Defaults
    {
        public const float Scale = 1f;
        public const float Offset = 0f;
        public const int DefaultAlpha = 255;
        public const int DefaultRed = 0;
        public const int DefaultGreen = 0;
        public const int DefaultBlue = 0;
    }

    internal const string ExpectedInput = "known-size vector of type Single, Double or Byte";

    internal VectorToImageConvertingEstimator(VectorToImageConvertingTransformer.ColumnOptions column)
        : base(new VectorToImageConvertingTransformer([column]))
    {
    }

    public override SchemaShape GetOutputSchema(SchemaShape inputSchema)
    {
        ArgumentNullException.ThrowIfNull(inputSchema);
        var result = inputSchema.ToDictionary(c => c.Name);
        foreach (var c in Transformer.Columns)
        {
            if (!inputSchema.TryFindColumn(c.InputColumnName, out var col))
                throw SchemaExceptions.ExceptSchemaMismatch(nameof(inputSchema), "input", c.InputColumnName);
            if (col.Kind != SchemaShape.Column.VectorKind.Vector || col.IsKey || !IsSupportedItem(col.ItemType))
                throw SchemaExceptions.ExceptSchemaMismatch(nameof(inputSchema), "input", c.InputColumnName, ExpectedInput, col.GetTypeString());
            result[c.Name] = new SchemaShape.Column(c.Name, SchemaShape.Column.VectorKind.Scalar, c.Type, false);
        }
        return new SchemaShape(result.Values);
    }

    internal static bool IsSupportedItem(DataViewType t) =>
        t == NumberDataViewType.Single || t == NumberDataViewType.Double || t == NumberDataViewType.Byte;
}

/// <summary>Converts vectors to images. Mirrors <c>Microsoft.ML.Transforms.Image.VectorToImageConvertingTransformer</c>.</summary>
[LoadableModel(LoaderSignature)]
public sealed class VectorToImageConvertingTransformer : OneToOneTransformerBase
{
    internal const string LoaderSignature = "VectorToImageConverter";

    internal VectorToImageConvertingTransformer(ColumnOptions[] columns)
        : base(columns.Select(c => (c.Name, c.InputColumnName)).ToArray())
    {
        Columns = columns;
    }

    internal IReadOnlyList<ColumnOptions> Columns { get; }

    /// <summary>One converted column.</summary>
    internal sealed class ColumnOptions
    {
        public ColumnOptions(string name, string inputColumnName, int imageHeight, int imageWidth,
            ImagePixelExtractingEstimator.ColorBits colorsPresent, ImagePixelExtractingEstimator.ColorsOrder orderOfColors, bool interleavedColors,
            float scaleImage, float offsetImage, int defaultAlpha, int defaultRed, int defaultGreen, int defaultBlue)
        {
            ArgumentException.ThrowIfNullOrWhiteSpace(name, "outputColumnName");
            if (imageHeight <= 0)
                throw new ArgumentOutOfRangeException(nameof(imageHeight), imageHeight, "The image height must be positive.");
            if (imageWidth <= 0)
                throw new ArgumentOutOfRangeException(nameof(imageWidth), imageWidth, "The image width must be positive.");
            if ((colorsPresent & ~ImagePixelExtractingEstimator.ColorBits.All) != 0 || ImagePixelExtractingEstimator.CountPlanes(colorsPresent) == 0)
                throw new ArgumentOutOfRangeException(nameof(colorsPresent), colorsPresent, "Need to use at least one color plane (Alpha, Red, Green, Blue).");
            if (!Enum.IsDefined(orderOfColors))
                throw new ArgumentOutOfRangeException(nameof(orderOfColors), orderOfColors, "Unknown color order.");
            if (!float.IsFinite(scaleImage) || scaleImage == 0)
                throw new ArgumentOutOfRangeException(nameof(scaleImage), scaleImage, "The scale must be finite and non-zero.");
            if (!float.IsFinite(offsetImage))
                throw new ArgumentOutOfRangeException(nameof(offsetImage), offsetImage, "The offset must be finite.");
            CheckByte(defaultAlpha, nameof(defaultAlpha));
            CheckByte(defaultRed, nameof(defaultRed));
            CheckByte(defaultGreen, nameof(defaultGreen));
            CheckByte(defaultBlue, nameof(defaultBlue));
            Name = name;
            InputColumnName = inputColumnName;
            ImageHeight = imageHeight;
            ImageWidth = imageWidth;
            Colors = colorsPresent;
            Order = orderOfColors;
            InterleavedColors = interleavedColors;
            ScaleImage = scaleImage;
            OffsetImage = offsetImage;
            DefaultAlpha = defaultAlpha;
            DefaultRed = defaultRed;
            DefaultGreen = defaultGreen;
            DefaultBlue = defaultBlue;
            Planes = ImagePixelExtractingEstimator.CountPlanes(colorsPresent);
            Type = new ImageDataViewType(imageHeight, imageWidth);
        }

        private static void CheckByte(int value, string name)
        {
            if (value is < 0 or > 255)
                throw new ArgumentOutOfRangeException(name, value, "A default channel value must be in 0..255.");
        }

        public string Name { get; }
        public string InputColumnName { get; }
        public int ImageHeight { get; }
        public int ImageWidth { get; }
        public ImagePixelExtractingEstimator.ColorBits Colors { get; }
        public ImagePixelExtractingEstimator.ColorsOrder Order { get; }
        public bool InterleavedColors { get; }
        public float ScaleImage { get; }
        public float OffsetImage { get; }
        public int DefaultAlpha { get; }
        public int DefaultRed { get; }
        public int DefaultGreen { get; }
        public int DefaultBlue { get; }
        public int Planes { get; }
        public ImageDataViewType Type { get; }

        /// <summary>The vector type this column's input must have, for messages.</summary>
        public string ExpectedVector(PrimitiveDataViewType item) =>
            (InterleavedColors
                ? new VectorDataViewType(item, ImageHeight, ImageWidth, Planes)
                : new VectorDataViewType(item, Planes, ImageHeight, ImageWidth)).ToString();
    }

    private static VersionInfo GetVersionInfo() => new("VECTOIMG", 0x00010001, 0x00010001, 0x00010001, LoaderSignature);

    protected override void CheckInputColumn(DataViewSchema inputSchema, int col, int srcCol)
    {
        var name = ColumnPairs[col].inputColumnName;
        var type = inputSchema[srcCol].Type;
        if (type is not VectorDataViewType v || !v.IsKnownSize || !VectorToImageConvertingEstimator.IsSupportedItem(v.ItemType))
            throw SchemaExceptions.ExceptSchemaMismatch(nameof(inputSchema), "input", name, VectorToImageConvertingEstimator.ExpectedInput, type.ToString()!);
        var c = Columns[col];
        if (v.Size != c.ImageHeight * c.ImageWidth * c.Planes)
            throw SchemaExceptions.ExceptSchemaMismatch(nameof(inputSchema), "input", name, c.ExpectedVector(v.ItemType), type.ToString()!);
    }

    protected override MapperBase MakeRowMapper(DataViewSchema schema) => new Mapper(this, schema);

    /// <summary>
    /// *** Binary format *** column pairs; per column: byte colors, byte order, int height, int width, float scale,
    /// float offset, bool interleave, int default alpha, red, green, blue.
    /// </summary>
    protected override void SaveModel(ModelSaveContext ctx)
    {
        ctx.SetVersionInfo(GetVersionInfo());
        SaveColumns(ctx);
        foreach (var c in Columns)
        {
            ctx.Writer.Write((byte)c.Colors);
            ctx.Writer.Write((byte)c.Order);
            ctx.Writer.Write(c.ImageHeight);
            ctx.Writer.Write(c.ImageWidth);
            ctx.Writer.Write(c.ScaleImage);
            ctx.Writer.Write(c.OffsetImage);
            ctx.Writer.Write(c.InterleavedColors);
            ctx.Writer.Write(c.DefaultAlpha);
            ctx.Writer.Write(c.DefaultRed);
            ctx.Writer.Write(c.DefaultGreen);
            ctx.Writer.Write(c.DefaultBlue);
        }
    }

    private static VectorToImageConvertingTransformer Create(ModelLoadContext ctx)
    {
        ctx.CheckAtModel(GetVersionInfo());
        var pairs = LoadColumns(ctx);
        var columns = new ColumnOptions[pairs.Length];
        for (int i = 0; i < pairs.Length; i++)
        {
            var colors = (ImagePixelExtractingEstimator.ColorBits)ctx.Reader.ReadByte();
            var order = ImageColumnChecks.ReadEnum<ImagePixelExtractingEstimator.ColorsOrder>(ctx);
            int height = ctx.Reader.ReadInt32();
            int width = ctx.Reader.ReadInt32();
            float scale = ctx.Reader.ReadSingle();
            float offset = ctx.Reader.ReadSingle();
            bool interleave = ctx.Reader.ReadBoolean();
            int da = ctx.Reader.ReadInt32(), dr = ctx.Reader.ReadInt32(), dg = ctx.Reader.ReadInt32(), db = ctx.Reader.ReadInt32();
            try
            {
                columns[i] = new ColumnOptions(pairs[i].outputColumnName, pairs[i].inputColumnName, height, width, colors, order, interleave,
                    scale, offset, da, dr, dg, db);
            }
            catch (ArgumentException e)
            {
                throw new InvalidDataException($"Model entry '{ctx.Directory}' holds invalid vector-to-image settings: {e.Message}", e);
            }
        }
        return new VectorToImageConvertingTransformer(columns);
    }

    private sealed class Mapper : OneToOneMapperBase
    {
        private readonly VectorToImageConvertingTransformer _parent;

        public Mapper(VectorToImageConvertingTransformer parent, DataViewSchema inputSchema) : base(parent, inputSchema)
        {
            _parent = parent;
        }

        protected override DataViewSchema.DetachedColumn[] GetOutputColumnsCore() =>
            _parent.Columns.Select(c => new DataViewSchema.DetachedColumn(c.Name, c.Type)).ToArray();

        protected override Delegate MakeGetter(DataViewRow input, int iinfo, Func<int, bool> activeOutput, out Action? disposer)
        {
            var column = input.Schema[ColMapNewToOld[iinfo]];
            var item = ((VectorDataViewType)column.Type).ItemType;
            if (item == NumberDataViewType.Single)
                return MakeGetterCore<float>(input, column, iinfo, static v => v, out disposer);
            if (item == NumberDataViewType.Double)
                return MakeGetterCore<double>(input, column, iinfo, static v => (float)v, out disposer);
            return MakeGetterCore<byte>(input, column, iinfo, static v => v, out disposer);
        }

        private Delegate MakeGetterCore<T>(DataViewRow input, DataViewSchema.Column column, int iinfo, Func<T, float> toFloat, out Action? disposer)
        {
            var c = _parent.Columns[iinfo];
            var getSrc = input.GetGetter<VBuffer<T>>(column);
            VBuffer<T> src = default;
            int height = c.ImageHeight, width = c.ImageWidth, cpix = height * width;
            var layout = new PixelVectorLayout(c.Order, c.Colors, height, width, c.InterleavedColors);
            int pixelStride = layout.PixelStride;
            float scale = c.ScaleImage, offset = c.OffsetImage;
            MLImage? last = null;
            disposer = () =>
            {
                last?.Dispose();
                last = null;
            };
            // Per colour (alpha, red, green, blue): the value used when the vector does not hold it.
            byte[] defaults = [(byte)c.DefaultAlpha, (byte)c.DefaultRed, (byte)c.DefaultGreen, (byte)c.DefaultBlue];
            return (ValueGetter<MLImage?>)((ref MLImage? dst) =>
            {
                dst?.Dispose();
                dst = null;
                getSrc(ref src);
                var pixels = new byte[cpix * 4];
                // Sparse vectors are dense with zeros: materialise once.
                var values = src.IsDense ? src.GetValues() : src.DenseValues().ToArray();
                for (int k = 0; k < 4; k++)
                {
                    int t = PixelVectorLayout.ByteInPixel(k, bgra: true);
                    int si = layout.Start(k);
                    if (si < 0)
                    {
                        for (int p = 0; p < cpix; p++)
                            pixels[p * 4 + t] = defaults[k];
                        continue;
                    }
                    for (int p = 0; p < cpix; p++, si += pixelStride)
                    {
                        float v = toFloat(values[si]) * scale - offset;
                        if (float.IsNaN(v))
                            throw new InvalidOperationException($"ConvertToImage column '{c.Name}': input '{c.InputColumnName}' holds NaN at index {si}.");
                        pixels[p * 4 + t] = (byte)Math.Clamp(MathF.Round(v), 0f, 255f);
                    }
                }
                dst = MLImage.FromRaw(new Images.Codecs.RawImage(width, height, Images.Codecs.RawPixelFormat.Bgra32, pixels));
                dst.Tag = nameof(VectorToImageConvertingTransformer);
                last = dst;
            });
        }
    }
}
