namespace MLAugment.Data;

/// <summary>
/// A sequence of estimators fitted in order. <see cref="Fit"/> first propagates the schema through the whole chain
/// (so bad columns fail before any training), then fits each estimator on the data produced so far and applies the
/// fitted transformer <b>regardless of its scope</b> (inside nested chains too), so downstream estimators see e.g.
/// training-only augmentation.
/// Mirrors <c>Microsoft.ML.Data.EstimatorChain&lt;TLastTransformer&gt;</c>.
/// </summary>
public sealed class EstimatorChain<TLastTransformer> : IEstimator<TransformerChain<TLastTransformer>>
    where TLastTransformer : class, ITransformer
{
    private readonly IEstimator<ITransformer>[] _estimators;
    private readonly TransformerScope[] _scopes;
    private readonly bool[] _cacheAfter;
    private readonly MLContext? _context;

    public EstimatorChain()
        : this([], [], [], null)
    {
    }

    private EstimatorChain(IEstimator<ITransformer>[] estimators, TransformerScope[] scopes, bool[] cacheAfter, MLContext? context)
    {
        _estimators = estimators;
        _scopes = scopes;
        _cacheAfter = cacheAfter;
        _context = context;
        LastEstimator = estimators.LastOrDefault() as IEstimator<TLastTransformer> ?? default!;
    }

    /// <summary>The last estimator (null for an empty chain).</summary>
    public readonly IEstimator<TLastTransformer> LastEstimator;

    public IReadOnlyList<IEstimator<ITransformer>> Estimators => _estimators;

    public IReadOnlyList<TransformerScope> Scopes => _scopes;

    public SchemaShape GetOutputSchema(SchemaShape inputSchema)
    {
        var s = inputSchema;
        foreach (var e in _estimators)
            s = e.GetOutputSchema(s);
        return s;
    }

    public TransformerChain<TLastTransformer> Fit(IDataView input)
    {
        ArgumentNullException.ThrowIfNull(input);
        GetOutputSchema(SchemaShape.Create(input.Schema));
        var current = input;
        var fitted = new ITransformer[_estimators.Length];
        for (int i = 0; i < _estimators.Length; i++)
        {
            fitted[i] = _estimators[i].Fit(current);
            if (i < _estimators.Length - 1)
            {
                current = TransformerChain<ITransformer>.TransformForTraining(fitted[i], current);
                if (_cacheAfter[i])
                    current = _context!.Data.Cache(current);
            }
        }
        return new TransformerChain<TLastTransformer>(fitted, _scopes);
    }

    public EstimatorChain<TNewTrans> Append<TNewTrans>(IEstimator<TNewTrans> estimator, TransformerScope scope = TransformerScope.Everything)
        where TNewTrans : class, ITransformer
    {
        ArgumentNullException.ThrowIfNull(estimator);
        return new EstimatorChain<TNewTrans>([.. _estimators, estimator], [.. _scopes, scope], [.. _cacheAfter, false], _context);
    }

    /// <summary>
    /// During <see cref="Fit"/>, caches the data produced by the steps so far, so estimators appended later (multi-epoch
    /// trainers) read it from memory instead of recomputing it. Has no effect on the fitted chain's Transform.
    /// </summary>
    public EstimatorChain<TLastTransformer> AppendCacheCheckpoint(MLContext env)
    {
        ArgumentNullException.ThrowIfNull(env);
        if (_estimators.Length == 0)
            return this;
        var cacheAfter = _cacheAfter.ToArray();
        cacheAfter[^1] = true;
        return new EstimatorChain<TLastTransformer>(_estimators, _scopes, cacheAfter, env);
    }
}
