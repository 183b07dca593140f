using System.Text.Json;
using MLAugment.Diffusion.Schedulers;
using MLAugment.Diffusion.Text;
using MLAugment.Engine;
using MLAugment.Onnx.Format;

namespace MLAugment.Onnx.StableDiffusion;

/// <summary>
/// Writes a tiny model with Stable Diffusion's architecture and random weights in the diffusers ONNX folder layout:
/// a CLIP-style text encoder (token + position embeddings, pre-LN transformer layers with causal self-attention and a
/// quick-GELU MLP, final LayerNorm), a conditional UNet (sinusoidal time embedding, resnet blocks, one down/up stage,
/// a transformer block with cross-attention over <c>encoder_hidden_states</c>) with its weights in
/// <c>unet/weights.pb</c>, and a KL-VAE encoder/decoder. Small enough for unit tests (16×16 images by default);
/// also a way to make a toy folder for trying the ONNX backend without a real checkpoint.
/// </summary>
public static class TinyStableDiffusionFixture
{
    /// <summary>Writes the model folder (created if needed; existing files of the layout are overwritten).</summary>
    public static void Create(string folder, ulong seed, TinyStableDiffusionOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(folder);
        options ??= new TinyStableDiffusionOptions();
        options.Validate();
        var tokenizer = options.Tokenizer ?? ByteLevelTokenizer();
        var root = new Generator(seed);
        Directory.CreateDirectory(folder);

        ClipVocabularyFiles.Write(tokenizer, Path.Combine(folder, StableDiffusionFolder.Tokenizer));
        var scheduler = options.Scheduler ?? StableDiffusion15Scheduler();
        Directory.CreateDirectory(Path.Combine(folder, "scheduler"));
        scheduler.Save(Path.Combine(folder, StableDiffusionFolder.SchedulerConfig));

        var textEncoder = TextEncoder(root.Fork(1), tokenizer, options);
        SaveModel(textEncoder, Path.Combine(folder, StableDiffusionFolder.TextEncoder), null);
        var unet = UNet(root.Fork(2), tokenizer.MaxLength, options);
        SaveModel(unet, Path.Combine(folder, StableDiffusionFolder.UNet), new OnnxExternalDataOptions { FileName = StableDiffusionFolder.ExternalWeightsFileName });
        // Encoder and decoder draw from separate forks, so the encoder's output variant does not change the decoder.
        SaveModel(VaeEncoder(root.Fork(3), options), Path.Combine(folder, StableDiffusionFolder.VaeEncoder), null);
        SaveModel(VaeDecoder(root.Fork(4), options), Path.Combine(folder, StableDiffusionFolder.VaeDecoder), null);

        WriteConfigs(folder, tokenizer, scheduler, options);
    }

    /// <summary>A CLIP vocabulary of single bytes only: every UTF-8 text tokenizes, one byte per token.</summary>
    public static ClipTokenizer ByteLevelTokenizer()
    {
        var vocabulary = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (char c in ByteLevelAlphabet.VocabularyOrder) vocabulary.Add(c.ToString(), vocabulary.Count);
        foreach (char c in ByteLevelAlphabet.VocabularyOrder) vocabulary.Add(c + "</w>", vocabulary.Count);
        vocabulary.Add(ClipTokenizer.StartOfTextToken, vocabulary.Count);
        vocabulary.Add(ClipTokenizer.EndOfTextToken, vocabulary.Count);
        return new ClipTokenizer(vocabulary, []);
    }

    /// <summary>Stable Diffusion 1.5's scheduler_config.json (PNDM, scaled-linear betas, ε-prediction).</summary>
    public static SchedulerConfig StableDiffusion15Scheduler() => new()
    {
        ClassName = "PNDMScheduler",
        NumTrainTimesteps = 1000,
        BetaStart = 0.00085,
        BetaEnd = 0.012,
        BetaSchedule = "scaled_linear",
        PredictionType = "epsilon",
        StepsOffset = 1,
        SetAlphaToOne = false,
        ClipSample = false,
        TimestepSpacing = "leading",
    };

    private static void SaveModel(OnnxModel model, string path, OnnxExternalDataOptions? external)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        OnnxModelWriter.Save(model, path, external);
    }

    // CLIPTextModel: x = tok_emb[ids] + pos_emb; per layer x += attn(ln1(x)) with a causal mask, x += mlp(ln2(x));
    // last_hidden_state = ln_f(x); pooler_output = last_hidden_state at the first position of the largest id (the end token).
    private static OnnxModel TextEncoder(Generator g, ClipTokenizer tokenizer, TinyStableDiffusionOptions o)
    {
        int length = tokenizer.MaxLength, d = o.HiddenSize, vocab = tokenizer.VocabularySize;
        var c = new TinyGraphComposer("text_encoder", g);
        c.Builder.Input("input_ids", o.InputIdsType, ["batch", "sequence"]);

        string tokens = c.Op("Gather", [c.Weight("token_embedding", [vocab, d], 0.5f), "input_ids"]);
        string x = c.Op("Add", [tokens, c.Weight("position_embedding", [length, d], 0.2f)]);

        var mask = new float[length * length];
        for (int i = 0; i < length; i++)
            for (int j = i + 1; j < length; j++) mask[i * length + j] = -1e9f;
        string causal = c.Constant("causal_mask", [1, 1, length, length], mask);

        for (int layer = 0; layer < o.TextLayers; layer++)
        {
            string h = c.LayerNorm(x, d);
            x = c.Op("Add", [x, c.Attention(h, d, h, d, d, o.AttentionHeads, causal)]);
            string m = c.Linear(c.QuickGelu(c.Linear(c.LayerNorm(x, d), d, 4 * d)), 4 * d, d, gain: 0.5f);
            x = c.Op("Add", [x, m]);
        }
        string last = c.LayerNorm(x, d);
        c.FloatOutput(last, "last_hidden_state", o.Float16Io, ["batch", "sequence", d]);

        string idsAsFloat = c.Op("Cast", ["input_ids"], OnnxAttribute.Int("to", (long)OnnxDataType.Float));
        string endPosition = c.Op("ArgMax", [idsAsFloat], OnnxAttribute.Int("axis", 1), OnnxAttribute.Int("keepdims", 1));
        string positions = c.Int64s("positions", Enumerable.Range(0, length).Select(i => (long)i).ToArray());
        string oneHot = c.Op("Cast", [c.Op("Equal", [positions, endPosition])], OnnxAttribute.Int("to", (long)OnnxDataType.Float));
        string pooled = c.Op("MatMul", [c.Op("Unsqueeze", [oneHot, c.Int64s("axis1", 1)]), last]);
        c.FloatOutput(c.Op("Reshape", [pooled, c.Int64s("pooled_shape", -1, d)]), "pooler_output", o.Float16Io, ["batch", d]);
        return c.Builder.BuildModel();
    }

    // UNet2DConditionModel in miniature: time embedding → conv_in → res → down → res → transformer(self + cross attn)
    // → up → + skip → res → norm/silu/conv_out.
    private static OnnxModel UNet(Generator g, int sequenceLength, TinyStableDiffusionOptions o)
    {
        int ch = o.Channels, groups = 8, d = o.HiddenSize, timeDim = 4 * ch, freqDim = ch;
        var c = new TinyGraphComposer("unet", g);
        string sample = c.FloatInput("sample", o.Float16Io, ["batch", o.LatentChannels, "height", "width"]);
        c.Builder.Input("timestep", o.TimestepType, o.TimestepPerRow ? ["batch"] : [1]);
        string context = c.FloatInput("encoder_hidden_states", o.Float16Io, ["batch", "sequence", d]);

        // Timesteps [1] broadcast over the batch, as diffusers' UNet expands them.
        string t = c.Op("Cast", ["timestep"], OnnxAttribute.Int("to", (long)OnnxDataType.Float));
        string batch = c.Op("Gather", [c.Op("Shape", [sample]), c.Int64s("dim0", 0)]);
        t = c.Op("Expand", [t, batch]);

        // Sinusoidal embedding (Vaswani et al. 2017) with diffusers' flip_sin_to_cos: [cos(t·f_i), sin(t·f_i)], f_i = 10000^(−i/half).
        int half = freqDim / 2;
        var freqs = Enumerable.Range(0, half).Select(i => MathF.Exp(-MathF.Log(10000f) * i / half)).ToArray();
        string args = c.Op("Mul", [c.Op("Unsqueeze", [t, c.Int64s("axis1", 1)]), c.Constant("freqs", [1, half], freqs)]);
        string sinusoid = c.Op("Concat", [c.Op("Cos", [args]), c.Op("Sin", [args])], OnnxAttribute.Int("axis", 1));
        string temb = c.Linear(c.Silu(c.Linear(sinusoid, freqDim, timeDim)), timeDim, timeDim);

        string x = c.Conv(sample, o.LatentChannels, ch, 3);
        string skip = c.ResnetBlock(x, ch, groups, temb, timeDim);
        x = c.Conv(skip, ch, ch, 3, stride: 2);
        x = c.ResnetBlock(x, ch, groups, temb, timeDim);
        x = TransformerBlock(c, x, ch, groups, context, d, o.AttentionHeads);
        x = c.Upsample(x, ch);
        x = c.ResnetBlock(c.Op("Add", [x, skip]), ch, groups, temb, timeDim);
        string output = c.Conv(c.Silu(c.GroupNorm(x, ch, groups)), ch, o.LatentChannels, 3, gain: 0.5f);
        c.FloatOutput(output, "out_sample", o.Float16Io, ["batch", o.LatentChannels, "height", "width"]);
        return c.Builder.BuildModel();
    }

    // Transformer2DModel: tokens = gn(x) as [B, h·w, C]; += self-attn, += cross-attn over the text, += MLP; back to [B, C, h, w] + x.
    private static string TransformerBlock(TinyGraphComposer c, string x, int ch, int groups, string context, int contextDim, int heads)
    {
        string flat = c.Op("Reshape", [c.GroupNorm(x, ch, groups), c.Int64s("flat_shape", 0, ch, -1)]);
        string tokens = c.Op("Transpose", [flat], OnnxAttribute.IntList("perm", [0, 2, 1]));
        string h = c.LayerNorm(tokens, ch);
        tokens = c.Op("Add", [tokens, c.Attention(h, ch, h, ch, ch, heads)]);
        tokens = c.Op("Add", [tokens, c.Attention(c.LayerNorm(tokens, ch), ch, context, contextDim, ch, heads)]);
        string mlp = c.Linear(c.QuickGelu(c.Linear(c.LayerNorm(tokens, ch), ch, 4 * ch)), 4 * ch, ch, gain: 0.5f);
        tokens = c.Op("Add", [tokens, mlp]);
        string back = c.Op("Reshape", [c.Op("Transpose", [tokens], OnnxAttribute.IntList("perm", [0, 2, 1])), c.Op("Shape", [x])]);
        return c.Op("Add", [x, back]);
    }

    private static int DownStages(TinyStableDiffusionOptions o) => (int)Math.Log2(o.VaeScaleFactor);

    // AutoencoderKL encoder + quant_conv: moments = mean ‖ logvar; the legacy-layout variant returns the mean as latent_sample.
    private static OnnxModel VaeEncoder(Generator g, TinyStableDiffusionOptions o)
    {
        int ch = o.Channels, groups = 8, z = o.LatentChannels;
        var c = new TinyGraphComposer("vae_encoder", g);
        string x = c.Conv(c.FloatInput("sample", o.Float16Io, ["batch", 3, "height", "width"]), 3, ch, 3);
        for (int s = 0; s < DownStages(o); s++)
            x = c.ResnetBlock(c.Conv(x, ch, ch, 3, stride: 2), ch, groups);
        string moments = c.Conv(c.Silu(c.GroupNorm(x, ch, groups)), ch, 2 * z, 3);
        moments = c.Conv(moments, 2 * z, 2 * z, 1);
        if (o.VaeEncoderOutput == VaeEncoderOutputKind.LatentParameters)
        {
            c.FloatOutput(moments, "latent_parameters", o.Float16Io, ["batch", 2 * z, "latent_height", "latent_width"]);
        }
        else
        {
            string mean = c.Op("Slice", [moments, c.Int64s("start", 0), c.Int64s("end", z), c.Int64s("axes", 1)]);
            c.FloatOutput(mean, "latent_sample", o.Float16Io, ["batch", z, "latent_height", "latent_width"]);
        }
        return c.Builder.BuildModel();
    }

    // post_quant_conv + AutoencoderKL decoder: conv_in → res → (upsample → res)×stages → norm/silu/conv_out.
    private static OnnxModel VaeDecoder(Generator g, TinyStableDiffusionOptions o)
    {
        int ch = o.Channels, groups = 8, z = o.LatentChannels;
        var c = new TinyGraphComposer("vae_decoder", g);
        string latents = c.FloatInput("latent_sample", o.Float16Io, ["batch", z, "latent_height", "latent_width"]);
        string x = c.Conv(c.Conv(latents, z, z, 1), z, ch, 3);
        x = c.ResnetBlock(x, ch, groups);
        for (int s = 0; s < DownStages(o); s++)
            x = c.ResnetBlock(c.Upsample(x, ch), ch, groups);
        string image = c.Conv(c.Silu(c.GroupNorm(x, ch, groups)), ch, 3, 3, gain: 0.5f);
        c.FloatOutput(image, "sample", o.Float16Io, ["batch", 3, "height", "width"]);
        return c.Builder.BuildModel();
    }

    // The config.json files Optimum writes beside each model, and diffusers' model_index.json.
    private static void WriteConfigs(string folder, ClipTokenizer tokenizer, SchedulerConfig scheduler, TinyStableDiffusionOptions o)
    {
        int latentSize = o.ImageSize / o.VaeScaleFactor;
        var blockOut = Enumerable.Repeat(o.Channels, DownStages(o) + 1).ToArray();
        WriteJson(Path.Combine(folder, StableDiffusionFolder.ModelIndex), new Dictionary<string, object>
        {
            ["_class_name"] = "OnnxStableDiffusionPipeline",
            ["_diffusers_version"] = "0.30.0",
            ["text_encoder"] = new[] { "diffusers", "OnnxRuntimeModel" },
            ["tokenizer"] = new[] { "transformers", "CLIPTokenizer" },
            ["unet"] = new[] { "diffusers", "OnnxRuntimeModel" },
            ["vae_encoder"] = new[] { "diffusers", "OnnxRuntimeModel" },
            ["vae_decoder"] = new[] { "diffusers", "OnnxRuntimeModel" },
            ["scheduler"] = new[] { "diffusers", scheduler.ClassName ?? "PNDMScheduler" },
            ["safety_checker"] = new object?[] { null, null },
            ["feature_extractor"] = new object?[] { null, null },
            ["requires_safety_checker"] = false,
        });
        WriteJson(Path.Combine(folder, "text_encoder", "config.json"), new Dictionary<string, object>
        {
            ["architectures"] = new[] { "CLIPTextModel" },
            ["hidden_size"] = o.HiddenSize,
            ["num_hidden_layers"] = o.TextLayers,
            ["num_attention_heads"] = o.AttentionHeads,
            ["max_position_embeddings"] = tokenizer.MaxLength,
            ["vocab_size"] = tokenizer.VocabularySize,
            ["hidden_act"] = "quick_gelu",
        });
        WriteJson(Path.Combine(folder, "unet", "config.json"), new Dictionary<string, object>
        {
            ["_class_name"] = "UNet2DConditionModel",
            ["sample_size"] = latentSize,
            ["in_channels"] = o.LatentChannels,
            ["out_channels"] = o.LatentChannels,
            ["cross_attention_dim"] = o.HiddenSize,
        });
        foreach (var part in new[] { "vae_encoder", "vae_decoder" })
            WriteJson(Path.Combine(folder, part, "config.json"), new Dictionary<string, object>
            {
                ["_class_name"] = "AutoencoderKL",
                ["sample_size"] = o.ImageSize,
                ["in_channels"] = 3,
                ["out_channels"] = 3,
                ["latent_channels"] = o.LatentChannels,
                ["block_out_channels"] = blockOut,
                ["scaling_factor"] = o.ScalingFactor,
            });
    }

    private static void WriteJson(string path, object value) =>
        File.WriteAllText(path, JsonSerializer.Serialize(value, new JsonSerializerOptions { WriteIndented = true }));
}
