using MLAugment.Diffusion.Sampling;

namespace MLAugment.Data.Transforms.Augmentation;

/// <summary>How many rows each class should reach.</summary>
public enum BalancingTarget : byte
{
    /// <summary>The largest class's count.</summary>
    Balanced = 0,

    /// <summary>ceil(r × the largest class's count), r = <see cref="ClassBalancingOptions.Ratio"/>.</summary>
    RatioOfLargest = 1,

    /// <summary>The counts in <see cref="ClassBalancingOptions.PerClassTargets"/>.</summary>
    PerClass = 2,
}

/// <summary>How ClassBalancing makes a class's synthetic rows.</summary>
public enum BalancingMode : byte
{
    /// <summary>img2img from the class's real rows, round robin.</summary>
    ImageToImage = 0,

    /// <summary>From noise, conditioned on the label (still attached round robin to the class's real rows).</summary>
    GenerateFromLabel = 1,
}

/// <summary>The options of <see cref="ClassBalancingEstimator"/>; every default is here.</summary>
public sealed record ClassBalancingOptions : AugmentationSettings
{
    public BalancingTarget Target { get; init; } = BalancingTarget.Balanced;

    /// <summary>r for <see cref="BalancingTarget.RatioOfLargest"/>, in (0, 1].</summary>
    public float Ratio { get; init; } = 1f;

    /// <summary>Class name → target count for <see cref="BalancingTarget.PerClass"/>; classes not named get no rows.</summary>
    public IReadOnlyDictionary<string, int>? PerClassTargets { get; init; }

    /// <summary>The most synthetic rows any class gets (null: no cap).</summary>
    public int? MaxSyntheticPerClass { get; init; }

    public BalancingMode Mode { get; init; } = BalancingMode.ImageToImage;

    /// <summary>img2img strength (CBDM leaves this to the sampler; DA-Fusion's default 0.5).</summary>
    public float Strength { get; init; } = 0.5f;

    internal override void Validate(string where)
    {
        base.Validate(where);
        if (!Enum.IsDefined(Target)) throw new ArgumentOutOfRangeException(nameof(Target), Target, "Unknown balancing target.");
        if (!Enum.IsDefined(Mode)) throw new ArgumentOutOfRangeException(nameof(Mode), Mode, "Unknown mode.");
        if (Target == BalancingTarget.RatioOfLargest && !(Ratio > 0 && Ratio <= 1))
            throw new ArgumentOutOfRangeException(nameof(Ratio), Ratio, "ratio must be in (0, 1].");
        if (Target == BalancingTarget.PerClass)
        {
            if (PerClassTargets is null || PerClassTargets.Count == 0)
                throw new ArgumentException($"{where}: Target PerClass needs PerClassTargets.", nameof(PerClassTargets));
            foreach (var (k, v) in PerClassTargets)
                if (v < 0) throw new ArgumentOutOfRangeException(nameof(PerClassTargets), v, $"target for class '{k}' must be >= 0.");
        }
        if (MaxSyntheticPerClass is < 0) throw new ArgumentOutOfRangeException(nameof(MaxSyntheticPerClass), MaxSyntheticPerClass, "must be >= 0.");
        if (!(Strength >= 0 && Strength <= 1)) throw new ArgumentOutOfRangeException(nameof(Strength), Strength, "strength must be in [0, 1].");
    }
}

/// <summary>One class in a <see cref="ClassBalancingTransformer"/>'s report.</summary>
public sealed record ClassBalance(string ClassName, int RealCount, int TargetCount, int Added);

/// <summary>
/// Fits the class counts, then adds synthetic rows to under-represented classes until each reaches the target (capped
/// per class). The k-th real row of a class with R real rows and A rows to add yields ⌊A/R⌋ + (k &lt; A mod R)
/// synthetic rows, so the additions spread round robin over the class. Balancing the generation budget over classes is
/// the transferable part of CBDM (Qin et al. 2023) for a pretrained model.
/// </summary>
/// <remarks>
/// <format type="text/markdown"><![CDATA[
/// ### Estimator Characteristics
/// |  |  |
/// | -- | -- |
/// | Does this estimator need to look at the data to train its parameters? | Yes (class counts) |
/// | Input column data type | MLImage of the model's size; label Key<UInt32> with KeyValues or Text |
/// | Output column data type | the image in place; IsSynthetic, SourceRowId, Seed, Strength, Prompt |
/// ]]></format>
/// A class with no real rows cannot be given rows (there is no row to attach them to); the report shows Added 0.
/// <seealso cref="ClassBalancingCatalog.ClassBalancing"/>
/// </remarks>
public sealed class ClassBalancingEstimator : IEstimator<ClassBalancingTransformer>
{
    private readonly MLContext? _context;
    private readonly ClassBalancingOptions _options;
    private readonly int _seed;
    private readonly IDiffusionBackend _model;

    internal ClassBalancingEstimator(MLContext? context, ClassBalancingOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate(nameof(ClassBalancingEstimator));
        _context = context;
        _options = options;
        _seed = DiffusionAugmentEstimator.ResolveSeed(context, options.Seed);
        _model = options.Model ?? Diffusion.Models.LatentDiffusionModel.Load(options.ModelPath!); // once, not per Fit
    }

    public SchemaShape GetOutputSchema(SchemaShape inputSchema)
    {
        ArgumentNullException.ThrowIfNull(inputSchema);
        AugmentationColumns.CheckImage(inputSchema, _options.ImageColumnName);
        AugmentationColumns.CheckLabel(inputSchema, _options.LabelColumnName);
        return new SchemaShape(AugmentationColumns.AddCommon(inputSchema, _options).Values);
    }

    /// <summary>Counts the classes (reading only the label column) and fixes every class's additions.</summary>
    public ClassBalancingTransformer Fit(IDataView input)
    {
        ArgumentNullException.ThrowIfNull(input);
        GetOutputSchema(SchemaShape.Create(input.Schema));
        var label = LabelInfo.From(input.Schema, _options.LabelColumnName);
        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        var order = new List<string>(label.KeyValues ?? []);
        foreach (var k in order)
            counts[k] = 0;
        long total = 0;
        using (var cursor = input.GetRowCursor([label.Column]))
        {
            var read = label.Reader(cursor);
            while (cursor.MoveNext())
            {
                var (text, key) = read();
                total++;
                if (label.IsKey && key < 0)
                    continue; // missing key: not a class
                if (!counts.TryAdd(text, 1))
                    counts[text]++;
                else if (!label.IsKey)
                    order.Add(text);
            }
        }
        int largest = counts.Count == 0 ? 0 : counts.Values.Max();
        var report = new List<ClassBalance>();
        foreach (var name in order)
        {
            int real = counts[name];
            int target = _options.Target switch
            {
                BalancingTarget.Balanced => largest,
                BalancingTarget.RatioOfLargest => (int)Math.Ceiling(_options.Ratio * (double)largest),
                _ => _options.PerClassTargets!.TryGetValue(name, out var t) ? t : 0,
            };
            int add = real == 0 ? 0 : Math.Max(0, target - real);
            if (_options.MaxSyntheticPerClass is int cap)
                add = Math.Min(add, cap);
            report.Add(new ClassBalance(name, real, target, add));
        }
        if (_options.Target == BalancingTarget.PerClass)
            foreach (var name in _options.PerClassTargets!.Keys)
                if (!counts.ContainsKey(name))
                    throw new ArgumentException(
                        $"ClassBalancing: PerClassTargets names class '{name}', which label column '{label.Column.Name}' does not have; its classes are: {string.Join(", ", order)}.");
        var transformer = new ClassBalancingTransformer(_context, _options, _seed, report, total, input, _model);
        _context?.WriteLog(ChannelMessageKind.Info, nameof(ClassBalancingEstimator), transformer.FormatReport());
        return transformer;
    }
}

/// <summary>The fitted <see cref="ClassBalancingEstimator"/>: the per-class report and the row additions.</summary>
[LoadableModel(LoaderSignature)]
public sealed class ClassBalancingTransformer : DiffusionAugmentingTransformerBase
{
    internal const string LoaderSignature = "ClassBalancingTransform";
    private readonly Dictionary<string, ClassBalance> _byName;
    private readonly long _fittedRows;
    private readonly WeakReference<IDataView>? _fittedOn;

    internal ClassBalancingTransformer(MLContext? context, ClassBalancingOptions options, int seed, IReadOnlyList<ClassBalance> report,
        long fittedRows, IDataView? fittedOn, IDiffusionBackend? loadedModel = null)
        : base(context, options, seed, null, loadedModel)
    {
        Options = options;
        Report = report;
        _byName = report.ToDictionary(r => r.ClassName, StringComparer.Ordinal);
        _fittedRows = fittedRows;
        _fittedOn = fittedOn is null ? null : new WeakReference<IDataView>(fittedOn);
    }

    public ClassBalancingOptions Options { get; }

    /// <summary>Per class: real rows counted at Fit, target, synthetic rows added.</summary>
    public IReadOnlyList<ClassBalance> Report { get; }

    /// <summary>The rows the balanced view of the fitted data holds: real plus added (before any quality filter).</summary>
    public long BalancedRowCount => _fittedRows + Report.Sum(r => (long)r.Added);

    public string FormatReport() =>
        "Class balancing: " + string.Join("; ", Report.Select(r => $"{r.ClassName}: {r.RealCount} real + {r.Added} added (target {r.TargetCount})"));

    protected override int? RowsPerSourceRow => null;

    /// <summary>Exact for the very view Fit counted (without a quality filter); unknown otherwise.</summary>
    protected override long? GetOutputRowCount(IDataView source) =>
        Options.QualityScorer is null && _fittedOn is not null && _fittedOn.TryGetTarget(out var fitted) && ReferenceEquals(fitted, source)
            ? BalancedRowCount : null;

    private protected override void CheckSchema(DataViewSchema inputSchema, LabelInfo label) => CheckLabelsKnown(label);

    private protected override object? NewCursorState() => new Dictionary<string, int>(StringComparer.Ordinal);

    private protected override RowPlan Plan(DataViewRowId sourceRowId, string labelText, int labelKey, LabelInfo label, object? cursorState)
    {
        var seen = (Dictionary<string, int>)cursorState!;
        if (!_byName.TryGetValue(labelText, out var balance) || balance.Added == 0 || (label.IsKey && labelKey < 0))
            return new RowPlan(true, []);
        seen.TryGetValue(labelText, out int k);
        seen[labelText] = k + 1;
        if (k >= balance.RealCount)
            return new RowPlan(true, []);
        int n = balance.Added / balance.RealCount + (k < balance.Added % balance.RealCount ? 1 : 0);
        var kind = Options.Mode == BalancingMode.GenerateFromLabel ? SyntheticKind.Generate : SyntheticKind.ImageToImage;
        float strength = kind == SyntheticKind.Generate ? 1f : Options.Strength;
        string prompt = PromptFor(labelText);
        var specs = new SyntheticSpec[n];
        for (int i = 0; i < n; i++)
            specs[i] = new SyntheticSpec(kind, prompt, strength, SampleSeed(sourceRowId, i));
        return new RowPlan(true, specs);
    }

    private static VersionInfo GetVersionInfo() => new("CLSBALNC", 0x00010001, 0x00010001, 0x00010001, LoaderSignature);

    /// <summary>*** Binary format *** shared settings; byte target; float ratio; int max (−1 none); byte mode; float strength; long fitted rows; int classes, each (name, real, target, added).</summary>
    protected override void SaveModel(ModelSaveContext ctx)
    {
        ctx.SetVersionInfo(GetVersionInfo());
        SaveSettings(ctx);
        var w = ctx.Writer;
        w.Write((byte)Options.Target);
        w.Write(Options.Ratio);
        w.Write(Options.MaxSyntheticPerClass ?? -1);
        w.Write((byte)Options.Mode);
        w.Write(Options.Strength);
        w.Write(_fittedRows);
        w.Write(Report.Count);
        foreach (var r in Report)
        {
            ctx.SaveString(r.ClassName);
            w.Write(r.RealCount);
            w.Write(r.TargetCount);
            w.Write(r.Added);
        }
    }

    private static ClassBalancingTransformer Create(ModelLoadContext ctx)
    {
        ctx.CheckAtModel(GetVersionInfo());
        var (s, seed, model) = LoadSettings(ctx, new ClassBalancingOptions());
        var r = ctx.Reader;
        var target = (BalancingTarget)r.ReadByte();
        float ratio = r.ReadSingle();
        int max = r.ReadInt32();
        var mode = (BalancingMode)r.ReadByte();
        float strength = r.ReadSingle();
        long fitted = r.ReadInt64();
        int n = r.ReadInt32();
        var report = new List<ClassBalance>();
        for (int i = 0; i < n; i++)
            report.Add(new ClassBalance(ctx.LoadString(), r.ReadInt32(), r.ReadInt32(), r.ReadInt32()));
        // Per-class targets are already resolved into the report; Balanced keeps the loaded options valid.
        var options = s with
        {
            Target = target == BalancingTarget.PerClass ? BalancingTarget.Balanced : target,
            Ratio = ratio,
            MaxSyntheticPerClass = max < 0 ? null : max,
            Mode = mode,
            Strength = strength,
        };
        return new ClassBalancingTransformer(ctx.Context, options, seed, report, fitted, null, model);
    }
}
