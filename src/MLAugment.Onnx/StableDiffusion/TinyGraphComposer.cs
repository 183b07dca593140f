using MLAugment.Engine;
using MLAugment.Onnx.Format;

namespace MLAugment.Onnx.StableDiffusion;

/// <summary>
/// Writes the building blocks of the Stable Diffusion networks (linear, conv, norms, attention) as ONNX nodes with
/// random weights, for <see cref="TinyStableDiffusionFixture"/>. Values get fresh SSA names; weights are drawn from
/// one <see cref="Generator"/> in graph order, so the same seed gives the same weights.
/// </summary>
internal sealed class TinyGraphComposer
{
    private readonly Generator _generator;
    private int _counter;

    public OnnxGraphBuilder Builder { get; }

    public TinyGraphComposer(string graphName, Generator generator)
    {
        Builder = new OnnxGraphBuilder(graphName);
        _generator = generator;
    }

    private string Fresh(string prefix) => $"{prefix}_{_counter++}";

    /// <summary>An initializer drawn from N(mean, std²).</summary>
    public string Weight(string prefix, long[] dims, float std, float mean = 0f)
    {
        var values = new float[dims.Aggregate(1L, (a, d) => a * d)];
        _generator.FillNormal(values, mean, std);
        return Constant(prefix, dims, values);
    }

    public string Constant(string prefix, long[] dims, float[] values)
    {
        string name = Fresh(prefix);
        Builder.Initializer(OnnxTensor.FromFloats(name, dims, values));
        return name;
    }

    public string Int64s(string prefix, params long[] values)
    {
        string name = Fresh(prefix);
        Builder.Initializer(OnnxTensor.FromInt64s(name, [values.Length], values));
        return name;
    }

    /// <summary>One node with a single, freshly named output.</summary>
    public string Op(string opType, string[] inputs, params OnnxAttribute[] attributes)
    {
        string output = Fresh(opType.ToLowerInvariant());
        Builder.Node(opType, inputs, [output], null, attributes);
        return output;
    }

    /// <summary>Renames a value to a graph output name.</summary>
    public void Output(string value, string name, OnnxDataType type, OnnxDimension[] shape)
    {
        Builder.Node("Identity", [value], [name]);
        Builder.Output(name, type, shape);
    }

    /// <summary>A float graph input, declared float16 when <paramref name="half"/> (fp16 exports without kept I/O types) and cast up inside.</summary>
    public string FloatInput(string name, bool half, OnnxDimension[] shape)
    {
        Builder.Input(name, half ? OnnxDataType.Float16 : OnnxDataType.Float, shape);
        return half ? Op("Cast", [name], OnnxAttribute.Int("to", (long)OnnxDataType.Float)) : name;
    }

    /// <summary>A float graph output, cast down to float16 when <paramref name="half"/>.</summary>
    public void FloatOutput(string value, string name, bool half, OnnxDimension[] shape)
    {
        if (!half)
        {
            Output(value, name, OnnxDataType.Float, shape);
            return;
        }
        Builder.Node("Cast", [value], [name], null, OnnxAttribute.Int("to", (long)OnnxDataType.Float16));
        Builder.Output(name, OnnxDataType.Float16, shape);
    }

    /// <summary>y = x·W + b, W ~ N(0, gain²/in) so activations keep their scale.</summary>
    public string Linear(string x, int inFeatures, int outFeatures, float gain = 1f, bool bias = true)
    {
        string w = Weight("linear_w", [inFeatures, outFeatures], gain / MathF.Sqrt(inFeatures));
        string y = Op("MatMul", [x, w]);
        return bias ? Op("Add", [y, Weight("linear_b", [outFeatures], 0.02f)]) : y;
    }

    public string Conv(string x, int inChannels, int outChannels, int kernel, int stride = 1, float gain = 1f)
    {
        string w = Weight("conv_w", [outChannels, inChannels, kernel, kernel], gain / MathF.Sqrt(inChannels * kernel * kernel));
        string b = Weight("conv_b", [outChannels], 0.02f);
        int pad = kernel / 2;
        return Op("Conv", [x, w, b],
            OnnxAttribute.IntList("kernel_shape", [kernel, kernel]),
            OnnxAttribute.IntList("pads", [pad, pad, pad, pad]),
            OnnxAttribute.IntList("strides", [stride, stride]));
    }

    public string Silu(string x) => Op("Mul", [x, Op("Sigmoid", [x])]);

    /// <summary>CLIP's quick-GELU: x·σ(1.702x).</summary>
    public string QuickGelu(string x) => Op("Mul", [x, Op("Sigmoid", [Op("Mul", [x, Constant("gelu_k", [], [1.702f])])])]);

    /// <summary>LayerNorm over the last axis (Ba et al. 2016).</summary>
    public string LayerNorm(string x, int features) => Op("LayerNormalization",
        [x, Weight("ln_g", [features], 0.05f, mean: 1f), Weight("ln_b", [features], 0.05f)],
        OnnxAttribute.Int("axis", -1), OnnxAttribute.Float("epsilon", 1e-5f));

    /// <summary>GroupNorm (Wu &amp; He 2018) of [B, C, H, W]: instance-normalize [B, G, C/G·H·W], then a per-channel affine.</summary>
    public string GroupNorm(string x, int channels, int groups)
    {
        string grouped = Op("Reshape", [x, Int64s("gn_shape", 0, groups, -1)]);
        string normed = Op("InstanceNormalization",
            [grouped, Constant("gn_one", [groups], Enumerable.Repeat(1f, groups).ToArray()), Constant("gn_zero", [groups], new float[groups])],
            OnnxAttribute.Float("epsilon", 1e-5f));
        string back = Op("Reshape", [normed, Op("Shape", [x])]);
        string scaled = Op("Mul", [back, Weight("gn_g", [channels, 1, 1], 0.05f, mean: 1f)]);
        return Op("Add", [scaled, Weight("gn_b", [channels, 1, 1], 0.05f)]);
    }

    /// <summary>
    /// Multi-head scaled dot-product attention (Vaswani et al. 2017): softmax(Q·Kᵀ/√d_h + mask)·V, queries from
    /// <paramref name="x"/> [B, Lq, queryDim], keys/values from <paramref name="context"/> [B, Lk, contextDim].
    /// </summary>
    public string Attention(string x, int queryDim, string context, int contextDim, int innerDim, int heads, string? additiveMask = null)
    {
        int headDim = innerDim / heads;
        string SplitHeads(string t, long[] perm) =>
            Op("Transpose", [Op("Reshape", [t, Int64s("heads_shape", 0, 0, heads, headDim)])], OnnxAttribute.IntList("perm", perm));

        string q = SplitHeads(Linear(x, queryDim, innerDim, bias: false), [0, 2, 1, 3]);        // [B, H, Lq, dh]
        string k = SplitHeads(Linear(context, contextDim, innerDim, bias: false), [0, 2, 3, 1]); // [B, H, dh, Lk]
        string v = SplitHeads(Linear(context, contextDim, innerDim, bias: false), [0, 2, 1, 3]); // [B, H, Lk, dh]
        string scores = Op("Mul", [Op("MatMul", [q, k]), Constant("attn_scale", [], [1f / MathF.Sqrt(headDim)])]);
        if (additiveMask is not null) scores = Op("Add", [scores, additiveMask]);
        string probs = Op("Softmax", [scores], OnnxAttribute.Int("axis", -1));
        string merged = Op("Transpose", [Op("MatMul", [probs, v])], OnnxAttribute.IntList("perm", [0, 2, 1, 3]));
        return Linear(Op("Reshape", [merged, Int64s("merge_shape", 0, 0, innerDim)]), innerDim, queryDim);
    }

    /// <summary>
    /// diffusers' ResnetBlock2D: x + conv(silu(gn(conv(silu(gn(x))) + proj(silu(temb))))), the time projection
    /// broadcast over space; without <paramref name="timeEmbedding"/> (the VAE) that term is absent.
    /// </summary>
    public string ResnetBlock(string x, int channels, int groups, string? timeEmbedding = null, int timeDim = 0)
    {
        string h = Conv(Silu(GroupNorm(x, channels, groups)), channels, channels, 3);
        if (timeEmbedding is not null)
        {
            string t = Linear(Silu(timeEmbedding), timeDim, channels);
            h = Op("Add", [h, Op("Unsqueeze", [t, Int64s("hw_axes", 2, 3)])]);
        }
        h = Conv(Silu(GroupNorm(h, channels, groups)), channels, channels, 3, gain: 0.5f);
        return Op("Add", [x, h]);
    }

    /// <summary>2× nearest-neighbour upsampling followed by a 3×3 conv (diffusers' Upsample2D).</summary>
    public string Upsample(string x, int channels)
    {
        string scales = Constant("up_scales", [4], [1f, 1f, 2f, 2f]);
        string up = Op("Resize", [x, "", scales], OnnxAttribute.String("mode", "nearest"));
        return Conv(up, channels, channels, 3);
    }
}
