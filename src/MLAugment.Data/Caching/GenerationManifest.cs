using System.Text.Json.Serialization;

namespace MLAugment.Data.Caching;

/// <summary>
/// The provenance record stored beside each cached image (<c>&lt;key&gt;.json</c>): what generated it, from what, when,
/// and the SHA-256 of the stored PNG, which is how a complete, uncorrupted entry is recognised.
/// </summary>
public sealed record GenerationManifest
{
    /// <summary>The entry's key (the SHA-256 of the request, hex).</summary>
    [JsonPropertyName("key")]
    public required string Key { get; init; }

    [JsonPropertyName("modelId")]
    public required string ModelId { get; init; }

    [JsonPropertyName("parameters")]
    public required IReadOnlyDictionary<string, string> Parameters { get; init; }

    [JsonPropertyName("seed")]
    public required long Seed { get; init; }

    [JsonPropertyName("sourceRowId")]
    public string? SourceRowId { get; init; }

    [JsonPropertyName("createdUtc")]
    public required DateTime CreatedUtc { get; init; }

    /// <summary>SHA-256 (hex) of the PNG file's bytes.</summary>
    [JsonPropertyName("imageSha256")]
    public required string ImageSha256 { get; init; }

    [JsonPropertyName("imageBytes")]
    public required long ImageBytes { get; init; }

    [JsonPropertyName("width")]
    public required int Width { get; init; }

    [JsonPropertyName("height")]
    public required int Height { get; init; }

    /// <summary>The generated image's byte order, restored on read so pixels come back bit-identical.</summary>
    [JsonPropertyName("pixelFormat")]
    public required MLPixelFormat PixelFormat { get; init; }
}
