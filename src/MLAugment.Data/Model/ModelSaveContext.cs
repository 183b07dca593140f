using System.Text;

namespace MLAugment.Data;

/// <summary>
/// Writes one model entry (<c>{Directory}/Model.bin</c>): a <see cref="VersionInfo"/> header followed by the payload
/// written through <see cref="Writer"/>. Sub-models go to sub-directories via <see cref="SaveModel"/>.
/// Mirrors ML.NET's <c>ModelSaveContext</c> (whose members are internal in ML.NET: a port seam).
/// </summary>
public sealed class ModelSaveContext : IDisposable
{
    internal const string ModelEntryName = "Model.bin";
    internal static readonly byte[] Magic = "MLAUGMDL"u8.ToArray();

    private readonly MemoryStream _payload = new();
    private VersionInfo? _version;
    private bool _done;

    private ModelSaveContext(ModelRepository repository, string directory)
    {
        Repository = repository;
        Directory = directory.Trim('/');
        Writer = new BinaryWriter(_payload, Encoding.UTF8, leaveOpen: true);
    }

    public ModelRepository Repository { get; }

    /// <summary>The entry directory inside the repository, e.g. "Model/Transform_000".</summary>
    public string Directory { get; }

    public BinaryWriter Writer { get; }

    /// <summary>Saves <paramref name="model"/> as the entry in <paramref name="directory"/> of <paramref name="repository"/>.</summary>
    public static void SaveModel(ModelRepository repository, ICanSaveModel model, string directory)
    {
        ArgumentNullException.ThrowIfNull(model);
        using var ctx = new ModelSaveContext(repository, directory);
        model.Save(ctx);
        ctx.Done();
    }

    /// <summary>Declares what is being written; must be called exactly once, before <see cref="Done"/>.</summary>
    public void SetVersionInfo(VersionInfo version)
    {
        if (_version.HasValue)
            throw new InvalidOperationException($"SetVersionInfo was already called for model entry '{Directory}'.");
        _version = version;
    }

    /// <summary>Saves a sub-model into <c>{Directory}/{name}</c>.</summary>
    public void SaveModel(ICanSaveModel model, string name)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        SaveModel(Repository, model, Combine(Directory, name));
    }

    public void SaveString(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        Writer.Write(value);
    }

    public void SaveNonEmptyString(string value)
    {
        ArgumentException.ThrowIfNullOrEmpty(value);
        Writer.Write(value);
    }

    public void SaveStringOrNull(string? value)
    {
        Writer.Write(value is not null);
        if (value is not null)
            Writer.Write(value);
    }

    /// <summary>Writes an extra binary entry <c>{Directory}/{name}</c> (e.g. weights) beside the model entry.</summary>
    public void SaveBinaryStream(string name, Action<BinaryWriter> write)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        using var ms = new MemoryStream();
        using (var w = new BinaryWriter(ms, Encoding.UTF8, leaveOpen: true))
            write(w);
        Repository.WriteEntry(Combine(Directory, name), ms.ToArray());
    }

    /// <summary>Writes the header and payload to the repository.</summary>
    public void Done()
    {
        if (_done)
            return;
        if (_version is not VersionInfo v)
            throw new InvalidOperationException($"Model entry '{Directory}' was saved without SetVersionInfo.");
        Writer.Flush();
        using var ms = new MemoryStream();
        using (var w = new BinaryWriter(ms, Encoding.UTF8, leaveOpen: true))
        {
            w.Write(Magic);
            w.Write(v.ModelSignature);
            w.Write(v.VerWrittenCur);
            w.Write(v.VerReadableCur);
            w.Write(v.VerWeCanReadBack);
            w.Write(v.LoaderSignature);
            w.Write(_payload.GetBuffer(), 0, (int)_payload.Length);
        }
        Repository.WriteEntry(Combine(Directory, ModelEntryName), ms.ToArray());
        _done = true;
    }

    internal static string Combine(string dir, string name) => string.IsNullOrEmpty(dir) ? name : dir + "/" + name;

    public void Dispose()
    {
        Writer.Dispose();
        _payload.Dispose();
    }
}
