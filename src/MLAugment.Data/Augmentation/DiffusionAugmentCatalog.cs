using MLAugment.Data.Transforms.Augmentation;
using MLAugment.Diffusion.Sampling;

namespace MLAugment.Data;

/// <summary><c>mlContext.Transforms.DiffusionAugment</c>.</summary>
/// <example>
/// <code>
/// var pipeline = mlContext.Transforms.LoadImages("Image", null, "ImagePath")
///     .Append(mlContext.Transforms.ResizeImages("Image", 32, 32))
///     .Append(mlContext.Transforms.DiffusionAugment(model, syntheticPerImage: 2), TransformerScope.Training)
///     .Append(mlContext.Transforms.ExtractPixels("Pixels", "Image"));
/// </code>
/// </example>
public static class DiffusionAugmentCatalog
{
    /// <summary>DA-Fusion-style augmentation with every option (see <see cref="DiffusionAugmentOptions"/>).</summary>
    public static DiffusionAugmentEstimator DiffusionAugment(this TransformsCatalog catalog, DiffusionAugmentOptions options)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        ArgumentNullException.ThrowIfNull(options);
        return new DiffusionAugmentEstimator(catalog.Context, options);
    }

    /// <summary>img2img augmentation with an in-memory model: <paramref name="syntheticPerImage"/> rows per source row at <paramref name="strength"/>.</summary>
    public static DiffusionAugmentEstimator DiffusionAugment(this TransformsCatalog catalog, IDiffusionBackend model,
        int syntheticPerImage = 2, float strength = 0.5f, string imageColumnName = "Image", string labelColumnName = "Label", int? seed = null) =>
        catalog.DiffusionAugment(new DiffusionAugmentOptions
        {
            Model = model, SyntheticPerImage = syntheticPerImage, Strength = strength,
            ImageColumnName = imageColumnName, LabelColumnName = labelColumnName, Seed = seed,
        });

    /// <summary>As above with a model folder (saveable: the transformer references the folder and checks its ModelId on load).</summary>
    public static DiffusionAugmentEstimator DiffusionAugment(this TransformsCatalog catalog, string modelPath,
        int syntheticPerImage = 2, float strength = 0.5f, string imageColumnName = "Image", string labelColumnName = "Label", int? seed = null) =>
        catalog.DiffusionAugment(new DiffusionAugmentOptions
        {
            ModelPath = modelPath, SyntheticPerImage = syntheticPerImage, Strength = strength,
            ImageColumnName = imageColumnName, LabelColumnName = labelColumnName, Seed = seed,
        });
}
