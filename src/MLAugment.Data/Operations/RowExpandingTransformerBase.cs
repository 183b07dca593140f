namespace MLAugment.Data;

/// <summary>
/// Base for transformers that are <b>not</b> one-to-one: each source row yields zero or more output rows (augmenters
/// add rows, balancers repeat or drop them). The output keeps every source column (values copied from the source row)
/// except the ones the transformer writes: a written column with the name of a visible input column replaces it in
/// place, others are appended.
/// <list type="bullet">
/// <item>Row count: exact (source count × <see cref="RowsPerSourceRow"/>) when that is fixed, otherwise unknown (null).</item>
/// <item>Row ids: output row <c>i</c> of source row <c>s</c> gets <c>s.Combine((i, 0))</c>, distinct and stable.</item>
/// <item>Grouping key: when <see cref="GroupingKeyColumnName"/> is set, the column is copied from the source row, or
/// created (a <see cref="RowIdDataViewType"/> holding the source row id) when the input lacks it, so
/// <c>TrainTestSplit(samplingKeyColumnName: …)</c> keeps every derived row with its source.</item>
/// <item>Not a row-to-row mapper: <see cref="GetRowToRowMapper"/> throws; append such steps with
/// <see cref="TransformerScope.Training"/> and score with <c>GetModelFor(TransformerScope.Scoring)</c>.</item>
/// </list>
/// </summary>
public abstract class RowExpandingTransformerBase : ITransformer
{
    protected RowExpandingTransformerBase(string? groupingKeyColumnName)
    {
        if (groupingKeyColumnName is { Length: 0 })
            throw new ArgumentException("The grouping key column name must be null or non-empty.", nameof(groupingKeyColumnName));
        GroupingKeyColumnName = groupingKeyColumnName;
    }

    /// <summary>The column shared by a source row and all rows derived from it (null: none).</summary>
    public string? GroupingKeyColumnName { get; }

    public bool IsRowToRowMapper => false;

    /// <summary>The fixed number of output rows per source row, or null when it varies.</summary>
    protected abstract int? RowsPerSourceRow { get; }

    /// <summary>The columns this transformer writes, validating <paramref name="inputSchema"/> (ML.NET's schema-error wording).</summary>
    protected abstract DataViewSchema.DetachedColumn[] GetWrittenColumns(DataViewSchema inputSchema);

    /// <summary>The source columns the expander reads (for counts and written columns), given which written columns are active.</summary>
    protected abstract IEnumerable<string> GetSourceColumnsNeeded(DataViewSchema inputSchema, Func<int, bool> activeWritten);

    /// <summary>A worker for one cursor over <paramref name="source"/>; build getters only for active written columns.</summary>
    protected abstract RowExpander CreateExpander(DataViewRow source, Func<int, bool> activeWritten);

    protected abstract void SaveModel(ModelSaveContext ctx);

    void ICanSaveModel.Save(ModelSaveContext ctx) => SaveModel(ctx);

    public DataViewSchema GetOutputSchema(DataViewSchema inputSchema)
    {
        ArgumentNullException.ThrowIfNull(inputSchema);
        return new Bindings(this, inputSchema).OutputSchema;
    }

    public IDataView Transform(IDataView input)
    {
        ArgumentNullException.ThrowIfNull(input);
        return new RowExpandingDataView(this, input, new Bindings(this, input.Schema));
    }

    public IRowToRowMapper GetRowToRowMapper(DataViewSchema inputSchema) =>
        throw new InvalidOperationException(
            $"{GetType().Name} is not a row to row mapper: it changes the number of rows. Append it with TransformerScope.Training and use GetModelFor(TransformerScope.Scoring) for prediction.");

    internal int? FixedRowsPerSourceRow => RowsPerSourceRow;

    internal IEnumerable<string> SourceColumnsNeeded(DataViewSchema inputSchema, Func<int, bool> activeWritten) =>
        GetSourceColumnsNeeded(inputSchema, activeWritten);

    internal RowExpander NewExpander(DataViewRow source, Func<int, bool> activeWritten) => CreateExpander(source, activeWritten);

    /// <summary>
    /// Where each output column comes from: a source column index (≥ 0), a written column (−1 − iinfo), or the
    /// generated grouping key (<see cref="GeneratedKey"/>).
    /// </summary>
    internal sealed class Bindings
    {
        public const int GeneratedKey = int.MinValue;

        public Bindings(RowExpandingTransformerBase parent, DataViewSchema inputSchema)
        {
            InputSchema = inputSchema;
            Written = parent.GetWrittenColumns(inputSchema);
            var writtenByName = new Dictionary<string, int>(StringComparer.Ordinal);
            for (int i = 0; i < Written.Length; i++)
                if (!writtenByName.TryAdd(Written[i].Name, i))
                    throw new InvalidOperationException($"{parent.GetType().Name} writes column '{Written[i].Name}' twice.");
            var key = parent.GroupingKeyColumnName;
            if (key is not null && writtenByName.ContainsKey(key))
                throw new InvalidOperationException($"{parent.GetType().Name} writes its own grouping key column '{key}'; the key must be copied from the source row.");

            var columns = new List<DataViewSchema.DetachedColumn>();
            var sources = new List<int>();
            var placed = new HashSet<int>();
            foreach (var c in inputSchema)
            {
                if (!c.IsHidden && writtenByName.TryGetValue(c.Name, out int iinfo))
                {
                    columns.Add(Written[iinfo]);
                    sources.Add(-1 - iinfo);
                    placed.Add(iinfo);
                }
                else
                {
                    columns.Add(new DataViewSchema.DetachedColumn(c));
                    sources.Add(c.Index);
                }
            }
            for (int i = 0; i < Written.Length; i++)
            {
                if (placed.Contains(i))
                    continue;
                columns.Add(Written[i]);
                sources.Add(-1 - i);
            }
            if (key is not null && inputSchema.GetColumnOrNull(key) is null)
            {
                columns.Add(new DataViewSchema.DetachedColumn(key, RowIdDataViewType.Instance));
                sources.Add(GeneratedKey);
            }
            OutputSchema = DataViewSchema.Create(columns);
            Sources = sources.ToArray();
        }

        public DataViewSchema InputSchema { get; }

        public DataViewSchema OutputSchema { get; }

        public DataViewSchema.DetachedColumn[] Written { get; }

        public int[] Sources { get; }
    }
}
