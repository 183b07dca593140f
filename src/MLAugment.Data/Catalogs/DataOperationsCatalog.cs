namespace MLAugment.Data;

/// <summary>
/// Loading views and the operations that change rows (split, shuffle, take, filter): these are view-to-view methods,
/// not estimators, as in ML.NET. Mirrors <c>Microsoft.ML.DataOperationsCatalog</c>.
/// </summary>
public sealed class DataOperationsCatalog
{
    internal DataOperationsCatalog(MLContext context)
    {
        Context = context;
    }

    internal MLContext Context { get; }

    /// <summary>The two sides of <see cref="TrainTestSplit"/>.</summary>
    public sealed class TrainTestData
    {
        internal TrainTestData(IDataView trainSet, IDataView testSet)
        {
            TrainSet = trainSet;
            TestSet = testSet;
        }

        public IDataView TrainSet { get; }

        public IDataView TestSet { get; }
    }

    /// <summary>
    /// A lazy view over row objects. Columns come from public fields and properties (see <see cref="ColumnNameAttribute"/>,
    /// <see cref="VectorTypeAttribute"/>, <see cref="KeyTypeAttribute"/>, <see cref="NoColumnAttribute"/>).
    /// The sequence is enumerated again for each cursor, so it must yield the same rows each time.
    /// </summary>
    public IDataView LoadFromEnumerable<TRow>(IEnumerable<TRow> data)
        where TRow : class =>
        new EnumerableDataView<TRow>(data);

    /// <summary>
    /// Reads the view into row objects, lazily. Columns are bound by name up front: a missing column throws
    /// <see cref="ArgumentOutOfRangeException"/> unless <paramref name="ignoreMissingColumns"/>, an incompatible member type
    /// throws <see cref="InvalidOperationException"/>. With <paramref name="reuseRowObject"/> one instance is refilled per row.
    /// </summary>
    public IEnumerable<TRow> CreateEnumerable<TRow>(IDataView data, bool reuseRowObject, bool ignoreMissingColumns = false)
        where TRow : class, new() =>
        TypedRowReader<TRow>.Read(data, reuseRowObject, ignoreMissingColumns);

    /// <summary>
    /// Splits rows into train and test views by a seeded hash: of the <paramref name="samplingKeyColumnName"/> value when
    /// given (rows sharing a key land on the same side, preventing leakage between e.g. an image and its augmentations),
    /// otherwise of the row id. About <paramref name="testFraction"/> of the rows (or keys) go to the test set.
    /// </summary>
    public TrainTestData TrainTestSplit(IDataView data, double testFraction = 0.1, string? samplingKeyColumnName = null, int? seed = null)
    {
        ArgumentNullException.ThrowIfNull(data);
        if (!(testFraction > 0 && testFraction < 1))
            throw new ArgumentOutOfRangeException(nameof(testFraction), testFraction, "Must be between 0 and 1 exclusive.");
        var key = FindSamplingKey(data, samplingKeyColumnName);
        int s = seed ?? Context.NextSeed();
        return new TrainTestData(
            FractionFilter(data, key, s, testFraction, 1, samplingKeyColumnName),
            FractionFilter(data, key, s, 0, testFraction, samplingKeyColumnName));
    }

    /// <summary>
    /// Splits rows into <paramref name="numberOfFolds"/> folds by the same seeded hash as <see cref="TrainTestSplit"/>:
    /// fold k's test set is the k-th slice of the hash range and its train set the rest, so every row (or sampling key)
    /// is tested exactly once.
    /// </summary>
    public IReadOnlyList<TrainTestData> CrossValidationSplit(IDataView data, int numberOfFolds = 5, string? samplingKeyColumnName = null, int? seed = null)
    {
        ArgumentNullException.ThrowIfNull(data);
        if (numberOfFolds < 2)
            throw new ArgumentOutOfRangeException(nameof(numberOfFolds), numberOfFolds, "Cross-validation needs at least 2 folds.");
        var key = FindSamplingKey(data, samplingKeyColumnName);
        int s = seed ?? Context.NextSeed();
        var folds = new TrainTestData[numberOfFolds];
        for (int k = 0; k < numberOfFolds; k++)
        {
            double lo = (double)k / numberOfFolds;
            double hi = k == numberOfFolds - 1 ? 1 : (double)(k + 1) / numberOfFolds;
            var test = FractionFilter(data, key, s, lo, hi, samplingKeyColumnName);
            var train = FractionFilter(data, key, s, lo, hi, samplingKeyColumnName, complement: true);
            folds[k] = new TrainTestData(train, test);
        }
        return folds;
    }

    private static DataViewSchema.Column? FindSamplingKey(IDataView data, string? samplingKeyColumnName)
    {
        if (samplingKeyColumnName is null)
            return null;
        var key = data.Schema.GetColumnOrNull(samplingKeyColumnName)
            ?? throw SchemaExceptions.ExceptSchemaMismatch(nameof(samplingKeyColumnName), "sampling key", samplingKeyColumnName);
        if (key.Type is VectorDataViewType || key.Type is StructuredDataViewType)
            throw SchemaExceptions.ExceptSchemaMismatch(nameof(samplingKeyColumnName), "sampling key", samplingKeyColumnName,
                "scalar number, key, text, boolean or row id", key.Type.ToString()!);
        return key;
    }

    /// <summary>Rows whose hash fraction u (from the key value, or the row id) satisfies lo ≤ u &lt; hi (or the complement).</summary>
    private static IDataView FractionFilter(IDataView data, DataViewSchema.Column? key, int seed, double lo, double hi, string? paramName, bool complement = false)
    {
        Func<DataViewRow, Func<bool>> predicate = row =>
        {
            Func<double> fraction;
            if (key is DataViewSchema.Column k)
            {
                var hash = StableHash.MakeValueHasher(row, k, paramName ?? "samplingKeyColumnName");
                fraction = () => StableHash.ToUnitInterval(hash(), seed);
            }
            else
            {
                var id = row.GetIdGetter();
                DataViewRowId v = default;
                fraction = () =>
                {
                    id(ref v);
                    return StableHash.ToUnitInterval(v.Low ^ StableHash.Mix(v.High), seed);
                };
            }
            return () =>
            {
                double u = fraction();
                return (lo <= u && u < hi) != complement;
            };
        };
        return new FilterDataView(data, key is DataViewSchema.Column kc ? [kc] : [], predicate);
    }

    /// <summary>
    /// Caches the view in memory: each column is computed once, the first time a cursor asks for it (or now, for
    /// <paramref name="columnsToPrefetch"/>), and replayed afterwards. Use before multi-epoch trainers when upstream work is costly.
    /// </summary>
    public IDataView Cache(IDataView input, params string[] columnsToPrefetch)
    {
        ArgumentNullException.ThrowIfNull(input);
        return new CacheDataView(input, columnsToPrefetch ?? []);
    }

    /// <summary>
    /// Shuffles rows with a pool of <paramref name="shufflePoolSize"/> rows (streaming; a pool at least the row count gives
    /// a uniform permutation). Repeatable: every cursor replays the same order for the same seed.
    /// </summary>
    public IDataView ShuffleRows(IDataView input, int? seed = null, int shufflePoolSize = 1000, bool shuffleSource = true)
    {
        ArgumentNullException.ThrowIfNull(input);
        if (shufflePoolSize < 1)
            throw new ArgumentOutOfRangeException(nameof(shufflePoolSize), shufflePoolSize, "The shuffle pool needs at least one row.");
        return new ShuffleDataView(input, seed ?? Context.NextSeed(), shufflePoolSize, shuffleSource);
    }

    /// <summary>The first <paramref name="count"/> rows.</summary>
    public IDataView TakeRows(IDataView input, long count)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        return new SkipTakeDataView(input, 0, count);
    }

    /// <summary>All rows but the first <paramref name="count"/>.</summary>
    public IDataView SkipRows(IDataView input, long count)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        return new SkipTakeDataView(input, count, long.MaxValue);
    }

    /// <summary>
    /// Keeps rows whose value in the scalar <c>Single</c> or <c>Double</c> column satisfies
    /// <paramref name="lowerBound"/> ≤ value &lt; <paramref name="upperBound"/> (missing values are dropped).
    /// </summary>
    public IDataView FilterRowsByColumn(IDataView input, string columnName, double lowerBound = double.NegativeInfinity, double upperBound = double.PositiveInfinity)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(columnName);
        if (!(lowerBound < upperBound))
            throw new ArgumentOutOfRangeException(nameof(upperBound), upperBound, $"Must be greater than lowerBound ({lowerBound}).");
        var column = input.Schema.GetColumnOrNull(columnName)
            ?? throw SchemaExceptions.ExceptSchemaMismatch(nameof(columnName), "filter", columnName);
        var type = column.Type;
        if (type != NumberDataViewType.Single && type != NumberDataViewType.Double)
            throw SchemaExceptions.ExceptSchemaMismatch(nameof(columnName), "filter", columnName, "Single or Double", type.ToString()!);
        return new FilterDataView(input, [column], row =>
        {
            if (type == NumberDataViewType.Single)
            {
                var g = row.GetGetter<float>(column);
                float v = 0;
                return () => { g(ref v); return lowerBound <= v && v < upperBound; };
            }
            var gd = row.GetGetter<double>(column);
            double d = 0;
            return () => { gd(ref d); return lowerBound <= d && d < upperBound; };
        });
    }

    /// <summary>
    /// Loads an IDX image/label file pair (MNIST layout, optionally gzip-compressed): column <c>Label</c> is a key whose
    /// <c>KeyValues</c> are <paramref name="classNames"/> (default: the ten Fashion-MNIST classes) and column
    /// <c>Image</c> is a known-size vector of rows×cols pixels, <c>Single</c> in 0..255 or raw <c>Byte</c>s when
    /// <paramref name="imageAsBytes"/>. The files are read and checked eagerly; errors name the file.
    /// </summary>
    public IDataView LoadFromIdx(string imagesPath, string labelsPath, IReadOnlyList<string>? classNames = null, bool imageAsBytes = false) =>
        IdxLoader.Load(imagesPath, labelsPath, classNames ?? IdxLoader.FashionMnistClassNames, imageAsBytes);
}
