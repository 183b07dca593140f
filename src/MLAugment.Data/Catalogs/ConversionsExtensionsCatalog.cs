using MLAugment.Data.Transforms;

namespace MLAugment.Data;

/// <summary>Type conversions on <c>mlContext.Transforms.Conversion</c>. Mirrors <c>Microsoft.ML.ConversionsExtensionsCatalog</c>.</summary>
public static class ConversionsExtensionsCatalog
{
    /// <summary>
    /// Maps the values of <paramref name="inputColumnName"/> (default: <paramref name="outputColumnName"/>) to keys learned
    /// from the data (or from <paramref name="keyData"/>), ordered by <paramref name="keyOrdinality"/>, at most
    /// <paramref name="maximumNumberOfKeys"/> of them.
    /// </summary>
    /// <example>
    /// <code>
    /// var pipeline = mlContext.Transforms.Conversion.MapValueToKey("Label");
    /// var model = pipeline.Fit(data);   // "cat", "dog", "cat" → keys 1, 2, 1; KeyValues = ["cat", "dog"]
    /// </code>
    /// </example>
    public static ValueToKeyMappingEstimator MapValueToKey(this TransformsCatalog.ConversionTransforms catalog,
        string outputColumnName, string? inputColumnName = null,
        int maximumNumberOfKeys = ValueToKeyMappingEstimator.Defaults.MaximumNumberOfKeys,
        ValueToKeyMappingEstimator.KeyOrdinality keyOrdinality = ValueToKeyMappingEstimator.Defaults.Ordinality,
        bool addKeyValueAnnotationsAsText = ValueToKeyMappingEstimator.Defaults.AddKeyValueAnnotationsAsText,
        IDataView? keyData = null)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        return new ValueToKeyMappingEstimator(catalog.Context, outputColumnName, inputColumnName, maximumNumberOfKeys, keyOrdinality, addKeyValueAnnotationsAsText, keyData);
    }

    /// <summary>Maps keys in <paramref name="inputColumnName"/> (default: <paramref name="outputColumnName"/>) back to their <c>KeyValues</c>.</summary>
    /// <example>
    /// <code>
    /// var pipeline = mlContext.Transforms.Conversion.MapValueToKey("Label")
    ///     .Append(mlContext.Transforms.Conversion.MapKeyToValue("LabelText", "Label"));
    /// </code>
    /// </example>
    public static KeyToValueMappingEstimator MapKeyToValue(this TransformsCatalog.ConversionTransforms catalog, string outputColumnName, string? inputColumnName = null)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        return new KeyToValueMappingEstimator(outputColumnName, inputColumnName);
    }
}
