namespace MLAugment.Data.Transforms.Image;

/// <summary>
/// Converts images to grayscale: every colour channel becomes 0.3 R + 0.59 G + 0.11 B and the image becomes opaque (as
/// ML.NET's Skia colour matrix does). The output keeps the input's column type and byte order; missing images stay missing.
/// </summary>
/// <remarks>
/// <format type="text/markdown"><![CDATA[
/// ### Estimator Characteristics
/// |  |  |
/// | -- | -- |
/// | Does this estimator need to look at the data to train its parameters? | No |
/// | Input column data type | MLImage |
/// | Output column data type | MLImage |
/// ]]></format>
/// Mirrors <c>Microsoft.ML.Transforms.Image.ImageGrayscalingEstimator</c>.
/// <seealso cref="ImageEstimatorsCatalog.ConvertToGrayscale"/>
/// </remarks>
public sealed class ImageGrayscalingEstimator : TrivialEstimator<ImageGrayscalingTransformer>
{
    internal ImageGrayscalingEstimator(string outputColumnName, string? inputColumnName)
        : base(new ImageGrayscalingTransformer([(outputColumnName, inputColumnName ?? outputColumnName)]))
    {
    }

    public override SchemaShape GetOutputSchema(SchemaShape inputSchema)
    {
        ArgumentNullException.ThrowIfNull(inputSchema);
        var result = inputSchema.ToDictionary(c => c.Name);
        foreach (var (output, input) in Transformer.ColumnPairs)
        {
            var col = ImageColumnChecks.FindImage(inputSchema, input);
            result[output] = new SchemaShape.Column(output, col.Kind, col.ItemType, col.IsKey);
        }
        return new SchemaShape(result.Values);
    }
}

/// <summary>Converts images to grayscale. Mirrors <c>Microsoft.ML.Transforms.Image.ImageGrayscalingTransformer</c>.</summary>
[LoadableModel(LoaderSignature)]
public sealed class ImageGrayscalingTransformer : OneToOneTransformerBase
{
    internal const string LoaderSignature = "ImageGrayscaleTransform";

    internal ImageGrayscalingTransformer((string outputColumnName, string inputColumnName)[] columns) : base(columns)
    {
    }

    private static VersionInfo GetVersionInfo() => new("IMGGRAYT", 0x00010001, 0x00010001, 0x00010001, LoaderSignature);

    protected override void CheckInputColumn(DataViewSchema inputSchema, int col, int srcCol) =>
        ImageColumnChecks.CheckImage(inputSchema, srcCol, ColumnPairs[col].inputColumnName);

    protected override MapperBase MakeRowMapper(DataViewSchema schema) => new Mapper(this, schema);

    /// <summary>*** Binary format *** column pairs.</summary>
    protected override void SaveModel(ModelSaveContext ctx)
    {
        ctx.SetVersionInfo(GetVersionInfo());
        SaveColumns(ctx);
    }

    private static ImageGrayscalingTransformer Create(ModelLoadContext ctx)
    {
        ctx.CheckAtModel(GetVersionInfo());
        return new ImageGrayscalingTransformer(LoadColumns(ctx));
    }

    private sealed class Mapper : OneToOneMapperBase
    {
        private readonly ImageGrayscalingTransformer _parent;

        public Mapper(ImageGrayscalingTransformer parent, DataViewSchema inputSchema) : base(parent, inputSchema)
        {
            _parent = parent;
        }

        protected override DataViewSchema.DetachedColumn[] GetOutputColumnsCore() =>
            _parent.ColumnPairs.Select((p, i) => new DataViewSchema.DetachedColumn(p.outputColumnName, InputSchema[ColMapNewToOld[i]].Type)).ToArray();

        protected override Delegate MakeGetter(DataViewRow input, int iinfo, Func<int, bool> activeOutput, out Action? disposer)
        {
            var getter = OwnedImageGetter.Map(input, input.Schema[ColMapNewToOld[iinfo]], src => ImageOperations.Grayscale(src.Raw), out var dispose);
            disposer = dispose;
            return getter;
        }
    }
}
