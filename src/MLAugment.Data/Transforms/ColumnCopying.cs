namespace MLAugment.Data.Transforms;

/// <summary>
/// Copies a column (type and annotations) under a new name.
/// </summary>
/// <remarks>
/// <format type="text/markdown"><![CDATA[
/// ### Estimator Characteristics
/// |  |  |
/// | -- | -- |
/// | Does this estimator need to look at the data to train its parameters? | No |
/// | Input column data type | Any |
/// | Output column data type | The input type |
/// ]]></format>
/// Mirrors <c>Microsoft.ML.Transforms.ColumnCopyingEstimator</c>.
/// <seealso cref="TransformExtensionsCatalog.CopyColumns"/>
/// </remarks>
public sealed class ColumnCopyingEstimator : TrivialEstimator<ColumnCopyingTransformer>
{
    internal ColumnCopyingEstimator(string outputColumnName, string inputColumnName)
        : base(new ColumnCopyingTransformer([(outputColumnName, inputColumnName)]))
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
            result[output] = new SchemaShape.Column(output, col.Kind, col.ItemType, col.IsKey, col.Annotations);
        }
        return new SchemaShape(result.Values);
    }
}

/// <summary>Copies columns. Mirrors <c>Microsoft.ML.Transforms.ColumnCopyingTransformer</c>.</summary>
[LoadableModel(LoaderSignature)]
public sealed class ColumnCopyingTransformer : OneToOneTransformerBase
{
    internal const string LoaderSignature = "CopyTransform";

    internal ColumnCopyingTransformer((string outputColumnName, string inputColumnName)[] columns) : base(columns)
    {
    }

    private static VersionInfo GetVersionInfo() => new("COPYCOLT", 0x00010001, 0x00010001, 0x00010001, LoaderSignature);

    protected override MapperBase MakeRowMapper(DataViewSchema schema) => new Mapper(this, schema);

    /// <summary>*** Binary format *** column pairs.</summary>
    protected override void SaveModel(ModelSaveContext ctx)
    {
        ctx.SetVersionInfo(GetVersionInfo());
        SaveColumns(ctx);
    }

    private static ColumnCopyingTransformer Create(ModelLoadContext ctx)
    {
        ctx.CheckAtModel(GetVersionInfo());
        return new ColumnCopyingTransformer(LoadColumns(ctx));
    }

    private sealed class Mapper : OneToOneMapperBase
    {
        private readonly ColumnCopyingTransformer _parent;

        public Mapper(ColumnCopyingTransformer parent, DataViewSchema inputSchema) : base(parent, inputSchema)
        {
            _parent = parent;
        }

        protected override DataViewSchema.DetachedColumn[] GetOutputColumnsCore() =>
            _parent.ColumnPairs.Select((p, i) =>
            {
                var src = InputSchema[ColMapNewToOld[i]];
                return new DataViewSchema.DetachedColumn(p.outputColumnName, src.Type, src.Annotations);
            }).ToArray();

        // The source getter fills the caller's buffer, so handing it out shares no storage.
        protected override Delegate MakeGetter(DataViewRow input, int iinfo, Func<int, bool> activeOutput, out Action? disposer)
        {
            disposer = null;
            var col = input.Schema[ColMapNewToOld[iinfo]];
            var method = typeof(DataViewRow).GetMethod(nameof(DataViewRow.GetGetter))!.MakeGenericMethod(col.Type.RawType);
            return (Delegate)method.Invoke(input, [col])!;
        }
    }
}
