namespace MLAugment.Data;

/// <summary>
/// Base for transformers where each output column is computed from one input column, given as
/// (outputColumnName, inputColumnName) pairs. Validates that inputs exist ("Could not find input column 'X'") and
/// lets subclasses check their types in <see cref="CheckInputColumn"/>. Mirrors ML.NET's <c>OneToOneTransformerBase</c>.
/// </summary>
public abstract class OneToOneTransformerBase : RowToRowTransformerBase
{
    protected OneToOneTransformerBase(params (string outputColumnName, string inputColumnName)[] columns)
    {
        ArgumentNullException.ThrowIfNull(columns);
        if (columns.Length == 0)
            throw new ArgumentException("At least one column pair is required.", nameof(columns));
        var outputs = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (output, input) in columns)
        {
            ArgumentException.ThrowIfNullOrEmpty(output, nameof(columns));
            ArgumentException.ThrowIfNullOrEmpty(input, nameof(columns));
            if (!outputs.Add(output))
                throw new ArgumentException($"Output column '{output}' is specified more than once.", nameof(columns));
        }
        ColumnPairs = columns.ToArray();
    }

    /// <summary>The (output, input) column name pairs, in output order.</summary>
    public IReadOnlyList<(string outputColumnName, string inputColumnName)> ColumnPairs { get; }

    /// <summary>Finds the input column of pair <paramref name="col"/> and checks it; returns its index.</summary>
    protected int CheckInput(DataViewSchema inputSchema, int col)
    {
        var name = ColumnPairs[col].inputColumnName;
        var column = inputSchema.GetColumnOrNull(name)
            ?? throw SchemaExceptions.ExceptSchemaMismatch(nameof(inputSchema), "input", name);
        CheckInputColumn(inputSchema, col, column.Index);
        return column.Index;
    }

    /// <summary>Type check for pair <paramref name="col"/>; throw <see cref="SchemaExceptions.ExceptSchemaMismatch(string, string, string, string, string)"/> when unsuitable.</summary>
    protected virtual void CheckInputColumn(DataViewSchema inputSchema, int col, int srcCol)
    {
    }

    /// <summary>*** Binary format *** int: pair count; per pair: string output name, string input name.</summary>
    protected void SaveColumns(ModelSaveContext ctx)
    {
        ctx.Writer.Write(ColumnPairs.Count);
        foreach (var (output, input) in ColumnPairs)
        {
            ctx.SaveNonEmptyString(output);
            ctx.SaveNonEmptyString(input);
        }
    }

    protected static (string outputColumnName, string inputColumnName)[] LoadColumns(ModelLoadContext ctx)
    {
        int n = ctx.Reader.ReadInt32();
        if (n <= 0)
            throw new InvalidDataException($"Model entry '{ctx.Directory}' lists {n} column pairs.");
        var pairs = new (string, string)[n];
        for (int i = 0; i < n; i++)
            pairs[i] = (ctx.LoadNonEmptyString(), ctx.LoadNonEmptyString());
        return pairs;
    }

    /// <summary>A mapper whose output <c>i</c> depends only on the input column of pair <c>i</c>.</summary>
    public abstract class OneToOneMapperBase : MapperBase
    {
        protected OneToOneMapperBase(OneToOneTransformerBase parent, DataViewSchema inputSchema) : base(inputSchema)
        {
            Parent = parent;
            ColMapNewToOld = new int[parent.ColumnPairs.Count];
            for (int i = 0; i < ColMapNewToOld.Length; i++)
                ColMapNewToOld[i] = parent.CheckInput(inputSchema, i);
        }

        protected OneToOneTransformerBase Parent { get; }

        /// <summary>Input column index for each output (iinfo).</summary>
        protected int[] ColMapNewToOld { get; }

        protected override Func<int, bool> GetDependenciesCore(Func<int, bool> activeOutput)
        {
            var needed = new HashSet<int>();
            for (int i = 0; i < ColMapNewToOld.Length; i++)
                if (activeOutput(i))
                    needed.Add(ColMapNewToOld[i]);
            return needed.Contains;
        }
    }
}
