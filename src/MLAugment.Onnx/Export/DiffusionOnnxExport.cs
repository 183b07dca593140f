using MLAugment.Diffusion.Models;
using MLAugment.Engine.NN;
using MLAugment.Onnx.Format;

namespace MLAugment.Onnx.Export;

/// <summary>
/// ONNX export of the project's own diffusion networks, graph for graph equal to their engine forward passes:
/// <list type="bullet">
/// <item><see cref="ExportUNet"/>: inputs <c>sample</c> float [batch, C, height, width], <c>timestep</c> float [batch],
/// <c>class_labels</c> int64 [batch] (the null class = num_class_embeds); output <c>out_sample</c>. The sinusoidal
/// timestep embedding is computed inside the graph.</item>
/// <item><see cref="ExportVaeEncoder"/>: <c>sample</c> → <c>latent_parameters</c> = mean ‖ log-variance (Optimum's
/// name), log-variance clamped to [−30, 20] as the engine does.</item>
/// <item><see cref="ExportVaeDecoder"/>: <c>latent_sample</c> (unscaled) → <c>sample</c>.</item>
/// </list>
/// The walk follows the modules' registered children (state-dict names), which is also how the weights are named.
/// </summary>
public static class DiffusionOnnxExport
{
    public const string SampleInput = "sample", TimestepInput = "timestep", ClassLabelsInput = "class_labels", UNetOutput = "out_sample";
    public const string VaeEncoderOutput = "latent_parameters", VaeDecoderInput = "latent_sample", VaeDecoderOutput = "sample";

    /// <summary>
    /// Writes a whole engine model as a diffusers-layout ONNX folder (UNet, VAE encoder and decoder, scheduler config,
    /// model_index.json with the class names) that <see cref="ClassConditional.OnnxClassConditionalBackend"/> samples.
    /// </summary>
    public static void ExportDiffusersFolder(LatentDiffusionModel model, string folder, OnnxExternalDataOptions? externalData = null) =>
        ClassConditional.ClassConditionalOnnxFolder.Export(model, folder, externalData);

    public static OnnxModel ExportUNet(ConditionalUNet unet)
    {
        ArgumentNullException.ThrowIfNull(unet);
        var cfg = unet.Config;
        var c = new OnnxExportContext("unet", OnnxModuleEmitters.CreateDefault());
        c.Builder.Input(SampleInput, OnnxDataType.Float, ["batch", cfg.InChannels, "height", "width"]);
        c.Builder.Input(TimestepInput, OnnxDataType.Float, ["batch"]);
        c.Builder.Input(ClassLabelsInput, OnnxDataType.Int64, ["batch"]);

        // temb = linear_2(silu(linear_1(sinusoid(t)))) + class_embedding[y]
        string sinusoid = TimestepEmbedding(c, TimestepInput, cfg.BlockOutChannels[0], cfg.FlipSinToCos, cfg.FreqShift);
        string temb = Emit(c, unet, "time_embedding_linear_1", sinusoid);
        temb = Emit(c, unet, "time_embedding_linear_2", c.Silu(temb));
        var classEmbedding = (Embedding)OnnxModuleEmitters.Child(unet, "class_embedding");
        temb = c.Op("Add", [temb, c.Gather(c.Weight("class_embedding.weight", classEmbedding.Weight), ClassLabelsInput)]);

        string h = Emit(c, unet, "conv_in", SampleInput);
        var skips = new Stack<string>();
        skips.Push(h);
        foreach (var (level, block) in Blocks(unet, "down_blocks"))
            foreach (var (name, layer) in block.NamedChildren())
            {
                string path = $"down_blocks.{level}.{name}";
                switch (layer)
                {
                    case ResnetBlock res: h = EmitResnet(c, res, path, h, temb); skips.Push(h); break;
                    // Attention follows its ResnetBlock, so the skip taken there is replaced by the attended value.
                    case SpatialSelfAttention attn: skips.Pop(); h = EmitAttention(c, attn, path, h, cfg.AttentionHeadDim); skips.Push(h); break;
                    case Downsample ds: h = c.Emitters.Emit(c, ds, path, h); skips.Push(h); break;
                    default: throw Unexpected(layer, path);
                }
            }
        foreach (var (name, layer) in OnnxModuleEmitters.Child(unet, "mid_block").NamedChildren())
        {
            string path = $"mid_block.{name}";
            h = layer switch
            {
                ResnetBlock res => EmitResnet(c, res, path, h, temb),
                SpatialSelfAttention attn => EmitAttention(c, attn, path, h, cfg.AttentionHeadDim),
                _ => throw Unexpected(layer, path),
            };
        }
        foreach (var (level, block) in Blocks(unet, "up_blocks"))
            foreach (var (name, layer) in block.NamedChildren())
            {
                string path = $"up_blocks.{level}.{name}";
                h = layer switch
                {
                    ResnetBlock res => EmitResnet(c, res, path, c.Op("Concat", [h, skips.Pop()], OnnxAttribute.Int("axis", 1)), temb),
                    SpatialSelfAttention attn => EmitAttention(c, attn, path, h, cfg.AttentionHeadDim),
                    Upsample us => c.Emitters.Emit(c, us, path, h),
                    _ => throw Unexpected(layer, path),
                };
            }
        h = Emit(c, unet, "conv_out", c.Silu(Emit(c, unet, "conv_norm_out", h)));
        c.Builder.Node("Identity", [h], [UNetOutput]);
        c.Builder.Output(UNetOutput, OnnxDataType.Float, ["batch", cfg.OutChannels, "height", "width"]);
        return c.Builder.BuildModel();
    }

    public static OnnxModel ExportVaeEncoder(Autoencoder vae)
    {
        ArgumentNullException.ThrowIfNull(vae);
        var cfg = vae.Config;
        var c = new OnnxExportContext("vae_encoder", OnnxModuleEmitters.CreateDefault());
        c.Builder.Input(SampleInput, OnnxDataType.Float, ["batch", cfg.InChannels, "height", "width"]);
        string moments = EmitAutoencoderHalf(c, vae, "encoder", SampleInput);
        long z = cfg.LatentChannels;
        string mean = c.Op("Slice", [moments, c.Int64s("mean_start", 0), c.Int64s("mean_end", z), c.Int64s("channel_axis", 1)]);
        string logvar = c.Op("Slice", [moments, c.Int64s("logvar_start", z), c.Int64s("logvar_end", 2 * z), c.Int64s("channel_axis", 1)]);
        logvar = c.Op("Clip", [logvar, c.Scalar("logvar_min", -30f), c.Scalar("logvar_max", 20f)]);
        c.Builder.Node("Concat", [mean, logvar], [VaeEncoderOutput], null, OnnxAttribute.Int("axis", 1));
        c.Builder.Output(VaeEncoderOutput, OnnxDataType.Float, ["batch", 2 * z, "latent_height", "latent_width"]);
        return c.Builder.BuildModel();
    }

    public static OnnxModel ExportVaeDecoder(Autoencoder vae)
    {
        ArgumentNullException.ThrowIfNull(vae);
        var cfg = vae.Config;
        var c = new OnnxExportContext("vae_decoder", OnnxModuleEmitters.CreateDefault());
        c.Builder.Input(VaeDecoderInput, OnnxDataType.Float, ["batch", cfg.LatentChannels, "latent_height", "latent_width"]);
        string image = EmitAutoencoderHalf(c, vae, "decoder", VaeDecoderInput);
        c.Builder.Node("Identity", [image], [VaeDecoderOutput]);
        c.Builder.Output(VaeDecoderOutput, OnnxDataType.Float, ["batch", cfg.OutChannels, "height", "width"]);
        return c.Builder.BuildModel();
    }

    // Both halves of the autoencoder are flat lists applied in registration order: conv, resnet blocks with their
    // down/upsamplers, the mid block, then GroupNorm → SiLU → conv.
    private static string EmitAutoencoderHalf(OnnxExportContext c, Autoencoder vae, string half, string x)
    {
        foreach (var (name, layer) in OnnxModuleEmitters.Child(vae, half).NamedChildren())
        {
            string path = $"{half}.{name}";
            x = layer switch
            {
                ResnetBlock res => EmitResnet(c, res, path, x, null),
                GroupNorm norm => c.Silu(c.Emitters.Emit(c, norm, path, x)),
                Conv2d or Downsample or Upsample => c.Emitters.Emit(c, layer, path, x),
                _ => throw Unexpected(layer, path),
            };
        }
        return x;
    }

    /// <summary>
    /// Sinusoidal timestep embedding (Ho et al. 2020; diffusers' get_timestep_embedding): freqᵢ = exp(−ln(10000)·i / (half − shift)),
    /// [sin(t·freq), cos(t·freq)], flipped to [cos, sin] when asked; an odd width gets a zero last column.
    /// </summary>
    private static string TimestepEmbedding(OnnxExportContext c, string timesteps, int dim, bool flipSinToCos, int freqShift)
    {
        int half = dim / 2;
        var freqs = new float[half];
        for (int i = 0; i < half; i++) freqs[i] = MathF.Exp(-MathF.Log(10000f) * i / (half - freqShift));
        string args = c.Op("Mul", [c.Op("Unsqueeze", [timesteps, c.Int64s("axis_1", 1)]), c.Floats("timestep_frequencies", [1, half], freqs)]);
        string sin = c.Op("Sin", [args]), cos = c.Op("Cos", [args]);
        string emb = c.Op("Concat", flipSinToCos ? [cos, sin] : [sin, cos], OnnxAttribute.Int("axis", 1));
        return dim % 2 == 0 ? emb : c.Op("Pad", [emb, c.Int64s("odd_pad", 0, 0, 0, 1)]);
    }

    // x + conv2(dropout(silu(norm2(conv1(silu(norm1(x))) + time_emb_proj(silu(temb))[:, :, None, None])))), skip 1×1 conv when channels change.
    private static string EmitResnet(OnnxExportContext c, ResnetBlock block, string path, string x, string? temb)
    {
        string h = Emit(c, block, "conv1", c.Silu(Emit(c, block, "norm1", x, path)), path);
        if (OnnxModuleEmitters.ChildOrNull(block, "time_emb_proj") is { } proj)
        {
            if (temb is null) throw new InvalidOperationException($"ONNX export: ResnetBlock '{path}' is time-conditioned but no time embedding is available.");
            string t = c.Emitters.Emit(c, proj, OnnxModuleEmitters.Join(path, "time_emb_proj"), c.Silu(temb));
            h = c.Op("Add", [h, c.Op("Unsqueeze", [t, c.Int64s("spatial_axes", 2, 3)])]);
        }
        h = Emit(c, block, "norm2", h, path);
        h = Emit(c, block, "dropout", c.Silu(h), path);
        h = Emit(c, block, "conv2", h, path);
        string skip = OnnxModuleEmitters.ChildOrNull(block, "conv_shortcut") is { } shortcut
            ? c.Emitters.Emit(c, shortcut, OnnxModuleEmitters.Join(path, "conv_shortcut"), x)
            : x;
        return c.Op("Add", [skip, h]);
    }

    // x + to_out(attention over the H·W positions of group_norm(x)), max(1, C / head_dim) heads.
    private static string EmitAttention(OnnxExportContext c, SpatialSelfAttention attn, string path, string x, int headDim)
    {
        var norm = (GroupNorm)OnnxModuleEmitters.Child(attn, "group_norm");
        int channels = norm.NumChannels, heads = Math.Max(1, channels / headDim), d = channels / heads;
        string seq = c.Op("Reshape", [Emit(c, attn, "group_norm", x, path), c.Int64s("flatten_spatial", 0, channels, -1)]);
        seq = c.Op("Transpose", [seq], OnnxAttribute.IntList("perm", [0, 2, 1])); // [B, N, C]
        string q = c.SplitHeads(Emit(c, attn, "to_q", seq, path), heads, d);
        string k = c.SplitHeads(Emit(c, attn, "to_k", seq, path), heads, d);
        string v = c.SplitHeads(Emit(c, attn, "to_v", seq, path), heads, d);
        string merged = c.MergeHeads(c.ScaledDotProductAttention(q, k, v, d), heads, d);
        string o = c.Op("Transpose", [Emit(c, attn, "to_out", merged, path)], OnnxAttribute.IntList("perm", [0, 2, 1]));
        return c.Op("Add", [x, c.Op("Reshape", [o, c.Op("Shape", [x])])]);
    }

    private static string Emit(OnnxExportContext c, Module parent, string child, string input, string parentPath = "") =>
        c.Emitters.Emit(c, OnnxModuleEmitters.Child(parent, child), OnnxModuleEmitters.Join(parentPath, child), input);

    private static IEnumerable<(string Level, Module Block)> Blocks(Module model, string name) =>
        OnnxModuleEmitters.Child(model, name).NamedChildren();

    private static NotSupportedException Unexpected(Module layer, string path) =>
        new($"ONNX export: unexpected {layer.GetType().Name} at '{path}'; this exporter knows the ConditionalUNet and Autoencoder layouts of MLAugment.Diffusion.");
}
