using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace MLAugment.Data.Caching;

/// <summary>
/// The identity of one generated image: SHA-256 over a canonical encoding of everything that determines the output —
/// the model identity, the source image (size, byte order and pixels), the mask or its absence, every generation
/// parameter (sorted by name, ordinal) and the seed. Two requests get the same key exactly when all of these are equal.
/// The source row id travels with the key for provenance but is not part of it.
/// </summary>
/// <remarks>
/// Canonical encoding: the ASCII tag "MLAugment.GenerationKey/1", then fields in this order, each string as a
/// little-endian int32 byte count and UTF-8 bytes, each blob as a little-endian int32 length and bytes: model id; the
/// source as a kind byte (1 image: width, height as int32, format name, pixels; 2 raw bytes: the blob); the mask the
/// same way, or the kind byte 0 when absent; the parameter count (int32) and each name and value; the seed (int64).
/// Parameter values are strings: format numbers with the invariant culture and round-trip formats
/// (<see cref="Format(double)"/>) so equal settings hash equally on every machine.
/// </remarks>
public sealed class GenerationKey : IEquatable<GenerationKey>
{
    private GenerationKey(string hash, string modelId, SortedDictionary<string, string> parameters, long seed, string? sourceRowId)
    {
        Hash = hash;
        ModelId = modelId;
        Parameters = parameters;
        Seed = seed;
        SourceRowId = sourceRowId;
    }

    /// <summary>The key: 64 lowercase hexadecimal digits.</summary>
    public string Hash { get; }

    public string ModelId { get; }

    /// <summary>The generation parameters, sorted by name.</summary>
    public IReadOnlyDictionary<string, string> Parameters { get; }

    public long Seed { get; }

    /// <summary>Provenance only: which source row the image was generated from (not hashed).</summary>
    public string? SourceRowId { get; }

    /// <summary>The key of generating from <paramref name="source"/> (and <paramref name="mask"/>, if any) with <paramref name="modelId"/>.</summary>
    public static GenerationKey Create(string modelId, MLImage source, MLImage? mask, IEnumerable<KeyValuePair<string, string>> parameters,
        long seed, string? sourceRowId = null)
    {
        ArgumentNullException.ThrowIfNull(source);
        return Create(modelId, h => AppendImage(h, source), mask is null ? null : h => AppendImage(h, mask), parameters, seed, sourceRowId);
    }

    /// <summary>
    /// The key of generating from a source given as raw bytes (e.g. a pixel tensor viewed with
    /// <c>MemoryMarshal.AsBytes</c>), with an optional mask in the same form. Never equal to an image-based key.
    /// </summary>
    public static GenerationKey Create(string modelId, ReadOnlySpan<byte> source, byte[]? mask, IEnumerable<KeyValuePair<string, string>> parameters,
        long seed, string? sourceRowId = null)
    {
        var sourceCopy = source.ToArray();
        return Create(modelId, h => AppendRaw(h, sourceCopy), mask is null ? null : h => AppendRaw(h, mask), parameters, seed, sourceRowId);
    }

    private static GenerationKey Create(string modelId, Action<IncrementalHash> appendSource, Action<IncrementalHash>? appendMask,
        IEnumerable<KeyValuePair<string, string>> parameters, long seed, string? sourceRowId)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(modelId);
        ArgumentNullException.ThrowIfNull(parameters);
        var sorted = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var (name, value) in parameters)
        {
            ArgumentException.ThrowIfNullOrEmpty(name, nameof(parameters));
            ArgumentNullException.ThrowIfNull(value, $"{nameof(parameters)}[{name}]");
            if (!sorted.TryAdd(name, value))
                throw new ArgumentException($"Generation parameter '{name}' is given twice.", nameof(parameters));
        }

        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData("MLAugment.GenerationKey/1"u8);
        AppendString(hash, modelId);
        appendSource(hash);
        if (appendMask is null)
            hash.AppendData([0]);
        else
            appendMask(hash);
        AppendInt32(hash, sorted.Count);
        foreach (var (name, value) in sorted)
        {
            AppendString(hash, name);
            AppendString(hash, value);
        }
        Span<byte> seedBytes = stackalloc byte[8];
        BinaryPrimitives.WriteInt64LittleEndian(seedBytes, seed);
        hash.AppendData(seedBytes);
        return new GenerationKey(Convert.ToHexStringLower(hash.GetHashAndReset()), modelId, sorted, seed, sourceRowId);
    }

    /// <summary>A parameter value in the canonical form: invariant culture, shortest round-trip representation.</summary>
    public static string Format(double value) => value.ToString("R", System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>A parameter value in the canonical form (invariant culture).</summary>
    public static string Format(long value) => value.ToString(System.Globalization.CultureInfo.InvariantCulture);

    private static void AppendImage(IncrementalHash hash, MLImage image)
    {
        hash.AppendData([1]);
        AppendInt32(hash, image.Width);
        AppendInt32(hash, image.Height);
        AppendString(hash, image.PixelFormat.ToString());
        AppendInt32(hash, image.Pixels.Length);
        hash.AppendData(image.Pixels);
    }

    private static void AppendRaw(IncrementalHash hash, byte[] bytes)
    {
        hash.AppendData([2]);
        AppendInt32(hash, bytes.Length);
        hash.AppendData(bytes);
    }

    private static void AppendString(IncrementalHash hash, string value)
    {
        var bytes = Encoding.UTF8.GetBytes(value);
        AppendInt32(hash, bytes.Length);
        hash.AppendData(bytes);
    }

    private static void AppendInt32(IncrementalHash hash, int value)
    {
        Span<byte> b = stackalloc byte[4];
        BinaryPrimitives.WriteInt32LittleEndian(b, value);
        hash.AppendData(b);
    }

    public bool Equals(GenerationKey? other) => other is not null && other.Hash == Hash;

    public override bool Equals(object? obj) => Equals(obj as GenerationKey);

    public override int GetHashCode() => Hash.GetHashCode(StringComparison.Ordinal);

    public override string ToString() => Hash;
}
