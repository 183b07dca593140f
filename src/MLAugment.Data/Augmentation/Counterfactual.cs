using MLAugment.Diffusion.Sampling;

namespace MLAugment.Data.Transforms.Augmentation;

/// <summary>How Counterfactual edits a row.</summary>
public enum CounterfactualMode : byte
{
    /// <summary>Blended masked edit (Blended Latent Diffusion): regenerate where the mask is nonzero; every other pixel is copied exactly.</summary>
    MaskedEdit = 0,

    /// <summary>
    /// DiffuseIT-like translation, simplified: img2img at the strength, guided toward the source's 4×4 low-pass image
    /// (an L2 structure term through GradientGuidance) when the backend has gradients; plain img2img otherwise.
    /// No mask; nothing is kept bit-exact.
    /// </summary>
    StructurePreserving = 1,
}

/// <summary>The options of <see cref="CounterfactualEstimator"/>; every default is here.</summary>
public sealed record CounterfactualOptions : AugmentationSettings
{
    public CounterfactualMode Mode { get; init; } = CounterfactualMode.MaskedEdit;

    /// <summary>The edit region (nonzero = edit) for <see cref="CounterfactualMode.MaskedEdit"/>: Image or Vector&lt;Single&gt; of H×W.</summary>
    public string? MaskColumnName { get; init; } = "Mask";

    /// <summary>Every row becomes this label (give this or <see cref="LabelMapping"/>).</summary>
    public string? TargetLabel { get; init; }

    /// <summary>Source label → target label; rows whose label is not a key here pass through unedited.</summary>
    public IReadOnlyDictionary<string, string>? LabelMapping { get; init; }

    /// <summary>The prompt to edit toward; null = <see cref="AugmentationSettings.PromptTemplate"/> with the target label.</summary>
    public string? TargetPrompt { get; init; }

    /// <summary>Null = the mode's default: 1.0 for a masked edit (inpainting's default), 0.6 for translation (DiffuseIT's t0).</summary>
    public float? Strength { get; init; }

    /// <summary>The structure term's guidance scale (StructurePreserving mode).</summary>
    public float StructureWeight { get; init; } = 10f;

    /// <summary>Also emit the unedited original row before its counterfactual.</summary>
    public bool KeepOriginal { get; init; }

    internal float EffectiveStrength => Strength ?? (Mode == CounterfactualMode.MaskedEdit ? 1f : 0.6f);

    internal override void Validate(string where)
    {
        base.Validate(where);
        if (!Enum.IsDefined(Mode)) throw new ArgumentOutOfRangeException(nameof(Mode), Mode, "Unknown mode.");
        if ((TargetLabel is null) == (LabelMapping is null))
            throw new ArgumentException($"{where}: give exactly one of TargetLabel and LabelMapping.");
        if (Mode == CounterfactualMode.MaskedEdit && string.IsNullOrWhiteSpace(MaskColumnName))
            throw new ArgumentException($"{where}: MaskedEdit mode needs MaskColumnName.", nameof(MaskColumnName));
        if (!(EffectiveStrength >= 0 && EffectiveStrength <= 1))
            throw new ArgumentOutOfRangeException(nameof(Strength), Strength, "strength must be in [0, 1].");
        if (!(StructureWeight >= 0) || float.IsInfinity(StructureWeight))
            throw new ArgumentOutOfRangeException(nameof(StructureWeight), StructureWeight, "must be finite and >= 0.");
    }
}

/// <summary>
/// Counterfactual rows: each row's masked region is regenerated toward a target label (or the whole image is
/// translated, structure-preservingly), and the row is relabelled. <c>SourceLabel</c> keeps the original label;
/// Seed, Strength and Prompt record the edit.
/// </summary>
/// <remarks>
/// <format type="text/markdown"><![CDATA[
/// ### Estimator Characteristics
/// |  |  |
/// | -- | -- |
/// | Does this estimator need to look at the data to train its parameters? | No |
/// | Input column data type | MLImage of the model's size; label Key<UInt32> with KeyValues or Text; mask Image or Vector<Single> |
/// | Output column data type | image and label in place; SourceLabel (label's type), IsSynthetic, SourceRowId, Seed, Strength, Prompt |
/// ]]></format>
/// In MaskedEdit mode every pixel outside the mask is the source's pixel, byte for byte (the float edit is only used
/// inside the mask). Not a row-to-row mapper; use <c>TransformerScope.Training</c>.
/// <seealso cref="CounterfactualCatalog.Counterfactual"/>
/// </remarks>
public sealed class CounterfactualEstimator : TrivialEstimator<CounterfactualTransformer>
{
    internal CounterfactualEstimator(MLContext? context, CounterfactualOptions options)
        : base(new CounterfactualTransformer(context, options, DiffusionAugmentEstimator.ResolveSeed(context, options.Seed)))
    {
    }

    public override SchemaShape GetOutputSchema(SchemaShape inputSchema)
    {
        ArgumentNullException.ThrowIfNull(inputSchema);
        var o = Transformer.Options;
        AugmentationColumns.CheckImage(inputSchema, o.ImageColumnName);
        var label = AugmentationColumns.CheckLabel(inputSchema, o.LabelColumnName);
        if (Transformer.MaskColumnName is { } mask)
            AugmentationColumns.CheckMask(inputSchema, mask);
        var result = AugmentationColumns.AddCommon(inputSchema, o);
        result[AugmentationColumns.SourceLabel] = new SchemaShape.Column(AugmentationColumns.SourceLabel, label.Kind, label.ItemType, label.IsKey, label.Annotations);
        return new SchemaShape(result.Values);
    }
}

/// <summary>The fitted <see cref="CounterfactualEstimator"/>.</summary>
[LoadableModel(LoaderSignature)]
public sealed class CounterfactualTransformer : DiffusionAugmentingTransformerBase
{
    internal const string LoaderSignature = "CounterfactualTransform";

    internal CounterfactualTransformer(MLContext? context, CounterfactualOptions options, int seed, IDiffusionBackend? loadedModel = null)
        : base(context, Validated(options), seed, options.Mode == CounterfactualMode.MaskedEdit ? options.MaskColumnName : null, loadedModel)
    {
        Options = options;
        foreach (var target in Targets)
            Backend.EncodeCondition(options.TargetPrompt ?? PromptFor(target));
    }

    private static CounterfactualOptions Validated(CounterfactualOptions o)
    {
        ArgumentNullException.ThrowIfNull(o);
        o.Validate(nameof(CounterfactualEstimator));
        return o;
    }

    public CounterfactualOptions Options { get; }

    internal float StructureWeight => Options.StructureWeight;

    private IEnumerable<string> Targets => Options.TargetLabel is { } t ? [t] : Options.LabelMapping!.Values.Distinct();

    private protected override bool WritesLabel => true;

    protected override int? RowsPerSourceRow =>
        Options.QualityScorer is null && Options.TargetLabel is not null ? (Options.KeepOriginal ? 2 : 1) : null;

    /// <summary>Targets must be values of a key label (listing them otherwise).</summary>
    private protected override void CheckSchema(DataViewSchema inputSchema, LabelInfo label)
    {
        if (label.IsKey)
            foreach (var t in Targets)
                label.KeyOf(t, "Counterfactual target label");
    }

    private protected override RowPlan Plan(DataViewRowId sourceRowId, string labelText, int labelKey, LabelInfo label, object? cursorState)
    {
        string? target = Options.TargetLabel ?? (Options.LabelMapping!.TryGetValue(labelText, out var t) ? t : null);
        if (target is null)
            return new RowPlan(true, []);
        var kind = Options.Mode == CounterfactualMode.MaskedEdit ? SyntheticKind.EditMasked : SyntheticKind.StructurePreserving;
        var spec = new SyntheticSpec(kind, Options.TargetPrompt ?? PromptFor(target), Options.EffectiveStrength, SampleSeed(sourceRowId, 0),
            target, label.IsKey ? label.KeyOf(target, "Counterfactual target label") : -1);
        return new RowPlan(Options.KeepOriginal, [spec]);
    }

    private static VersionInfo GetVersionInfo() => new("CNTRFACT", 0x00010001, 0x00010001, 0x00010001, LoaderSignature);

    /// <summary>*** Binary format *** shared settings; byte mode; string? target; int mapping count (−1 none) and pairs; string? prompt; bool has strength, float; float structure weight; bool keep original.</summary>
    protected override void SaveModel(ModelSaveContext ctx)
    {
        ctx.SetVersionInfo(GetVersionInfo());
        SaveSettings(ctx);
        var w = ctx.Writer;
        w.Write((byte)Options.Mode);
        ctx.SaveStringOrNull(Options.TargetLabel);
        w.Write(Options.LabelMapping?.Count ?? -1);
        foreach (var (k, v) in Options.LabelMapping ?? new Dictionary<string, string>())
        {
            ctx.SaveString(k);
            ctx.SaveString(v);
        }
        ctx.SaveStringOrNull(Options.TargetPrompt);
        w.Write(Options.Strength.HasValue);
        w.Write(Options.Strength ?? 0f);
        w.Write(Options.StructureWeight);
        w.Write(Options.KeepOriginal);
        ctx.SaveStringOrNull(Options.MaskColumnName);
    }

    private static CounterfactualTransformer Create(ModelLoadContext ctx)
    {
        ctx.CheckAtModel(GetVersionInfo());
        var (s, seed, model) = LoadSettings(ctx, new CounterfactualOptions());
        var r = ctx.Reader;
        var mode = (CounterfactualMode)r.ReadByte();
        string? target = ctx.LoadStringOrNull();
        int n = r.ReadInt32();
        Dictionary<string, string>? mapping = null;
        if (n >= 0)
        {
            mapping = new Dictionary<string, string>(StringComparer.Ordinal);
            for (int i = 0; i < n; i++)
                mapping[ctx.LoadString()] = ctx.LoadString();
        }
        string? prompt = ctx.LoadStringOrNull();
        bool hasStrength = r.ReadBoolean();
        float strength = r.ReadSingle();
        var options = s with
        {
            Mode = mode,
            TargetLabel = target,
            LabelMapping = mapping,
            TargetPrompt = prompt,
            Strength = hasStrength ? strength : null,
            StructureWeight = r.ReadSingle(),
            KeepOriginal = r.ReadBoolean(),
            MaskColumnName = ctx.LoadStringOrNull(),
        };
        return new CounterfactualTransformer(ctx.Context, options, seed, model);
    }
}
