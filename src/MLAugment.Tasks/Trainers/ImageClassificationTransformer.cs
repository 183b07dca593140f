using System.Runtime.CompilerServices;
using MLAugment.Data;
using MLAugment.Engine;

namespace MLAugment.Tasks.Trainers;

/// <summary>
/// A trained image classifier as a row-to-row transformer: appends <c>Score</c> (<c>Vector&lt;Single, K&gt;</c> softmax
/// probabilities, slot names = class names) and <c>PredictedLabel</c> (the training label's key type and KeyValues).
/// Both come from one forward pass per row; a serial (unshuffled) cursor over <see cref="Transform"/>'s view scores
/// rows in batches of <see cref="InferenceBatchSize"/> through a second, feature-only cursor that reads ahead (the
/// view contract makes both cursors see the same rows; their row ids are checked). Batched and per-row scores are the
/// same bits: every image is computed independently. <see cref="ExtractFeatures"/> exposes the penultimate layer, e.g. for a
/// Fréchet distance in the classifier's feature space. Saved through the model repository with the weights as a
/// safetensors entry. Mirrors <c>Microsoft.ML.Vision.ImageClassificationModelParameters</c> with its scorer.
/// </summary>
[LoadableModel(LoaderSignature)]
public sealed class ImageClassificationTransformer : RowToRowTransformerBase, ITransformer
{
    /// <summary>Rows scored per forward pass by serial cursors.</summary>
    public const int InferenceBatchSize = 64;

    internal const string LoaderSignature = "ImageClassificationTransformer";
    private const string WeightsEntry = "Weights.safetensors";
    private const string ScoreColumnKind = "MulticlassClassification";
    private const string ScoreValueKind = "Score";

    private readonly ImageClassificationModel _model;
    private readonly string[]? _classNames;

    internal ImageClassificationTransformer(ImageClassificationModel model, string featureColumnName, string scoreColumnName,
        string predictedLabelColumnName, string[]? classNames)
    {
        if (classNames is not null && classNames.Length != model.Classes)
            throw new ArgumentException($"ImageClassificationTransformer: {classNames.Length} class names for {model.Classes} classes.", nameof(classNames));
        _model = model;
        _classNames = classNames;
        FeatureColumnName = featureColumnName;
        ScoreColumnName = scoreColumnName;
        PredictedLabelColumnName = predictedLabelColumnName;
    }

    public string FeatureColumnName { get; }
    public string ScoreColumnName { get; }
    public string PredictedLabelColumnName { get; }

    /// <summary>The number of classes K (the width of Score).</summary>
    public int NumberOfClasses => _model.Classes;

    /// <summary>Class names from the training label's KeyValues (null when it had none).</summary>
    public IReadOnlyList<string>? ClassNames => _classNames;

    public ImageClassificationArchitecture Architecture => _model.Architecture;

    /// <summary>The width D of <see cref="ExtractFeatures"/>'s rows.</summary>
    public int FeatureDimension => _model.Network.FeatureDimension;

    /// <summary>The input image shape the model was trained on: (channels, height, width).</summary>
    public (int Channels, int Height, int Width) ImageShape => (_model.Channels, _model.Height, _model.ImageWidth);

    /// <summary>
    /// Penultimate-layer features (after global average pooling, before the linear head) of every row of
    /// <paramref name="data"/>'s feature column: row-major [rowCount, <see cref="FeatureDimension"/>].
    /// </summary>
    public float[] ExtractFeatures(IDataView data, out int rowCount)
    {
        ArgumentNullException.ThrowIfNull(data);
        CheckFeatures(data.Schema);
        var pixels = ImageColumns.ReadImages(data, FeatureColumnName, _model.PixelsPerImage, out rowCount);
        return _model.Features(pixels, rowCount);
    }

    /// <summary>Probabilities [count, K] and penultimate-layer features [count, D] of raw pixels from one forward pass.</summary>
    public (float[] Probabilities, float[] Features) PredictProbabilitiesAndFeatures(ReadOnlySpan<float> pixels, int count) =>
        _model.ProbabilitiesAndFeatures(pixels, count);

    /// <summary>Penultimate-layer features of raw pixels [count, C·H·W] (same scale as the training features).</summary>
    public float[] ExtractFeatures(ReadOnlySpan<float> pixels, int count) => _model.Features(pixels, count);

    /// <summary>Softmax probabilities [count, K] of raw pixels [count, C·H·W], batched.</summary>
    public float[] PredictProbabilities(ReadOnlySpan<float> pixels, int count) => _model.Probabilities(pixels, count);

    /// <summary>Fréchet distance between the two views' images in this classifier's penultimate-feature space.</summary>
    public double FrechetDistance(IDataView a, IDataView b)
    {
        var fa = ExtractFeatures(a, out int na);
        var fb = ExtractFeatures(b, out int nb);
        return Metrics.FrechetDistance.Compute(fa, na, fb, nb, FeatureDimension);
    }

    private void CheckFeatures(DataViewSchema schema)
    {
        var shape = ImageColumns.CheckImage(schema, FeatureColumnName, "feature");
        if (shape.Channels * shape.Height * shape.Width != _model.PixelsPerImage || shape.Height != _model.Height || shape.Width != _model.ImageWidth)
            throw SchemaExceptions.ExceptSchemaMismatch(nameof(schema), "feature", FeatureColumnName,
                $"Vector<Single, {_model.Channels}, {_model.Height}, {_model.ImageWidth}>", schema[FeatureColumnName].Type.ToString()!);
    }

    /// <summary>The input with Score and PredictedLabel appended; serial cursors score in batches.</summary>
    public new IDataView Transform(IDataView input)
    {
        ArgumentNullException.ThrowIfNull(input);
        return new BatchScoringDataView(this, input, new Mapper(this, input.Schema, null).OutputSchema);
    }

    IDataView ITransformer.Transform(IDataView input) => Transform(input);

    internal static SchemaShape ScoreAnnotationsShape(bool hasSlotNames)
    {
        var text = TextDataViewType.Instance;
        var cols = new List<SchemaShape.Column>();
        if (hasSlotNames) cols.Add(new SchemaShape.Column(AnnotationUtils.Kinds.SlotNames, SchemaShape.Column.VectorKind.Vector, text, false));
        cols.Add(new SchemaShape.Column(AnnotationUtils.Kinds.ScoreColumnKind, SchemaShape.Column.VectorKind.Scalar, text, false));
        cols.Add(new SchemaShape.Column(AnnotationUtils.Kinds.ScoreValueKind, SchemaShape.Column.VectorKind.Scalar, text, false));
        return new SchemaShape(cols);
    }

    private static VersionInfo GetVersionInfo() => new("IMGCLSFR", 0x00010001, 0x00010001, 0x00010001, LoaderSignature);

    /// <summary>
    /// *** Binary format *** string feature, score, predicted-label column names; int architecture, width, channels,
    /// height, image width, classes; float mean[channels], std[channels]; bool has class names, then string[classes].
    /// Entry <c>Weights.safetensors</c>: the network's state dict (float32).
    /// </summary>
    protected override void SaveModel(ModelSaveContext ctx)
    {
        ctx.SetVersionInfo(GetVersionInfo());
        var w = ctx.Writer;
        ctx.SaveNonEmptyString(FeatureColumnName);
        ctx.SaveNonEmptyString(ScoreColumnName);
        ctx.SaveNonEmptyString(PredictedLabelColumnName);
        var m = _model;
        w.Write((int)m.Architecture); w.Write(m.Width); w.Write(m.Channels); w.Write(m.Height); w.Write(m.ImageWidth); w.Write(m.Classes);
        foreach (var v in m.Mean) w.Write(v);
        foreach (var v in m.Std) w.Write(v);
        w.Write(_classNames is not null);
        if (_classNames is not null) foreach (var n in _classNames) w.Write(n);
        var weights = m.SaveWeights();
        ctx.SaveBinaryStream(WeightsEntry, bw => bw.Write(weights));
    }

    private static ImageClassificationTransformer Create(ModelLoadContext ctx)
    {
        ctx.CheckAtModel(GetVersionInfo());
        var r = ctx.Reader;
        string features = ctx.LoadNonEmptyString(), score = ctx.LoadNonEmptyString(), predicted = ctx.LoadNonEmptyString();
        var arch = (ImageClassificationArchitecture)r.ReadInt32();
        int width = r.ReadInt32(), channels = r.ReadInt32(), height = r.ReadInt32(), imageWidth = r.ReadInt32(), classes = r.ReadInt32();
        if (!Enum.IsDefined(arch) || width < 1 || channels < 1 || height < 1 || imageWidth < 1 || classes < 2 || channels > 4096 || classes > 1 << 20)
            throw new InvalidDataException($"Model entry '{ctx.Directory}' holds an invalid classifier header ({arch}, width {width}, image [{channels}, {height}, {imageWidth}], {classes} classes).");
        var mean = new float[channels]; var std = new float[channels];
        for (int c = 0; c < channels; c++) mean[c] = r.ReadSingle();
        for (int c = 0; c < channels; c++) std[c] = r.ReadSingle();
        string[]? names = null;
        if (r.ReadBoolean())
        {
            names = new string[classes];
            for (int i = 0; i < classes; i++) names[i] = r.ReadString();
        }
        byte[]? weights = null;
        if (!ctx.TryLoadBinaryStream(WeightsEntry, br => weights = br.ReadBytes((int)br.BaseStream.Length)))
            throw new InvalidDataException($"Model entry '{ctx.Directory}' has no '{WeightsEntry}' entry with the classifier's weights.");
        // The architecture is rebuilt with a throwaway initialisation, then every tensor is overwritten.
        var net = ImageClassifierNetwork.Create(arch, channels, width, classes, new Generator(0));
        net.Eval();
        var model = new ImageClassificationModel(net, arch, width, channels, height, imageWidth, classes, mean, std);
        model.LoadWeights(weights!, $"{ctx.Directory}/{WeightsEntry}");
        return new ImageClassificationTransformer(model, features, score, predicted, names);
    }

    protected override MapperBase MakeRowMapper(DataViewSchema schema) => new Mapper(this, schema, null);

    /// <summary>The mapped view; each serial cursor gets a mapper that reads ahead from <c>input</c>.</summary>
    private sealed class BatchScoringDataView(ImageClassificationTransformer parent, IDataView input, DataViewSchema schema) : IDataView
    {
        public bool CanShuffle => input.CanShuffle;

        public DataViewSchema Schema => schema;

        public long? GetRowCount() => input.GetRowCount();

        public DataViewRowCursor GetRowCursor(IEnumerable<DataViewSchema.Column> columnsNeeded, Random? rand = null) =>
            new RowToRowMapperTransform(input, new Mapper(parent, input.Schema, rand is null ? input : null)).GetRowCursor(columnsNeeded, rand);

        public DataViewRowCursor[] GetRowCursorSet(IEnumerable<DataViewSchema.Column> columnsNeeded, int n, Random? rand = null) =>
            [GetRowCursor(columnsNeeded, rand)];
    }

    private sealed class Mapper : MapperBase
    {
        private readonly ImageClassificationTransformer _parent;
        private readonly int _featureIndex;
        private readonly ConditionalWeakTable<DataViewRow, RowScores> _scores = new();
        private readonly IDataView? _readAhead;

        public Mapper(ImageClassificationTransformer parent, DataViewSchema inputSchema, IDataView? readAhead) : base(inputSchema)
        {
            _parent = parent;
            _readAhead = readAhead;
            parent.CheckFeatures(inputSchema);
            _featureIndex = inputSchema[parent.FeatureColumnName].Index;
        }

        protected override DataViewSchema.DetachedColumn[] GetOutputColumnsCore()
        {
            var p = _parent;
            int k = p.NumberOfClasses;
            var names = p._classNames?.Select(n => n.AsMemory()).ToArray();
            var score = new DataViewSchema.Annotations.Builder();
            if (names is not null)
                score.AddSlotNames(k, (ref VBuffer<ReadOnlyMemory<char>> dst) => VBuffer<ReadOnlyMemory<char>>.Copy(names, 0, ref dst, k));
            score.AddPrimitiveValue(AnnotationUtils.Kinds.ScoreColumnKind, TextDataViewType.Instance, ScoreColumnKind.AsMemory());
            score.AddPrimitiveValue(AnnotationUtils.Kinds.ScoreValueKind, TextDataViewType.Instance, ScoreValueKind.AsMemory());
            var predicted = new DataViewSchema.Annotations.Builder();
            if (names is not null)
                predicted.AddKeyValues(k, TextDataViewType.Instance, (ref VBuffer<ReadOnlyMemory<char>> dst) => VBuffer<ReadOnlyMemory<char>>.Copy(names, 0, ref dst, k));
            return
            [
                new DataViewSchema.DetachedColumn(p.ScoreColumnName, new VectorDataViewType(NumberDataViewType.Single, k), score.ToAnnotations()),
                new DataViewSchema.DetachedColumn(p.PredictedLabelColumnName, new KeyDataViewType(typeof(uint), k), predicted.ToAnnotations()),
            ];
        }

        protected override Func<int, bool> GetDependenciesCore(Func<int, bool> activeOutput)
        {
            bool any = activeOutput(0) || activeOutput(1);
            return col => any && col == _featureIndex;
        }

        protected override Delegate MakeGetter(DataViewRow input, int iinfo, Func<int, bool> activeOutput, out Action? disposer)
        {
            // Score and PredictedLabel of one row share a forward pass: the per-input-row cache runs it once per position.
            var scores = _scores.GetValue(input, row => new RowScores(_parent._model, row, row.Schema[_featureIndex], _readAhead));
            disposer = scores.Dispose;
            int k = _parent.NumberOfClasses;
            if (iinfo == 0)
                return (ValueGetter<VBuffer<float>>)((ref VBuffer<float> dst) =>
                {
                    var p = scores.Get();
                    var editor = VBufferEditor.Create(ref dst, k);
                    p.CopyTo(editor.Values);
                    dst = editor.Commit();
                });
            return (ValueGetter<uint>)((ref uint dst) =>
            {
                var p = scores.Get();
                int best = 0;
                for (int c = 1; c < k; c++) if (p[c] > p[best]) best = c;
                dst = (uint)best + 1;
            });
        }
    }

    /// <summary>
    /// The probabilities of the input row's current position, computed at most once per position: alone, or with the
    /// next rows in one batch when a read-ahead source is given. If the read-ahead cursor ever disagrees with the row
    /// (another row id, fewer rows), scoring falls back to one row at a time.
    /// </summary>
    private sealed class RowScores(ImageClassificationModel model, DataViewRow row, DataViewSchema.Column feature, IDataView? readAhead) : IDisposable
    {
        private readonly ValueGetter<VBuffer<float>> _get = row.GetGetter<VBuffer<float>>(feature);
        private readonly int _pixelsPerImage = model.PixelsPerImage;
        private VBuffer<float> _buffer;
        private long _position = -1;
        private float[] _probabilities = [];
        private int _offset;
        // Read-ahead state: the batch holds rows [_batchStart, _batchStart + _batchCount).
        private IDataView? _readAhead = readAhead;
        private DataViewRowCursor? _ahead;
        private ValueGetter<VBuffer<float>>? _aheadGet;
        private ValueGetter<DataViewRowId>? _aheadId, _rowId;
        private long _batchStart = -1;
        private int _batchCount;
        private float[] _batchPixels = [];

        public ReadOnlySpan<float> Get()
        {
            long position = row.Position;
            if (position != _position || position < 0)
            {
                if (_readAhead is not null && position >= 0 && TryScoreBatch(position)) { }
                else
                {
                    var pixels = new float[_pixelsPerImage];
                    Read(_get, pixels, position);
                    _probabilities = model.Probabilities(pixels, 1);
                    _offset = 0;
                }
                _position = position;
            }
            return _probabilities.AsSpan(_offset, model.Classes);
        }

        private bool TryScoreBatch(long position)
        {
            if (position >= _batchStart && position < _batchStart + _batchCount)
            {
                _offset = (int)(position - _batchStart) * model.Classes;
                return true;
            }
            if (_ahead is null)
            {
                _ahead = _readAhead!.GetRowCursor([_readAhead.Schema[feature.Index]]);
                _aheadGet = _ahead.GetGetter<VBuffer<float>>(_ahead.Schema[feature.Index]);
                _aheadId = _ahead.GetIdGetter();
                _rowId = row.GetIdGetter();
                _batchPixels = new float[ImageClassificationTransformer.InferenceBatchSize * _pixelsPerImage];
            }
            while (_ahead.Position < position)
                if (!_ahead.MoveNext()) return GiveUp();
            DataViewRowId expected = default, actual = default;
            _rowId!(ref expected);
            _aheadId!(ref actual);
            if (!expected.Equals(actual)) return GiveUp();
            int count = 0;
            do
            {
                Read(_aheadGet!, _batchPixels.AsSpan(count * _pixelsPerImage, _pixelsPerImage), _ahead.Position);
                count++;
            }
            while (count < ImageClassificationTransformer.InferenceBatchSize && _ahead.MoveNext());
            _probabilities = model.Probabilities(_batchPixels.AsSpan(0, count * _pixelsPerImage), count, count);
            _batchStart = position;
            _batchCount = count;
            _offset = 0;
            return true;
        }

        private bool GiveUp()
        {
            _readAhead = null;
            Dispose();
            return false;
        }

        private void Read(ValueGetter<VBuffer<float>> get, Span<float> destination, long position)
        {
            get(ref _buffer);
            if (_buffer.Length != _pixelsPerImage)
                throw new InvalidOperationException($"Column '{feature.Name}' row {position} has {_buffer.Length} values; its type promises {_pixelsPerImage}.");
            _buffer.CopyTo(destination);
        }

        public void Dispose()
        {
            _ahead?.Dispose();
            _ahead = null;
            _batchCount = 0;
        }
    }
}
