using MLAugment.Diffusion.Sampling;

namespace MLAugment.Data.Transforms.Augmentation;

/// <summary>How DiffusionAugment makes its synthetic images.</summary>
public enum DiffusionAugmentMode : byte
{
    /// <summary>DA-Fusion / SDEdit: the source noised to the strength, denoised toward "a photo of a {label}".</summary>
    ImageToImage = 0,

    /// <summary>From noise, conditioned on the label alone (no source pixels; boxes and masks do not carry over).</summary>
    GenerateFromLabel = 1,

    /// <summary>Blended edit of the background only (mask == 0): object pixels, and so boxes and masks, stay exact.</summary>
    BackgroundOnly = 2,
}

/// <summary>The options of <see cref="DiffusionAugmentEstimator"/>; every default is here.</summary>
public sealed record DiffusionAugmentOptions : AugmentationSettings
{
    /// <summary>DA-Fusion's randomized insertion timestep: t0 ∈ {0.25, 0.5, 0.75, 1.0}, each equally likely.</summary>
    public static IReadOnlyList<float> DaFusionStrengths { get; } = [0.25f, 0.5f, 0.75f, 1.0f];

    public DiffusionAugmentMode Mode { get; init; } = DiffusionAugmentMode.ImageToImage;

    /// <summary>Strength t0 (0 = unchanged, 1 = pure noise); DA-Fusion's default 0.5.</summary>
    public float Strength { get; init; } = 0.5f;

    /// <summary>When set, each sample draws its strength uniformly from these (e.g. <see cref="DaFusionStrengths"/>).</summary>
    public IReadOnlyList<float>? StrengthMix { get; init; }

    /// <summary>Synthetic rows per source row (M).</summary>
    public int SyntheticPerImage { get; init; } = 2;

    /// <summary>DA-Fusion's α: the probability that the real row is dropped (replaced by its synthetic rows).</summary>
    public float ReplaceProbability { get; init; } = 0f;

    /// <summary>The mask column for <see cref="DiffusionAugmentMode.BackgroundOnly"/> (nonzero = object, kept exactly).</summary>
    public string? MaskColumnName { get; init; }

    internal override void Validate(string where)
    {
        base.Validate(where);
        if (!Enum.IsDefined(Mode)) throw new ArgumentOutOfRangeException(nameof(Mode), Mode, "Unknown mode.");
        CheckStrength(Strength, nameof(Strength));
        if (StrengthMix is { } mix)
        {
            if (mix.Count == 0) throw new ArgumentException($"{where}: StrengthMix is empty; give null for a single strength.", nameof(StrengthMix));
            foreach (var s in mix) CheckStrength(s, nameof(StrengthMix));
        }
        if (SyntheticPerImage < 0) throw new ArgumentOutOfRangeException(nameof(SyntheticPerImage), SyntheticPerImage, "must be >= 0.");
        if (!(ReplaceProbability >= 0 && ReplaceProbability <= 1))
            throw new ArgumentOutOfRangeException(nameof(ReplaceProbability), ReplaceProbability, "must be in [0, 1].");
        if (Mode == DiffusionAugmentMode.BackgroundOnly && string.IsNullOrWhiteSpace(MaskColumnName))
            throw new ArgumentException($"{where}: BackgroundOnly mode needs MaskColumnName.", nameof(MaskColumnName));
    }

    private static void CheckStrength(float s, string name)
    {
        if (!(s >= 0 && s <= 1)) throw new ArgumentOutOfRangeException(name, s, "strength must be in [0, 1].");
    }
}

/// <summary>
/// Adds M synthetic rows per source row made by a diffusion model (DA-Fusion, Trabucco et al. 2023), keeping the
/// original unless dropped with probability α. Lazy: nothing is generated until a cursor reads the image column.
/// </summary>
/// <remarks>
/// <format type="text/markdown"><![CDATA[
/// ### Estimator Characteristics
/// |  |  |
/// | -- | -- |
/// | Does this estimator need to look at the data to train its parameters? | No |
/// | Input column data type | MLImage of the model's size; label Key<UInt32> with KeyValues or Text; optional mask |
/// | Output column data type | the image in place; IsSynthetic (Boolean), SourceRowId (RowId), Seed (Int64), Strength (Single), Prompt (Text) |
/// ]]></format>
/// Not a row-to-row mapper: append it with <c>TransformerScope.Training</c>, so <c>Fit</c> of the downstream trainer
/// sees the augmented rows while scoring (<c>TransformerChain.Transform</c>, Scoring scope) skips them.
/// <seealso cref="DiffusionAugmentCatalog.DiffusionAugment(TransformsCatalog, DiffusionAugmentOptions)"/>
/// </remarks>
public sealed class DiffusionAugmentEstimator : TrivialEstimator<DiffusionAugmentTransformer>
{
    internal DiffusionAugmentEstimator(MLContext? context, DiffusionAugmentOptions options)
        : base(new DiffusionAugmentTransformer(context, options, ResolveSeed(context, options.Seed)))
    {
    }

    internal static int ResolveSeed(MLContext? context, int? seed) => seed ?? context?.Seed ?? context?.NextSeed() ?? Random.Shared.Next();

    public override SchemaShape GetOutputSchema(SchemaShape inputSchema)
    {
        ArgumentNullException.ThrowIfNull(inputSchema);
        var o = Transformer.Options;
        AugmentationColumns.CheckImage(inputSchema, o.ImageColumnName);
        AugmentationColumns.CheckLabel(inputSchema, o.LabelColumnName);
        if (Transformer.MaskColumnName is { } mask)
            AugmentationColumns.CheckMask(inputSchema, mask);
        return new SchemaShape(AugmentationColumns.AddCommon(inputSchema, o).Values);
    }
}

/// <summary>The fitted <see cref="DiffusionAugmentEstimator"/>.</summary>
[LoadableModel(LoaderSignature)]
public sealed class DiffusionAugmentTransformer : DiffusionAugmentingTransformerBase
{
    internal const string LoaderSignature = "DiffusionAugmentTransform";

    internal DiffusionAugmentTransformer(MLContext? context, DiffusionAugmentOptions options, int seed, IDiffusionBackend? loadedModel = null)
        : base(context, Validated(options), seed, options.Mode == DiffusionAugmentMode.BackgroundOnly ? options.MaskColumnName : null, loadedModel)
    {
        Options = options;
    }

    private static DiffusionAugmentOptions Validated(DiffusionAugmentOptions o)
    {
        ArgumentNullException.ThrowIfNull(o);
        o.Validate(nameof(DiffusionAugmentEstimator));
        return o;
    }

    public DiffusionAugmentOptions Options { get; }

    protected override int? RowsPerSourceRow =>
        Options.QualityScorer is null && Options.ReplaceProbability == 0f ? Options.SyntheticPerImage + 1
        : Options.QualityScorer is null && Options.ReplaceProbability == 1f ? Options.SyntheticPerImage
        : null;

    private protected override void CheckSchema(DataViewSchema inputSchema, LabelInfo label) => CheckLabelsKnown(label);

    private protected override RowPlan Plan(DataViewRowId sourceRowId, string labelText, int labelKey, LabelInfo label, object? cursorState)
    {
        var o = Options;
        bool keep = o.ReplaceProbability == 0f || (o.ReplaceProbability < 1f &&
            new Random(Fold(SampleSeed(sourceRowId, -1))).NextDouble() >= o.ReplaceProbability);
        var kind = o.Mode switch
        {
            DiffusionAugmentMode.GenerateFromLabel => SyntheticKind.Generate,
            DiffusionAugmentMode.BackgroundOnly => SyntheticKind.EditBackground,
            _ => SyntheticKind.ImageToImage,
        };
        string prompt = PromptFor(labelText);
        var specs = new SyntheticSpec[o.SyntheticPerImage];
        for (int i = 0; i < specs.Length; i++)
        {
            long seed = SampleSeed(sourceRowId, i);
            float strength = kind == SyntheticKind.Generate ? 1f
                : o.StrengthMix is { } mix ? mix[new Random(Fold(seed ^ 0x5DEECE66DL)).Next(mix.Count)] : o.Strength;
            specs[i] = new SyntheticSpec(kind, prompt, strength, seed);
        }
        return new RowPlan(keep, specs);
    }

    internal static int Fold(long seed) => (int)(seed ^ (seed >>> 32));

    private static VersionInfo GetVersionInfo() => new("DIFAUGMT", 0x00010001, 0x00010001, 0x00010001, LoaderSignature);

    /// <summary>*** Binary format *** the shared settings; byte mode; float strength; int mix count (−1 = none) and values; int M; float α; string? mask.</summary>
    protected override void SaveModel(ModelSaveContext ctx)
    {
        ctx.SetVersionInfo(GetVersionInfo());
        SaveSettings(ctx);
        var w = ctx.Writer;
        w.Write((byte)Options.Mode);
        w.Write(Options.Strength);
        w.Write(Options.StrengthMix?.Count ?? -1);
        foreach (var s in Options.StrengthMix ?? [])
            w.Write(s);
        w.Write(Options.SyntheticPerImage);
        w.Write(Options.ReplaceProbability);
        ctx.SaveStringOrNull(Options.MaskColumnName);
    }

    private static DiffusionAugmentTransformer Create(ModelLoadContext ctx)
    {
        ctx.CheckAtModel(GetVersionInfo());
        var (s, seed, model) = LoadSettings(ctx, new DiffusionAugmentOptions());
        var r = ctx.Reader;
        var mode = (DiffusionAugmentMode)r.ReadByte();
        float strength = r.ReadSingle();
        int mixCount = r.ReadInt32();
        float[]? mix = mixCount < 0 ? null : Enumerable.Range(0, mixCount).Select(_ => r.ReadSingle()).ToArray();
        var options = s with
        {
            Mode = mode,
            Strength = strength,
            StrengthMix = mix,
            SyntheticPerImage = r.ReadInt32(),
            ReplaceProbability = r.ReadSingle(),
            MaskColumnName = ctx.LoadStringOrNull(),
        };
        return new DiffusionAugmentTransformer(ctx.Context, options, seed, model);
    }
}
