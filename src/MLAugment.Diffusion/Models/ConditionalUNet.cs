using MLAugment.Engine;
using MLAugment.Engine.NN;

namespace MLAugment.Diffusion.Models;

/// <summary>
/// A class-conditional UNet noise predictor ε_θ(x_t, t, y) in the shape of diffusers' UNet2DModel with
/// class embeddings: the class embedding is added to the time embedding, and class <see cref="UNetConfig.NullClass"/>
/// is the learned "no condition" used by classifier-free guidance. Levels: ResnetBlocks (+ self-attention
/// where configured) then a stride-2 downsample; a mid block (res, attn, res); the mirrored up path takes
/// the skip activations by concatenation.
/// </summary>
public sealed class ConditionalUNet : Module
{
    public UNetConfig Config { get; }
    private readonly Conv2d _convIn, _convOut;
    private readonly Linear _time1, _time2;
    private readonly Embedding _classEmbedding;
    private readonly List<List<(ResnetBlock Res, SpatialSelfAttention? Attn)>> _down = new();
    private readonly List<Downsample?> _downsamplers = new();
    private readonly ResnetBlock _mid1, _mid2;
    private readonly SpatialSelfAttention _midAttn;
    private readonly List<List<(ResnetBlock Res, SpatialSelfAttention? Attn)>> _up = new();
    private readonly List<Upsample?> _upsamplers = new();
    private readonly GroupNorm _normOut;

    public ConditionalUNet(UNetConfig config, Generator g)
    {
        config.Validate();
        Config = config;
        var ch = config.BlockOutChannels;
        int temb = config.TimeEmbedDim, groups = config.NormNumGroups;
        float eps = config.NormEps, drop = config.Dropout;
        _convIn = RegisterModule("conv_in", new Conv2d(config.InChannels, ch[0], 3, g, padding: 1));
        _time1 = RegisterModule("time_embedding_linear_1", new Linear(ch[0], temb, g));
        _time2 = RegisterModule("time_embedding_linear_2", new Linear(temb, temb, g));
        _classEmbedding = RegisterModule("class_embedding", new Embedding(config.NumClassEmbeds + 1, temb, g));

        var downList = RegisterModule("down_blocks", new ModuleList<Module>());
        var skipChannels = new List<int> { ch[0] };
        int cur = ch[0];
        for (int level = 0; level < ch.Length; level++)
        {
            var block = new ModuleList<Module>();
            var layers = new List<(ResnetBlock, SpatialSelfAttention?)>();
            for (int i = 0; i < config.LayersPerBlock; i++)
            {
                var res = Attach(block, new ResnetBlock(cur, ch[level], temb, groups, eps, drop, g));
                cur = ch[level];
                var attn = config.AttentionLevels[level] ? Attach(block, new SpatialSelfAttention(cur, config.AttentionHeadDim, groups, eps, g)) : null;
                layers.Add((res, attn));
                skipChannels.Add(cur);
            }
            Downsample? ds = null;
            if (level < ch.Length - 1) { ds = Attach(block, new Downsample(cur, g)); skipChannels.Add(cur); }
            downList.Add(block);
            _down.Add(layers);
            _downsamplers.Add(ds);
        }

        var mid = RegisterModule("mid_block", new ModuleList<Module>());
        _mid1 = Attach(mid, new ResnetBlock(cur, cur, temb, groups, eps, drop, g));
        _midAttn = Attach(mid, new SpatialSelfAttention(cur, config.AttentionHeadDim, groups, eps, g));
        _mid2 = Attach(mid, new ResnetBlock(cur, cur, temb, groups, eps, drop, g));

        var upList = RegisterModule("up_blocks", new ModuleList<Module>());
        for (int level = ch.Length - 1; level >= 0; level--)
        {
            var block = new ModuleList<Module>();
            var layers = new List<(ResnetBlock, SpatialSelfAttention?)>();
            for (int i = 0; i < config.LayersPerBlock + 1; i++)
            {
                int skip = skipChannels[^1];
                skipChannels.RemoveAt(skipChannels.Count - 1);
                var res = Attach(block, new ResnetBlock(cur + skip, ch[level], temb, groups, eps, drop, g));
                cur = ch[level];
                var attn = config.AttentionLevels[level] ? Attach(block, new SpatialSelfAttention(cur, config.AttentionHeadDim, groups, eps, g)) : null;
                layers.Add((res, attn));
            }
            Upsample? us = level > 0 ? Attach(block, new Upsample(cur, g)) : null;
            upList.Add(block);
            _up.Add(layers);
            _upsamplers.Add(us);
        }
        _normOut = RegisterModule("conv_norm_out", new GroupNorm(groups, cur, eps));
        _convOut = RegisterModule("conv_out", new Conv2d(cur, config.OutChannels, 3, g, padding: 1));
    }

    /// <summary>Predicts the model output (ε, v or x₀ per the scheduler's prediction type) for a batch.</summary>
    /// <param name="sample">[B, in_channels, S, S]</param>
    /// <param name="timesteps">One timestep per batch row (or a single one for all).</param>
    /// <param name="classLabels">One class per row in [0, num_class_embeds]; num_class_embeds = unconditional.</param>
    public Tensor Forward(Tensor sample, ReadOnlySpan<float> timesteps, ReadOnlySpan<int> classLabels)
    {
        int b = sample.Shape[0];
        if (sample.Rank != 4 || sample.Shape[1] != Config.InChannels)
            throw new ArgumentException($"ConditionalUNet: sample {ShapeUtil.Format(sample.Shape)} must be [B, {Config.InChannels}, H, W].");
        if (timesteps.Length != b && timesteps.Length != 1)
            throw new ArgumentException($"ConditionalUNet: {timesteps.Length} timesteps for a batch of {b}.");
        if (classLabels.Length != b)
            throw new ArgumentException($"ConditionalUNet: {classLabels.Length} class labels for a batch of {b}.");
        if (timesteps.Length != b)
        {
            var filled = new float[b];
            Array.Fill(filled, timesteps[0]);
            timesteps = filled;
        }

        var temb = Embeddings.Timestep(timesteps, Config.BlockOutChannels[0], Config.FlipSinToCos, Config.FreqShift);
        temb = _time2.Forward(_time1.Forward(temb).Silu());
        temb = temb + _classEmbedding.Forward(classLabels, b);

        var h = _convIn.Forward(sample);
        var skips = new List<Tensor> { h };
        for (int level = 0; level < _down.Count; level++)
        {
            foreach (var (res, attn) in _down[level])
            {
                h = res.Forward(h, temb);
                if (attn != null) h = attn.Forward(h);
                skips.Add(h);
            }
            if (_downsamplers[level] is { } ds) { h = ds.Forward(h); skips.Add(h); }
        }
        h = _mid2.Forward(_midAttn.Forward(_mid1.Forward(h, temb)), temb);
        for (int level = 0; level < _up.Count; level++)
        {
            foreach (var (res, attn) in _up[level])
            {
                var skip = skips[^1];
                skips.RemoveAt(skips.Count - 1);
                h = res.Forward(F.Concat(new[] { h, skip }, 1), temb);
                if (attn != null) h = attn.Forward(h);
            }
            if (_upsamplers[level] is { } us) h = us.Forward(h);
        }
        return _convOut.Forward(_normOut.ForwardSilu(h));
    }

    private static T Attach<T>(Engine.NN.ModuleList<Engine.NN.Module> list, T module) where T : Engine.NN.Module
    {
        list.Add(module);
        return module;
    }
}
