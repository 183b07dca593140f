using System.Collections;

namespace MLAugment.Data;

/// <summary>
/// A fitted sequence of transformers, each tagged with the <see cref="TransformerScope"/> it applies in.
/// <see cref="Transform(IDataView)"/> and <see cref="GetOutputSchema(DataViewSchema)"/> use <see cref="TransformerScope.Scoring"/>,
/// skipping <see cref="TransformerScope.Training"/>-only steps. As in ML.NET, <see cref="IsRowToRowMapper"/> and
/// <see cref="GetRowToRowMapper"/> consider every step regardless of scope: call <see cref="GetModelFor"/>
/// (<see cref="TransformerScope.Scoring"/>) before building a prediction engine from a chain with training-only
/// row-changing steps. Mirrors <c>Microsoft.ML.Data.TransformerChain&lt;TLastTransformer&gt;</c>.
/// </summary>
public sealed class TransformerChain<TLastTransformer> : ITransformerWithDifferentMappingAtTrainingTime, IEnumerable<ITransformer>
    where TLastTransformer : class, ITransformer
{
    private readonly ITransformer[] _transformers;
    private readonly TransformerScope[] _scopes;

    /// <summary>The last transformer of the chain (null for an empty chain).</summary>
    public readonly TLastTransformer LastTransformer;

    public TransformerChain(params ITransformer[] transformers)
        : this(transformers, transformers.Select(_ => TransformerScope.Everything))
    {
    }

    public TransformerChain(IEnumerable<ITransformer> transformers, IEnumerable<TransformerScope> scopes)
    {
        _transformers = transformers.ToArray();
        _scopes = scopes.ToArray();
        if (_transformers.Length != _scopes.Length)
            throw new ArgumentException($"Got {_transformers.Length} transformers but {_scopes.Length} scopes.", nameof(scopes));
        if (_transformers.Any(t => t is null))
            throw new ArgumentException("A transformer chain cannot contain null.", nameof(transformers));
        LastTransformer = _transformers.LastOrDefault() as TLastTransformer ?? default!;
        if (_transformers.Length > 0 && LastTransformer is null)
            throw new ArgumentException($"The last transformer is a {_transformers[^1].GetType().Name}, not a {typeof(TLastTransformer).Name}.", nameof(transformers));
    }

    /// <summary>The scope of each step, in order.</summary>
    public IReadOnlyList<TransformerScope> Scopes => _scopes;

    public bool IsRowToRowMapper => _transformers.All(t => t.IsRowToRowMapper);

    public DataViewSchema GetOutputSchema(DataViewSchema inputSchema) => GetOutputSchema(inputSchema, TransformerScope.Scoring);

    public DataViewSchema GetOutputSchema(DataViewSchema inputSchema, TransformerScope scope)
    {
        var s = inputSchema;
        for (int i = 0; i < _transformers.Length; i++)
            if ((_scopes[i] & scope) != 0)
                s = _transformers[i].GetOutputSchema(s);
        return s;
    }

    public IDataView Transform(IDataView input) => Transform(input, TransformerScope.Scoring);

    public IDataView Transform(IDataView input, TransformerScope scope)
    {
        ArgumentNullException.ThrowIfNull(input);
        // Validate the whole chain on schemas first so errors surface before any view is built.
        GetOutputSchema(input.Schema, scope);
        var current = input;
        for (int i = 0; i < _transformers.Length; i++)
            if ((_scopes[i] & scope) != 0)
                current = _transformers[i].Transform(current);
        return current;
    }

    /// <summary>What a chain nested inside a fitting pipeline feeds downstream: every step, whatever its scope.</summary>
    IDataView ITransformerWithDifferentMappingAtTrainingTime.TransformForTrainingPipeline(IDataView input)
    {
        var current = input;
        foreach (var t in _transformers)
            current = TransformForTraining(t, current);
        return current;
    }

    internal static IDataView TransformForTraining(ITransformer transformer, IDataView input) =>
        transformer is ITransformerWithDifferentMappingAtTrainingTime t ? t.TransformForTrainingPipeline(input) : transformer.Transform(input);

    /// <summary>The sub-chain of steps whose scope intersects <paramref name="scopeFilter"/>.</summary>
    public TransformerChain<ITransformer> GetModelFor(TransformerScope scopeFilter)
    {
        var keep = Enumerable.Range(0, _transformers.Length).Where(i => (_scopes[i] & scopeFilter) != 0).ToArray();
        return new TransformerChain<ITransformer>(keep.Select(i => _transformers[i]), keep.Select(i => _scopes[i]));
    }

    public TransformerChain<TNewLast> Append<TNewLast>(TNewLast transformer, TransformerScope scope = TransformerScope.Everything)
        where TNewLast : class, ITransformer
    {
        ArgumentNullException.ThrowIfNull(transformer);
        return new TransformerChain<TNewLast>(_transformers.Append(transformer), _scopes.Append(scope));
    }

    public IRowToRowMapper GetRowToRowMapper(DataViewSchema inputSchema)
    {
        var mappers = new IRowToRowMapper[_transformers.Length];
        var s = inputSchema;
        for (int i = 0; i < _transformers.Length; i++)
        {
            if (!_transformers[i].IsRowToRowMapper)
                throw new InvalidOperationException(
                    $"Transformer {i} ({_transformers[i].GetType().Name}) is not a row to row mapper; use GetModelFor(TransformerScope.Scoring) to drop training-only steps.");
            mappers[i] = _transformers[i].GetRowToRowMapper(s);
            s = mappers[i].OutputSchema;
        }
        return new CompositeRowToRowMapper(inputSchema, mappers);
    }

    public IEnumerator<ITransformer> GetEnumerator() => ((IEnumerable<ITransformer>)_transformers).GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    /// <summary>*** Binary format *** int: count; per step: int scope; the step itself in sub-entry Transform_NNN.</summary>
    void ICanSaveModel.Save(ModelSaveContext ctx)
    {
        ctx.SetVersionInfo(TransformerChainLoader.GetVersionInfo());
        ctx.Writer.Write(_transformers.Length);
        for (int i = 0; i < _transformers.Length; i++)
        {
            ctx.Writer.Write((int)_scopes[i]);
            ctx.SaveModel(_transformers[i], TransformDirectory(i));
        }
    }

    internal static string TransformDirectory(int i) => $"Transform_{i:000}";
}

/// <summary>Reads back any saved chain as a <c>TransformerChain&lt;ITransformer&gt;</c> (as ML.NET does).</summary>
[LoadableModel(LoaderSignature)]
internal static class TransformerChainLoader
{
    internal const string LoaderSignature = "TransformerChain";

    internal static VersionInfo GetVersionInfo() => new("XF CHAIN", 0x00010001, 0x00010001, 0x00010001, LoaderSignature);

    private static TransformerChain<ITransformer> Create(ModelLoadContext ctx)
    {
        ctx.CheckAtModel(GetVersionInfo());
        int n = ctx.Reader.ReadInt32();
        if (n < 0)
            throw new InvalidDataException($"Transformer chain '{ctx.Directory}' has {n} steps.");
        var transformers = new ITransformer[n];
        var scopes = new TransformerScope[n];
        for (int i = 0; i < n; i++)
        {
            scopes[i] = (TransformerScope)ctx.Reader.ReadInt32();
            ctx.LoadModel(out transformers[i], TransformerChain<ITransformer>.TransformDirectory(i));
        }
        return new TransformerChain<ITransformer>(transformers, scopes);
    }
}
