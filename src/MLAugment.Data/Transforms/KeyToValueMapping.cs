namespace MLAugment.Data.Transforms;

/// <summary>
/// Maps keys back to the values named by their column's <c>KeyValues</c> annotation; key 0 (missing) and keys beyond
/// the annotation map to the missing value (NaN for floating point, empty text, default otherwise).
/// </summary>
/// <remarks>
/// <format type="text/markdown"><![CDATA[
/// ### Estimator Characteristics
/// |  |  |
/// | -- | -- |
/// | Does this estimator need to look at the data to train its parameters? | No |
/// | Input column data type | Scalar or vector of key type with a KeyValues annotation |
/// | Output column data type | The KeyValues item type, same kind as the input |
/// ]]></format>
/// Mirrors <c>Microsoft.ML.Transforms.KeyToValueMappingEstimator</c>.
/// <seealso cref="ConversionsExtensionsCatalog.MapKeyToValue"/>
/// </remarks>
public sealed class KeyToValueMappingEstimator : TrivialEstimator<KeyToValueMappingTransformer>
{
    internal KeyToValueMappingEstimator(string outputColumnName, string? inputColumnName = null)
        : base(new KeyToValueMappingTransformer([(outputColumnName, inputColumnName ?? outputColumnName)]))
    {
    }

    internal const string ExpectedType = "key type with a KeyValues annotation";

    public override SchemaShape GetOutputSchema(SchemaShape inputSchema)
    {
        ArgumentNullException.ThrowIfNull(inputSchema);
        var result = inputSchema.ToDictionary(c => c.Name);
        foreach (var (output, input) in Transformer.ColumnPairs)
        {
            if (!inputSchema.TryFindColumn(input, out var col))
                throw SchemaExceptions.ExceptSchemaMismatch(nameof(inputSchema), "input", input);
            if (!col.IsKey || !col.Annotations.TryFindColumn(AnnotationUtils.Kinds.KeyValues, out var keyValues) || keyValues.Kind != SchemaShape.Column.VectorKind.Vector)
                throw SchemaExceptions.ExceptSchemaMismatch(nameof(inputSchema), "input", input, ExpectedType, col.GetTypeString());
            var annotations = col.Annotations.Where(a => a.Name == AnnotationUtils.Kinds.SlotNames);
            result[output] = new SchemaShape.Column(output, col.Kind, keyValues.ItemType, keyValues.IsKey, new SchemaShape(annotations));
        }
        return new SchemaShape(result.Values);
    }
}

/// <summary>Maps keys to their <c>KeyValues</c>. Mirrors <c>Microsoft.ML.Transforms.KeyToValueMappingTransformer</c>.</summary>
[LoadableModel(LoaderSignature)]
public sealed class KeyToValueMappingTransformer : OneToOneTransformerBase
{
    internal const string LoaderSignature = "KeyToValueTransform";

    internal KeyToValueMappingTransformer((string outputColumnName, string inputColumnName)[] columns) : base(columns)
    {
    }

    private static VersionInfo GetVersionInfo() => new("KEY2VALT", 0x00010001, 0x00010001, 0x00010001, LoaderSignature);

    protected override void CheckInputColumn(DataViewSchema inputSchema, int col, int srcCol)
    {
        var column = inputSchema[srcCol];
        var key = column.Type is VectorDataViewType v ? v.ItemType as KeyDataViewType : column.Type as KeyDataViewType;
        if (key is null || column.Annotations.Schema.GetColumnOrNull(AnnotationUtils.Kinds.KeyValues) is not { Type: VectorDataViewType })
            throw SchemaExceptions.ExceptSchemaMismatch(nameof(inputSchema), "input", ColumnPairs[col].inputColumnName,
                KeyToValueMappingEstimator.ExpectedType, column.Type.ToString()!);
    }

    protected override MapperBase MakeRowMapper(DataViewSchema schema) => new Mapper(this, schema);

    /// <summary>*** Binary format *** column pairs only: the values come from the input's annotation.</summary>
    protected override void SaveModel(ModelSaveContext ctx)
    {
        ctx.SetVersionInfo(GetVersionInfo());
        SaveColumns(ctx);
    }

    private static KeyToValueMappingTransformer Create(ModelLoadContext ctx)
    {
        ctx.CheckAtModel(GetVersionInfo());
        return new KeyToValueMappingTransformer(LoadColumns(ctx));
    }

    private sealed class Mapper : OneToOneMapperBase
    {
        private readonly KeyToValueMappingTransformer _parent;

        public Mapper(KeyToValueMappingTransformer parent, DataViewSchema inputSchema) : base(parent, inputSchema)
        {
            _parent = parent;
        }

        private DataViewSchema.Column KeyValuesOf(int iinfo) =>
            InputSchema[ColMapNewToOld[iinfo]].Annotations.Schema[AnnotationUtils.Kinds.KeyValues];

        protected override DataViewSchema.DetachedColumn[] GetOutputColumnsCore()
        {
            var result = new DataViewSchema.DetachedColumn[_parent.ColumnPairs.Count];
            for (int i = 0; i < result.Length; i++)
            {
                var input = InputSchema[ColMapNewToOld[i]];
                var valueType = ((VectorDataViewType)KeyValuesOf(i).Type).ItemType;
                DataViewType type = valueType;
                var builder = new DataViewSchema.Annotations.Builder();
                if (input.Type is VectorDataViewType v)
                {
                    type = new VectorDataViewType(valueType, v.Dimensions.ToArray());
                    builder.Add(input.Annotations, name => name == AnnotationUtils.Kinds.SlotNames);
                }
                result[i] = new DataViewSchema.DetachedColumn(_parent.ColumnPairs[i].outputColumnName, type, builder.ToAnnotations());
            }
            return result;
        }

        protected override Delegate MakeGetter(DataViewRow input, int iinfo, Func<int, bool> activeOutput, out Action? disposer)
        {
            disposer = null;
            var column = input.Schema[ColMapNewToOld[iinfo]];
            var keyValues = KeyValuesOf(iinfo);
            var keyRaw = (column.Type is VectorDataViewType v ? v.ItemType : column.Type).RawType;
            var valueRaw = ((VectorDataViewType)keyValues.Type).ItemType.RawType;
            var method = typeof(Mapper).GetMethod(nameof(MakeGetterCore), System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Static)!
                .MakeGenericMethod(keyRaw, valueRaw);
            return (Delegate)method.Invoke(null, [input, column, keyValues])!;
        }

        private static Delegate MakeGetterCore<TKey, TValue>(DataViewRow input, DataViewSchema.Column column, DataViewSchema.Column keyValuesColumn)
            where TKey : struct
        {
            VBuffer<TValue> keyValues = default;
            column.Annotations.GetGetter<VBuffer<TValue>>(keyValuesColumn)(ref keyValues);
            var values = keyValues.DenseValues().ToArray();
            TValue missing = typeof(TValue) == typeof(float) ? (TValue)(object)float.NaN
                : typeof(TValue) == typeof(double) ? (TValue)(object)double.NaN
                : default!;
            TValue Lookup(TKey key)
            {
                ulong k = Convert.ToUInt64(key);
                return k == 0 || k > (ulong)values.Length ? missing : values[k - 1];
            }

            if (column.Type is VectorDataViewType)
            {
                var src = input.GetGetter<VBuffer<TKey>>(column);
                VBuffer<TKey> buffer = default;
                return (ValueGetter<VBuffer<TValue>>)((ref VBuffer<TValue> dst) =>
                {
                    src(ref buffer);
                    var editor = VBufferEditor.Create(ref dst, buffer.Length);
                    int i = 0;
                    foreach (var k in buffer.DenseValues())
                        editor.Values[i++] = Lookup(k);
                    dst = editor.Commit();
                });
            }
            var scalar = input.GetGetter<TKey>(column);
            TKey keyValue = default;
            return (ValueGetter<TValue>)((ref TValue dst) =>
            {
                scalar(ref keyValue);
                dst = Lookup(keyValue);
            });
        }
    }
}
