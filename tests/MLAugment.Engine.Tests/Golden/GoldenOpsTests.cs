using MLAugment.Engine;

namespace MLAugment.Engine.Tests.Golden;

/// <summary>
/// Every engine op against PyTorch 1.13: forward within 1e-4 and gradients within 1e-3 (relative to the
/// reference's largest magnitude, see <see cref="Golden"/>). Data: Golden/data/*.json from make_golden.py.
/// </summary>
[TestClass]
public sealed class GoldenOpsTests
{
    private static Tensor[] Numbered(GoldenCase c) =>
        c.InputOrder.Where(n => n.StartsWith('t') && int.TryParse(n[1..], out _)).Select(c.In).ToArray();

    [TestMethod]
    public void ArithmeticWithBroadcastingMatchesTorch() => Golden.Run("arithmetic", c => c.Op switch
    {
        "add" => c.In("a") + c.In("b"),
        "sub" => c.In("a") - c.In("b"),
        "mul" => c.In("a") * c.In("b"),
        "div" => c.In("a") / c.In("b"),
        "maximum" => Tensor.Maximum(c.In("a"), c.In("b")),
        "minimum" => Tensor.Minimum(c.In("a"), c.In("b")),
        "pow" => Tensor.Pow(c.In("a"), c.In("b")),
        "where" => Tensor.Where(c.In("cond"), c.In("a"), c.In("b")),
        "add_scalar" => c.In("x") + c.Float("s"),
        "mul_scalar" => c.In("x") * c.Float("s"),
        "rsub_scalar" => c.Float("s") - c.In("x"),
        "rdiv_scalar" => c.Float("s") / c.In("x"),
        "neg" => -c.In("x"),
        "expand" => c.In("x").ExpandTo(c.Ints("shape")),
        "sum_to" => Tensor.SumTo(c.In("x"), c.Ints("shape")),
        _ => throw new NotSupportedException(c.Op),
    });

    [TestMethod]
    public void UnaryMathAndActivationsMatchTorch() => Golden.Run("unary", c =>
    {
        var x = c.In("x");
        return c.Op switch
        {
            "exp" => x.Exp(),
            "log" => x.Log(),
            "sqrt" => x.Sqrt(),
            "abs" => x.Abs(),
            "sin" => x.Sin(),
            "cos" => x.Cos(),
            "square" => x.Square(),
            "pow_scalar" => x.Pow(c.Float("p")),
            "sign" => x.Sign(),
            "clamp" => x.Clamp(c.Float("min"), c.Float("max")),
            "relu" => x.Relu(),
            "silu" => x.Silu(),
            "sigmoid" => x.Sigmoid(),
            "tanh" => x.Tanh(),
            "softplus" => x.Softplus(c.Float("beta"), c.Float("threshold")),
            "gelu" => x.Gelu(),
            "gelu_tanh" => x.Gelu(tanhApproximation: true),
            "leaky_relu" => x.LeakyRelu(c.Float("slope")),
            _ => throw new NotSupportedException(c.Op),
        };
    });

    [TestMethod]
    public void ReductionsMatchTorch() => Golden.Run("reduction", c =>
    {
        var x = c.In("x");
        return c.Op switch
        {
            "sum_all" => x.Sum(),
            "mean_all" => x.Mean(),
            "sum_dims" => x.Sum(c.Ints("dims"), c.Bool("keepDim")),
            "mean_dims" => x.Mean(c.Ints("dims"), c.Bool("keepDim")),
            "var" => x.Var(c.Ints("dims"), c.Bool("unbiased"), c.Bool("keepDim")),
            "max_all" => x.Max(),
            "max_dim" => x.Max(c.Int("dim"), c.Bool("keepDim")).Values,
            _ => throw new NotSupportedException(c.Op),
        };
    }, (c, y, errors) =>
    {
        if (c.Op != "max_dim") return;
        var idx = c.In("x").Max(c.Int("dim"), c.Bool("keepDim")).Indices;
        var expected = c.Extra("indices").ToArray();
        if (!idx.Select(i => (float)i).SequenceEqual(expected)) errors.AppendLine($"{c.Name}: arg-max indices differ");
    });

    [TestMethod]
    public void MatMulLinearLayoutAndMasksMatchTorch() => Golden.Run("matmul", c => c.Op switch
    {
        "matmul" => Tensor.MatMul(c.In("a"), c.In("b"), c.Bool("transA"), c.Bool("transB")),
        "linear" => F.Linear(c.In("x"), c.In("w"), c.InOrNull("b")),
        "permute" => c.In("x").Permute(c.Ints("perm")),
        "transpose2d" => c.In("x").Transpose2D(),
        "reshape" => c.In("x").Reshape(c.Ints("shape")),
        "flatten" => c.In("x").Flatten(c.Int("startDim")),
        "narrow0" => c.In("x").Narrow0(c.Int("start"), c.Int("length")),
        "clone" => c.In("x").Clone(),
        "ge_mask" => Tensor.GreaterEqualMask(c.In("a"), c.In("b")),
        "ne_mask" => c.In("x").NotEqualMask(c.Float("value")),
        _ => throw new NotSupportedException(c.Op),
    });

    [TestMethod]
    public void ShapeOpsMatchTorch() => Golden.Run("shape", c => c.Op switch
    {
        "concat" => F.Concat(Numbered(c), c.Int("dim")),
        "stack" => F.Stack(Numbered(c), c.Int("dim")),
        "slice" => F.Slice(c.In("x"), c.Int("dim"), c.Int("start"), c.Int("length")),
        "pad" => F.Pad(c.In("x"), c.Ints("pads"), c.Float("value"), c.Str("mode") switch
        {
            "reflect" => F.PadMode.Reflect,
            "replicate" => F.PadMode.Replicate,
            _ => F.PadMode.Constant,
        }),
        "index_select" => F.IndexSelect(c.In("x"), c.Int("dim"), c.Ints("index")),
        "gather" => F.Gather(c.In("x"), c.Int("dim"), c.Ints("index"), c.Ints("indexShape")),
        "repeat" => F.Repeat(c.In("x"), c.Ints("reps")),
        "unsqueeze" => c.In("x").Unsqueeze(c.Int("dim")),
        "squeeze" => c.In("x").Squeeze(c.Int("dim")),
        "squeeze_all" => c.In("x").Squeeze(),
        "chunk" => F.Chunk(c.In("x"), c.Int("chunks"), c.Int("dim"))[c.Int("index")],
        "split_sizes" => F.Split(c.In("x"), c.Ints("sizes"), c.Int("dim"))[c.Int("index")],
        _ => throw new NotSupportedException(c.Op),
    });

    [TestMethod]
    public void SoftmaxAndLogSoftmaxMatchTorch() => Golden.Run("softmax", c => c.Op switch
    {
        "softmax" => F.Softmax(c.In("x"), c.Int("dim")),
        "log_softmax" => F.LogSoftmax(c.In("x"), c.Int("dim")),
        _ => throw new NotSupportedException(c.Op),
    });

    private static (int, int) Pair(GoldenCase c, string name) { var v = c.Ints(name); return (v[0], v[1]); }

    [TestMethod]
    public void PoolingMatchesTorch() => Golden.Run("pooling", c => c.Op switch
    {
        "avg_pool2d" => F.AvgPool2d(c.In("x"), Pair(c, "kernel"), Pair(c, "stride"), Pair(c, "padding"), c.Bool("countIncludePad")),
        "max_pool2d" => F.MaxPool2d(c.In("x"), Pair(c, "kernel"), Pair(c, "stride"), Pair(c, "padding"), Pair(c, "dilation")),
        "adaptive_avg_pool2d" => F.AdaptiveAvgPool2d(c.In("x"), c.Int("outH"), c.Int("outW")),
        _ => throw new NotSupportedException(c.Op),
    });

    [TestMethod]
    public void UpsamplingMatchesTorchInterpolate() => Golden.Run("upsample", c => c.Op switch
    {
        "nearest_size" => F.UpsampleNearest2d(c.In("x"), c.Int("outH"), c.Int("outW")),
        "nearest_scale" => F.UpsampleNearest2d(c.In("x"), c.Float("scale")),
        "bilinear" => F.UpsampleBilinear2d(c.In("x"), c.Int("outH"), c.Int("outW"), c.Bool("alignCorners")),
        "bilinear_scale" => F.UpsampleBilinear2d(c.In("x"), c.Float("scale"), c.Bool("alignCorners")),
        _ => throw new NotSupportedException(c.Op),
    });

    [TestMethod]
    public void NormalizationMatchesTorch() => Golden.Run("norm", c => c.Op switch
    {
        "group_norm" => F.GroupNorm(c.In("x"), c.Int("groups"), c.InOrNull("w"), c.InOrNull("b"), c.Float("eps")),
        "layer_norm" => F.LayerNorm(c.In("x"), c.Ints("shape"), c.InOrNull("w"), c.InOrNull("b"), c.Float("eps")),
        "batch_norm" => F.BatchNorm2d(c.In("x"), c.In("running_mean"), c.In("running_var"), c.InOrNull("w"), c.InOrNull("b"),
            c.Bool("training"), c.Float("momentum"), c.Float("eps")),
        _ => throw new NotSupportedException(c.Op),
    }, (c, y, errors) =>
    {
        if (c.Op != "batch_norm") return;
        Golden.Compare($"{c.Name} running mean", c.In("running_mean"), c.Extra("running_mean"), Golden.ForwardTolerance, errors);
        Golden.Compare($"{c.Name} running var", c.In("running_var"), c.Extra("running_var"), Golden.ForwardTolerance, errors);
    });

    [TestMethod]
    public void ScaledDotProductAttentionMatchesTorch() => Golden.Run("attention", c =>
        F.ScaledDotProductAttention(c.In("q"), c.In("k"), c.In("v"), c.InOrNull("mask"),
            isCausal: c.HasArg("causal") && c.Bool("causal"),
            scale: c.HasArg("scale") ? c.Float("scale") : null,
            maskIsBoolean: c.HasArg("boolMask") && c.Bool("boolMask")));

    [TestMethod]
    public void EmbeddingAndInactiveDropoutMatchTorch() => Golden.Run("embedding", c => c.Op switch
    {
        "embedding" => F.Embedding(c.In("w"), c.Ints("ids"), c.Ints("idsShape")),
        "dropout" => F.Dropout(c.In("x"), c.Float("p"), c.Bool("training"), new Generator(1)),
        _ => throw new NotSupportedException(c.Op),
    });

    [TestMethod]
    public void LossesMatchTorch() => Golden.Run("loss", c => c.Op switch
    {
        "mse" => F.MseLoss(c.In("x"), c.In("y"), c.Reduction),
        "l1" => F.L1Loss(c.In("x"), c.In("y"), c.Reduction),
        "smooth_l1" => F.SmoothL1Loss(c.In("x"), c.In("y"), c.Reduction, c.Float("beta")),
        "cross_entropy" => F.CrossEntropy(c.In("logits"), c.Ints("targets"), c.InOrNull("weight"), c.Int("ignoreIndex"),
            c.Float("labelSmoothing"), c.Reduction),
        "bce_logits" => F.BinaryCrossEntropyWithLogits(c.In("x"), c.In("y"), c.InOrNull("weight"), c.InOrNull("pos_weight"), c.Reduction),
        "focal" => F.SigmoidFocalLoss(c.In("x"), c.In("y"), c.Float("alpha"), c.Float("gamma"), c.Reduction),
        _ => throw new NotSupportedException(c.Op),
    });
}
