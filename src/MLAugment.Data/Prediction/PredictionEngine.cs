namespace MLAugment.Data;

/// <summary>
/// Applies a fitted row-to-row model to one object at a time (<c>mlContext.Model.CreatePredictionEngine</c>).
/// Not thread-safe: use one engine per thread. Mirrors <c>Microsoft.ML.PredictionEngine&lt;TSrc, TDst&gt;</c>.
/// </summary>
public sealed class PredictionEngine<TSrc, TDst> : IDisposable
    where TSrc : class
    where TDst : class, new()
{
    private readonly PocoRow<TSrc> _input;
    private readonly DataViewRow _output;
    private readonly Action<TDst>[] _setters;

    internal PredictionEngine(ITransformer transformer, bool ignoreMissingColumns)
    {
        ArgumentNullException.ThrowIfNull(transformer);
        if (!transformer.IsRowToRowMapper)
            throw new ArgumentOutOfRangeException(nameof(transformer),
                "Must be a row to row mapper. A chain with training-only row-changing steps needs GetModelFor(TransformerScope.Scoring) first.");
        var columns = PocoSchema<TSrc>.Columns.Where(c => c.CanRead).ToArray();
        var builder = new DataViewSchema.Builder();
        foreach (var c in columns)
            builder.AddColumn(c.Name, c.Type);
        _input = new PocoRow<TSrc>(builder.ToSchema(), columns);

        var mapper = transformer.GetRowToRowMapper(_input.Schema);
        OutputSchema = mapper.OutputSchema;
        var bound = TypedRowReader<TDst>.Bind(OutputSchema, ignoreMissingColumns, nameof(transformer));
        _output = mapper.GetRow(_input, bound.Select(b => b.Column));
        _setters = bound.Select(b => b.Member.MakeSetter(_output, b.Column)).ToArray();
    }

    public DataViewSchema OutputSchema { get; }

    public TDst Predict(TSrc example)
    {
        var result = new TDst();
        Predict(example, ref result);
        return result;
    }

    /// <summary>Fills <paramref name="prediction"/> (reusing it) with the model's output for <paramref name="example"/>.</summary>
    public void Predict(TSrc example, ref TDst prediction)
    {
        ArgumentNullException.ThrowIfNull(example);
        prediction ??= new TDst();
        _input.Set(example);
        foreach (var set in _setters)
            set(prediction);
    }

    public void Dispose() => _output.Dispose();
}
