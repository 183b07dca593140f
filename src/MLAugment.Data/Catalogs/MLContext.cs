namespace MLAugment.Data;

/// <summary>
/// The entry point: catalogs of data operations, transforms, trainers and model persistence, plus the log.
/// <paramref name="seed"/> makes everything the context randomises (shuffles, splits, initialisation) repeatable;
/// it is the root of randomness for components that are not given their own seed. Predictions of a loaded model do not
/// depend on it. Mirrors <c>Microsoft.ML.MLContext</c>.
/// </summary>
public sealed class MLContext
{
    private readonly Random _random;
    private readonly object _randomGate = new();

    public MLContext(int? seed = null)
    {
        Seed = seed;
        _random = seed.HasValue ? new Random(seed.Value) : new Random();
        Data = new DataOperationsCatalog(this);
        Transforms = new TransformsCatalog(this);
        MulticlassClassification = new MulticlassClassificationCatalog(this);
        Model = new ModelOperationsCatalog(this);
    }

    /// <summary>Loading, splitting, shuffling and filtering views.</summary>
    public DataOperationsCatalog Data { get; }

    /// <summary>Column transforms; most arrive as extension methods.</summary>
    public TransformsCatalog Transforms { get; }

    /// <summary>Multiclass trainers (<c>.Trainers</c>) and evaluation arrive as extension methods.</summary>
    public MulticlassClassificationCatalog MulticlassClassification { get; }

    /// <summary>Saving and loading fitted models.</summary>
    public ModelOperationsCatalog Model { get; }

    /// <summary>Messages from components created through this context.</summary>
    public event EventHandler<LoggingEventArgs>? Log;

    /// <summary>The seed given at construction (null: nondeterministic).</summary>
    internal int? Seed { get; }

    /// <summary>The next seed from the context's random stream, for components not given their own seed.</summary>
    internal int NextSeed()
    {
        lock (_randomGate)
            return _random.Next();
    }

    /// <summary>Whether anyone listens to <see cref="Log"/> (so messages need not be formatted otherwise).</summary>
    internal bool IsLogging => Log is not null;

    internal void WriteLog(ChannelMessageKind kind, string source, string message) =>
        Log?.Invoke(this, new LoggingEventArgs(message, kind, source));
}
