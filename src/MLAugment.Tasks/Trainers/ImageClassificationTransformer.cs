using System.Runtime.CompilerServices;
using MLAugment.Data;
using MLAugment.Engine;

namespace MLAugment.Tasks.Trainers;

/// <summary>
/// A trained image classifier as a row-to-row transformer: appends <c>Score</c> (<c>Vector&lt;Single, K&gt;</c> softmax
/// probabilities, slot names = class names) and <c>PredictedLabel</c> (the training label's key type and KeyValues).
/// Both come from one forward pass per row. <see cref="ExtractFeatures"/> exposes the penultimate layer, e.g. for a
/// Fréchet distance in the classifier's feature space. Saved through the model repository with the weights as a
/// safetensors entry. Mirrors <c>Microsoft.ML.Vision.ImageClassificationModelParameters</c> with its scorer.
/// </summary>
[LoadableModel(LoaderSignature)]
public sealed class ImageClassificationTransformer : RowToRowTransformerBase
{
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

    protected override MapperBase MakeRowMapper(DataViewSchema schema) => new Mapper(this, schema);

    private sealed class Mapper : MapperBase
    {
        private readonly ImageClassificationTransformer _parent;
        private readonly int _featureIndex;
        private readonly ConditionalWeakTable<DataViewRow, RowScores> _scores = new();

        public Mapper(ImageClassificationTransformer parent, DataViewSchema inputSchema) : base(inputSchema)
        {
            _parent = parent;
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
            disposer = null;
            // Score and PredictedLabel of one row share a forward pass: the per-input-row cache runs it once per position.
            var scores = _scores.GetValue(input, row => new RowScores(_parent._model, row, row.Schema[_featureIndex]));
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

    /// <summary>The probabilities of the input row's current position, computed at most once per position.</summary>
    private sealed class RowScores(ImageClassificationModel model, DataViewRow row, DataViewSchema.Column feature)
    {
        private readonly ValueGetter<VBuffer<float>> _get = row.GetGetter<VBuffer<float>>(feature);
        private readonly float[] _pixels = new float[model.PixelsPerImage];
        private VBuffer<float> _buffer;
        private long _position = -1;
        private float[] _probabilities = [];

        public ReadOnlySpan<float> Get()
        {
            if (_position != row.Position || row.Position < 0)
            {
                _get(ref _buffer);
                if (_buffer.Length != _pixels.Length)
                    throw new InvalidOperationException($"Column '{feature.Name}' row {row.Position} has {_buffer.Length} values; its type promises {_pixels.Length}.");
                _buffer.CopyTo(_pixels);
                _probabilities = model.Probabilities(_pixels, 1);
                _position = row.Position;
            }
            return _probabilities;
        }
    }
}
