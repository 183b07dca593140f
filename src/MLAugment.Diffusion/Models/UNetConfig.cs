using System.Text.Json;
using System.Text.Json.Serialization;

namespace MLAugment.Diffusion.Models;

/// <summary>
/// Configuration of <see cref="ConditionalUNet"/>, stored as the model folder's <c>unet/config.json</c>
/// with diffusers' UNet2DModel field names.
/// </summary>
public sealed record UNetConfig
{
    [JsonPropertyName("_class_name")] public string ClassName { get; init; } = "ConditionalUNet";
    [JsonPropertyName("sample_size")] public int SampleSize { get; init; } = 8;
    [JsonPropertyName("in_channels")] public int InChannels { get; init; } = 4;
    [JsonPropertyName("out_channels")] public int OutChannels { get; init; } = 4;
    [JsonPropertyName("block_out_channels")] public int[] BlockOutChannels { get; init; } = { 64, 128 };
    [JsonPropertyName("layers_per_block")] public int LayersPerBlock { get; init; } = 2;
    /// <summary>Per level: whether its blocks end in self-attention (the lowest level by default).</summary>
    [JsonPropertyName("attention_levels")] public bool[] AttentionLevels { get; init; } = { false, true };
    [JsonPropertyName("attention_head_dim")] public int AttentionHeadDim { get; init; } = 32;
    [JsonPropertyName("norm_num_groups")] public int NormNumGroups { get; init; } = 16;
    [JsonPropertyName("norm_eps")] public float NormEps { get; init; } = 1e-5f;
    /// <summary>Number of class labels; one more embedding row is the learned null condition for CFG.</summary>
    [JsonPropertyName("num_class_embeds")] public int NumClassEmbeds { get; init; } = 10;
    [JsonPropertyName("flip_sin_to_cos")] public bool FlipSinToCos { get; init; } = true;
    [JsonPropertyName("freq_shift")] public int FreqShift { get; init; } = 0;
    [JsonPropertyName("dropout")] public float Dropout { get; init; } = 0f;

    public int TimeEmbedDim => BlockOutChannels[0] * 4;
    /// <summary>Index of the null (unconditional) class embedding.</summary>
    public int NullClass => NumClassEmbeds;

    public void Validate()
    {
        if (BlockOutChannels.Length == 0) throw new ArgumentException("UNetConfig: block_out_channels is empty.");
        if (AttentionLevels.Length != BlockOutChannels.Length)
            throw new ArgumentException($"UNetConfig: attention_levels has {AttentionLevels.Length} entries, block_out_channels {BlockOutChannels.Length}.");
        foreach (var c in BlockOutChannels)
            if (c % NormNumGroups != 0) throw new ArgumentException($"UNetConfig: channels {c} not divisible by norm_num_groups {NormNumGroups}.");
        if (SampleSize % (1 << (BlockOutChannels.Length - 1)) != 0)
            throw new ArgumentException($"UNetConfig: sample_size {SampleSize} not divisible by 2^{BlockOutChannels.Length - 1}.");
    }

    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true };
    public string ToJson() => JsonSerializer.Serialize(this, Json);
    public static UNetConfig FromJson(string json, string source = "unet/config.json") =>
        JsonSerializer.Deserialize<UNetConfig>(json) ?? throw new InvalidDataException($"{source}: empty UNet config.");
}
