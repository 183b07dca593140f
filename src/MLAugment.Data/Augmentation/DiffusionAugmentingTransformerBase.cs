using System.Diagnostics;
using MLAugment.Data.Caching;
using MLAugment.Diffusion.Models;
using MLAugment.Diffusion.Sampling;
using MLAugment.Engine;

namespace MLAugment.Data.Transforms.Augmentation;

/// <summary>How one synthetic image is made.</summary>
internal enum SyntheticKind : byte
{
    /// <summary>SDEdit / DA-Fusion: noise the source to the strength and denoise toward the prompt.</summary>
    ImageToImage = 0,
    /// <summary>From noise, conditioned on the prompt only (no source pixels).</summary>
    Generate = 1,
    /// <summary>Blended edit where the mask is zero (background); object pixels copied exactly.</summary>
    EditBackground = 2,
    /// <summary>Blended edit where the mask is nonzero (object); background pixels copied exactly.</summary>
    EditMasked = 3,
    /// <summary>Image-to-image plus gradient guidance toward the source's low-pass image (structure preservation).</summary>
    StructurePreserving = 4,
}

/// <summary>One synthetic row to make from a source row.</summary>
internal sealed record SyntheticSpec(SyntheticKind Kind, string Prompt, float Strength, long Seed, string? NewLabel = null, int NewKey = -1);

/// <summary>What a source row yields: the original (or not) and the synthetic rows to make.</summary>
internal sealed record RowPlan(bool KeepOriginal, IReadOnlyList<SyntheticSpec> Synthetic);

/// <summary>
/// The machinery DiffusionAugment, ClassBalancing and Counterfactual share: per source row a <see cref="RowPlan"/>
/// (original kept or not, plus synthetic rows), lazy generation in the image getter (all synthetic rows of a source row
/// in batched pipeline calls), per-sample seeds derived from (root seed, source row id, sample index) so the output
/// never depends on batching, a content-addressed <see cref="GenerationCache"/>, the quality filter, progress and logs.
/// Written columns: the image (in place), IsSynthetic, SourceRowId, Seed, Strength, Prompt, and with
/// <see cref="WritesLabel"/> the label (in place) and SourceLabel.
/// </summary>
public abstract class DiffusionAugmentingTransformerBase : RowExpandingTransformerBase
{
    private readonly DiffusionPipeline _pipeline;
    private readonly object _cacheGate = new();
    private GenerationCache? _cache;

    private protected DiffusionAugmentingTransformerBase(MLContext? context, AugmentationSettings settings, int seed, string? maskColumnName)
        : base(null)
    {
        Settings = settings;
        Context = context;
        RootSeed = seed;
        MaskColumnName = maskColumnName;
        Backend = settings.Model ?? LatentDiffusionModel.Load(settings.ModelPath!);
        _pipeline = new DiffusionPipeline(Backend);
    }

    /// <summary>The settings this transformer was built with.</summary>
    public AugmentationSettings Settings { get; }

    /// <summary>The resolved model.</summary>
    public IDiffusionBackend Backend { get; }

    /// <summary>The root seed every per-sample seed derives from.</summary>
    public int RootSeed { get; }

    /// <summary>Generation, cache and quality-filter counts over every cursor of this transformer.</summary>
    public AugmentationStatistics Statistics { get; } = new();

    internal MLContext? Context { get; }

    internal string? MaskColumnName { get; }

    /// <summary>Whether the label column is rewritten (and SourceLabel added).</summary>
    private protected virtual bool WritesLabel => false;

    /// <summary>What a source row yields; <paramref name="cursorState"/> is this cursor's <see cref="NewCursorState"/>.</summary>
    private protected abstract RowPlan Plan(DataViewRowId sourceRowId, string labelText, int labelKey, LabelInfo label, object? cursorState);

    /// <summary>State a plan keeps across the rows of one cursor (e.g. per-class counters); rows arrive in source order.</summary>
    private protected virtual object? NewCursorState() => null;

    /// <summary>Schema checks beyond the common ones (label values, targets); called by GetOutputSchema and Transform.</summary>
    private protected virtual void CheckSchema(DataViewSchema inputSchema, LabelInfo label)
    {
    }

    /// <summary>A seed for sample <paramref name="sample"/> of a source row: the same for every cursoring and batch size.</summary>
    internal long SampleSeed(DataViewRowId sourceRowId, int sample)
    {
        var id = sourceRowId.Combine(new DataViewRowId((ulong)(uint)RootSeed, unchecked((ulong)(long)sample)));
        return (long)((id.Low ^ id.High) >> 1);
    }

    internal string PromptFor(string label) => Settings.PromptTemplate.Replace("{label}", label, StringComparison.Ordinal);

    /// <summary>Every key value of a key label must be a condition the model knows (fails listing the known ones).</summary>
    private protected void CheckLabelsKnown(LabelInfo label)
    {
        if (label.KeyValues is null)
            return;
        foreach (var v in label.KeyValues)
            Backend.EncodeCondition(PromptFor(v));
    }

    protected override DataViewSchema.DetachedColumn[] GetWrittenColumns(DataViewSchema inputSchema)
    {
        var image = AugmentationColumns.Image(inputSchema, Settings.ImageColumnName, Backend);
        var label = LabelInfo.From(inputSchema, Settings.LabelColumnName);
        if (MaskColumnName is not null)
            AugmentationColumns.Mask(inputSchema, MaskColumnName, Backend);
        CheckSchema(inputSchema, label);
        var cols = new List<DataViewSchema.DetachedColumn>
        {
            new(image.Name, image.Type, image.Annotations),
            new(AugmentationColumns.IsSynthetic, BooleanDataViewType.Instance),
            new(AugmentationColumns.SourceRowId, RowIdDataViewType.Instance),
            new(AugmentationColumns.Seed, NumberDataViewType.Int64),
            new(AugmentationColumns.Strength, NumberDataViewType.Single),
            new(AugmentationColumns.Prompt, TextDataViewType.Instance),
        };
        if (WritesLabel)
        {
            cols.Add(new(label.Column.Name, label.Column.Type, label.Column.Annotations));
            cols.Add(new(AugmentationColumns.SourceLabel, label.Column.Type, label.Column.Annotations));
        }
        return cols.ToArray();
    }

    protected override IEnumerable<string> GetSourceColumnsNeeded(DataViewSchema inputSchema, Func<int, bool> activeWritten)
    {
        yield return Settings.LabelColumnName;
        if (activeWritten(0) || Settings.QualityScorer is not null)
        {
            yield return Settings.ImageColumnName;
            if (MaskColumnName is not null)
                yield return MaskColumnName;
        }
    }

    protected override RowExpander CreateExpander(DataViewRow source, Func<int, bool> activeWritten) =>
        new Expander(this, source, activeWritten(0) || Settings.QualityScorer is not null);

    private GenerationCache? Cache
    {
        get
        {
            if (Settings.CacheDirectory is null)
                return null;
            lock (_cacheGate)
                return _cache ??= GenerationCache.Open(Settings.CacheDirectory);
        }
    }

    // ---- persistence ----

    /// <summary>*** Binary format *** model path, model id, root seed, then every saveable setting (see code), then the subclass's fields.</summary>
    private protected void SaveSettings(ModelSaveContext ctx)
    {
        if (Settings.ModelPath is null)
            throw new InvalidOperationException(
                $"{GetType().Name} cannot be saved: its model ({Backend.GetType().Name} '{Backend.ModelId}') is in memory and has no folder. Save the model (LatentDiffusionModel.Save) and use ModelPath.");
        if (Settings.QualityScorer is not null)
            throw new InvalidOperationException($"{GetType().Name} cannot be saved: its QualityScorer is a delegate. Save without the quality filter, or rebuild it after loading.");
        var w = ctx.Writer;
        ctx.SaveNonEmptyString(Path.GetFullPath(Settings.ModelPath));
        ctx.SaveNonEmptyString(Backend.ModelId);
        w.Write(RootSeed);
        ctx.SaveNonEmptyString(Settings.ImageColumnName);
        ctx.SaveNonEmptyString(Settings.LabelColumnName);
        ctx.SaveStringOrNull(MaskColumnName);
        w.Write(Settings.GuidanceScale);
        w.Write(Settings.NumInferenceSteps);
        ctx.SaveStringOrNull(Settings.Scheduler);
        ctx.SaveString(Settings.PromptTemplate);
        ctx.SaveStringOrNull(Settings.NegativePrompt);
        w.Write(Settings.BatchSize);
        w.Write(Settings.QualityThreshold);
        ctx.SaveStringOrNull(Settings.CacheDirectory);
    }

    /// <summary>Reads what <see cref="SaveSettings"/> wrote into <paramref name="settings"/>; loads the model and checks its id.</summary>
    private protected static (T Settings, int Seed, string? Mask) LoadSettings<T>(ModelLoadContext ctx, T settings) where T : AugmentationSettings
    {
        var r = ctx.Reader;
        string path = ctx.LoadNonEmptyString();
        string modelId = ctx.LoadNonEmptyString();
        int seed = r.ReadInt32();
        if (!Directory.Exists(path))
            throw new DirectoryNotFoundException($"Model entry '{ctx.Directory}' references the diffusion model folder '{path}', which does not exist.");
        var model = LatentDiffusionModel.Load(path);
        if (model.ModelId != modelId)
            throw new InvalidDataException(
                $"Model entry '{ctx.Directory}': the diffusion model in '{path}' has ModelId '{model.ModelId}', but the saved transformer was fitted with '{modelId}'.");
        var s = settings with
        {
            Model = null,
            ModelPath = path,
            ImageColumnName = ctx.LoadNonEmptyString(),
            LabelColumnName = ctx.LoadNonEmptyString(),
        };
        string? mask = ctx.LoadStringOrNull();
        s = s with
        {
            GuidanceScale = r.ReadSingle(),
            NumInferenceSteps = r.ReadInt32(),
            Scheduler = ctx.LoadStringOrNull(),
            PromptTemplate = ctx.LoadString(),
            NegativePrompt = ctx.LoadStringOrNull(),
            BatchSize = r.ReadInt32(),
            QualityThreshold = r.ReadSingle(),
            CacheDirectory = ctx.LoadStringOrNull(),
        };
        return (s, seed, mask);
    }

    // ---- generation ----

    private IEnumerable<KeyValuePair<string, string>> KeyParameters(SyntheticSpec spec)
    {
        yield return new("kind", spec.Kind.ToString());
        yield return new("prompt", spec.Prompt);
        yield return new("strength", GenerationKey.Format(spec.Strength));
        yield return new("steps", GenerationKey.Format(Settings.NumInferenceSteps));
        yield return new("guidance", GenerationKey.Format(Settings.GuidanceScale));
        yield return new("scheduler", Settings.Scheduler ?? "");
        yield return new("negative", Settings.NegativePrompt ?? "");
        yield return new("width", GenerationKey.Format(Backend.ImageWidth));
        yield return new("height", GenerationKey.Format(Backend.ImageHeight));
        yield return new("channels", GenerationKey.Format(Backend.ImageChannels));
    }

    /// <summary>
    /// The images for <paramref name="specs"/> from <paramref name="source"/> (and the per-pixel object mask): cache hits
    /// first, the misses in one batched pipeline call per (kind, strength).
    /// </summary>
    internal MLImage[] Generate(MLImage? source, bool[]? objectMask, IReadOnlyList<SyntheticSpec> specs, DataViewRowId sourceRowId)
    {
        var results = new MLImage[specs.Count];
        var cache = Cache;
        var keys = new GenerationKey?[specs.Count];
        var maskImage = objectMask is null ? null : MaskToImage(objectMask);
        var misses = new List<int>();
        for (int i = 0; i < specs.Count; i++)
        {
            if (cache is not null)
            {
                string rowId = $"{sourceRowId.High:x16}{sourceRowId.Low:x16}";
                var usesSource = specs[i].Kind != SyntheticKind.Generate;
                keys[i] = usesSource
                    ? GenerationKey.Create(Backend.ModelId, source!, specs[i].Kind is SyntheticKind.EditBackground or SyntheticKind.EditMasked ? maskImage : null,
                        KeyParameters(specs[i]), specs[i].Seed, rowId)
                    : GenerationKey.Create(Backend.ModelId, ReadOnlySpan<byte>.Empty, null, KeyParameters(specs[i]), specs[i].Seed, rowId);
                if (cache.TryGet(keys[i]!, out var hit))
                {
                    results[i] = hit!;
                    continue;
                }
            }
            misses.Add(i);
        }
        Statistics.AddCacheHits(specs.Count - misses.Count);
        foreach (var group in misses.GroupBy(i => (specs[i].Kind, specs[i].Strength)))
        {
            var idx = group.ToArray();
            var images = RunPipeline(group.Key.Kind, group.Key.Strength, source, objectMask, idx.Select(i => specs[i]).ToArray());
            for (int j = 0; j < idx.Length; j++)
            {
                var keep = KeepMask(group.Key.Kind, objectMask);
                var image = ImageTensors.ToImage(images, j, group.Key.Kind == SyntheticKind.Generate ? null : source, keep);
                if (group.Key.Kind == SyntheticKind.Generate && source is not null)
                    image.Tag = source.Tag;
                if (cache is not null)
                    cache.Add(keys[idx[j]]!, image);
                results[idx[j]] = image;
            }
            Statistics.AddGenerated(idx.Length);
        }
        return results;
    }

    /// <summary>Pixels to copy from the source byte for byte: outside the edit region of the blended modes.</summary>
    private static bool[]? KeepMask(SyntheticKind kind, bool[]? objectMask) => kind switch
    {
        SyntheticKind.EditBackground => objectMask,
        SyntheticKind.EditMasked => objectMask!.Select(o => !o).ToArray(),
        _ => null,
    };

    private static MLImage MaskToImage(bool[] mask)
    {
        var px = new byte[mask.Length * 4];
        for (int i = 0; i < mask.Length; i++)
            if (mask[i])
                px[i * 4] = px[i * 4 + 1] = px[i * 4 + 2] = px[i * 4 + 3] = 255;
        int side = (int)Math.Sqrt(mask.Length);
        return MLImage.CreateFromPixels(mask.Length / side, side, MLPixelFormat.Rgba32, px);
    }

    private Tensor RunPipeline(SyntheticKind kind, float strength, MLImage? source, bool[]? objectMask, SyntheticSpec[] specs)
    {
        int n = specs.Length, c = Backend.ImageChannels, h = Backend.ImageHeight, w = Backend.ImageWidth, per = c * h * w;
        var prompts = specs.Select(s => s.Prompt).ToArray();
        var seeds = specs.Select(s => s.Seed).ToArray();
        var options = Settings.ToGenerationOptions();
        if (kind == SyntheticKind.Generate)
            return _pipeline.Generate(prompts, seeds, options);
        var images = Tensor.Empty(n, c, h, w);
        ImageTensors.Fill(source!, c, images.Span[..per]);
        for (int i = 1; i < n; i++)
            images.Span[..per].CopyTo(images.Span.Slice(i * per, per));
        switch (kind)
        {
            case SyntheticKind.ImageToImage:
                return _pipeline.ImageToImage(images, prompts, seeds, strength, options);
            case SyntheticKind.EditBackground:
            case SyntheticKind.EditMasked:
            {
                var masks = Tensor.Zeros(n, 1, h, w);
                bool editWhereObject = kind == SyntheticKind.EditMasked;
                for (int i = 0; i < n; i++)
                    for (int p = 0; p < h * w; p++)
                        if (objectMask![p] == editWhereObject)
                            masks.Span[i * h * w + p] = 1f;
                return _pipeline.BlendedEdit(images, masks, prompts, seeds, strength, 0, options);
            }
            case SyntheticKind.StructurePreserving:
                return StructurePreserving(images, prompts, seeds, strength, options);
            default:
                throw new InvalidOperationException($"Unknown synthetic kind {kind}.");
        }
    }

    /// <summary>
    /// DiffuseIT-like translation, simplified: img2img at the strength, guided (when the backend has gradients) to
    /// maximise −‖lowpass(x̂₀) − lowpass(source)‖², lowpass = 4×4 average pooling, so coarse structure stays while the
    /// label changes. Backends without gradients get plain img2img.
    /// </summary>
    private Tensor StructurePreserving(Tensor images, string[] prompts, long[] seeds, float strength, GenerationOptions options)
    {
        if (!Backend.SupportsGradients || this is not CounterfactualTransformer cf)
            return _pipeline.ImageToImage(images, prompts, seeds, strength, options);
        int k = Math.Max(1, Math.Min(4, Math.Min(Backend.ImageHeight, Backend.ImageWidth)));
        Tensor target;
        using (Engine.Autograd.Autograd.NoGrad())
            target = F.AvgPool2d(images, k).Detach();
        // The score sees the whole batch in order: one chunk (BatchSize = n).
        var guidance = new GradientGuidance(x => -(F.AvgPool2d(x, k) - target).Square().Sum(new[] { 1, 2, 3 }), cf.StructureWeight);
        return _pipeline.ImageToImage(images, prompts, seeds, strength, options with { Guidance = guidance, BatchSize = images.Shape[0] });
    }

    /// <summary>The per-cursor worker: plans each source row, generates on demand, serves the getters.</summary>
    private sealed class Expander : RowExpander
    {
        private readonly DiffusionAugmentingTransformerBase _parent;
        private readonly LabelInfo _label;
        private readonly Func<(string Text, int Key)> _readLabel;
        private readonly ValueGetter<MLImage?>? _getImage;
        private readonly Func<bool[]>? _readMask;
        private readonly Stopwatch _clock = Stopwatch.StartNew();
        private readonly long? _rowsTotal = null; // the source view is not visible to an expander: no ETA yet
        private readonly long _generatedAtStart, _hitsAtStart;
        private MLImage? _source;
        private bool _sourceRead;
        private RowPlan _plan = new(true, []);
        private List<int> _served = new(); // indices into _plan.Synthetic, in output order
        private MLImage[]? _generated;
        private string _labelText = "";
        private int _labelKey = -1;
        private long _rowsDone;
        private readonly object? _state;

        public Expander(DiffusionAugmentingTransformerBase parent, DataViewRow source, bool readImages)
        {
            _parent = parent;
            _label = LabelInfo.From(source.Schema, parent.Settings.LabelColumnName);
            _readLabel = _label.Reader(source);
            if (readImages)
            {
                _getImage = source.GetGetter<MLImage?>(source.Schema[parent.Settings.ImageColumnName]);
                if (parent.MaskColumnName is not null)
                    _readMask = MaskReader(source, source.Schema[parent.MaskColumnName]);
            }
            _state = parent.NewCursorState();
            _generatedAtStart = parent.Statistics.Generated;
            _hitsAtStart = parent.Statistics.CacheHits;
        }

        private Func<bool[]> MaskReader(DataViewRow row, DataViewSchema.Column col)
        {
            int h = _parent.Backend.ImageHeight, w = _parent.Backend.ImageWidth;
            if (col.Type is ImageDataViewType)
            {
                var get = row.GetGetter<MLImage?>(col);
                MLImage? m = null;
                return () =>
                {
                    get(ref m);
                    if (m is null)
                        throw new InvalidOperationException($"Mask column '{col.Name}' is missing (null) for a row.");
                    if (m.Width != w || m.Height != h)
                        throw new InvalidOperationException($"Mask column '{col.Name}': mask {m.Width}x{m.Height} does not match the image size {w}x{h}.");
                    var px = m.Pixels;
                    var mask = new bool[w * h];
                    for (int i = 0; i < mask.Length; i++)
                        mask[i] = px[i * 4] != 0 || px[i * 4 + 1] != 0 || px[i * 4 + 2] != 0;
                    return mask;
                };
            }
            var getVec = row.GetGetter<VBuffer<float>>(col);
            VBuffer<float> v = default;
            return () =>
            {
                getVec(ref v);
                if (v.Length != w * h)
                    throw new InvalidOperationException($"Mask column '{col.Name}': {v.Length} values do not match the image size {w}x{h} ({w * h}).");
                var mask = new bool[w * h];
                int i = 0;
                foreach (var x in v.DenseValues())
                    mask[i++] = x != 0f;
                return mask;
            };
        }

        public override int BeginSourceRow()
        {
            ReportProgress();
            _sourceRead = false;
            _generated = null;
            (_labelText, _labelKey) = _readLabel();
            _plan = _parent.Plan(SourceRowId, _labelText, _labelKey, _label, _state);
            _served = Enumerable.Range(0, _plan.Synthetic.Count).ToList();
            if (_parent.Settings.QualityScorer is { } scorer && _plan.Synthetic.Count > 0)
            {
                EnsureGenerated();
                _served.Clear();
                for (int i = 0; i < _plan.Synthetic.Count; i++)
                {
                    var spec = _plan.Synthetic[i];
                    int intended = spec.NewKey >= 0 ? spec.NewKey : spec.NewLabel is not null ? IndexOfKnown(spec.NewLabel)
                        : _labelKey >= 0 ? _labelKey : IndexOfKnown(_labelText);
                    bool ok = scorer(_generated![i], intended) >= _parent.Settings.QualityThreshold;
                    _parent.Statistics.AddVerdict(ok);
                    if (ok)
                        _served.Add(i);
                }
            }
            else
            {
                for (int i = 0; i < _plan.Synthetic.Count; i++)
                    _parent.Statistics.AddVerdict(true);
            }
            _rowsDone++;
            return (_plan.KeepOriginal ? 1 : 0) + _served.Count;
        }

        private int IndexOfKnown(string label)
        {
            var known = _parent.Backend.KnownConditions;
            for (int i = 0; i < known.Count; i++)
                if (string.Equals(known[i], label, StringComparison.OrdinalIgnoreCase))
                    return i;
            return -1;
        }

        private MLImage? Source()
        {
            if (!_sourceRead)
            {
                _getImage!(ref _source);
                _sourceRead = true;
            }
            return _source;
        }

        private void EnsureGenerated()
        {
            if (_generated is not null)
                return;
            var src = Source();
            bool needsSource = _plan.Synthetic.Any(s => s.Kind != SyntheticKind.Generate);
            if (needsSource)
            {
                if (src is null)
                    throw new InvalidOperationException($"Column '{_parent.Settings.ImageColumnName}': a source image is missing (null); it cannot be augmented.");
                ImageTensors.CheckSize(_parent.Backend, src, _parent.Settings.ImageColumnName);
            }
            bool[]? mask = _plan.Synthetic.Any(s => s.Kind is SyntheticKind.EditBackground or SyntheticKind.EditMasked) ? _readMask!() : null;
            _generated = _parent.Generate(src, mask, _plan.Synthetic, SourceRowId);
        }

        /// <summary>The synthetic spec of the current output row, or null for the original.</summary>
        private SyntheticSpec? Current(out int generatedIndex)
        {
            int j = Index - (_plan.KeepOriginal ? 1 : 0);
            generatedIndex = j < 0 ? -1 : _served[j];
            return j < 0 ? null : _plan.Synthetic[generatedIndex];
        }

        public override Delegate MakeGetter(int iinfo)
        {
            switch (iinfo)
            {
                case 0:
                    return (ValueGetter<MLImage?>)((ref MLImage? dst) =>
                    {
                        dst?.Dispose();
                        var spec = Current(out int g);
                        if (spec is null)
                        {
                            var src = Source();
                            dst = src?.Clone();
                            return;
                        }
                        EnsureGenerated();
                        dst = _generated![g].Clone();
                    });
                case 1:
                    return (ValueGetter<bool>)((ref bool dst) => dst = Current(out _) is not null);
                case 2:
                    return (ValueGetter<DataViewRowId>)((ref DataViewRowId dst) => dst = SourceRowId);
                case 3:
                    return (ValueGetter<long>)((ref long dst) => dst = Current(out _)?.Seed ?? 0);
                case 4:
                    return (ValueGetter<float>)((ref float dst) => dst = Current(out _)?.Strength ?? 0f);
                case 5:
                    return (ValueGetter<ReadOnlyMemory<char>>)((ref ReadOnlyMemory<char> dst) => dst = (Current(out _)?.Prompt ?? "").AsMemory());
                case 6:
                case 7:
                    bool source = iinfo == 7;
                    if (_label.IsKey)
                        return (ValueGetter<uint>)((ref uint dst) =>
                        {
                            var spec = source ? null : Current(out _);
                            dst = spec is { NewKey: >= 0 } ? (uint)(spec.NewKey + 1) : _labelKey >= 0 ? (uint)(_labelKey + 1) : 0u;
                        });
                    return (ValueGetter<ReadOnlyMemory<char>>)((ref ReadOnlyMemory<char> dst) =>
                    {
                        var spec = source ? null : Current(out _);
                        dst = (spec?.NewLabel ?? _labelText).AsMemory();
                    });
                default:
                    throw new ArgumentOutOfRangeException(nameof(iinfo));
            }
        }

        private void ReportProgress()
        {
            if (_rowsDone == 0 || (_parent.Settings.Progress is null && _parent.Context is null))
                return;
            long generated = _parent.Statistics.Generated - _generatedAtStart;
            long hits = _parent.Statistics.CacheHits - _hitsAtStart;
            double seconds = Math.Max(_clock.Elapsed.TotalSeconds, 1e-9);
            double rowsPerSecond = _rowsDone / seconds;
            TimeSpan? eta = _rowsTotal is long total && rowsPerSecond > 0 ? TimeSpan.FromSeconds(Math.Max(0, total - _rowsDone) / rowsPerSecond) : null;
            var p = new AugmentationProgress(_rowsDone, _rowsTotal, generated, hits, generated / seconds, eta);
            _parent.Settings.Progress?.Report(p);
            _parent.Context?.WriteLog(ChannelMessageKind.Trace, _parent.GetType().Name,
                $"rows {p.RowsDone}, generated {p.ImagesGenerated} ({p.ImagesPerSecond:F2} images/s), cache hits {p.CacheHits}" + (eta is { } e ? $", ETA {e:hh\\:mm\\:ss}" : ""));
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing && _rowsDone > 0)
            {
                ReportProgress();
                _parent.Context?.WriteLog(ChannelMessageKind.Info, _parent.GetType().Name, $"{_rowsDone} source rows: {_parent.Statistics}");
            }
            base.Dispose(disposing);
        }
    }
}
