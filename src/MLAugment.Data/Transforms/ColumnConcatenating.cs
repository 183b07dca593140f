namespace MLAugment.Data.Transforms;

/// <summary>
/// Concatenates scalar and vector columns of one item type into a vector column: known size when every input has a
/// known size, variable otherwise.
/// </summary>
/// <remarks>
/// <format type="text/markdown"><![CDATA[
/// ### Estimator Characteristics
/// |  |  |
/// | -- | -- |
/// | Does this estimator need to look at the data to train its parameters? | No |
/// | Input column data type | Scalars or vectors of one primitive item type |
/// | Output column data type | Vector of that item type |
/// ]]></format>
/// Slot names of the inputs are not propagated. Mirrors <c>Microsoft.ML.Transforms.ColumnConcatenatingEstimator</c>.
/// <seealso cref="TransformExtensionsCatalog.Concatenate"/>
/// </remarks>
public sealed class ColumnConcatenatingEstimator : TrivialEstimator<ColumnConcatenatingTransformer>
{
    internal ColumnConcatenatingEstimator(string outputColumnName, params string[] inputColumnNames)
        : base(new ColumnConcatenatingTransformer(outputColumnName, inputColumnNames))
    {
    }

    public override SchemaShape GetOutputSchema(SchemaShape inputSchema)
    {
        ArgumentNullException.ThrowIfNull(inputSchema);
        var result = inputSchema.ToDictionary(c => c.Name);
        DataViewType? itemType = null;
        bool isKey = false;
        bool variable = false;
        foreach (var name in Transformer.InputColumnNames)
        {
            if (!inputSchema.TryFindColumn(name, out var col))
                throw SchemaExceptions.ExceptSchemaMismatch(nameof(inputSchema), "input", name);
            if (itemType is null)
            {
                itemType = col.ItemType;
                isKey = col.IsKey;
            }
            else if (!col.ItemType.Equals(itemType) || col.IsKey != isKey)
            {
                string expected = isKey ? $"Key<{itemType}>" : itemType.ToString()!;
                throw SchemaExceptions.ExceptSchemaMismatch(nameof(inputSchema), "input", name, expected, col.GetTypeString());
            }
            variable |= col.Kind == SchemaShape.Column.VectorKind.VariableVector;
        }
        var kind = variable ? SchemaShape.Column.VectorKind.VariableVector : SchemaShape.Column.VectorKind.Vector;
        result[Transformer.OutputColumnName] = new SchemaShape.Column(Transformer.OutputColumnName, kind, itemType!, isKey);
        return new SchemaShape(result.Values);
    }
}

/// <summary>Concatenates columns into a vector. Mirrors <c>Microsoft.ML.Transforms.ColumnConcatenatingTransformer</c>.</summary>
[LoadableModel(LoaderSignature)]
public sealed class ColumnConcatenatingTransformer : RowToRowTransformerBase
{
    internal const string LoaderSignature = "ConcatTransform";

    internal ColumnConcatenatingTransformer(string outputColumnName, string[] inputColumnNames)
    {
        ArgumentException.ThrowIfNullOrEmpty(outputColumnName);
        ArgumentNullException.ThrowIfNull(inputColumnNames);
        if (inputColumnNames.Length == 0 || inputColumnNames.Any(string.IsNullOrEmpty))
            throw new ArgumentException("Concatenate needs at least one non-empty input column name.", nameof(inputColumnNames));
        OutputColumnName = outputColumnName;
        InputColumnNames = inputColumnNames.ToArray();
    }

    public string OutputColumnName { get; }

    public IReadOnlyList<string> InputColumnNames { get; }

    private static VersionInfo GetVersionInfo() => new("CONCAT F", 0x00010001, 0x00010001, 0x00010001, LoaderSignature);

    protected override MapperBase MakeRowMapper(DataViewSchema schema) => new Mapper(this, schema);

    /// <summary>*** Binary format *** string output; int count; count × string input.</summary>
    protected override void SaveModel(ModelSaveContext ctx)
    {
        ctx.SetVersionInfo(GetVersionInfo());
        ctx.SaveNonEmptyString(OutputColumnName);
        ctx.Writer.Write(InputColumnNames.Count);
        foreach (var name in InputColumnNames)
            ctx.SaveNonEmptyString(name);
    }

    private static ColumnConcatenatingTransformer Create(ModelLoadContext ctx)
    {
        ctx.CheckAtModel(GetVersionInfo());
        var output = ctx.LoadNonEmptyString();
        int n = ctx.Reader.ReadInt32();
        if (n <= 0)
            throw new InvalidDataException($"Concatenate entry '{ctx.Directory}' lists {n} inputs.");
        var inputs = new string[n];
        for (int i = 0; i < n; i++)
            inputs[i] = ctx.LoadNonEmptyString();
        return new ColumnConcatenatingTransformer(output, inputs);
    }

    private sealed class Mapper : MapperBase
    {
        private readonly ColumnConcatenatingTransformer _parent;
        private readonly int[] _sources;
        private readonly PrimitiveDataViewType _itemType;
        private readonly int _size;

        public Mapper(ColumnConcatenatingTransformer parent, DataViewSchema inputSchema) : base(inputSchema)
        {
            _parent = parent;
            _sources = new int[parent.InputColumnNames.Count];
            PrimitiveDataViewType? item = null;
            long size = 0;
            bool variable = false;
            for (int i = 0; i < _sources.Length; i++)
            {
                var name = parent.InputColumnNames[i];
                var col = inputSchema.GetColumnOrNull(name)
                    ?? throw SchemaExceptions.ExceptSchemaMismatch(nameof(inputSchema), "input", name);
                var colItem = col.Type is VectorDataViewType v ? v.ItemType : col.Type as PrimitiveDataViewType;
                if (colItem is null)
                    throw SchemaExceptions.ExceptSchemaMismatch(nameof(inputSchema), "input", name, "scalar or vector of a primitive type", col.Type.ToString()!);
                item ??= colItem;
                if (!colItem.Equals(item))
                    throw SchemaExceptions.ExceptSchemaMismatch(nameof(inputSchema), "input", name, item.ToString()!, col.Type.ToString()!);
                if (col.Type is VectorDataViewType vec)
                {
                    variable |= !vec.IsKnownSize;
                    size += vec.Size;
                }
                else
                {
                    size += 1;
                }
                _sources[i] = col.Index;
            }
            _itemType = item!;
            _size = variable || size > int.MaxValue ? 0 : (int)size;
        }

        protected override DataViewSchema.DetachedColumn[] GetOutputColumnsCore() =>
            [new(_parent.OutputColumnName, new VectorDataViewType(_itemType, _size))];

        protected override Func<int, bool> GetDependenciesCore(Func<int, bool> activeOutput) =>
            activeOutput(0) ? _sources.Contains : _ => false;

        protected override Delegate MakeGetter(DataViewRow input, int iinfo, Func<int, bool> activeOutput, out Action? disposer)
        {
            disposer = null;
            var method = typeof(Mapper).GetMethod(nameof(MakeGetterCore), System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Instance)!
                .MakeGenericMethod(_itemType.RawType);
            return (Delegate)method.Invoke(this, [input])!;
        }

        private Delegate MakeGetterCore<T>(DataViewRow input)
        {
            // One reader per input: appends that input's items at the running offset.
            var readers = new Func<Memory<T>?, int>[_sources.Length];
            for (int i = 0; i < _sources.Length; i++)
            {
                var col = input.Schema[_sources[i]];
                if (col.Type is VectorDataViewType)
                {
                    var g = input.GetGetter<VBuffer<T>>(col);
                    VBuffer<T> buffer = default;
                    readers[i] = dst =>
                    {
                        if (dst is null)
                        {
                            g(ref buffer);
                            return buffer.Length;
                        }
                        buffer.CopyTo(dst.Value.Span);
                        return buffer.Length;
                    };
                }
                else
                {
                    var g = input.GetGetter<T>(col);
                    T value = default!;
                    readers[i] = dst =>
                    {
                        if (dst is null)
                        {
                            g(ref value);
                            return 1;
                        }
                        dst.Value.Span[0] = value;
                        return 1;
                    };
                }
            }
            var scratch = Array.Empty<T>();
            return (ValueGetter<VBuffer<T>>)((ref VBuffer<T> dst) =>
            {
                int total = 0;
                foreach (var r in readers)
                    total += r(null);
                if (_size > 0 && total != _size)
                    throw new InvalidOperationException($"Concatenate into '{_parent.OutputColumnName}' produced {total} items; the column type promises {_size}.");
                if (scratch.Length < total)
                    scratch = new T[total];
                int offset = 0;
                foreach (var r in readers)
                    offset += r(scratch.AsMemory(offset));
                var editor = VBufferEditor.Create(ref dst, total);
                scratch.AsSpan(0, total).CopyTo(editor.Values);
                dst = editor.Commit();
            });
        }
    }
}
