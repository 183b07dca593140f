namespace MLAugment.Data;

/// <summary>
/// <c>pipeline.Append(next)</c> for any estimator or transformer. Mirrors <c>Microsoft.ML.LearningPipelineExtensions</c>.
/// </summary>
public static class LearningPipelineExtensions
{
    /// <summary>Starts (or extends) an estimator chain: <paramref name="start"/> followed by <paramref name="estimator"/> in <paramref name="scope"/>.</summary>
    public static EstimatorChain<TTrans> Append<TTrans>(this IEstimator<ITransformer> start, IEstimator<TTrans> estimator, TransformerScope scope = TransformerScope.Everything)
        where TTrans : class, ITransformer
    {
        ArgumentNullException.ThrowIfNull(start);
        return new EstimatorChain<ITransformer>().Append(start).Append(estimator, scope);
    }

    /// <summary>Starts a chain with <paramref name="start"/> and caches its output during Fit (see <see cref="EstimatorChain{TLastTransformer}.AppendCacheCheckpoint"/>).</summary>
    public static EstimatorChain<TTrans> AppendCacheCheckpoint<TTrans>(this IEstimator<TTrans> start, MLContext env)
        where TTrans : class, ITransformer
    {
        ArgumentNullException.ThrowIfNull(start);
        return new EstimatorChain<ITransformer>().Append(start).AppendCacheCheckpoint(env);
    }

    public static TransformerChain<TTrans> Append<TTrans>(this ITransformer start, TTrans transformer)
        where TTrans : class, ITransformer
    {
        ArgumentNullException.ThrowIfNull(start);
        return new TransformerChain<ITransformer>(start).Append(transformer);
    }
}
