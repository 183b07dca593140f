using MLAugment.Data;
using MLAugment.Engine;
using MLAugment.Tasks.Trainers;

namespace MLAugment.Tasks.Augmentation;

/// <summary>
/// The classical augmentation baseline (flips, random resized crops, small rotations and translations, brightness and
/// contrast jitter, RandAugment) over planar float images <c>Vector&lt;Single, C, H, W&gt;</c> or
/// <c>Vector&lt;Single, H, W&gt;</c>. Row-expanding like the diffusion augmenters: each source row yields the original
/// (when <see cref="Options.KeepOriginal"/>) followed by <see cref="Options.NumberOfCopies"/> augmented copies, marked
/// by <c>IsSynthetic</c>, all sharing the source's <c>SourceRowId</c> grouping key. Copy <c>i</c> of a row draws its
/// randomness from (seed, source row id, output index) only, so every cursoring reads the same pixels.
/// Learns nothing; append it with <c>TransformerScope.Training</c> so scoring never augments.
/// </summary>
/// <remarks>
/// | Estimator Characteristics | |
/// |---|---|
/// | Does this estimator need to look at the data to train its parameters? | No |
/// | Input column data type | Vector&lt;Single, C, H, W&gt; or Vector&lt;Single, H, W&gt; |
/// | Output column data type | the input's type; IsSynthetic: Boolean; SourceRowId: RowId (copied when present) |
/// | Changes the number of rows | Yes: (KeepOriginal ? 1 : 0) + NumberOfCopies rows per source row |
/// </remarks>
public sealed class ClassicalAugmentingEstimator : IEstimator<ClassicalAugmentingTransformer>
{
    /// <summary>Which augmentations to apply and how strongly. A strength of 0 (or probability 0) disables one.</summary>
    public sealed class Options
    {
        public string OutputColumnName = DefaultColumnNames.Features;
        /// <summary>The image column to read (null: <see cref="OutputColumnName"/>, replacing it in place).</summary>
        public string? InputColumnName;
        public string IsSyntheticColumnName = Defaults.IsSyntheticColumnName;
        public string SourceRowIdColumnName = Defaults.SourceRowIdColumnName;
        /// <summary>Augmented copies per source row (M).</summary>
        public int NumberOfCopies = 1;
        /// <summary>Emit the original row before its copies (false: only the copies replace it).</summary>
        public bool KeepOriginal = true;
        /// <summary>Root of the per-copy randomness (null: the MLContext's seed, or 0).</summary>
        public int? Seed;
        /// <summary>Pixel value range of the column: clamps colour operations, fills uncovered pixels (<see cref="PixelMin"/> = black).</summary>
        public float PixelMin = 0f;
        public float PixelMax = 255f;
        public float HorizontalFlipProbability = 0.5f;
        public float VerticalFlipProbability = 0f;
        /// <summary>RandomResizedCrop: smallest crop area as a fraction of the image (1: no crop); aspect ratio in [3/4, 4/3].</summary>
        public float CropMinimumScale = 0.8f;
        /// <summary>Rotation drawn uniformly from ±this many degrees.</summary>
        public float RotationDegrees = 10f;
        /// <summary>Translation drawn uniformly from ±this fraction of the width (x) and height (y), rounded to whole pixels.</summary>
        public float TranslateFraction = 0.1f;
        /// <summary>Brightness factor drawn uniformly from [1 − b, 1 + b].</summary>
        public float Brightness = 0.2f;
        /// <summary>Contrast factor drawn uniformly from [1 − c, 1 + c].</summary>
        public float Contrast = 0.2f;
        /// <summary>RandAugment (Cubuk et al. 2020): N operations drawn uniformly per copy (0: off).</summary>
        public int RandAugmentOperations = 0;
        /// <summary>RandAugment magnitude M on torchvision's 31-bin scale (0..30; 9 is its default).</summary>
        public int RandAugmentMagnitude = 9;
    }

    internal static class Defaults
    {
        public const string IsSyntheticColumnName = "IsSynthetic";
        public const string SourceRowIdColumnName = "SourceRowId";
    }

    private readonly ClassicalAugmentingTransformer _transformer;

    internal ClassicalAugmentingEstimator(MLContext? context, Options options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _transformer = new ClassicalAugmentingTransformer(new ClassicalAugmentSettings(options, options.Seed ?? context?.Seed ?? 0));
    }

    public ClassicalAugmentingTransformer Fit(IDataView input)
    {
        ArgumentNullException.ThrowIfNull(input);
        _transformer.GetOutputSchema(input.Schema);
        return _transformer;
    }

    public SchemaShape GetOutputSchema(SchemaShape inputSchema)
    {
        ArgumentNullException.ThrowIfNull(inputSchema);
        var s = _transformer.Settings;
        ImageColumns.CheckImageShape(inputSchema, s.InputColumnName, "input");
        inputSchema.TryFindColumn(s.InputColumnName, out var image);
        var result = inputSchema.ToDictionary(c => c.Name);
        result[s.OutputColumnName] = new SchemaShape.Column(s.OutputColumnName, image.Kind, image.ItemType, false);
        result[s.IsSyntheticColumnName] = new SchemaShape.Column(s.IsSyntheticColumnName, SchemaShape.Column.VectorKind.Scalar, BooleanDataViewType.Instance, false);
        if (!result.ContainsKey(s.SourceRowIdColumnName))
            result[s.SourceRowIdColumnName] = new SchemaShape.Column(s.SourceRowIdColumnName, SchemaShape.Column.VectorKind.Scalar, RowIdDataViewType.Instance, false);
        return new SchemaShape(result.Values);
    }
}

/// <summary>The validated, saveable form of <see cref="ClassicalAugmentingEstimator.Options"/>.</summary>
internal sealed record ClassicalAugmentSettings
{
    public ClassicalAugmentSettings(ClassicalAugmentingEstimator.Options o, int seed)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(o.OutputColumnName, "outputColumnName");
        ArgumentException.ThrowIfNullOrWhiteSpace(o.IsSyntheticColumnName, nameof(o.IsSyntheticColumnName));
        ArgumentException.ThrowIfNullOrWhiteSpace(o.SourceRowIdColumnName, nameof(o.SourceRowIdColumnName));
        if (o.InputColumnName is { Length: 0 }) throw new ArgumentException("ClassicalAugment: the input column name must be null or non-empty.", "inputColumnName");
        var names = new[] { o.OutputColumnName, o.IsSyntheticColumnName, o.SourceRowIdColumnName };
        if (names.Distinct().Count() != 3)
            throw new ArgumentException($"ClassicalAugment: the output, IsSynthetic and SourceRowId columns must have different names (got '{names[0]}', '{names[1]}', '{names[2]}').");
        if (o.NumberOfCopies < 0 || (o.NumberOfCopies == 0 && !o.KeepOriginal))
            throw new ArgumentOutOfRangeException("numberOfCopies", o.NumberOfCopies, "ClassicalAugment: the number of copies must be ≥ 0, and ≥ 1 when the original is not kept.");
        if (!float.IsFinite(o.PixelMin) || !float.IsFinite(o.PixelMax) || !(o.PixelMax > o.PixelMin))
            throw new ArgumentOutOfRangeException(nameof(o.PixelMax), $"ClassicalAugment: the pixel range [{o.PixelMin}, {o.PixelMax}] must be finite with max > min.");
        Probability(o.HorizontalFlipProbability, nameof(o.HorizontalFlipProbability));
        Probability(o.VerticalFlipProbability, nameof(o.VerticalFlipProbability));
        if (!(o.CropMinimumScale > 0 && o.CropMinimumScale <= 1))
            throw new ArgumentOutOfRangeException(nameof(o.CropMinimumScale), o.CropMinimumScale, "ClassicalAugment: the minimum crop scale must be in (0, 1].");
        if (!(o.RotationDegrees >= 0 && o.RotationDegrees <= 180))
            throw new ArgumentOutOfRangeException(nameof(o.RotationDegrees), o.RotationDegrees, "ClassicalAugment: rotation must be in [0, 180] degrees.");
        if (!(o.TranslateFraction >= 0 && o.TranslateFraction <= 1))
            throw new ArgumentOutOfRangeException(nameof(o.TranslateFraction), o.TranslateFraction, "ClassicalAugment: the translation fraction must be in [0, 1].");
        if (!(o.Brightness >= 0 && o.Brightness <= 1))
            throw new ArgumentOutOfRangeException(nameof(o.Brightness), o.Brightness, "ClassicalAugment: brightness jitter must be in [0, 1].");
        if (!(o.Contrast >= 0 && o.Contrast <= 1))
            throw new ArgumentOutOfRangeException(nameof(o.Contrast), o.Contrast, "ClassicalAugment: contrast jitter must be in [0, 1].");
        if (o.RandAugmentOperations < 0 || o.RandAugmentOperations > 16)
            throw new ArgumentOutOfRangeException(nameof(o.RandAugmentOperations), o.RandAugmentOperations, "ClassicalAugment: RandAugment operations must be in [0, 16].");
        if (o.RandAugmentMagnitude < 0 || o.RandAugmentMagnitude >= RandAugment.MagnitudeBins)
            throw new ArgumentOutOfRangeException(nameof(o.RandAugmentMagnitude), o.RandAugmentMagnitude, $"ClassicalAugment: RandAugment magnitude must be in [0, {RandAugment.MagnitudeBins - 1}].");
        OutputColumnName = o.OutputColumnName;
        InputColumnName = o.InputColumnName ?? o.OutputColumnName;
        IsSyntheticColumnName = o.IsSyntheticColumnName;
        SourceRowIdColumnName = o.SourceRowIdColumnName;
        NumberOfCopies = o.NumberOfCopies;
        KeepOriginal = o.KeepOriginal;
        Seed = seed;
        PixelMin = o.PixelMin; PixelMax = o.PixelMax;
        HorizontalFlipProbability = o.HorizontalFlipProbability; VerticalFlipProbability = o.VerticalFlipProbability;
        CropMinimumScale = o.CropMinimumScale; RotationDegrees = o.RotationDegrees; TranslateFraction = o.TranslateFraction;
        Brightness = o.Brightness; Contrast = o.Contrast;
        RandAugmentOperations = o.RandAugmentOperations; RandAugmentMagnitude = o.RandAugmentMagnitude;
    }

    private static void Probability(float p, string name)
    {
        if (!(p >= 0 && p <= 1)) throw new ArgumentOutOfRangeException(name, p, $"ClassicalAugment: {name} must be in [0, 1].");
    }

    public string OutputColumnName { get; }
    public string InputColumnName { get; }
    public string IsSyntheticColumnName { get; }
    public string SourceRowIdColumnName { get; }
    public int NumberOfCopies { get; }
    public bool KeepOriginal { get; }
    public int Seed { get; }
    public float PixelMin { get; }
    public float PixelMax { get; }
    public float HorizontalFlipProbability { get; }
    public float VerticalFlipProbability { get; }
    public float CropMinimumScale { get; }
    public float RotationDegrees { get; }
    public float TranslateFraction { get; }
    public float Brightness { get; }
    public float Contrast { get; }
    public int RandAugmentOperations { get; }
    public int RandAugmentMagnitude { get; }

    public int RowsPerSourceRow => (KeepOriginal ? 1 : 0) + NumberOfCopies;

    public ClassicalAugmentingEstimator.Options ToOptions() => new()
    {
        OutputColumnName = OutputColumnName, InputColumnName = InputColumnName, IsSyntheticColumnName = IsSyntheticColumnName,
        SourceRowIdColumnName = SourceRowIdColumnName, NumberOfCopies = NumberOfCopies, KeepOriginal = KeepOriginal, Seed = Seed,
        PixelMin = PixelMin, PixelMax = PixelMax, HorizontalFlipProbability = HorizontalFlipProbability,
        VerticalFlipProbability = VerticalFlipProbability, CropMinimumScale = CropMinimumScale, RotationDegrees = RotationDegrees,
        TranslateFraction = TranslateFraction, Brightness = Brightness, Contrast = Contrast,
        RandAugmentOperations = RandAugmentOperations, RandAugmentMagnitude = RandAugmentMagnitude,
    };

    /// <summary>
    /// One augmented copy of <paramref name="image"/> [c, h, w] in place, in a fixed order: resized crop, flips, affine
    /// (rotation + translation), brightness, contrast, then RandAugment's N operations. Every random draw comes from
    /// <paramref name="g"/>, in the same sequence whichever operations are enabled.
    /// </summary>
    public void Augment(Span<float> image, int c, int h, int w, Generator g)
    {
        var scratch = new float[image.Length];
        // 1. RandomResizedCrop: area fraction in [scale, 1], log-uniform aspect ratio in [3/4, 4/3]; 10 tries, else whole image.
        double area = g.NextDouble(), logRatio = g.NextDouble();
        int top = 0, left = 0, ch = h, cw = w;
        for (int attempt = 0; attempt < 10 && CropMinimumScale < 1; attempt++)
        {
            double target = h * w * (CropMinimumScale + (1 - CropMinimumScale) * (attempt == 0 ? area : g.NextDouble()));
            double ratio = Math.Exp(Math.Log(3.0 / 4) + (Math.Log(4.0 / 3) - Math.Log(3.0 / 4)) * (attempt == 0 ? logRatio : g.NextDouble()));
            int tw = (int)Math.Round(Math.Sqrt(target * ratio)), th = (int)Math.Round(Math.Sqrt(target / ratio));
            if (tw < 1 || th < 1 || tw > w || th > h) continue;
            ch = th; cw = tw;
            top = g.NextInt(h - th + 1); left = g.NextInt(w - tw + 1);
            break;
        }
        if (ch != h || cw != w)
        {
            ImageOps.ResizedCrop(image, scratch, c, h, w, top, left, ch, cw);
            scratch.CopyTo(image);
        }
        // 2. Flips.
        if (g.NextDouble() < HorizontalFlipProbability) { ImageOps.FlipHorizontal(image, scratch, c, h, w); scratch.CopyTo(image); }
        if (g.NextDouble() < VerticalFlipProbability) { ImageOps.FlipVertical(image, scratch, c, h, w); scratch.CopyTo(image); }
        // 3. Rotation and translation (whole pixels, as torchvision's RandomAffine).
        double degrees = (2 * g.NextDouble() - 1) * RotationDegrees;
        double tx = Math.Round((2 * g.NextDouble() - 1) * TranslateFraction * w), ty = Math.Round((2 * g.NextDouble() - 1) * TranslateFraction * h);
        if (degrees != 0 || tx != 0 || ty != 0)
        {
            ImageOps.Affine(image, scratch, c, h, w, degrees, tx, ty, 0, 0, PixelMin);
            scratch.CopyTo(image);
        }
        // 4. Colour jitter.
        float brightness = (float)(1 + (2 * g.NextDouble() - 1) * Brightness), contrast = (float)(1 + (2 * g.NextDouble() - 1) * Contrast);
        if (Brightness > 0) ImageOps.Brightness(image, brightness, PixelMin, PixelMax);
        if (Contrast > 0) ImageOps.Contrast(image, c, h, w, contrast, PixelMin, PixelMax);
        // 5. RandAugment.
        for (int i = 0; i < RandAugmentOperations; i++)
            RandAugment.Apply((RandAugment.Operation)g.NextInt(RandAugment.OperationCount), RandAugmentMagnitude, g.NextDouble() < 0.5,
                image, scratch, c, h, w, PixelMin, PixelMax);
    }
}
