using MLAugment.Data.Transforms.Augmentation;
using MLAugment.Diffusion.Sampling;

namespace MLAugment.Data;

/// <summary><c>mlContext.Transforms.DiffusionAugment</c>.</summary>
/// <example>
/// <code>
/// var pipeline = mlContext.Transforms.LoadImages("Image", null, "ImagePath")
///     .Append(mlContext.Transforms.ResizeImages("Image", 32, 32))
///     .Append(mlContext.Transforms.DiffusionAugment(model, "Image", syntheticPerImage: 2), TransformerScope.Training)
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

    /// <summary>
    /// img2img augmentation with an in-memory model: <paramref name="syntheticPerImage"/> rows per source row at
    /// <paramref name="strength"/>, images read from <paramref name="inputColumnName"/> (null: <paramref name="outputColumnName"/>,
    /// rewritten in place) and written to <paramref name="outputColumnName"/>. Null <paramref name="seed"/>: the context's.
    /// </summary>
    public static DiffusionAugmentEstimator DiffusionAugment(this TransformsCatalog catalog, IDiffusionBackend model,
        string outputColumnName = "Image", string? inputColumnName = null, string labelColumnName = "Label",
        int syntheticPerImage = 2, float strength = 0.5f, int? seed = null) =>
        catalog.DiffusionAugment(new DiffusionAugmentOptions
        {
            Model = model, SyntheticPerImage = syntheticPerImage, Strength = strength, ImageColumnName = inputColumnName ?? outputColumnName,
            OutputImageColumnName = inputColumnName is null ? null : outputColumnName, LabelColumnName = labelColumnName, Seed = seed,
        });

    /// <summary>As above with a model folder (saveable: the transformer references the folder and checks its ModelId on load).</summary>
    public static DiffusionAugmentEstimator DiffusionAugment(this TransformsCatalog catalog, string modelPath,
        string outputColumnName = "Image", string? inputColumnName = null, string labelColumnName = "Label",
        int syntheticPerImage = 2, float strength = 0.5f, int? seed = null) =>
        catalog.DiffusionAugment(new DiffusionAugmentOptions
        {
            ModelPath = modelPath, SyntheticPerImage = syntheticPerImage, Strength = strength, ImageColumnName = inputColumnName ?? outputColumnName,
            OutputImageColumnName = inputColumnName is null ? null : outputColumnName, LabelColumnName = labelColumnName, Seed = seed,
        });
}
