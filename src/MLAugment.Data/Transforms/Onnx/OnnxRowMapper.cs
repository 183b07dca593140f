namespace MLAugment.Data.Transforms.Onnx;

/// <summary>
/// Schema checks and single-row scoring for <see cref="OnnxTransformer"/>: the output schema is the input schema plus
/// one vector column per ONNX output. Used by prediction engines; cursors over a transformed view batch rows instead
/// (<see cref="OnnxScoringDataView"/>).
/// </summary>
internal sealed class OnnxRowMapper : RowToRowTransformerBase.MapperBase
{
    private readonly OnnxTransformer _parent;

    /// <summary>Input schema column index feeding each ONNX input.</summary>
    public int[] InputColumns { get; }

    public OnnxRowMapper(OnnxTransformer parent, DataViewSchema inputSchema) : base(inputSchema)
    {
        _parent = parent;
        InputColumns = new int[parent.Inputs.Length];
        for (int i = 0; i < InputColumns.Length; i++)
        {
            var binding = parent.Inputs[i];
            var column = inputSchema.GetColumnOrNull(binding.Name)
                ?? throw SchemaExceptions.ExceptSchemaMismatch(nameof(inputSchema), "input", binding.Name);
            binding.CheckInputColumn(column);
            InputColumns[i] = column.Index;
        }
    }

    public OnnxTransformer Parent => _parent;

    protected override DataViewSchema.DetachedColumn[] GetOutputColumnsCore() =>
        _parent.Outputs.Select(o => new DataViewSchema.DetachedColumn(o.Name, o.OutputType())).ToArray();

    protected override Func<int, bool> GetDependenciesCore(Func<int, bool> activeOutput)
    {
        bool any = Enumerable.Range(0, _parent.Outputs.Length).Any(activeOutput);
        var needed = any ? InputColumns.ToHashSet() : [];
        return needed.Contains;
    }

    /// <summary>Readers that copy one row of each ONNX input's column into row <c>i</c> of a batch buffer.</summary>
    public Action<Array, int>[] MakeReaders(DataViewRow row) =>
        _parent.Inputs.Select((b, i) =>
        {
            var column = row.Schema[InputColumns[i]];
            return b.ItemType.RawType == typeof(float) ? MakeReader<float>(row, column, b)
                : b.ItemType.RawType == typeof(long) ? MakeReader<long>(row, column, b)
                : MakeReader<int>(row, column, b);
        }).ToArray();

    private static Action<Array, int> MakeReader<T>(DataViewRow row, DataViewSchema.Column column, OnnxColumnBinding binding)
    {
        int size = binding.RowSize;
        if (column.Type is VectorDataViewType)
        {
            var getter = row.GetGetter<VBuffer<T>>(column);
            VBuffer<T> buffer = default;
            return (array, i) =>
            {
                getter(ref buffer);
                if (buffer.Length != size)
                    throw new InvalidOperationException(
                        $"ApplyOnnxModel: column '{column.Name}' holds {buffer.Length} values in this row; ONNX input '{binding.Name}' {binding.Info.ElementType}{binding.ShapeText} needs {size}.");
                buffer.CopyTo(((T[])array).AsSpan(i * size, size));
            };
        }
        var scalar = row.GetGetter<T>(column);
        T value = default!;
        return (array, i) =>
        {
            scalar(ref value);
            ((T[])array)[i] = value;
        };
    }

    /// <summary>Writes row <paramref name="row"/> of a run's output into a vector.</summary>
    public static void WriteRow<T>(Array values, int rowSize, int row, ref VBuffer<T> destination)
    {
        var editor = VBufferEditor.Create(ref destination, rowSize);
        ((T[])values).AsSpan(row * rowSize, rowSize).CopyTo(editor.Values);
        destination = editor.Commit();
    }

    // One run per call on the current row: a prediction engine's row changes its values without moving.
    protected override Delegate MakeGetter(DataViewRow input, int iinfo, Func<int, bool> activeOutput, out Action? disposer)
    {
        disposer = null;
        var readers = MakeReaders(input);
        var binding = _parent.Outputs[iinfo];
        return binding.ItemType.RawType == typeof(float) ? SingleRowGetter<float>(readers, iinfo)
            : binding.ItemType.RawType == typeof(long) ? SingleRowGetter<long>(readers, iinfo)
            : SingleRowGetter<int>(readers, iinfo);
    }

    private ValueGetter<VBuffer<T>> SingleRowGetter<T>(Action<Array, int>[] readers, int iinfo) => (ref VBuffer<T> dst) =>
    {
        var buffers = _parent.Inputs.Select(b => OnnxTransformer.NewBuffer(b, 1)).ToArray();
        for (int i = 0; i < readers.Length; i++) readers[i](buffers[i], 0);
        var (values, sizes) = _parent.Run(1, buffers, [iinfo]);
        WriteRow(values[0], sizes[0], 0, ref dst);
    };
}
