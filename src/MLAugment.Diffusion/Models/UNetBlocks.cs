using MLAugment.Engine;
using MLAugment.Engine.NN;

namespace MLAugment.Diffusion.Models;

/// <summary>
/// Residual block with time conditioning (DDPM/ADM): GN→SiLU→conv3×3, add projected time embedding,
/// GN→SiLU→dropout→conv3×3, plus a 1×1 skip when channels change.
/// </summary>
public sealed class ResnetBlock : Module
{
    private readonly GroupNorm _norm1, _norm2;
    private readonly Conv2d _conv1, _conv2;
    private readonly Linear? _timeProj;
    private readonly Conv2d? _skip;
    private readonly Dropout _dropout;

    public ResnetBlock(int inChannels, int outChannels, int timeEmbedDim, int groups, float eps, float dropout, Generator g)
    {
        _norm1 = RegisterModule("norm1", new GroupNorm(groups, inChannels, eps));
        _conv1 = RegisterModule("conv1", new Conv2d(inChannels, outChannels, 3, g, padding: 1));
        if (timeEmbedDim > 0) _timeProj = RegisterModule("time_emb_proj", new Linear(timeEmbedDim, outChannels, g));
        _norm2 = RegisterModule("norm2", new GroupNorm(groups, outChannels, eps));
        _dropout = RegisterModule("dropout", new Dropout(dropout, g));
        _conv2 = RegisterModule("conv2", new Conv2d(outChannels, outChannels, 3, g, padding: 1));
        if (inChannels != outChannels) _skip = RegisterModule("conv_shortcut", new Conv2d(inChannels, outChannels, 1, g));
    }

    /// <param name="temb">Time embedding [B, D], or null for blocks built without one (the autoencoder).</param>
    public Tensor Forward(Tensor x, Tensor? temb)
    {
        var h = _conv1.Forward(_norm1.ForwardSilu(x));
        if (_timeProj != null)
        {
            if (temb == null) throw new ArgumentException("ResnetBlock: this block is time-conditioned; temb is required.");
            var t = _timeProj.Forward(temb.Silu());
            h = h + t.Reshape(t.Shape[0], t.Shape[1], 1, 1);
        }
        h = _conv2.Forward(_dropout.Forward(_norm2.ForwardSilu(h)));
        return (_skip?.Forward(x) ?? x) + h;
    }
}

/// <summary>Spatial self-attention over H·W positions (the DDPM/LDM attention block), residual.</summary>
public sealed class SpatialSelfAttention : Module
{
    private readonly GroupNorm _norm;
    private readonly Linear _q, _k, _v, _out;
    private readonly int _heads;

    public SpatialSelfAttention(int channels, int headDim, int groups, float eps, Generator g)
    {
        _heads = Math.Max(1, channels / headDim);
        _norm = RegisterModule("group_norm", new GroupNorm(groups, channels, eps));
        _q = RegisterModule("to_q", new Linear(channels, channels, g));
        _k = RegisterModule("to_k", new Linear(channels, channels, g));
        _v = RegisterModule("to_v", new Linear(channels, channels, g));
        _out = RegisterModule("to_out", new Linear(channels, channels, g));
    }

    public Tensor Forward(Tensor x)
    {
        int b = x.Shape[0], c = x.Shape[1], h = x.Shape[2], w = x.Shape[3], n = h * w, d = c / _heads;
        var seq = _norm.Forward(x).Reshape(b, c, n).Permute(0, 2, 1); // [B, N, C]
        Tensor Heads(Tensor t) => t.Reshape(b, n, _heads, d).Permute(0, 2, 1, 3); // [B, H, N, d]
        var attn = F.ScaledDotProductAttention(Heads(_q.Forward(seq)), Heads(_k.Forward(seq)), Heads(_v.Forward(seq)));
        var merged = attn.Permute(0, 2, 1, 3).Reshape(b, n, c);
        var o = _out.Forward(merged).Permute(0, 2, 1).Reshape(b, c, h, w);
        return x + o;
    }
}

/// <summary>Stride-2 3×3 convolution (halves H and W).</summary>
public sealed class Downsample : Module<Tensor, Tensor>
{
    private readonly Conv2d _conv;
    public Downsample(int channels, Generator g) { _conv = RegisterModule("conv", new Conv2d(channels, channels, 3, g, stride: 2, padding: 1)); }
    public override Tensor Forward(Tensor x) => _conv.Forward(x);
}

/// <summary>Nearest 2× upsampling followed by a 3×3 convolution.</summary>
public sealed class Upsample : Module<Tensor, Tensor>
{
    private readonly Conv2d _conv;
    public Upsample(int channels, Generator g) { _conv = RegisterModule("conv", new Conv2d(channels, channels, 3, g, padding: 1)); }
    public override Tensor Forward(Tensor x) => _conv.Forward(F.UpsampleNearest2d(x, 2));
}
