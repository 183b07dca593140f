using System.IO.Compression;

namespace MLAugment.Data;

/// <summary>
/// Where a saved model's entries live: a zip archive or a folder. Entry names use '/' separators, e.g.
/// <c>Model/Transform_001/Model.bin</c>.
/// </summary>
public abstract class ModelRepository : IDisposable
{
    /// <summary>Opens a repository for writing: a folder when <paramref name="path"/> ends with a separator or names an existing folder, a zip file otherwise.</summary>
    public static ModelRepository CreateForWrite(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (Directory.Exists(path) || path.EndsWith('/') || path.EndsWith(Path.DirectorySeparatorChar))
            return new FolderModelRepository(path, write: true);
        return new ZipModelRepository(File.Create(path), write: true, ownsStream: true, path);
    }

    public static ModelRepository CreateForWrite(Stream stream) => new ZipModelRepository(stream, write: true, ownsStream: false, "<stream>");

    public static ModelRepository OpenForRead(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (Directory.Exists(path))
            return new FolderModelRepository(path, write: false);
        if (!File.Exists(path))
            throw new FileNotFoundException($"Model file or folder '{path}' does not exist.", path);
        return new ZipModelRepository(File.OpenRead(path), write: false, ownsStream: true, path);
    }

    public static ModelRepository OpenForRead(Stream stream) => new ZipModelRepository(stream, write: false, ownsStream: false, "<stream>");

    /// <summary>A human-readable location used in error messages.</summary>
    public abstract string Location { get; }

    /// <summary>The context loading from this repository, so loaded components can log through it (null when unknown).</summary>
    internal MLContext? Context { get; set; }

    public abstract void WriteEntry(string name, byte[] content);

    /// <summary>The entry's bytes, or null when it does not exist.</summary>
    public abstract byte[]? ReadEntry(string name);

    public void Dispose()
    {
        Dispose(true);
        GC.SuppressFinalize(this);
    }

    protected virtual void Dispose(bool disposing)
    {
    }

    private sealed class ZipModelRepository : ModelRepository
    {
        private readonly ZipArchive _archive;
        private readonly string _location;

        public ZipModelRepository(Stream stream, bool write, bool ownsStream, string location)
        {
            _location = location;
            try
            {
                _archive = new ZipArchive(stream, write ? ZipArchiveMode.Create : ZipArchiveMode.Read, leaveOpen: !ownsStream);
            }
            catch (InvalidDataException e)
            {
                if (ownsStream)
                    stream.Dispose();
                throw new InvalidDataException($"Model '{location}' is not a valid zip archive: {e.Message}", e);
            }
        }

        private static readonly DateTimeOffset FixedEntryTime = new(1980, 1, 2, 12, 0, 0, TimeSpan.Zero);

        public override string Location => _location;

        public override void WriteEntry(string name, byte[] content)
        {
            var entry = _archive.CreateEntry(name, CompressionLevel.Fastest);
            // A fixed time stamp: the same model saves to the same bytes (content hashes, reproducible files).
            entry.LastWriteTime = FixedEntryTime;
            using var s = entry.Open();
            s.Write(content);
        }

        public override byte[]? ReadEntry(string name)
        {
            var entry = _archive.GetEntry(name);
            if (entry is null)
                return null;
            using var s = entry.Open();
            using var ms = new MemoryStream();
            s.CopyTo(ms);
            return ms.ToArray();
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing)
                _archive.Dispose();
        }
    }

    private sealed class FolderModelRepository : ModelRepository
    {
        private readonly string _root;

        public FolderModelRepository(string root, bool write)
        {
            _root = Path.TrimEndingDirectorySeparator(Path.GetFullPath(root));
            if (write)
                Directory.CreateDirectory(_root);
        }

        public override string Location => _root;

        private string PathOf(string name)
        {
            var full = Path.GetFullPath(Path.Combine(_root, name.Replace('/', Path.DirectorySeparatorChar)));
            if (!full.StartsWith(_root + Path.DirectorySeparatorChar, StringComparison.Ordinal))
                throw new ArgumentException($"Model entry '{name}' escapes the model folder '{_root}'.", nameof(name));
            return full;
        }

        public override void WriteEntry(string name, byte[] content)
        {
            var path = PathOf(name);
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            File.WriteAllBytes(path, content);
        }

        public override byte[]? ReadEntry(string name)
        {
            var path = PathOf(name);
            return File.Exists(path) ? File.ReadAllBytes(path) : null;
        }
    }
}
