using System.Runtime.InteropServices;

namespace MLAugment.Data.Transforms.Image;

/// <summary>
/// Turns fixed-size images into vectors of pixel values, <c>(value - offsetImage) * scaleImage</c> as Single (or raw
/// Bytes). Planar by default: shape (channels, height, width), each channel a plane in <see cref="ColorsOrder"/>; with
/// <c>interleavePixelColors</c> the shape is (height, width, channels). A missing image gives a zero vector, as in ML.NET.
/// </summary>
/// <remarks>
/// <format type="text/markdown"><![CDATA[
/// ### Estimator Characteristics
/// |  |  |
/// | -- | -- |
/// | Does this estimator need to look at the data to train its parameters? | No |
/// | Input column data type | MLImage of known size (after ResizeImages) |
/// | Output column data type | Known-size vector of Single or Byte |
/// ]]></format>
/// An image whose size differs from its column type's throws while cursoring (ML.NET's check). Mirrors
/// <c>Microsoft.ML.Transforms.Image.ImagePixelExtractingEstimator</c>.
/// <seealso cref="ImageEstimatorsCatalog.ExtractPixels"/>
/// </remarks>
public sealed class ImagePixelExtractingEstimator : TrivialEstimator<ImagePixelExtractingTransformer>
{
    internal static class Defaults
    {
        public const ColorsOrder Order = ColorsOrder.ARGB;
        public const ColorBits Colors = ColorBits.Rgb;
        public const bool Interleave = false;
        public const bool Convert = true;
        public const float Scale = 1f;
        public const float Offset = 0f;
    }

    /// <summary>Which channels are extracted. The values are saved with models.</summary>
    [Flags]
    public enum ColorBits : byte
    {
        Alpha = 0x01,
        Red = 0x02,
        Green = 0x04,
        Blue = 0x08,
        Rgb = Red | Green | Blue,
        All = Alpha | Red | Green | Blue,
    }

    /// <summary>The order of the extracted channels (absent channels are skipped). The values are saved with models.</summary>
    public enum ColorsOrder : byte
    {
        ARGB = 1,
        ARBG = 2,
        ABRG = 3,
        ABGR = 4,
        AGRB = 5,
        AGBR = 6,
    }

    /// <summary>Channel positions (−1 when not extracted) for an order and a channel set, as ML.NET computes them.</summary>
    internal static void GetOrder(ColorsOrder order, ColorBits colors, out int a, out int r, out int b, out int g)
    {
        a = r = b = g = -1;
        int pos = 0;
        foreach (char c in order.ToString())
        {
            switch (c)
            {
                case 'A' when (colors & ColorBits.Alpha) != 0: a = pos++; break;
                case 'R' when (colors & ColorBits.Red) != 0: r = pos++; break;
                case 'G' when (colors & ColorBits.Green) != 0: g = pos++; break;
                case 'B' when (colors & ColorBits.Blue) != 0: b = pos++; break;
            }
        }
    }

    /// <summary>The number of channels in <paramref name="colors"/>.</summary>
    internal static int CountPlanes(ColorBits colors) => System.Numerics.BitOperations.PopCount((uint)(colors & ColorBits.All));

    internal ImagePixelExtractingEstimator(string outputColumnName, string? inputColumnName, ColorBits colorsToExtract, ColorsOrder orderOfExtraction,
        bool interleavePixelColors, float offsetImage, float scaleImage, bool outputAsFloatArray)
        : base(new ImagePixelExtractingTransformer([new ImagePixelExtractingTransformer.ColumnOptions(outputColumnName, inputColumnName ?? outputColumnName,
            colorsToExtract, orderOfExtraction, interleavePixelColors, offsetImage, scaleImage, outputAsFloatArray)]))
    {
    }

    public override SchemaShape GetOutputSchema(SchemaShape inputSchema)
    {
        ArgumentNullException.ThrowIfNull(inputSchema);
        var result = inputSchema.ToDictionary(c => c.Name);
        foreach (var c in Transformer.Columns)
        {
            ImageColumnChecks.FindImage(inputSchema, c.InputColumnName);
            var item = c.OutputAsFloatArray ? NumberDataViewType.Single : NumberDataViewType.Byte;
            result[c.Name] = new SchemaShape.Column(c.Name, SchemaShape.Column.VectorKind.Vector, item, false);
        }
        return new SchemaShape(result.Values);
    }
}

/// <summary>Extracts pixels. Mirrors <c>Microsoft.ML.Transforms.Image.ImagePixelExtractingTransformer</c>.</summary>
[LoadableModel(LoaderSignature)]
public sealed class ImagePixelExtractingTransformer : OneToOneTransformerBase
{
    internal const string LoaderSignature = "ImagePixelExtractor";

    internal ImagePixelExtractingTransformer(ColumnOptions[] columns)
        : base(columns.Select(c => (c.Name, c.InputColumnName)).ToArray())
    {
        Columns = columns;
    }

    internal IReadOnlyList<ColumnOptions> Columns { get; }

    /// <summary>One extracted column.</summary>
    internal sealed class ColumnOptions
    {
        public ColumnOptions(string name, string inputColumnName, ImagePixelExtractingEstimator.ColorBits colorsToExtract,
            ImagePixelExtractingEstimator.ColorsOrder orderOfExtraction, bool interleavePixelColors, float offsetImage, float scaleImage,
            bool outputAsFloatArray)
        {
            ArgumentException.ThrowIfNullOrWhiteSpace(name, "outputColumnName");
            if ((colorsToExtract & ~ImagePixelExtractingEstimator.ColorBits.All) != 0 || ImagePixelExtractingEstimator.CountPlanes(colorsToExtract) == 0)
                throw new ArgumentOutOfRangeException(nameof(colorsToExtract), colorsToExtract, "Need to use at least one color plane (Alpha, Red, Green, Blue).");
            if (!Enum.IsDefined(orderOfExtraction))
                throw new ArgumentOutOfRangeException(nameof(orderOfExtraction), orderOfExtraction, "Unknown color order.");
            // As ML.NET: byte output ignores offset and scale.
            if (!outputAsFloatArray)
            {
                offsetImage = ImagePixelExtractingEstimator.Defaults.Offset;
                scaleImage = ImagePixelExtractingEstimator.Defaults.Scale;
            }
            if (!float.IsFinite(offsetImage))
                throw new ArgumentOutOfRangeException(nameof(offsetImage), offsetImage, "The offset must be finite.");
            if (!float.IsFinite(scaleImage) || scaleImage == 0)
                throw new ArgumentOutOfRangeException(nameof(scaleImage), scaleImage, "The scale must be finite and non-zero.");
            Name = name;
            InputColumnName = inputColumnName;
            ColorsToExtract = colorsToExtract;
            OrderOfExtraction = orderOfExtraction;
            InterleavePixelColors = interleavePixelColors;
            OffsetImage = offsetImage;
            ScaleImage = scaleImage;
            OutputAsFloatArray = outputAsFloatArray;
            Planes = ImagePixelExtractingEstimator.CountPlanes(colorsToExtract);
        }

        public string Name { get; }
        public string InputColumnName { get; }
        public ImagePixelExtractingEstimator.ColorBits ColorsToExtract { get; }
        public ImagePixelExtractingEstimator.ColorsOrder OrderOfExtraction { get; }
        public bool InterleavePixelColors { get; }
        public float OffsetImage { get; }
        public float ScaleImage { get; }
        public bool OutputAsFloatArray { get; }
        public int Planes { get; }
    }

    private static VersionInfo GetVersionInfo() => new("IMGPXEXT", 0x00010001, 0x00010001, 0x00010001, LoaderSignature);

    protected override void CheckInputColumn(DataViewSchema inputSchema, int col, int srcCol)
    {
        var name = ColumnPairs[col].inputColumnName;
        var type = ImageColumnChecks.CheckImage(inputSchema, srcCol, name);
        if (!type.IsKnownSize)
            throw SchemaExceptions.ExceptSchemaMismatch(nameof(inputSchema), "input", name, "known-size image", "unknown-size image");
    }

    protected override MapperBase MakeRowMapper(DataViewSchema schema) => new Mapper(this, schema);

    /// <summary>
    /// *** Binary format *** column pairs; per column: byte colors, byte order, bool float output, float offset,
    /// float scale, bool interleave.
    /// </summary>
    protected override void SaveModel(ModelSaveContext ctx)
    {
        ctx.SetVersionInfo(GetVersionInfo());
        SaveColumns(ctx);
        foreach (var c in Columns)
        {
            ctx.Writer.Write((byte)c.ColorsToExtract);
            ctx.Writer.Write((byte)c.OrderOfExtraction);
            ctx.Writer.Write(c.OutputAsFloatArray);
            ctx.Writer.Write(c.OffsetImage);
            ctx.Writer.Write(c.ScaleImage);
            ctx.Writer.Write(c.InterleavePixelColors);
        }
    }

    private static ImagePixelExtractingTransformer Create(ModelLoadContext ctx)
    {
        ctx.CheckAtModel(GetVersionInfo());
        var pairs = LoadColumns(ctx);
        var columns = new ColumnOptions[pairs.Length];
        for (int i = 0; i < pairs.Length; i++)
        {
            var colors = (ImagePixelExtractingEstimator.ColorBits)ctx.Reader.ReadByte();
            var order = ImageColumnChecks.ReadEnum<ImagePixelExtractingEstimator.ColorsOrder>(ctx);
            bool asFloat = ctx.Reader.ReadBoolean();
            float offset = ctx.Reader.ReadSingle();
            float scale = ctx.Reader.ReadSingle();
            bool interleave = ctx.Reader.ReadBoolean();
            try
            {
                columns[i] = new ColumnOptions(pairs[i].outputColumnName, pairs[i].inputColumnName, colors, order, interleave, offset, scale, asFloat);
            }
            catch (ArgumentException e)
            {
                throw new InvalidDataException($"Model entry '{ctx.Directory}' holds invalid pixel extraction settings: {e.Message}", e);
            }
        }
        return new ImagePixelExtractingTransformer(columns);
    }

    private sealed class Mapper : OneToOneMapperBase
    {
        private readonly ImagePixelExtractingTransformer _parent;
        private readonly VectorDataViewType[] _types;

        public Mapper(ImagePixelExtractingTransformer parent, DataViewSchema inputSchema) : base(parent, inputSchema)
        {
            _parent = parent;
            _types = new VectorDataViewType[parent.Columns.Count];
            for (int i = 0; i < _types.Length; i++)
            {
                var c = parent.Columns[i];
                var image = (ImageDataViewType)inputSchema[ColMapNewToOld[i]].Type;
                var item = c.OutputAsFloatArray ? NumberDataViewType.Single : NumberDataViewType.Byte;
                _types[i] = c.InterleavePixelColors
                    ? new VectorDataViewType(item, image.Height, image.Width, c.Planes)
                    : new VectorDataViewType(item, c.Planes, image.Height, image.Width);
            }
        }

        protected override DataViewSchema.DetachedColumn[] GetOutputColumnsCore() =>
            _parent.Columns.Select((c, i) => new DataViewSchema.DetachedColumn(c.Name, _types[i])).ToArray();

        protected override Delegate MakeGetter(DataViewRow input, int iinfo, Func<int, bool> activeOutput, out Action? disposer)
        {
            disposer = null;
            return _parent.Columns[iinfo].OutputAsFloatArray
                ? MakeGetterCore<float>(input, iinfo)
                : MakeGetterCore<byte>(input, iinfo);
        }

        private ValueGetter<VBuffer<T>> MakeGetterCore<T>(DataViewRow input, int iinfo)
            where T : unmanaged
        {
            var c = _parent.Columns[iinfo];
            var imageType = (ImageDataViewType)InputSchema[ColMapNewToOld[iinfo]].Type;
            int height = imageType.Height, width = imageType.Width, size = _types[iinfo].Size;
            int cpix = height * width;
            var layout = new PixelVectorLayout(c.OrderOfExtraction, c.ColorsToExtract, height, width, c.InterleavePixelColors);
            int pixelStride = layout.PixelStride;
            var getSrc = input.GetGetter<MLImage?>(input.Schema[ColMapNewToOld[iinfo]]);
            string column = c.Name;
            MLImage? src = null;
            float offset = c.OffsetImage, scale = c.ScaleImage;
            return (ref VBuffer<T> dst) =>
            {
                getSrc(ref src);
                var editor = VBufferEditor.Create(ref dst, size);
                var values = editor.Values;
                if (src is null)
                {
                    values.Clear();
                    dst = editor.Commit();
                    return;
                }
                if (src.Height != height || src.Width != width)
                    throw new InvalidOperationException(
                        $"ExtractPixels column '{column}': the image is {src.Height}x{src.Width} (height x width), but its column type is {imageType}.");
                bool bgra = src.PixelFormat == MLPixelFormat.Bgra32;
                var pixels = src.Pixels;
                for (int k = 0; k < 4; k++)
                {
                    int di = layout.Start(k);
                    if (di < 0)
                        continue;
                    int si = PixelVectorLayout.ByteInPixel(k, bgra);
                    if (typeof(T) == typeof(byte))
                    {
                        var vb = MemoryMarshal.Cast<T, byte>(values);
                        for (int p = 0; p < cpix; p++, di += pixelStride)
                            vb[di] = pixels[p * 4 + si];
                    }
                    else
                    {
                        var vf = MemoryMarshal.Cast<T, float>(values);
                        for (int p = 0; p < cpix; p++, di += pixelStride)
                            vf[di] = (pixels[p * 4 + si] - offset) * scale;
                    }
                }
                dst = editor.Commit();
            };
        }
    }
}
