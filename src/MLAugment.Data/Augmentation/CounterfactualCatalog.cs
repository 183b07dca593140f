using MLAugment.Data.Transforms.Augmentation;

namespace MLAugment.Data;

/// <summary><c>mlContext.Transforms.Counterfactual</c>.</summary>
/// <example>
/// <code>
/// var cf = mlContext.Transforms.Counterfactual(new CounterfactualOptions
/// {
///     ModelPath = "models/fashion-ldm", MaskColumnName = "Mask", TargetLabel = "Sneaker",
/// });
/// </code>
/// </example>
public static class CounterfactualCatalog
{
    /// <summary>Masked (or structure-preserving) edits toward a target label, relabelling each edited row.</summary>
    public static CounterfactualEstimator Counterfactual(this TransformsCatalog catalog, CounterfactualOptions options)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        ArgumentNullException.ThrowIfNull(options);
        return new CounterfactualEstimator(catalog.Context, options);
    }
}
