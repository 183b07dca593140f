using System.Text;

namespace MLAugment.Data;

/// <summary>
/// Saves and loads fitted models (usually <see cref="TransformerChain{TLastTransformer}"/>s) with the schema of the data
/// they expect. A model is a zip file, or a folder when the path names a folder or ends in a separator. Layout:
/// <c>Model/Model.bin</c> (the root transformer; chain steps in <c>Model/Transform_NNN/</c>), <c>Schema/Schema.bin</c>.
/// Mirrors <c>Microsoft.ML.ModelOperationsCatalog</c>.
/// </summary>
public sealed class ModelOperationsCatalog
{
    internal const string ModelDirectory = "Model";
    internal const string SchemaEntry = "Schema/Schema.bin";
    private static readonly byte[] SchemaMagic = "MLAUGSCH"u8.ToArray();
    private const int SchemaVersion = 1;

    internal ModelOperationsCatalog(MLContext context)
    {
        Context = context;
    }

    internal MLContext Context { get; }

    public void Save(ITransformer model, DataViewSchema? inputSchema, string filePath)
    {
        ArgumentException.ThrowIfNullOrEmpty(filePath);
        using var repository = ModelRepository.CreateForWrite(filePath);
        Save(model, inputSchema, repository);
    }

    public void Save(ITransformer model, DataViewSchema? inputSchema, Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        using var repository = ModelRepository.CreateForWrite(stream);
        Save(model, inputSchema, repository);
    }

    public ITransformer Load(string filePath, out DataViewSchema? inputSchema)
    {
        ArgumentException.ThrowIfNullOrEmpty(filePath);
        using var repository = ModelRepository.OpenForRead(filePath);
        return Load(repository, out inputSchema);
    }

    public ITransformer Load(Stream stream, out DataViewSchema? inputSchema)
    {
        ArgumentNullException.ThrowIfNull(stream);
        using var repository = ModelRepository.OpenForRead(stream);
        return Load(repository, out inputSchema);
    }

    /// <summary>
    /// A single-object predictor for a row-to-row <paramref name="transformer"/>; throws "Must be a row to row mapper"
    /// otherwise (use <c>GetModelFor(TransformerScope.Scoring)</c> on chains with training-only augmentation).
    /// </summary>
    public PredictionEngine<TSrc, TDst> CreatePredictionEngine<TSrc, TDst>(ITransformer transformer, bool ignoreMissingColumns = true)
        where TSrc : class
        where TDst : class, new() =>
        new(transformer, ignoreMissingColumns);

    private static void Save(ITransformer model, DataViewSchema? inputSchema, ModelRepository repository)
    {
        ArgumentNullException.ThrowIfNull(model);
        ModelSaveContext.SaveModel(repository, model, ModelDirectory);
        if (inputSchema is null)
            return;
        using var ms = new MemoryStream();
        using (var w = new BinaryWriter(ms, Encoding.UTF8, leaveOpen: true))
        {
            w.Write(SchemaMagic);
            w.Write(SchemaVersion);
            SchemaSerializer.Write(w, inputSchema);
        }
        repository.WriteEntry(SchemaEntry, ms.ToArray());
    }

    private static ITransformer Load(ModelRepository repository, out DataViewSchema? inputSchema)
    {
        var model = ModelLoadContext.LoadModel<ITransformer>(repository, ModelDirectory);
        inputSchema = null;
        var bytes = repository.ReadEntry(SchemaEntry);
        if (bytes is not null)
        {
            using var r = new BinaryReader(new MemoryStream(bytes), Encoding.UTF8);
            if (!r.ReadBytes(SchemaMagic.Length).AsSpan().SequenceEqual(SchemaMagic))
                throw new InvalidDataException($"Entry '{SchemaEntry}' in '{repository.Location}' is not a saved schema.");
            int version = r.ReadInt32();
            if (version != SchemaVersion)
                throw new InvalidDataException($"Entry '{SchemaEntry}' in '{repository.Location}' has schema format {version}; this code reads {SchemaVersion}.");
            inputSchema = SchemaSerializer.Read(r);
        }
        return model;
    }
}
