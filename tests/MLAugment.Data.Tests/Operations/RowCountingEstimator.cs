using MLAugment.Data;

namespace MLAugment.Data.Tests.Operations;

/// <summary>An identity step that remembers how many rows it saw when fitted.</summary>
public sealed class RowCountingEstimator : IEstimator<RowCountingTransformer>
{
    public int FitCalls { get; private set; }

    public RowCountingTransformer Fit(IDataView input)
    {
        FitCalls++;
        using var cursor = input.GetRowCursor([]);
        int n = 0;
        while (cursor.MoveNext())
            n++;
        return new RowCountingTransformer(n);
    }

    public SchemaShape GetOutputSchema(SchemaShape inputSchema) => inputSchema;
}

[LoadableModel(LoaderSignature)]
public sealed class RowCountingTransformer : RowToRowTransformerBase
{
    private const string LoaderSignature = "TestRowCounting";

    public RowCountingTransformer(int rowsSeenAtFit) => RowsSeenAtFit = rowsSeenAtFit;

    public int RowsSeenAtFit { get; }

    private static VersionInfo GetVersionInfo() => new("TESTCNTR", 1, 1, 1, LoaderSignature);

    protected override MapperBase MakeRowMapper(DataViewSchema schema) => new Mapper(schema);

    protected override void SaveModel(ModelSaveContext ctx)
    {
        ctx.SetVersionInfo(GetVersionInfo());
        ctx.Writer.Write(RowsSeenAtFit);
    }

    private static RowCountingTransformer Create(ModelLoadContext ctx)
    {
        ctx.CheckAtModel(GetVersionInfo());
        return new RowCountingTransformer(ctx.Reader.ReadInt32());
    }

    private sealed class Mapper(DataViewSchema schema) : MapperBase(schema)
    {
        protected override DataViewSchema.DetachedColumn[] GetOutputColumnsCore() => [];

        protected override Delegate MakeGetter(DataViewRow input, int iinfo, Func<int, bool> activeOutput, out Action? disposer) =>
            throw new InvalidOperationException("This mapper adds no columns.");

        protected override Func<int, bool> GetDependenciesCore(Func<int, bool> activeOutput) => _ => false;
    }
}
