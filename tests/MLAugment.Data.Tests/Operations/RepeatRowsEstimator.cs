using MLAugment.Data;

namespace MLAugment.Data.Tests.Operations;

/// <summary>
/// A minimal augmenter for the tests: every source row yields <c>copies</c> rows; copy i shifts the pixels by 100·i,
/// records its index in <c>CopyIndex</c>, and adds seeded <c>Noise</c> drawn from (seed, source row, copy).
/// </summary>
public sealed class RepeatRowsEstimator : TrivialEstimator<RepeatRowsTransformer>
{
    public RepeatRowsEstimator(int copies, string? groupingKeyColumnName = "GroupKey", int seed = 7, bool variableCount = false)
        : base(new RepeatRowsTransformer(copies, groupingKeyColumnName, seed, variableCount))
    {
    }

    public override SchemaShape GetOutputSchema(SchemaShape inputSchema)
    {
        if (!inputSchema.TryFindColumn("Pixels", out var pixels))
            throw SchemaExceptions.ExceptSchemaMismatch(nameof(inputSchema), "input", "Pixels");
        if (pixels.Kind != SchemaShape.Column.VectorKind.Vector || pixels.ItemType != NumberDataViewType.Single || pixels.IsKey)
            throw SchemaExceptions.ExceptSchemaMismatch(nameof(inputSchema), "input", "Pixels", "Vector<Single>", pixels.GetTypeString());
        var result = inputSchema.ToDictionary(c => c.Name);
        result["CopyIndex"] = new SchemaShape.Column("CopyIndex", SchemaShape.Column.VectorKind.Scalar, NumberDataViewType.Int32, false);
        result["Noise"] = new SchemaShape.Column("Noise", SchemaShape.Column.VectorKind.Scalar, NumberDataViewType.Single, false);
        var key = Transformer.GroupingKeyColumnName;
        if (key is not null && !result.ContainsKey(key))
            result[key] = new SchemaShape.Column(key, SchemaShape.Column.VectorKind.Scalar, RowIdDataViewType.Instance, false);
        return new SchemaShape(result.Values);
    }
}

[LoadableModel(LoaderSignature)]
public sealed class RepeatRowsTransformer : RowExpandingTransformerBase
{
    private const string LoaderSignature = "TestRepeatRows";
    private readonly int _copies;
    private readonly int _seed;
    private readonly bool _variableCount;

    public RepeatRowsTransformer(int copies, string? groupingKeyColumnName, int seed, bool variableCount) : base(groupingKeyColumnName)
    {
        _copies = copies;
        _seed = seed;
        _variableCount = variableCount;
    }

    private static VersionInfo GetVersionInfo() => new("TESTREPT", 1, 1, 1, LoaderSignature);

    // With variableCount, source row r yields (r mod copies) + 1 rows, so the count is unknown up front.
    protected override int? RowsPerSourceRow => _variableCount ? null : _copies;

    protected override DataViewSchema.DetachedColumn[] GetWrittenColumns(DataViewSchema inputSchema)
    {
        var pixels = inputSchema.GetColumnOrNull("Pixels")
            ?? throw SchemaExceptions.ExceptSchemaMismatch(nameof(inputSchema), "input", "Pixels");
        if (pixels.Type is not VectorDataViewType { IsKnownSize: true, ItemType: NumberDataViewType } v || v.ItemType != NumberDataViewType.Single)
            throw SchemaExceptions.ExceptSchemaMismatch(nameof(inputSchema), "input", "Pixels", "Vector<Single>", pixels.Type.ToString()!);
        return
        [
            new("Pixels", pixels.Type, pixels.Annotations),
            new("CopyIndex", NumberDataViewType.Int32),
            new("Noise", NumberDataViewType.Single),
        ];
    }

    protected override IEnumerable<string> GetSourceColumnsNeeded(DataViewSchema inputSchema, Func<int, bool> activeWritten) =>
        activeWritten(0) ? ["Pixels"] : [];

    protected override RowExpander CreateExpander(DataViewRow source, Func<int, bool> activeWritten) =>
        new Expander(this, source, activeWritten(0));

    protected override void SaveModel(ModelSaveContext ctx)
    {
        ctx.SetVersionInfo(GetVersionInfo());
        ctx.Writer.Write(_copies);
        ctx.SaveStringOrNull(GroupingKeyColumnName);
        ctx.Writer.Write(_seed);
        ctx.Writer.Write(_variableCount);
    }

    private static RepeatRowsTransformer Create(ModelLoadContext ctx)
    {
        ctx.CheckAtModel(GetVersionInfo());
        return new RepeatRowsTransformer(ctx.Reader.ReadInt32(), ctx.LoadStringOrNull(), ctx.Reader.ReadInt32(), ctx.Reader.ReadBoolean());
    }

    private sealed class Expander : RowExpander
    {
        private readonly RepeatRowsTransformer _parent;
        private readonly ValueGetter<VBuffer<float>>? _pixels;
        private long _sourceRow = -1;

        public Expander(RepeatRowsTransformer parent, DataViewRow source, bool readPixels)
        {
            _parent = parent;
            if (readPixels)
                _pixels = source.GetGetter<VBuffer<float>>(source.Schema["Pixels"]);
        }

        public override int BeginSourceRow()
        {
            _sourceRow++;
            return _parent._variableCount ? (int)(_sourceRow % _parent._copies) + 1 : _parent._copies;
        }

        public override Delegate MakeGetter(int iinfo) => iinfo switch
        {
            0 => (ValueGetter<VBuffer<float>>)((ref VBuffer<float> dst) =>
            {
                _pixels!(ref dst);
                var editor = VBufferEditor.CreateFromBuffer(ref dst);
                for (int i = 0; i < editor.Values.Length; i++)
                    editor.Values[i] += 100 * Index;
                dst = editor.Commit();
            }),
            1 => (ValueGetter<int>)((ref int dst) => dst = Index),
            _ => (ValueGetter<float>)((ref float dst) => dst = (float)new Random((int)DeriveSeed(_parent._seed)).NextDouble()),
        };
    }
}
