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
/// <para><b>Reads.</b> <see cref="Open"/> reads every manifest and checks every image's length and SHA-256 against it,
/// and keeps what it verified in memory; a hit then reads only the image file (one open, read, access-time update and
/// close on one handle), checks it against that record again and decodes it, so a file damaged after opening is still
/// a miss, never a wrong image.</para>
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

    /// <summary>A valid entry: its size, last use, and what its manifest says the image file must be.</summary>
    private sealed class Entry(long bytes, DateTime lastAccessUtc, byte[] imageSha256, long imageBytes, int width, int height, MLPixelFormat pixelFormat)
    {
        public long Bytes { get; } = bytes;
        public DateTime LastAccessUtc { get; set; } = lastAccessUtc;
        public byte[] ImageSha256 { get; } = imageSha256;
        public long ImageBytes { get; } = imageBytes;
        public int Width { get; } = width;
        public int Height { get; } = height;
        public MLPixelFormat PixelFormat { get; } = pixelFormat;

        public static Entry? From(GenerationManifest m, long manifestBytes, DateTime lastAccessUtc)
        {
            if (m.ImageSha256 is not { Length: 64 } hex || !hex.All(char.IsAsciiHexDigit) || m.ImageBytes <= 0 || m.Width <= 0 || m.Height <= 0)
                return null;
            return new Entry(m.ImageBytes + manifestBytes, lastAccessUtc, Convert.FromHexString(hex), m.ImageBytes, m.Width, m.Height, m.PixelFormat);
        }
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
            var entry = manifests.Contains(key) ? Verify(key) : null;
            if (entry is null)
            {
                DeleteEntryFiles(key);
                continue;
            }
            _entries[key] = entry;
            _sizeBytes += entry.Bytes;
        }
        EvictToCap();
    }

    /// <summary>The cached image for <paramref name="key"/>, or false. The caller owns the returned image.</summary>
    public bool TryGet(GenerationKey key, out MLImage? image)
    {
        ArgumentNullException.ThrowIfNull(key);
        image = null;
        Entry? entry;
        lock (_gate)
        {
            if (!_entries.TryGetValue(key.Hash, out entry))
                return false;
        }
        image = ReadImage(key.Hash, entry);
        if (image is null)
        {
            // A writer of this key may be mid-way: wait for it, then look again before declaring the entry damaged.
            lock (_keyLocks.GetOrAdd(key.Hash, _ => new object()))
            {
                lock (_gate)
                    _entries.TryGetValue(key.Hash, out entry);
                image = entry is null ? null : ReadImage(key.Hash, entry);
                if (image is null)
                {
                    // Deleted by eviction meanwhile, or damaged on disk: either way it is gone.
                    Forget(key.Hash, deleteFiles: File.Exists(ImagePath(key.Hash)));
                    return false;
                }
            }
        }
        return true;
    }

    /// <summary>The manifest of <paramref name="key"/>'s entry, or null when it is not cached.</summary>
    public GenerationManifest? GetManifest(GenerationKey key)
    {
        ArgumentNullException.ThrowIfNull(key);
        Entry? entry;
        lock (_gate)
        {
            if (!_entries.TryGetValue(key.Hash, out entry))
                return null;
        }
        // The same checks as a hit: the manifest still records this entry and the image file still matches it.
        var manifest = ReadManifest(key.Hash);
        if (manifest is null || manifest.ImageSha256 != Convert.ToHexStringLower(entry.ImageSha256))
            return null;
        try
        {
            using var handle = File.OpenHandle(ImagePath(key.Hash));
            return ReadChecked(handle, entry) is null ? null : manifest;
        }
        catch (Exception e) when (IsUnreadable(e))
        {
            return null;
        }
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
        var sha = SHA256.HashData(png);
        var manifest = new GenerationManifest
        {
            Key = key.Hash,
            ModelId = key.ModelId,
            Parameters = key.Parameters,
            Seed = key.Seed,
            SourceRowId = key.SourceRowId,
            CreatedUtc = DateTime.UtcNow,
            ImageSha256 = Convert.ToHexStringLower(sha),
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
            _entries[key.Hash] = new Entry(png.Length + json.Length, now, sha, png.Length, image.Width, image.Height, image.PixelFormat);
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

    /// <summary>
    /// Opening's check of one entry: the manifest parses and names this key, and the image file has the length and
    /// SHA-256 it records (not decoded: a file whose hash matches is the PNG that was written). Null when any check fails.
    /// </summary>
    private Entry? Verify(string key)
    {
        try
        {
            var json = File.ReadAllBytes(ManifestPath(key));
            var manifest = Parse(json, key);
            if (manifest is null)
                return null;
            using var handle = File.OpenHandle(ImagePath(key));
            var entry = Entry.From(manifest, json.Length, File.GetLastAccessTimeUtc(handle));
            return entry is not null && ReadChecked(handle, entry) is not null ? entry : null;
        }
        catch (Exception e) when (IsUnreadable(e))
        {
            return null;
        }
    }

    /// <summary>The manifest file of <paramref name="key"/>, or null when it is missing, unreadable or names another key.</summary>
    private GenerationManifest? ReadManifest(string key)
    {
        try
        {
            return Parse(File.ReadAllBytes(ManifestPath(key)), key);
        }
        catch (Exception e) when (IsUnreadable(e))
        {
            return null;
        }
    }

    private static GenerationManifest? Parse(byte[] json, string key)
    {
        var manifest = JsonSerializer.Deserialize<GenerationManifest>(json, JsonOptions);
        return manifest is not null && manifest.Key == key ? manifest : null;
    }

    /// <summary>
    /// A hit: the image file read on one handle (its access time set there, which records the use for LRU), checked
    /// against the entry's length and SHA-256, decoded and put back in the byte order it was generated in. Null when
    /// the file is missing or differs.
    /// </summary>
    private MLImage? ReadImage(string key, Entry entry)
    {
        try
        {
            RawImage raw;
            var now = DateTime.UtcNow;
            using (var handle = File.OpenHandle(ImagePath(key)))
            {
                var png = ReadChecked(handle, entry);
                if (png is null)
                    return null;
                raw = ImageCodecs.Decode(png, ImagePath(key));
                File.SetLastAccessTimeUtc(handle, now);
            }
            lock (_gate)
                entry.LastAccessUtc = now;
            if (raw.Width != entry.Width || raw.Height != entry.Height)
                return null;
            raw = entry.PixelFormat == MLPixelFormat.Bgra32 ? raw.ToBgra32() : raw.Format == RawPixelFormat.Rgba32 ? raw : raw.ToRgba32();
            return MLImage.FromRaw(raw);
        }
        catch (Exception e) when (IsUnreadable(e))
        {
            return null;
        }
    }

    /// <summary>The whole file behind <paramref name="handle"/> when its length and SHA-256 are the entry's; otherwise null.</summary>
    private static byte[]? ReadChecked(Microsoft.Win32.SafeHandles.SafeFileHandle handle, Entry entry)
    {
        long length = RandomAccess.GetLength(handle);
        if (length != entry.ImageBytes)
            return null;
        var bytes = new byte[length];
        int done = 0;
        while (done < bytes.Length)
        {
            int n = RandomAccess.Read(handle, bytes.AsSpan(done), done);
            if (n == 0)
                return null;
            done += n;
        }
        Span<byte> sha = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(bytes, sha);
        return sha.SequenceEqual(entry.ImageSha256) ? bytes : null;
    }

    /// <summary>What a damaged, half-written or concurrently deleted entry can throw while being read.</summary>
    private static bool IsUnreadable(Exception e) => e is IOException or JsonException or UnauthorizedAccessException or NotSupportedException;

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
