namespace MLAugment.Data;

/// <summary>
/// Base for transformers that append computed columns and never change rows: the output is the input schema plus
/// the mapper's columns (a same-named column hides its input). Subclasses supply <see cref="MakeRowMapper"/> and
/// <see cref="SaveModel"/>. Mirrors ML.NET's <c>RowToRowTransformerBase</c> (internal constructor there: a port seam).
/// </summary>
public abstract class RowToRowTransformerBase : ITransformer
{
    public bool IsRowToRowMapper => true;

    /// <summary>Builds the mapper for <paramref name="schema"/>, validating it (ML.NET's schema-error wording).</summary>
    protected abstract MapperBase MakeRowMapper(DataViewSchema schema);

    protected abstract void SaveModel(ModelSaveContext ctx);

    void ICanSaveModel.Save(ModelSaveContext ctx) => SaveModel(ctx);

    public DataViewSchema GetOutputSchema(DataViewSchema inputSchema)
    {
        ArgumentNullException.ThrowIfNull(inputSchema);
        return MakeRowMapper(inputSchema).OutputSchema;
    }

    public IDataView Transform(IDataView input)
    {
        ArgumentNullException.ThrowIfNull(input);
        return new RowToRowMapperTransform(input, MakeRowMapper(input.Schema));
    }

    public IRowToRowMapper GetRowToRowMapper(DataViewSchema inputSchema)
    {
        ArgumentNullException.ThrowIfNull(inputSchema);
        return MakeRowMapper(inputSchema);
    }

    /// <summary>
    /// Computes the added columns of one row from the input row. Getters are built only for active outputs, and each
    /// output declares the input columns it depends on so cursors activate nothing else.
    /// </summary>
    public abstract class MapperBase : IRowToRowMapper
    {
        private DataViewSchema.DetachedColumn[]? _outputColumns;
        private DataViewSchema? _outputSchema;

        protected MapperBase(DataViewSchema inputSchema)
        {
            InputSchema = inputSchema ?? throw new ArgumentNullException(nameof(inputSchema));
        }

        public DataViewSchema InputSchema { get; }

        /// <summary>The input columns followed by the added columns.</summary>
        public DataViewSchema OutputSchema => _outputSchema ??= BuildOutputSchema();

        internal int AddedCount => OutputColumns.Length;

        private DataViewSchema.DetachedColumn[] OutputColumns => _outputColumns ??= GetOutputColumnsCore();

        /// <summary>The columns this mapper adds, in order.</summary>
        protected abstract DataViewSchema.DetachedColumn[] GetOutputColumnsCore();

        /// <summary>
        /// The getter (a <see cref="ValueGetter{TValue}"/> of the column's raw type) for added column
        /// <paramref name="iinfo"/>, reading <paramref name="input"/>. <paramref name="disposer"/> frees per-cursor resources.
        /// </summary>
        protected abstract Delegate MakeGetter(DataViewRow input, int iinfo, Func<int, bool> activeOutput, out Action? disposer);

        /// <summary>Which input column indices the active added columns (by iinfo) need.</summary>
        protected abstract Func<int, bool> GetDependenciesCore(Func<int, bool> activeOutput);

        private DataViewSchema BuildOutputSchema()
        {
            var builder = new DataViewSchema.Builder();
            builder.AddColumns(InputSchema);
            builder.AddColumns(OutputColumns);
            return builder.ToSchema();
        }

        /// <summary>Input activity needed for the given output activity (indices over <see cref="OutputSchema"/>).</summary>
        internal bool[] GetActiveInput(bool[] activeOutput)
        {
            int n = InputSchema.Count;
            var active = new bool[n];
            for (int i = 0; i < n; i++)
                active[i] = activeOutput[i];
            var deps = GetDependenciesCore(iinfo => activeOutput[n + iinfo]);
            for (int i = 0; i < n; i++)
                active[i] |= deps(i);
            return active;
        }

        internal Delegate?[] CreateGetters(DataViewRow input, bool[] activeOutput, out Action? disposer)
        {
            int n = InputSchema.Count;
            var getters = new Delegate?[AddedCount];
            disposer = null;
            for (int iinfo = 0; iinfo < getters.Length; iinfo++)
            {
                if (!activeOutput[n + iinfo])
                    continue;
                getters[iinfo] = MakeGetter(input, iinfo, j => activeOutput[n + j], out var d);
                disposer += d;
            }
            return getters;
        }

        public IEnumerable<DataViewSchema.Column> GetDependencies(IEnumerable<DataViewSchema.Column> dependingColumns)
        {
            var activeOutput = CursorUtils.ActiveFlags(OutputSchema, dependingColumns);
            var activeInput = GetActiveInput(activeOutput);
            return CursorUtils.Columns(InputSchema, i => activeInput[i]).ToArray();
        }

        public DataViewRow GetRow(DataViewRow input, IEnumerable<DataViewSchema.Column> activeColumns)
        {
            ArgumentNullException.ThrowIfNull(input);
            if (!CursorUtils.SameColumns(input.Schema, InputSchema))
                throw new ArgumentException("The input row's schema is not the schema this mapper was built for.", nameof(input));
            var activeOutput = CursorUtils.ActiveFlags(OutputSchema, activeColumns);
            return new MappedRowCursor(this, input, activeOutput);
        }
    }
}
