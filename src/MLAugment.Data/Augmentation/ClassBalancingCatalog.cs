using MLAugment.Data.Transforms.Augmentation;

namespace MLAugment.Data;

/// <summary><c>mlContext.Transforms.ClassBalancing</c>.</summary>
/// <example>
/// <code>
/// var balancer = mlContext.Transforms.ClassBalancing(new ClassBalancingOptions { ModelPath = "models/fashion-ldm", MaxSyntheticPerClass = 500 });
/// var balanced = balancer.Fit(train);            // counts the classes
/// Console.WriteLine(balanced.FormatReport());    // per class: real, target, added
/// </code>
/// </example>
public static class ClassBalancingCatalog
{
    /// <summary>Adds synthetic rows to under-represented classes until each reaches the target (see <see cref="ClassBalancingOptions"/>).</summary>
    public static ClassBalancingEstimator ClassBalancing(this TransformsCatalog catalog, ClassBalancingOptions options)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        ArgumentNullException.ThrowIfNull(options);
        return new ClassBalancingEstimator(catalog.Context, options);
    }
}
