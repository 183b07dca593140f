using System.Text.Json;
using System.Text.Json.Serialization;

namespace MLAugment.Diffusion.Models;

/// <summary>Configuration of <see cref="Autoencoder"/> (<c>vae/config.json</c>, diffusers' AutoencoderKL field names).</summary>
public sealed record AutoencoderConfig
{
    [JsonPropertyName("_class_name")] public string ClassName { get; init; } = "AutoencoderKL";
    [JsonPropertyName("in_channels")] public int InChannels { get; init; } = 1;
    [JsonPropertyName("out_channels")] public int OutChannels { get; init; } = 1;
    [JsonPropertyName("latent_channels")] public int LatentChannels { get; init; } = 4;
    [JsonPropertyName("block_out_channels")] public int[] BlockOutChannels { get; init; } = { 32, 64, 64 };
    [JsonPropertyName("layers_per_block")] public int LayersPerBlock { get; init; } = 1;
    [JsonPropertyName("norm_num_groups")] public int NormNumGroups { get; init; } = 16;
    [JsonPropertyName("sample_size")] public int SampleSize { get; init; } = 32;
    /// <summary>Latents are multiplied by this before diffusion (unit variance), divided before decoding.</summary>
    [JsonPropertyName("scaling_factor")] public float ScalingFactor { get; init; } = 1f;

    /// <summary>Spatial downsampling factor: 2^(levels−1).</summary>
    public int DownsampleFactor => 1 << (BlockOutChannels.Length - 1);
    public int LatentSize => SampleSize / DownsampleFactor;

    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true };
    public string ToJson() => JsonSerializer.Serialize(this, Json);
    public static AutoencoderConfig FromJson(string json, string source = "vae/config.json") =>
        JsonSerializer.Deserialize<AutoencoderConfig>(json) ?? throw new InvalidDataException($"{source}: empty autoencoder config.");
}
