namespace MLAugment.Data.Transforms;

/// <summary>
/// Keeps or drops columns by name. Dropping removes the named columns and every hidden column; selecting keeps only
/// the named columns, in the order given, plus their hidden predecessors when <c>keepHidden</c>.
/// </summary>
/// <remarks>
/// <format type="text/markdown"><![CDATA[
/// ### Estimator Characteristics
/// |  |  |
/// | -- | -- |
/// | Does this estimator need to look at the data to train its parameters? | No |
/// | Input column data type | Any |
/// | Output column data type | Unchanged |
/// ]]></format>
/// Mirrors <c>Microsoft.ML.Transforms.ColumnSelectingEstimator</c>.
/// <seealso cref="TransformExtensionsCatalog.DropColumns"/>
/// <seealso cref="TransformExtensionsCatalog.SelectColumns(TransformsCatalog, string[])"/>
/// </remarks>
public sealed class ColumnSelectingEstimator : TrivialEstimator<ColumnSelectingTransformer>
{
    internal ColumnSelectingEstimator(string[]? keepColumns, string[]? dropColumns, bool keepHidden = false)
        : base(new ColumnSelectingTransformer(keepColumns, dropColumns, keepHidden))
    {
    }

    public override SchemaShape GetOutputSchema(SchemaShape inputSchema)
    {
        ArgumentNullException.ThrowIfNull(inputSchema);
        foreach (var name in Transformer.SelectColumns.Concat(Transformer.DropColumns))
            if (!inputSchema.TryFindColumn(name, out _))
                throw SchemaExceptions.ExceptSchemaMismatch(nameof(inputSchema), "input", name);
        if (Transformer.IsDrop)
            return new SchemaShape(inputSchema.Where(c => !Transformer.DropColumns.Contains(c.Name)));
        // Selected columns come out in the order requested.
        return new SchemaShape(Transformer.SelectColumns.Select(n => { inputSchema.TryFindColumn(n, out var c); return c; }));
    }
}

/// <summary>Keeps or drops columns. Mirrors <c>Microsoft.ML.Transforms.ColumnSelectingTransformer</c>.</summary>
[LoadableModel(LoaderSignature)]
public sealed class ColumnSelectingTransformer : ITransformer
{
    internal const string LoaderSignature = "SelectColumnsTransform";

    internal ColumnSelectingTransformer(string[]? keepColumns, string[]? dropColumns, bool keepHidden)
    {
        if ((keepColumns is null) == (dropColumns is null))
            throw new ArgumentException("Give either columns to keep or columns to drop.");
        var names = keepColumns ?? dropColumns!;
        if (names.Length == 0 || names.Any(string.IsNullOrEmpty))
            throw new ArgumentException("Column names must be non-empty and at least one is needed.", keepColumns is null ? nameof(dropColumns) : nameof(keepColumns));
        SelectColumns = keepColumns ?? [];
        DropColumns = dropColumns ?? [];
        KeepHidden = keepHidden;
    }

    public IReadOnlyList<string> SelectColumns { get; }

    public IReadOnlyList<string> DropColumns { get; }

    public bool KeepHidden { get; }

    internal bool IsDrop => DropColumns.Count > 0;

    public bool IsRowToRowMapper => true;

    private static VersionInfo GetVersionInfo() => new("SELCOLST", 0x00010001, 0x00010001, 0x00010001, LoaderSignature);

    /// <summary>Indices of the input columns that survive, in output order.</summary>
    private int[] Selection(DataViewSchema inputSchema)
    {
        foreach (var name in SelectColumns.Concat(DropColumns))
            if (inputSchema.GetColumnOrNull(name) is null)
                throw SchemaExceptions.ExceptSchemaMismatch(nameof(inputSchema), "input", name);
        if (IsDrop)
            return inputSchema.Where(c => !DropColumns.Contains(c.Name) && !c.IsHidden).Select(c => c.Index).ToArray();
        var result = new List<int>();
        foreach (var name in SelectColumns)
        {
            if (KeepHidden)
                result.AddRange(inputSchema.Where(c => c.Name == name && c.IsHidden).Select(c => c.Index));
            result.Add(inputSchema[name].Index);
        }
        return result.ToArray();
    }

    public DataViewSchema GetOutputSchema(DataViewSchema inputSchema)
    {
        ArgumentNullException.ThrowIfNull(inputSchema);
        return new SelectingMapper(inputSchema, Selection(inputSchema)).OutputSchema;
    }

    public IDataView Transform(IDataView input)
    {
        ArgumentNullException.ThrowIfNull(input);
        return new SelectingView(input, new SelectingMapper(input.Schema, Selection(input.Schema)));
    }

    public IRowToRowMapper GetRowToRowMapper(DataViewSchema inputSchema)
    {
        ArgumentNullException.ThrowIfNull(inputSchema);
        return new SelectingMapper(inputSchema, Selection(inputSchema));
    }

    /// <summary>*** Binary format *** bool drop; bool keepHidden; int count; count × string.</summary>
    void ICanSaveModel.Save(ModelSaveContext ctx)
    {
        ctx.SetVersionInfo(GetVersionInfo());
        ctx.Writer.Write(IsDrop);
        ctx.Writer.Write(KeepHidden);
        var names = IsDrop ? DropColumns : SelectColumns;
        ctx.Writer.Write(names.Count);
        foreach (var n in names)
            ctx.SaveNonEmptyString(n);
    }

    private static ColumnSelectingTransformer Create(ModelLoadContext ctx)
    {
        ctx.CheckAtModel(GetVersionInfo());
        bool drop = ctx.Reader.ReadBoolean();
        bool keepHidden = ctx.Reader.ReadBoolean();
        int n = ctx.Reader.ReadInt32();
        if (n <= 0)
            throw new InvalidDataException($"Column selection entry '{ctx.Directory}' lists {n} columns.");
        var names = new string[n];
        for (int i = 0; i < n; i++)
            names[i] = ctx.LoadNonEmptyString();
        return drop ? new ColumnSelectingTransformer(null, names, keepHidden) : new ColumnSelectingTransformer(names, null, keepHidden);
    }

    private sealed class SelectingMapper : IRowToRowMapper
    {
        private readonly int[] _map;

        public SelectingMapper(DataViewSchema inputSchema, int[] map)
        {
            InputSchema = inputSchema;
            _map = map;
            var builder = new DataViewSchema.Builder();
            builder.AddColumns(map.Select(i => inputSchema[i]));
            OutputSchema = builder.ToSchema();
        }

        public DataViewSchema InputSchema { get; }

        public DataViewSchema OutputSchema { get; }

        public IEnumerable<DataViewSchema.Column> GetDependencies(IEnumerable<DataViewSchema.Column> dependingColumns)
        {
            var active = CursorUtils.ActiveFlags(OutputSchema, dependingColumns);
            return _map.Where((_, i) => active[i]).Select(i => InputSchema[i]).ToArray();
        }

        public DataViewRow GetRow(DataViewRow input, IEnumerable<DataViewSchema.Column> activeColumns) =>
            new SelectingCursor(this, input, CursorUtils.ActiveFlags(OutputSchema, activeColumns));

        public DataViewSchema.Column Source(int outputIndex) => InputSchema[_map[outputIndex]];
    }

    private sealed class SelectingView : IDataView
    {
        private readonly IDataView _source;
        private readonly SelectingMapper _mapper;

        public SelectingView(IDataView source, SelectingMapper mapper)
        {
            _source = source;
            _mapper = mapper;
        }

        public bool CanShuffle => _source.CanShuffle;

        public DataViewSchema Schema => _mapper.OutputSchema;

        public long? GetRowCount() => _source.GetRowCount();

        public DataViewRowCursor GetRowCursor(IEnumerable<DataViewSchema.Column> columnsNeeded, Random? rand = null)
        {
            var needed = columnsNeeded.ToArray();
            var active = CursorUtils.ActiveFlags(Schema, needed);
            return new SelectingCursor(_mapper, _source.GetRowCursor(_mapper.GetDependencies(needed), rand), active);
        }

        public DataViewRowCursor[] GetRowCursorSet(IEnumerable<DataViewSchema.Column> columnsNeeded, int n, Random? rand = null)
        {
            var needed = columnsNeeded.ToArray();
            var active = CursorUtils.ActiveFlags(Schema, needed);
            return _source.GetRowCursorSet(_mapper.GetDependencies(needed), n, rand)
                .Select(c => (DataViewRowCursor)new SelectingCursor(_mapper, c, active)).ToArray();
        }
    }

    private sealed class SelectingCursor(SelectingMapper mapper, DataViewRow input, bool[] active) : WrappingRowCursor(input, active)
    {
        public override DataViewSchema Schema => mapper.OutputSchema;

        protected override ValueGetter<TValue> GetActiveGetter<TValue>(DataViewSchema.Column column) => Input.GetGetter<TValue>(mapper.Source(column.Index));
    }
}
