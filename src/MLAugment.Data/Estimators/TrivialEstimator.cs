namespace MLAugment.Data;

/// <summary>
/// Base for estimators that learn nothing: the transformer is built up front and <see cref="Fit"/> only validates the
/// input schema before returning it. Subclasses write <see cref="GetOutputSchema"/>. Mirrors ML.NET's <c>TrivialEstimator</c>.
/// </summary>
public abstract class TrivialEstimator<TTransformer> : IEstimator<TTransformer>
    where TTransformer : class, ITransformer
{
    protected TrivialEstimator(TTransformer transformer)
    {
        Transformer = transformer ?? throw new ArgumentNullException(nameof(transformer));
    }

    protected TTransformer Transformer { get; }

    public TTransformer Fit(IDataView input)
    {
        ArgumentNullException.ThrowIfNull(input);
        Transformer.GetOutputSchema(input.Schema);
        return Transformer;
    }

    public abstract SchemaShape GetOutputSchema(SchemaShape inputSchema);
}
