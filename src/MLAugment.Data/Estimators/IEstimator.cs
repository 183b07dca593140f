namespace MLAugment.Data;

/// <summary>
/// An "untrained transformer" (Spark's term): <see cref="Fit"/> learns from data and returns a transformer, and
/// <see cref="GetOutputSchema"/> propagates the schema promise before any data is seen. Implementations validate
/// their input at both entry points with ML.NET's schema-error wording. Mirrors <c>Microsoft.ML.IEstimator&lt;TTransformer&gt;</c>.
/// </summary>
public interface IEstimator<out TTransformer>
    where TTransformer : ITransformer
{
    TTransformer Fit(IDataView input);

    SchemaShape GetOutputSchema(SchemaShape inputSchema);
}
