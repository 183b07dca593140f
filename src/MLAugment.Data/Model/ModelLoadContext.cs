using System.Text;

namespace MLAugment.Data;

/// <summary>
/// Reads one model entry written by <see cref="ModelSaveContext"/>: the header is parsed on open and the payload is
/// read through <see cref="Reader"/>. Loaders start with <see cref="CheckAtModel"/>. Mirrors ML.NET's <c>ModelLoadContext</c>.
/// </summary>
public sealed class ModelLoadContext : IDisposable
{
    private ModelLoadContext(ModelRepository repository, string directory, byte[] content)
    {
        Repository = repository;
        Directory = directory;
        var ms = new MemoryStream(content, writable: false);
        Reader = new BinaryReader(ms, Encoding.UTF8);
        string where = $"model entry '{ModelSaveContext.Combine(directory, ModelSaveContext.ModelEntryName)}' in '{repository.Location}'";
        try
        {
            var magic = Reader.ReadBytes(ModelSaveContext.Magic.Length);
            if (!magic.AsSpan().SequenceEqual(ModelSaveContext.Magic))
                throw new InvalidDataException($"The {where} does not start with the MLAugment model header.");
            ModelSignature = Reader.ReadString();
            VerWritten = Reader.ReadUInt32();
            VerReadable = Reader.ReadUInt32();
            VerWeCanReadBack = Reader.ReadUInt32();
            LoaderSignature = Reader.ReadString();
        }
        catch (EndOfStreamException e)
        {
            throw new InvalidDataException($"The {where} is truncated.", e);
        }
    }

    public ModelRepository Repository { get; }

    public string Directory { get; }

    public BinaryReader Reader { get; }

    public string ModelSignature { get; }

    public uint VerWritten { get; }

    public uint VerReadable { get; }

    public uint VerWeCanReadBack { get; }

    public string LoaderSignature { get; }

    /// <summary>Opens the entry in <paramref name="directory"/>, or returns null when there is none.</summary>
    public static ModelLoadContext? TryOpen(ModelRepository repository, string directory)
    {
        directory = directory.Trim('/');
        var bytes = repository.ReadEntry(ModelSaveContext.Combine(directory, ModelSaveContext.ModelEntryName));
        return bytes is null ? null : new ModelLoadContext(repository, directory, bytes);
    }

    /// <summary>Loads the object saved in <paramref name="directory"/> using the loader registered for its signature.</summary>
    public static TRes LoadModel<TRes>(ModelRepository repository, string directory)
        where TRes : class
    {
        using var ctx = TryOpen(repository, directory)
            ?? throw new InvalidDataException($"Model entry '{directory}' is missing from '{repository.Location}'.");
        var obj = ModelLoaderRegistry.Create(ctx);
        return obj as TRes ?? throw new InvalidDataException(
            $"Model entry '{directory}' in '{repository.Location}' holds a {obj.GetType().Name}, expected {typeof(TRes).Name}.");
    }

    /// <summary>Throws unless this entry was written with <paramref name="version"/>'s signature in a version we can read.</summary>
    public void CheckAtModel(VersionInfo version)
    {
        if (ModelSignature != version.ModelSignature)
            throw new InvalidDataException($"Model entry '{Directory}' has signature '{ModelSignature}', expected '{version.ModelSignature}'.");
        if (VerWritten < version.VerWeCanReadBack)
            throw new InvalidDataException($"Model entry '{Directory}' ({ModelSignature}) is version {VerWritten:X8}, older than the oldest readable {version.VerWeCanReadBack:X8}.");
        if (VerReadable > version.VerWrittenCur)
            throw new InvalidDataException($"Model entry '{Directory}' ({ModelSignature}) needs reader version {VerReadable:X8} or newer; this code is {version.VerWrittenCur:X8}.");
    }

    public void LoadModel<TRes>(out TRes result, string name)
        where TRes : class =>
        result = LoadModel<TRes>(Repository, ModelSaveContext.Combine(Directory, name));

    public bool TryLoadModel<TRes>(out TRes? result, string name)
        where TRes : class
    {
        using var sub = TryOpen(Repository, ModelSaveContext.Combine(Directory, name));
        result = sub is null ? null : ModelLoaderRegistry.Create(sub) as TRes;
        return result is not null;
    }

    public string LoadString() => Reader.ReadString();

    public string LoadNonEmptyString()
    {
        var s = Reader.ReadString();
        if (s.Length == 0)
            throw new InvalidDataException($"Model entry '{Directory}' has an empty string where a name was expected.");
        return s;
    }

    public string? LoadStringOrNull() => Reader.ReadBoolean() ? Reader.ReadString() : null;

    /// <summary>Reads the extra entry <c>{Directory}/{name}</c>; false when it does not exist.</summary>
    public bool TryLoadBinaryStream(string name, Action<BinaryReader> read)
    {
        var bytes = Repository.ReadEntry(ModelSaveContext.Combine(Directory, name));
        if (bytes is null)
            return false;
        using var r = new BinaryReader(new MemoryStream(bytes, writable: false), Encoding.UTF8);
        read(r);
        return true;
    }

    public void Dispose() => Reader.Dispose();
}
