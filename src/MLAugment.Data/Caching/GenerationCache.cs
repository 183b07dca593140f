using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text.Json;
using MLAugment.Data.Images.Codecs;

namespace MLAugment.Data.Caching;

/// <summary>
/// An on-disk, content-addressed store of generated images. Each entry is two files in the cache folder:
/// <c>&lt;key&gt;.png</c> (the image) and <c>&lt;key&gt;.json</c> (its <see cref="GenerationManifest"/>).
/// </summary>
/// <remarks>
/// <para><b>Crash safety.</b> Each file is written to a temporary file in the same folder (<c>.generation-cache-tmp-*</c>), flushed to
/// disk (fsync) and renamed over its final name, which is atomic. The image is renamed into place before the manifest
/// is written, and an entry counts only when both files exist and the PNG's SHA-256 equals the manifest's. A process
/// killed at any point therefore leaves complete entries, stray temporary files, or an image without a manifest;
/// <see cref="Open"/> deletes the latter two and any entry that fails the hash check. Deleting removes the manifest
/// first, for the same reason.</para>
/// <para><b>Size cap.</b> When <see cref="SizeBytes"/> (images plus manifests) exceeds <see cref="MaxSizeBytes"/>, the
/// least recently used entries are deleted until it fits, so an entry larger than the cap is not kept. Last use is
/// the image file's access time, set explicitly on every hit and add, so the order survives reopening.</para>
/// <para><b>Concurrency.</b> Thread-safe. <see cref="GetOrAdd"/> runs the generator at most once per key at a time
/// in a process; concurrent adds of the same key are safe. One process should write a cache folder at a time.</para>
/// </remarks>
public sealed class GenerationCache
{
    private const string TempPrefix = ".generation-cache-tmp-";
    private static readonly JsonSerializerOptions JsonOptions = new() { WriteIndented = true };

    private readonly object _gate = new();
    private readonly Dictionary<string, Entry> _entries = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, object> _keyLocks = new(StringComparer.Ordinal);
    private long _sizeBytes;

    private sealed class Entry
    {
        public long Bytes;
        public DateTime LastAccessUtc;
    }

    private GenerationCache(string directory, long maxSizeBytes)
    {
        Directory = directory;
        MaxSizeBytes = maxSizeBytes;
    }

    /// <summary>The cache folder.</summary>
    public string Directory { get; }

    /// <summary>The size cap in bytes (images plus manifests).</summary>
    public long MaxSizeBytes { get; }

    /// <summary>The number of valid entries.</summary>
    public int Count
    {
        get
        {
            lock (_gate)
                return _entries.Count;
        }
    }

    /// <summary>The bytes used by valid entries (images plus manifests).</summary>
    public long SizeBytes
    {
        get
        {
            lock (_gate)
                return _sizeBytes;
        }
    }

    /// <summary>
    /// Opens (creating if needed) the cache in <paramref name="directory"/>: deletes stray temporary files, incomplete
    /// entries and entries whose image does not match its manifest, then evicts down to <paramref name="maxSizeBytes"/>.
    /// Every stored image is hashed, so opening reads the whole cache once.
    /// </summary>
    public static GenerationCache Open(string directory, long maxSizeBytes = long.MaxValue)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxSizeBytes);
        var full = Path.GetFullPath(directory);
        System.IO.Directory.CreateDirectory(full);
        var cache = new GenerationCache(full, maxSizeBytes);
        cache.Recover();
        return cache;
    }

    private void Recover()
    {
        foreach (var tmp in System.IO.Directory.EnumerateFiles(Directory, TempPrefix + "*"))
            TryDelete(tmp);
        // Files not named like entries are someone else's: leave them alone.
        var images = System.IO.Directory.EnumerateFiles(Directory, "*.png").Select(p => Path.GetFileNameWithoutExtension(p)!).Where(IsKeyName).ToHashSet(StringComparer.Ordinal);
        var manifests = System.IO.Directory.EnumerateFiles(Directory, "*.json").Select(p => Path.GetFileNameWithoutExtension(p)!).Where(IsKeyName).ToHashSet(StringComparer.Ordinal);
        foreach (var key in manifests.Where(k => !images.Contains(k)))
            TryDelete(ManifestPath(key));
        foreach (var key in images)
        {
            if (!manifests.Contains(key) || ReadVerified(key) is null)
            {
                DeleteEntryFiles(key);
                continue;
            }
            var png = new FileInfo(ImagePath(key));
            _entries[key] = new Entry { Bytes = png.Length + new FileInfo(ManifestPath(key)).Length, LastAccessUtc = png.LastAccessTimeUtc };
            _sizeBytes += _entries[key].Bytes;
        }
        EvictToCap();
    }

    /// <summary>The cached image for <paramref name="key"/>, or false. The caller owns the returned image.</summary>
    public bool TryGet(GenerationKey key, out MLImage? image)
    {
        ArgumentNullException.ThrowIfNull(key);
        image = null;
        lock (_gate)
        {
            if (!_entries.ContainsKey(key.Hash))
                return false;
        }
        var read = ReadVerified(key.Hash);
        if (read is null)
        {
            // A writer of this key may be mid-way: wait for it, then look again before declaring the entry damaged.
            lock (_keyLocks.GetOrAdd(key.Hash, _ => new object()))
            {
                read = ReadVerified(key.Hash);
                if (read is null)
                {
                    // Deleted by eviction meanwhile, or damaged on disk: either way it is gone.
                    Forget(key.Hash, deleteFiles: File.Exists(ImagePath(key.Hash)));
                    return false;
                }
            }
        }
        Touch(key.Hash);
        image = read.Value.Image;
        return true;
    }

    /// <summary>The manifest of <paramref name="key"/>'s entry, or null when it is not cached.</summary>
    public GenerationManifest? GetManifest(GenerationKey key)
    {
        ArgumentNullException.ThrowIfNull(key);
        lock (_gate)
        {
            if (!_entries.ContainsKey(key.Hash))
                return null;
        }
        return ReadVerified(key.Hash)?.Manifest;
    }

    /// <summary>
    /// The cached image for <paramref name="key"/>, or the result of <paramref name="generate"/>, which is stored first.
    /// The generator runs at most once at a time per key. The caller owns the returned image.
    /// </summary>
    public MLImage GetOrAdd(GenerationKey key, Func<GenerationKey, MLImage> generate)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(generate);
        lock (_keyLocks.GetOrAdd(key.Hash, _ => new object()))
        {
            if (TryGet(key, out var cached))
                return cached!;
            var image = generate(key) ?? throw new InvalidOperationException($"The generator returned null for key {key.Hash}.");
            Store(key, image);
            return image;
        }
    }

    /// <summary>Stores <paramref name="image"/> under <paramref name="key"/>, replacing any entry.</summary>
    public void Add(GenerationKey key, MLImage image)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(image);
        lock (_keyLocks.GetOrAdd(key.Hash, _ => new object()))
            Store(key, image);
    }

    /// <summary>Deletes <paramref name="key"/>'s entry; false when there was none.</summary>
    public bool Remove(GenerationKey key)
    {
        ArgumentNullException.ThrowIfNull(key);
        lock (_keyLocks.GetOrAdd(key.Hash, _ => new object()))
            return Forget(key.Hash, deleteFiles: true);
    }

    /// <summary>Deletes every entry.</summary>
    public void Clear()
    {
        string[] keys;
        lock (_gate)
            keys = _entries.Keys.ToArray();
        foreach (var k in keys)
            lock (_keyLocks.GetOrAdd(k, _ => new object()))
                Forget(k, deleteFiles: true);
    }

    private void Store(GenerationKey key, MLImage image)
    {
        var png = image.EncodePng();
        var manifest = new GenerationManifest
        {
            Key = key.Hash,
            ModelId = key.ModelId,
            Parameters = key.Parameters,
            Seed = key.Seed,
            SourceRowId = key.SourceRowId,
            CreatedUtc = DateTime.UtcNow,
            ImageSha256 = Convert.ToHexStringLower(SHA256.HashData(png)),
            ImageBytes = png.Length,
            Width = image.Width,
            Height = image.Height,
            PixelFormat = image.PixelFormat,
        };
        var json = JsonSerializer.SerializeToUtf8Bytes(manifest, JsonOptions);
        Forget(key.Hash, deleteFiles: false);
        // Image first, manifest second: an entry is valid only once its manifest exists and matches.
        WriteAtomically(ImagePath(key.Hash), png);
        WriteAtomically(ManifestPath(key.Hash), json);
        var now = DateTime.UtcNow;
        File.SetLastAccessTimeUtc(ImagePath(key.Hash), now);
        lock (_gate)
        {
            _entries[key.Hash] = new Entry { Bytes = png.Length + json.Length, LastAccessUtc = now };
            _sizeBytes += png.Length + json.Length;
        }
        EvictToCap();
    }

    private void WriteAtomically(string path, byte[] content)
    {
        var tmp = Path.Combine(Directory, TempPrefix + Guid.NewGuid().ToString("N"));
        try
        {
            using (var fs = new FileStream(tmp, FileMode.CreateNew, FileAccess.Write, FileShare.None))
            {
                fs.Write(content);
                fs.Flush(flushToDisk: true);
            }
            File.Move(tmp, path, overwrite: true);
        }
        finally
        {
            TryDelete(tmp);
        }
    }

    /// <summary>The entry's image and manifest when both exist, parse and agree (the PNG's hash); otherwise null.</summary>
    private (MLImage Image, GenerationManifest Manifest)? ReadVerified(string key)
    {
        try
        {
            var manifest = JsonSerializer.Deserialize<GenerationManifest>(File.ReadAllBytes(ManifestPath(key)), JsonOptions);
            if (manifest is null || manifest.Key != key)
                return null;
            var png = File.ReadAllBytes(ImagePath(key));
            if (png.Length != manifest.ImageBytes || Convert.ToHexStringLower(SHA256.HashData(png)) != manifest.ImageSha256)
                return null;
            var raw = ImageCodecs.Decode(png, ImagePath(key));
            if (raw.Width != manifest.Width || raw.Height != manifest.Height)
                return null;
            raw = manifest.PixelFormat == MLPixelFormat.Bgra32 ? raw.ToBgra32() : raw.Format == RawPixelFormat.Rgba32 ? raw : raw.ToRgba32();
            return (MLImage.FromRaw(raw), manifest);
        }
        catch (Exception e) when (e is IOException or JsonException or UnauthorizedAccessException or NotSupportedException)
        {
            return null;
        }
    }

    private void Touch(string key)
    {
        var now = DateTime.UtcNow;
        lock (_gate)
        {
            if (_entries.TryGetValue(key, out var entry))
                entry.LastAccessUtc = now;
        }
        try
        {
            File.SetLastAccessTimeUtc(ImagePath(key), now);
        }
        catch (IOException)
        {
            // Evicted meanwhile: nothing to record.
        }
    }

    private void EvictToCap()
    {
        List<(string Key, Entry Entry)> victims = [];
        lock (_gate)
        {
            if (_sizeBytes <= MaxSizeBytes)
                return;
            long size = _sizeBytes;
            foreach (var (key, entry) in _entries.OrderBy(e => e.Value.LastAccessUtc).ThenBy(e => e.Key, StringComparer.Ordinal))
            {
                if (size <= MaxSizeBytes)
                    break;
                victims.Add((key, entry));
                size -= entry.Bytes;
            }
        }
        foreach (var (key, entry) in victims)
        {
            // A key busy in another thread is skipped rather than waited for: waiting could deadlock two evicting
            // writers, and the next write evicts again.
            var keyLock = _keyLocks.GetOrAdd(key, _ => new object());
            if (!Monitor.TryEnter(keyLock))
                continue;
            try
            {
                lock (_gate)
                {
                    // Re-added or already removed since it was chosen: leave it.
                    if (!_entries.TryGetValue(key, out var current) || !ReferenceEquals(current, entry))
                        continue;
                }
                Forget(key, deleteFiles: true);
            }
            finally
            {
                Monitor.Exit(keyLock);
            }
        }
    }

    private bool Forget(string key, bool deleteFiles)
    {
        bool existed;
        lock (_gate)
        {
            existed = _entries.Remove(key, out var entry);
            if (existed)
                _sizeBytes -= entry!.Bytes;
        }
        if (deleteFiles)
            DeleteEntryFiles(key);
        return existed;
    }

    private void DeleteEntryFiles(string key)
    {
        TryDelete(ManifestPath(key));
        TryDelete(ImagePath(key));
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    private static bool IsKeyName(string name) => name.Length == 64 && name.All(char.IsAsciiHexDigitLower);

    private string ImagePath(string key) => Path.Combine(Directory, key + ".png");

    private string ManifestPath(string key) => Path.Combine(Directory, key + ".json");
}
