using MLAugment.Data;
using MLAugment.Engine;
using MLAugment.Tasks.Trainers;

namespace MLAugment.Tasks.Augmentation;

/// <summary>
/// Emits, per source row, the original (when kept) and the augmented copies of its image column; see
/// <see cref="ClassicalAugmentingEstimator"/>. Not a row-to-row mapper.
/// </summary>
[LoadableModel(LoaderSignature)]
public sealed class ClassicalAugmentingTransformer : RowExpandingTransformerBase
{
    internal const string LoaderSignature = "ClassicalAugmentingTransformer";

    internal ClassicalAugmentingTransformer(ClassicalAugmentSettings settings) : base(settings.SourceRowIdColumnName)
    {
        Settings = settings;
    }

    internal ClassicalAugmentSettings Settings { get; }

    /// <summary>Augmented copies per source row.</summary>
    public int NumberOfCopies => Settings.NumberOfCopies;

    public bool KeepOriginal => Settings.KeepOriginal;

    protected override int? RowsPerSourceRow => Settings.RowsPerSourceRow;

    protected override DataViewSchema.DetachedColumn[] GetWrittenColumns(DataViewSchema inputSchema)
    {
        ImageColumns.CheckImage(inputSchema, Settings.InputColumnName, "input");
        var type = inputSchema[Settings.InputColumnName].Type;
        return
        [
            new DataViewSchema.DetachedColumn(Settings.OutputColumnName, type),
            new DataViewSchema.DetachedColumn(Settings.IsSyntheticColumnName, BooleanDataViewType.Instance),
        ];
    }

    protected override IEnumerable<string> GetSourceColumnsNeeded(DataViewSchema inputSchema, Func<int, bool> activeWritten)
    {
        if (activeWritten(0)) yield return Settings.InputColumnName;
        if (activeWritten(1) && SourceIsSynthetic(inputSchema) is not null) yield return Settings.IsSyntheticColumnName;
    }

    /// <summary>
    /// A Boolean IsSynthetic column already in the input (rows from an earlier augmenter): the original row keeps its
    /// flag, so a synthetic row stays synthetic however many augmenters follow.
    /// </summary>
    private DataViewSchema.Column? SourceIsSynthetic(DataViewSchema schema) =>
        schema.GetColumnOrNull(Settings.IsSyntheticColumnName) is { Type: BooleanDataViewType } c ? c : null;

    protected override RowExpander CreateExpander(DataViewRow source, Func<int, bool> activeWritten) =>
        new Expander(this, source, activeWritten(0));

    private static VersionInfo GetVersionInfo() => new("CLSAUGMT", 0x00010001, 0x00010001, 0x00010001, LoaderSignature);

    /// <summary>
    /// *** Binary format *** string output, input, IsSynthetic, SourceRowId column names; int copies; bool keep original;
    /// int seed; float pixel min, max, horizontal flip, vertical flip, crop scale, rotation, translation, brightness,
    /// contrast; int RandAugment operations, magnitude.
    /// </summary>
    protected override void SaveModel(ModelSaveContext ctx)
    {
        ctx.SetVersionInfo(GetVersionInfo());
        var s = Settings;
        var w = ctx.Writer;
        ctx.SaveNonEmptyString(s.OutputColumnName);
        ctx.SaveNonEmptyString(s.InputColumnName);
        ctx.SaveNonEmptyString(s.IsSyntheticColumnName);
        ctx.SaveNonEmptyString(s.SourceRowIdColumnName);
        w.Write(s.NumberOfCopies); w.Write(s.KeepOriginal); w.Write(s.Seed);
        foreach (var v in new[] { s.PixelMin, s.PixelMax, s.HorizontalFlipProbability, s.VerticalFlipProbability, s.CropMinimumScale,
                     s.RotationDegrees, s.TranslateFraction, s.Brightness, s.Contrast })
            w.Write(v);
        w.Write(s.RandAugmentOperations); w.Write(s.RandAugmentMagnitude);
    }

    private static ClassicalAugmentingTransformer Create(ModelLoadContext ctx)
    {
        ctx.CheckAtModel(GetVersionInfo());
        var r = ctx.Reader;
        var o = new ClassicalAugmentingEstimator.Options
        {
            OutputColumnName = ctx.LoadNonEmptyString(),
            InputColumnName = ctx.LoadNonEmptyString(),
            IsSyntheticColumnName = ctx.LoadNonEmptyString(),
            SourceRowIdColumnName = ctx.LoadNonEmptyString(),
            NumberOfCopies = r.ReadInt32(),
            KeepOriginal = r.ReadBoolean(),
        };
        int seed = r.ReadInt32();
        o.PixelMin = r.ReadSingle(); o.PixelMax = r.ReadSingle();
        o.HorizontalFlipProbability = r.ReadSingle(); o.VerticalFlipProbability = r.ReadSingle(); o.CropMinimumScale = r.ReadSingle();
        o.RotationDegrees = r.ReadSingle(); o.TranslateFraction = r.ReadSingle(); o.Brightness = r.ReadSingle(); o.Contrast = r.ReadSingle();
        o.RandAugmentOperations = r.ReadInt32(); o.RandAugmentMagnitude = r.ReadInt32();
        try
        {
            return new ClassicalAugmentingTransformer(new ClassicalAugmentSettings(o, seed));
        }
        catch (ArgumentException e)
        {
            throw new InvalidDataException($"Model entry '{ctx.Directory}' holds invalid classical augmentation settings: {e.Message}", e);
        }
    }

    private sealed class Expander : RowExpander
    {
        private readonly ClassicalAugmentSettings _s;
        private readonly DataViewRow _source;
        private readonly ValueGetter<VBuffer<float>>? _getImage;
        private readonly ValueGetter<bool>? _getSourceIsSynthetic;
        private readonly int _c, _h, _w;
        private readonly float[] _original;
        private readonly float[] _augmented;
        private bool _haveOriginal;
        private int _augmentedIndex = -1;

        public Expander(ClassicalAugmentingTransformer parent, DataViewRow source, bool imageActive)
        {
            _s = parent.Settings;
            _source = source;
            (_c, _h, _w) = ImageColumns.CheckImage(source.Schema, _s.InputColumnName, "input");
            _original = new float[_c * _h * _w];
            _augmented = new float[_original.Length];
            if (imageActive)
                _getImage = source.GetGetter<VBuffer<float>>(source.Schema[_s.InputColumnName]);
            if (parent.SourceIsSynthetic(source.Schema) is DataViewSchema.Column flag && source.IsColumnActive(flag))
                _getSourceIsSynthetic = source.GetGetter<bool>(flag);
        }

        private bool IsOriginal => _s.KeepOriginal && Index == 0;

        public override int BeginSourceRow()
        {
            _haveOriginal = false;
            _augmentedIndex = -1;
            return _s.RowsPerSourceRow;
        }

        public override Delegate MakeGetter(int iinfo)
        {
            if (iinfo == 1)
                return (ValueGetter<bool>)((ref bool dst) =>
                {
                    bool sourceFlag = false;
                    _getSourceIsSynthetic?.Invoke(ref sourceFlag);
                    dst = !IsOriginal || sourceFlag;
                });
            if (_getImage is null)
                throw new InvalidOperationException($"Column '{_s.OutputColumnName}' is not active in this cursor.");
            return (ValueGetter<VBuffer<float>>)((ref VBuffer<float> dst) =>
            {
                var pixels = Current();
                var editor = VBufferEditor.Create(ref dst, pixels.Length);
                pixels.CopyTo(editor.Values);
                dst = editor.Commit();
            });
        }

        private ReadOnlySpan<float> Current()
        {
            if (!_haveOriginal)
            {
                var buffer = default(VBuffer<float>);
                _getImage!(ref buffer);
                if (buffer.Length != _original.Length)
                    throw new InvalidOperationException($"Column '{_s.InputColumnName}' has {buffer.Length} values in a row; its type promises {_original.Length}.");
                buffer.CopyTo(_original);
                _haveOriginal = true;
            }
            if (IsOriginal) return _original;
            if (_augmentedIndex != Index)
            {
                _original.CopyTo(_augmented, 0);
                _s.Augment(_augmented, _c, _h, _w, new Generator(DeriveSeed(_s.Seed)));
                _augmentedIndex = Index;
            }
            return _augmented;
        }
    }
}
