namespace MLAugment.Data.Transforms;

/// <summary>
/// Learns a vocabulary of the values of a column and maps each value to a key (1-based; unseen and missing values →
/// 0). The output carries a <c>KeyValues</c> annotation listing the vocabulary in key order.
/// </summary>
/// <remarks>
/// <format type="text/markdown"><![CDATA[
/// ### Estimator Characteristics
/// |  |  |
/// | -- | -- |
/// | Does this estimator need to look at the data to train its parameters? | Yes |
/// | Input column data type | Scalar or vector of numeric, boolean or text |
/// | Output column data type | Scalar or vector of Key&lt;UInt32&gt; |
/// ]]></format>
/// Mirrors <c>Microsoft.ML.Transforms.ValueToKeyMappingEstimator</c>.
/// <seealso cref="ConversionsExtensionsCatalog.MapValueToKey"/>
/// </remarks>
public sealed class ValueToKeyMappingEstimator : IEstimator<ValueToKeyMappingTransformer>
{
    /// <summary>How keys are ordered: by first occurrence in the data, or by sorted value.</summary>
    public enum KeyOrdinality : byte
    {
        ByOccurrence = 0,
        ByValue = 1,
    }

    internal static class Defaults
    {
        public const int MaximumNumberOfKeys = 1000000;
        public const KeyOrdinality Ordinality = KeyOrdinality.ByOccurrence;
        public const bool AddKeyValueAnnotationsAsText = false;
    }

    private readonly string _outputColumnName;
    private readonly string _inputColumnName;
    private readonly int _maximumNumberOfKeys;
    private readonly KeyOrdinality _keyOrdinality;
    private readonly bool _addKeyValueAnnotationsAsText;
    private readonly IDataView? _keyData;
    private readonly MLContext? _context;

    internal ValueToKeyMappingEstimator(MLContext? context, string outputColumnName, string? inputColumnName = null, int maximumNumberOfKeys = Defaults.MaximumNumberOfKeys,
        KeyOrdinality keyOrdinality = Defaults.Ordinality, bool addKeyValueAnnotationsAsText = Defaults.AddKeyValueAnnotationsAsText, IDataView? keyData = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(outputColumnName);
        if (maximumNumberOfKeys < 1)
            throw new ArgumentOutOfRangeException(nameof(maximumNumberOfKeys), maximumNumberOfKeys, "Must be positive.");
        if (keyData is not null && keyData.Schema.Count != 1)
            throw new ArgumentException($"keyData must have exactly one column, it has {keyData.Schema.Count}.", nameof(keyData));
        _outputColumnName = outputColumnName;
        _inputColumnName = inputColumnName ?? outputColumnName;
        _maximumNumberOfKeys = maximumNumberOfKeys;
        _keyOrdinality = keyOrdinality;
        _addKeyValueAnnotationsAsText = addKeyValueAnnotationsAsText;
        _keyData = keyData;
        _context = context;
    }

    internal static bool IsSupportedItemType(DataViewType t) =>
        t is NumberDataViewType || t is TextDataViewType || t is BooleanDataViewType;

    internal const string ExpectedType = "Numeric, Text or Boolean scalar or vector";

    public SchemaShape GetOutputSchema(SchemaShape inputSchema)
    {
        ArgumentNullException.ThrowIfNull(inputSchema);
        var result = inputSchema.ToDictionary(c => c.Name);
        if (!inputSchema.TryFindColumn(_inputColumnName, out var col))
            throw SchemaExceptions.ExceptSchemaMismatch(nameof(inputSchema), "input", _inputColumnName);
        if (col.IsKey || !IsSupportedItemType(col.ItemType))
            throw SchemaExceptions.ExceptSchemaMismatch(nameof(inputSchema), "input", _inputColumnName, ExpectedType, col.GetTypeString());
        var keyValuesItem = _addKeyValueAnnotationsAsText ? TextDataViewType.Instance : col.ItemType;
        var annotations = new List<SchemaShape.Column>
        {
            new(AnnotationUtils.Kinds.KeyValues, SchemaShape.Column.VectorKind.Vector, keyValuesItem, false),
        };
        if (col.Annotations.TryFindColumn(AnnotationUtils.Kinds.SlotNames, out var slotNames))
            annotations.Add(slotNames);
        result[_outputColumnName] = new SchemaShape.Column(_outputColumnName, col.Kind, NumberDataViewType.UInt32, true, new SchemaShape(annotations));
        return new SchemaShape(result.Values);
    }

    public ValueToKeyMappingTransformer Fit(IDataView input)
    {
        ArgumentNullException.ThrowIfNull(input);
        GetOutputSchema(SchemaShape.Create(input.Schema));
        var column = input.Schema[_inputColumnName];
        var itemType = (PrimitiveDataViewType)(column.Type is VectorDataViewType v ? v.ItemType : column.Type);
        var source = input;
        var sourceColumn = column;
        if (_keyData is not null)
        {
            sourceColumn = _keyData.Schema[0];
            var keyItem = sourceColumn.Type is VectorDataViewType kv ? kv.ItemType : sourceColumn.Type;
            if (!keyItem.Equals(itemType))
                throw SchemaExceptions.ExceptSchemaMismatch(nameof(_keyData), "key data", sourceColumn.Name, itemType.ToString()!, sourceColumn.Type.ToString()!);
            source = _keyData;
        }
        var terms = (IReadOnlyList<object>)typeof(ValueToKeyMappingEstimator)
            .GetMethod(nameof(CollectTerms), System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Instance)!
            .MakeGenericMethod(itemType.RawType).Invoke(this, [source, sourceColumn])!;
        if (terms.Count == 0)
            throw new InvalidOperationException($"Column '{sourceColumn.Name}' has no non-missing values to build keys from.");
        var map = KeyTermMap.Create(itemType, terms);
        return new ValueToKeyMappingTransformer([(_outputColumnName, _inputColumnName)], [map], [_addKeyValueAnnotationsAsText]);
    }

    private IReadOnlyList<object> CollectTerms<T>(IDataView data, DataViewSchema.Column column)
    {
        var seen = new HashSet<T>(KeyTermMap.Comparer<T>());
        var terms = new List<T>();
        void Add(T value)
        {
            if (terms.Count >= _maximumNumberOfKeys || KeyTermMap.IsMissing(value))
                return;
            // Text values may point into reused buffers: own a copy before keeping them.
            if (value is ReadOnlyMemory<char> m)
                value = (T)(object)m.ToString().AsMemory();
            if (seen.Add(value))
                terms.Add(value);
        }

        using (var cursor = data.GetRowCursor([column]))
        {
            if (column.Type is VectorDataViewType)
            {
                var getter = cursor.GetGetter<VBuffer<T>>(column);
                VBuffer<T> buffer = default;
                while (cursor.MoveNext() && terms.Count < _maximumNumberOfKeys)
                {
                    getter(ref buffer);
                    foreach (var v in buffer.DenseValues())
                        Add(v);
                }
            }
            else
            {
                var getter = cursor.GetGetter<T>(column);
                T value = default!;
                while (cursor.MoveNext() && terms.Count < _maximumNumberOfKeys)
                {
                    getter(ref value);
                    Add(value);
                }
            }
        }
        if (terms.Count >= _maximumNumberOfKeys)
            _context?.WriteLog(ChannelMessageKind.Warning, nameof(ValueToKeyMappingEstimator),
                $"Column '{column.Name}' reached maximumNumberOfKeys ({_maximumNumberOfKeys}); further distinct values map to key 0 (missing).");
        if (_keyOrdinality == KeyOrdinality.ByValue)
            terms.Sort(KeyTermMap.Order<T>());
        return terms.Cast<object>().ToArray();
    }
}

/// <summary>
/// Maps values to keys with a learned vocabulary (see <see cref="ValueToKeyMappingEstimator"/>).
/// Mirrors <c>Microsoft.ML.Transforms.ValueToKeyMappingTransformer</c>.
/// </summary>
[LoadableModel(LoaderSignature)]
public sealed class ValueToKeyMappingTransformer : OneToOneTransformerBase
{
    internal const string LoaderSignature = "TermTransform";

    private readonly KeyTermMap[] _maps;
    private readonly bool[] _asText;

    internal ValueToKeyMappingTransformer((string outputColumnName, string inputColumnName)[] columns, KeyTermMap[] maps, bool[] asText)
        : base(columns)
    {
        _maps = maps;
        _asText = asText;
    }

    private static VersionInfo GetVersionInfo() => new("TERMTRNF", 0x00010001, 0x00010001, 0x00010001, LoaderSignature);

    /// <summary>The key type of output <paramref name="col"/>.</summary>
    internal KeyDataViewType KeyType(int col) => new(typeof(uint), _maps[col].Count);

    protected override void CheckInputColumn(DataViewSchema inputSchema, int col, int srcCol)
    {
        var type = inputSchema[srcCol].Type;
        var item = type is VectorDataViewType v ? v.ItemType : type;
        if (!item.Equals(_maps[col].ItemType))
            throw SchemaExceptions.ExceptSchemaMismatch(nameof(inputSchema), "input", ColumnPairs[col].inputColumnName,
                $"{_maps[col].ItemType} scalar or vector", type.ToString()!);
    }

    protected override MapperBase MakeRowMapper(DataViewSchema schema) => new Mapper(this, schema);

    /// <summary>*** Binary format *** column pairs; per column: bool asText, the vocabulary (item type, count, terms).</summary>
    protected override void SaveModel(ModelSaveContext ctx)
    {
        ctx.SetVersionInfo(GetVersionInfo());
        SaveColumns(ctx);
        for (int i = 0; i < _maps.Length; i++)
        {
            ctx.Writer.Write(_asText[i]);
            _maps[i].Save(ctx.Writer);
        }
    }

    private static ValueToKeyMappingTransformer Create(ModelLoadContext ctx)
    {
        ctx.CheckAtModel(GetVersionInfo());
        var columns = LoadColumns(ctx);
        var maps = new KeyTermMap[columns.Length];
        var asText = new bool[columns.Length];
        for (int i = 0; i < columns.Length; i++)
        {
            asText[i] = ctx.Reader.ReadBoolean();
            maps[i] = KeyTermMap.Load(ctx.Reader);
        }
        return new ValueToKeyMappingTransformer(columns, maps, asText);
    }

    private sealed class Mapper : OneToOneMapperBase
    {
        private readonly ValueToKeyMappingTransformer _parent;

        public Mapper(ValueToKeyMappingTransformer parent, DataViewSchema inputSchema) : base(parent, inputSchema)
        {
            _parent = parent;
        }

        protected override DataViewSchema.DetachedColumn[] GetOutputColumnsCore()
        {
            var result = new DataViewSchema.DetachedColumn[_parent.ColumnPairs.Count];
            for (int i = 0; i < result.Length; i++)
            {
                var input = InputSchema[ColMapNewToOld[i]];
                var key = _parent.KeyType(i);
                var builder = new DataViewSchema.Annotations.Builder();
                _parent._maps[i].AddKeyValues(builder, _parent._asText[i]);
                DataViewType type = key;
                if (input.Type is VectorDataViewType v)
                {
                    type = new VectorDataViewType(key, v.Dimensions.ToArray());
                    builder.Add(input.Annotations, name => name == AnnotationUtils.Kinds.SlotNames);
                }
                result[i] = new DataViewSchema.DetachedColumn(_parent.ColumnPairs[i].outputColumnName, type, builder.ToAnnotations());
            }
            return result;
        }

        protected override Delegate MakeGetter(DataViewRow input, int iinfo, Func<int, bool> activeOutput, out Action? disposer)
        {
            disposer = null;
            return _parent._maps[iinfo].MakeGetter(input, input.Schema[ColMapNewToOld[iinfo]]);
        }
    }
}
