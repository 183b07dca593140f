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
    private readonly object _pipelineGate = new();
    private readonly object _cacheGate = new();
    private GenerationCache? _cache;

    /// <param name="loadedModel">The model of <see cref="AugmentationSettings.ModelPath"/> when the caller has already loaded it.</param>
    private protected DiffusionAugmentingTransformerBase(MLContext? context, AugmentationSettings settings, int seed, string? maskColumnName,
        IDiffusionBackend? loadedModel)
        : base(null)
    {
        Settings = settings;
        Context = context;
        RootSeed = seed;
        MaskColumnName = maskColumnName;
        Backend = settings.Model ?? loadedModel ?? LatentDiffusionModel.Load(settings.ModelPath!);
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
            new(Settings.OutputImage, image.Type, image.Annotations),
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

    /// <summary>Without the source view: every source row is generated on its own (batched within the row only).</summary>
    protected override RowExpander CreateExpander(DataViewRow source, Func<int, bool> activeWritten) =>
        new Expander(this, null, source, activeWritten(0) || Settings.QualityScorer is not null);

    /// <summary>With the source view: a read-ahead cursor batches the synthetic rows of several source rows together.</summary>
    protected override RowExpander CreateExpander(IDataView sourceView, DataViewRow source, Func<int, bool> activeWritten) =>
        new Expander(this, sourceView, source, activeWritten(0) || Settings.QualityScorer is not null);

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

    /// <summary>
    /// *** Binary format *** model path (absolute), model id, int root seed, image, label and string? output image column names, float guidance,
    /// int steps, string? scheduler, prompt template, string? negative prompt, int batch size, float quality threshold,
    /// string? cache folder; then the subclass's fields. The in-memory model, the quality scorer and the progress sink
    /// are runtime objects: the first two make Save fail (clearly), the progress sink is simply not saved.
    /// </summary>
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
        ctx.SaveStringOrNull(Settings.OutputImageColumnName);
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
    private protected static (T Settings, int Seed, IDiffusionBackend Model) LoadSettings<T>(ModelLoadContext ctx, T settings) where T : AugmentationSettings
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
            OutputImageColumnName = ctx.LoadStringOrNull(),
        };
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
        return (s, seed, model);
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
        if (spec.Kind == SyntheticKind.StructurePreserving && this is CounterfactualTransformer cf)
            yield return new("structureWeight", GenerationKey.Format(cf.StructureWeight));
    }

    /// <summary>A source row waiting for (or holding) its synthetic images.</summary>
    private sealed class PendingRow(DataViewRowId id, string labelText, int labelKey, RowPlan plan)
    {
        public DataViewRowId Id { get; } = id;
        public string LabelText { get; } = labelText;
        public int LabelKey { get; } = labelKey;
        public RowPlan Plan { get; } = plan;

        /// <summary>The source image (owned: a copy), when a synthetic row needs it.</summary>
        public MLImage? Source { get; set; }

        /// <summary>Per pixel: the mask is nonzero (the object / the edit region, as the kind says).</summary>
        public bool[]? Mask { get; set; }

        public MLImage[]? Images { get; set; }
    }

    /// <summary>
    /// Fills <see cref="PendingRow.Images"/> of every row: cache hits first, then the misses of all rows together in one
    /// batched pipeline call per (kind, strength). Each image has its own seed, so batching never changes a pixel.
    /// </summary>
    private void Generate(IReadOnlyList<PendingRow> rows)
    {
        var cache = Cache;
        var misses = new List<(PendingRow Row, int Spec, GenerationKey? Key)>();
        long hits = 0;
        foreach (var row in rows)
        {
            row.Images = new MLImage[row.Plan.Synthetic.Count];
            var maskImage = row.Mask is null ? null : MaskToImage(row.Mask, Backend.ImageWidth, Backend.ImageHeight);
            string rowId = $"{row.Id.High:x16}{row.Id.Low:x16}";
            for (int i = 0; i < row.Plan.Synthetic.Count; i++)
            {
                var spec = row.Plan.Synthetic[i];
                GenerationKey? key = null;
                if (cache is not null)
                {
                    key = spec.Kind == SyntheticKind.Generate
                        ? GenerationKey.Create(Backend.ModelId, ReadOnlySpan<byte>.Empty, null, KeyParameters(spec), spec.Seed, rowId)
                        : GenerationKey.Create(Backend.ModelId, row.Source!, spec.Kind is SyntheticKind.EditBackground or SyntheticKind.EditMasked ? maskImage : null,
                            KeyParameters(spec), spec.Seed, rowId);
                    if (cache.TryGet(key, out var hit))
                    {
                        row.Images[i] = AsGenerated(hit!, row.Source);
                        hits++;
                        continue;
                    }
                }
                misses.Add((row, i, key));
            }
        }
        Statistics.AddCacheHits(hits);
        foreach (var group in misses.GroupBy(m => (m.Row.Plan.Synthetic[m.Spec].Kind, m.Row.Plan.Synthetic[m.Spec].Strength)))
        {
            var items = group.ToArray();
            var (kind, strength) = group.Key;
            Tensor images;
            // Cursors may run on several threads; the model's forward pass is not assumed re-entrant.
            lock (_pipelineGate)
                images = RunPipeline(kind, strength, items.Select(m => (m.Row, m.Row.Plan.Synthetic[m.Spec])).ToArray());
            for (int j = 0; j < items.Length; j++)
            {
                var (row, spec, key) = items[j];
                var keep = kind switch
                {
                    SyntheticKind.EditBackground => row.Mask,
                    SyntheticKind.EditMasked => row.Mask!.Select(o => !o).ToArray(),
                    _ => null,
                };
                var image = ImageTensors.ToImage(images, j, kind == SyntheticKind.Generate ? null : row.Source, keep);
                image.Tag = row.Source?.Tag;
                if (key is not null)
                    cache!.Add(key, image);
                row.Images![spec] = image;
            }
            Statistics.AddGenerated(items.Length);
        }
    }

    /// <summary>A cached image as generation would have returned it: the source's pixel order and tag.</summary>
    private static MLImage AsGenerated(MLImage cached, MLImage? source)
    {
        var format = source?.Raw.Format ?? Images.Codecs.RawPixelFormat.Rgba32;
        var image = cached.Raw.Format == format ? cached : MLImage.FromRaw(cached.Raw.ConvertTo(format));
        image.Tag = source?.Tag;
        return image;
    }

    private static MLImage MaskToImage(bool[] mask, int width, int height)
    {
        var px = new byte[mask.Length * 4];
        for (int i = 0; i < mask.Length; i++)
            if (mask[i])
                px.AsSpan(i * 4, 4).Fill(255);
        return MLImage.CreateFromPixels(width, height, MLPixelFormat.Rgba32, px);
    }

    private Tensor RunPipeline(SyntheticKind kind, float strength, (PendingRow Row, SyntheticSpec Spec)[] items)
    {
        int n = items.Length, c = Backend.ImageChannels, h = Backend.ImageHeight, w = Backend.ImageWidth, per = c * h * w;
        var prompts = items.Select(m => m.Spec.Prompt).ToArray();
        var seeds = items.Select(m => m.Spec.Seed).ToArray();
        var options = Settings.ToGenerationOptions();
        if (kind == SyntheticKind.Generate)
            return _pipeline.Generate(prompts, seeds, options);
        var images = Tensor.Empty(n, c, h, w);
        for (int i = 0; i < n; i++)
        {
            if (i > 0 && ReferenceEquals(items[i].Row, items[i - 1].Row))
                images.Span.Slice((i - 1) * per, per).CopyTo(images.Span.Slice(i * per, per));
            else
                ImageTensors.Fill(items[i].Row.Source!, c, images.Span.Slice(i * per, per));
        }
        switch (kind)
        {
            case SyntheticKind.ImageToImage:
                return _pipeline.ImageToImage(images, prompts, seeds, strength, options);
            case SyntheticKind.EditBackground:
            case SyntheticKind.EditMasked:
            {
                var masks = Tensor.Zeros(n, 1, h, w);
                bool editWhereMaskSet = kind == SyntheticKind.EditMasked;
                for (int i = 0; i < n; i++)
                {
                    var mask = items[i].Row.Mask!;
                    for (int p = 0; p < h * w; p++)
                        if (mask[p] == editWhereMaskSet)
                            masks.Span[i * h * w + p] = 1f;
                }
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
        if (!Backend.SupportsGradients || this is not CounterfactualTransformer cf || cf.StructureWeight == 0f)
            return _pipeline.ImageToImage(images, prompts, seeds, strength, options);
        int k = Math.Max(1, Math.Min(4, Math.Min(Backend.ImageHeight, Backend.ImageWidth)));
        Tensor target;
        using (Engine.Autograd.Autograd.NoGrad())
            target = F.AvgPool2d(images, k).Detach();
        // The score must see the whole batch in order to pair rows with their targets: one chunk (BatchSize = n).
        var guidance = new GradientGuidance(x => -(F.AvgPool2d(x, k) - target).Square().Sum(new[] { 1, 2, 3 }), cf.StructureWeight);
        return _pipeline.ImageToImage(images, prompts, seeds, strength, options with { Guidance = guidance, BatchSize = images.Shape[0] });
    }

    /// <summary>Reads a mask column as "nonzero per pixel", failing on a size other than the model's.</summary>
    private Func<bool[]> MaskReader(DataViewRow row, DataViewSchema.Column col)
    {
        int h = Backend.ImageHeight, w = Backend.ImageWidth;
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

    /// <summary>Reads what generation needs from a row (a copy of the image, the mask), checking sizes.</summary>
    private void Attach(PendingRow row, Func<MLImage?> image, Func<bool[]>? mask)
    {
        if (row.Plan.Synthetic.Count == 0)
            return;
        var src = image();
        if (row.Plan.Synthetic.Any(s => s.Kind != SyntheticKind.Generate))
        {
            if (src is null)
                throw new InvalidOperationException($"Column '{Settings.ImageColumnName}': a source image is missing (null); it cannot be augmented.");
            ImageTensors.CheckSize(Backend, src, Settings.ImageColumnName);
        }
        row.Source = src?.Clone();
        if (row.Plan.Synthetic.Any(s => s.Kind is SyntheticKind.EditBackground or SyntheticKind.EditMasked))
            row.Mask = mask!();
    }

    /// <summary>
    /// A second cursor over the source view that runs ahead of the main one: it plans the coming source rows and, when
    /// the main cursor needs an image, generates the synthetic rows of as many coming rows as fill one batch.
    /// </summary>
    private sealed class ReadAhead : IDisposable
    {
        private readonly DiffusionAugmentingTransformerBase _parent;
        private readonly DataViewRowCursor _cursor;
        private readonly ValueGetter<DataViewRowId> _id;
        private readonly Func<(string Text, int Key)> _label;
        private readonly LabelInfo _labelInfo;
        private readonly ValueGetter<MLImage?> _image;
        private readonly Func<bool[]>? _mask;
        private readonly object? _state;
        private readonly Queue<PendingRow> _queue = new();
        private MLImage? _buffer;
        private bool _ended;

        public ReadAhead(DiffusionAugmentingTransformerBase parent, IDataView view)
        {
            _parent = parent;
            var s = view.Schema;
            _labelInfo = LabelInfo.From(s, parent.Settings.LabelColumnName);
            var cols = new List<DataViewSchema.Column> { _labelInfo.Column, s[parent.Settings.ImageColumnName] };
            if (parent.MaskColumnName is not null)
                cols.Add(s[parent.MaskColumnName]);
            _cursor = view.GetRowCursor(cols);
            _id = _cursor.GetIdGetter();
            _label = _labelInfo.Reader(_cursor);
            _image = _cursor.GetGetter<MLImage?>(s[parent.Settings.ImageColumnName]);
            if (parent.MaskColumnName is not null)
                _mask = parent.MaskReader(_cursor, s[parent.MaskColumnName]);
            _state = parent.NewCursorState();
        }

        /// <summary>The plan of the next source row, which must be <paramref name="expected"/> (views are repeatable).</summary>
        public PendingRow Next(DataViewRowId expected)
        {
            if (_queue.Count == 0 && !ReadOne())
                throw new InvalidOperationException($"{_parent.GetType().Name}: the source view yielded fewer rows on a second cursor; it is not repeatable.");
            var row = _queue.Dequeue();
            if (!row.Id.Equals(expected))
                throw new InvalidOperationException($"{_parent.GetType().Name}: the source view's second cursor is out of step (row ids differ); it is not repeatable.");
            return row;
        }

        /// <summary>Generates <paramref name="head"/> together with the coming rows, up to one batch of synthetic images.</summary>
        public void Fill(PendingRow head)
        {
            var batch = new List<PendingRow> { head };
            int images = head.Plan.Synthetic.Count;
            foreach (var r in _queue)
            {
                if (images >= _parent.Settings.BatchSize)
                    break;
                if (r.Images is null && r.Plan.Synthetic.Count > 0)
                {
                    batch.Add(r);
                    images += r.Plan.Synthetic.Count;
                }
            }
            while (images < _parent.Settings.BatchSize && ReadOne())
            {
                var r = _queue.Last();
                if (r.Plan.Synthetic.Count > 0)
                {
                    batch.Add(r);
                    images += r.Plan.Synthetic.Count;
                }
            }
            _parent.Generate(batch);
        }

        private bool ReadOne()
        {
            if (_ended || !_cursor.MoveNext())
            {
                _ended = true;
                return false;
            }
            DataViewRowId id = default;
            _id(ref id);
            var (text, key) = _label();
            var row = new PendingRow(id, text, key, _parent.Plan(id, text, key, _labelInfo, _state));
            _parent.Attach(row, () => { _image(ref _buffer); return _buffer; }, _mask);
            _queue.Enqueue(row);
            return true;
        }

        // _buffer belongs to the upstream getter (ownership convention): never disposed here.
        public void Dispose() => _cursor.Dispose();
    }

    /// <summary>The per-cursor worker: plans each source row, generates on demand, serves the getters.</summary>
    private sealed class Expander : RowExpander
    {
        private readonly DiffusionAugmentingTransformerBase _parent;
        private readonly LabelInfo _label;
        private readonly Func<(string Text, int Key)> _readLabel;
        private readonly ValueGetter<MLImage?>? _getImage;
        private readonly Func<bool[]>? _readMask;
        private readonly ReadAhead? _readAhead;
        private readonly object? _state;
        private readonly Stopwatch _clock = Stopwatch.StartNew();
        private readonly long? _rowsTotal;
        private readonly long _generatedAtStart, _hitsAtStart;
        private MLImage? _source;
        private bool _sourceRead;
        private PendingRow _row = new(default, "", -1, new RowPlan(true, []));
        private readonly List<int> _served = new(); // indices into the plan's synthetic rows, in output order
        private long _rowsDone;
        private long _reportedGenerated, _reportedHits;
        private TimeSpan _reportedAt;
        private static readonly TimeSpan ProgressInterval = TimeSpan.FromSeconds(1);

        public Expander(DiffusionAugmentingTransformerBase parent, IDataView? sourceView, DataViewRow source, bool readImages)
        {
            _parent = parent;
            _label = LabelInfo.From(source.Schema, parent.Settings.LabelColumnName);
            _readLabel = _label.Reader(source);
            if (readImages)
            {
                _getImage = source.GetGetter<MLImage?>(source.Schema[parent.Settings.ImageColumnName]);
                if (sourceView is not null)
                    _readAhead = new ReadAhead(parent, sourceView);
                else if (parent.MaskColumnName is not null)
                    _readMask = parent.MaskReader(source, source.Schema[parent.MaskColumnName]);
            }
            _state = parent.NewCursorState();
            _rowsTotal = sourceView?.GetRowCount();
            _generatedAtStart = parent.Statistics.Generated;
            _hitsAtStart = parent.Statistics.CacheHits;
        }

        public override int BeginSourceRow()
        {
            ReportProgress();
            _sourceRead = false;
            var (text, key) = _readLabel();
            if (_readAhead is not null)
                _row = _readAhead.Next(SourceRowId);
            else
                _row = new PendingRow(SourceRowId, text, key, _parent.Plan(SourceRowId, text, key, _label, _state));
            _served.Clear();
            var synthetic = _row.Plan.Synthetic;
            if (_parent.Settings.QualityScorer is { } scorer && synthetic.Count > 0)
            {
                EnsureGenerated();
                for (int i = 0; i < synthetic.Count; i++)
                {
                    var spec = synthetic[i];
                    int intended = spec.NewKey >= 0 ? spec.NewKey : spec.NewLabel is not null ? IndexOfKnown(spec.NewLabel)
                        : _row.LabelKey >= 0 ? _row.LabelKey : IndexOfKnown(_row.LabelText);
                    bool ok = scorer(_row.Images![i], intended) >= _parent.Settings.QualityThreshold;
                    _parent.Statistics.AddVerdict(ok);
                    if (ok)
                        _served.Add(i);
                }
            }
            else
            {
                for (int i = 0; i < synthetic.Count; i++)
                {
                    _served.Add(i);
                    _parent.Statistics.AddVerdict(true);
                }
            }
            _rowsDone++;
            return (_row.Plan.KeepOriginal ? 1 : 0) + _served.Count;
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
            if (_row.Images is not null)
                return;
            if (_readAhead is not null)
            {
                _readAhead.Fill(_row);
                return;
            }
            _parent.Attach(_row, Source, _readMask);
            _parent.Generate([_row]);
        }

        /// <summary>The synthetic spec of the current output row, or null for the original.</summary>
        private SyntheticSpec? Current(out int generatedIndex)
        {
            int j = Index - (_row.Plan.KeepOriginal ? 1 : 0);
            generatedIndex = j < 0 ? -1 : _served[j];
            return j < 0 ? null : _row.Plan.Synthetic[generatedIndex];
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
                            dst = Source()?.Clone();
                            return;
                        }
                        EnsureGenerated();
                        dst = _row.Images![g].Clone();
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
                            dst = spec is { NewKey: >= 0 } ? (uint)(spec.NewKey + 1) : _row.LabelKey >= 0 ? (uint)(_row.LabelKey + 1) : 0u;
                        });
                    return (ValueGetter<ReadOnlyMemory<char>>)((ref ReadOnlyMemory<char> dst) =>
                    {
                        var spec = source ? null : Current(out _);
                        dst = (spec?.NewLabel ?? _row.LabelText).AsMemory();
                    });
                default:
                    throw new ArgumentOutOfRangeException(nameof(iinfo));
            }
        }

        /// <summary>
        /// Reports to the IProgress sink and, at Trace level, to MLContext.Log: once per generated (or cache-read) batch,
        /// since the counters move once a batch, at least once a second while rows pass without generating, and at the end.
        /// </summary>
        private void ReportProgress(bool final = false)
        {
            var context = _parent.Context is { IsLogging: true } c ? c : null;
            if (_rowsDone == 0 || (_parent.Settings.Progress is null && context is null))
                return;
            long generated = _parent.Statistics.Generated - _generatedAtStart;
            long hits = _parent.Statistics.CacheHits - _hitsAtStart;
            var now = _clock.Elapsed;
            if (!final && generated == _reportedGenerated && hits == _reportedHits && now - _reportedAt < ProgressInterval)
                return;
            (_reportedGenerated, _reportedHits, _reportedAt) = (generated, hits, now);
            double seconds = Math.Max(now.TotalSeconds, 1e-9);
            double rowsPerSecond = _rowsDone / seconds;
            TimeSpan? eta = _rowsTotal is long total ? TimeSpan.FromSeconds(Math.Max(0, total - _rowsDone) / rowsPerSecond) : null;
            var p = new AugmentationProgress(_rowsDone, _rowsTotal, generated, hits, generated / seconds, eta);
            _parent.Settings.Progress?.Report(p);
            context?.WriteLog(ChannelMessageKind.Trace, _parent.GetType().Name,
                $"rows {p.RowsDone}{(p.RowsTotal is long t ? "/" + t : "")}, generated {p.ImagesGenerated} ({p.ImagesPerSecond:F2} images/s), cache hits {p.CacheHits}" +
                (eta is { } e ? $", ETA {(long)e.TotalHours:D2}:{e:mm\\:ss}" : ""));
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                if (_rowsDone > 0)
                {
                    ReportProgress(final: true);
                    _parent.Context?.WriteLog(ChannelMessageKind.Info, _parent.GetType().Name, $"{_rowsDone} source rows: {_parent.Statistics}");
                }
                _readAhead?.Dispose();
            }
            base.Dispose(disposing);
        }
    }
}
