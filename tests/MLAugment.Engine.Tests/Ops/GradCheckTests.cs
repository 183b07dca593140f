using MLAugment.Engine;

namespace MLAugment.Engine.Tests.Ops;

/// <summary>Autograd agrees with central finite differences for every op (small shapes).</summary>
[TestClass]
public sealed class GradCheckTests
{
    private static Tensor R(int seed, params int[] shape) => GradCheck.Randn(seed, shape);

    /// <summary>Uniform values in [lo, hi] (away from kinks and domain edges).</summary>
    private static Tensor U(int seed, float lo, float hi, params int[] shape)
    {
        var t = GradCheck.Randn(seed, shape);
        var s = t.Span;
        for (int i = 0; i < s.Length; i++) s[i] = lo + (s[i] + 1f) / 2f * (hi - lo);
        return t;
    }

    /// <summary>Values whose magnitude is at least 0.1, so ±eps never crosses 0.</summary>
    private static Tensor AwayFromZero(int seed, params int[] shape)
    {
        var t = R(seed, shape);
        var s = t.Span;
        for (int i = 0; i < s.Length; i++) s[i] = s[i] >= 0 ? s[i] + 0.1f : s[i] - 0.1f;
        return t;
    }

    [TestMethod]
    public void BinaryArithmetic()
    {
        GradCheck.Check(x => x[0] + x[1], new[] { R(1, 2, 3), R(2, 3) });
        GradCheck.Check(x => x[0] - x[1], new[] { R(1, 2, 1, 3), R(2, 4, 1) });
        GradCheck.Check(x => x[0] * x[1], new[] { R(3, 2, 3), R(4, 2, 1) });
        GradCheck.Check(x => x[0] / x[1], new[] { R(5, 2, 3), U(6, 0.5f, 2f, 3) });
        GradCheck.Check(x => Tensor.Pow(x[0], x[1]), new[] { U(7, 0.5f, 2f, 2, 3), R(8, 3) });
        GradCheck.Check(x => Tensor.Maximum(x[0], x[1]), new[] { R(9, 2, 3), R(10, 2, 3) });
        GradCheck.Check(x => Tensor.Minimum(x[0], x[1]), new[] { R(11, 2, 3), R(12, 3) });
        var cond = Tensor.FromArray(new float[] { 1, 0, 1, 0, 0, 1 }, 2, 3);
        GradCheck.Check(x => Tensor.Where(cond, x[0], x[1]), new[] { R(13, 2, 3), R(14, 3) });
        GradCheck.Check(x => (x[0] + 2f) * 3f - x[0].Neg() / 2f, new[] { R(15, 4) });
        GradCheck.Check(x => x[0].ExpandTo(2, 3, 4), new[] { R(16, 3, 1) });
        GradCheck.Check(x => Tensor.SumTo(x[0], new[] { 3, 1 }), new[] { R(17, 2, 3, 4) });
    }

    [TestMethod]
    public void UnaryMathAndActivations()
    {
        var x = R(20, 3, 4);
        var pos = U(21, 0.3f, 2f, 3, 4);
        var nz = AwayFromZero(22, 3, 4);
        GradCheck.Check(t => t[0].Exp(), new[] { x });
        GradCheck.Check(t => t[0].Log(), new[] { pos });
        GradCheck.Check(t => t[0].Sqrt(), new[] { pos });
        GradCheck.Check(t => t[0].Abs(), new[] { nz });
        GradCheck.Check(t => t[0].Sin(), new[] { x });
        GradCheck.Check(t => t[0].Cos(), new[] { x });
        GradCheck.Check(t => t[0].Square(), new[] { x });
        GradCheck.Check(t => t[0].Pow(2.5f), new[] { pos });
        GradCheck.Check(t => t[0].Clamp(-0.45f, 0.55f), new[] { U(23, -0.4f, 0.5f, 3, 4) });
        GradCheck.Check(t => t[0].Relu(), new[] { nz });
        GradCheck.Check(t => t[0].Silu(), new[] { x });
        GradCheck.Check(t => t[0].Sigmoid(), new[] { x });
        GradCheck.Check(t => t[0].Tanh(), new[] { x });
        GradCheck.Check(t => t[0].Softplus(2f, 1f), new[] { U(24, -1f, 0.4f, 3, 4) }); // both branches, away from the (discontinuous, as in torch) switch at βx = 1
        GradCheck.Check(t => t[0].Softplus(2f, 1f), new[] { U(25, 0.6f, 1.5f, 3, 4) });
        GradCheck.Check(t => t[0].Gelu(), new[] { x });
        GradCheck.Check(t => t[0].Gelu(tanhApproximation: true), new[] { x });
        GradCheck.Check(t => t[0].LeakyRelu(0.2f), new[] { nz });
    }

    [TestMethod]
    public void Reductions()
    {
        var x = R(30, 2, 3, 4);
        GradCheck.Check(t => t[0].Sum(), new[] { x });
        GradCheck.Check(t => t[0].Mean(), new[] { x });
        GradCheck.Check(t => t[0].Sum(new[] { 0, 2 }, keepDim: true), new[] { x });
        GradCheck.Check(t => t[0].Mean(1), new[] { x });
        GradCheck.Check(t => t[0].Var(new[] { 1, 2 }), new[] { x });
        GradCheck.Check(t => t[0].Var(0, unbiased: false, keepDim: true), new[] { x });
        GradCheck.Check(t => t[0].Max(), new[] { x });
        GradCheck.Check(t => t[0].Max(1).Values, new[] { x });
    }

    [TestMethod]
    public void MatMulLinearPermute()
    {
        GradCheck.Check(t => Tensor.MatMul(t[0], t[1]), new[] { R(40, 2, 3, 4), R(41, 2, 4, 2) });
        GradCheck.Check(t => Tensor.MatMul(t[0], t[1], true, true), new[] { R(42, 4, 3), R(43, 2, 2, 4) });
        GradCheck.Check(t => F.Linear(t[0], t[1], t[2]), new[] { R(44, 2, 3, 5), R(45, 4, 5), R(46, 4) });
        GradCheck.Check(t => t[0].Permute(2, 0, 1), new[] { R(47, 2, 3, 4) });
        GradCheck.Check(t => t[0].Transpose2D(), new[] { R(48, 2, 3, 4) });
        GradCheck.Check(t => t[0].Narrow0(1, 2), new[] { R(49, 4, 3) });
        GradCheck.Check(t => t[0].Reshape(3, -1).Flatten(0).Clone(), new[] { R(39, 2, 3, 2) });
    }

    [TestMethod]
    public void ShapeOps()
    {
        GradCheck.Check(t => F.Concat(t, 1), new[] { R(50, 2, 3, 2), R(51, 2, 1, 2), R(52, 2, 2, 2) });
        GradCheck.Check(t => F.Stack(t, -1), new[] { R(53, 2, 3), R(54, 2, 3) });
        GradCheck.Check(t => F.Slice(t[0], 1, 1, 2), new[] { R(55, 2, 4, 3) });
        GradCheck.Check(t => F.Pad(t[0], new[] { 1, 2, -1, 1 }, 0.5f), new[] { R(56, 2, 3, 4) });
        GradCheck.Check(t => F.Pad(t[0], new[] { 2, 1, 1, 2 }, mode: F.PadMode.Reflect), new[] { R(57, 1, 2, 3, 4) });
        GradCheck.Check(t => F.Pad(t[0], new[] { 2, 1, 1, 2 }, mode: F.PadMode.Replicate), new[] { R(58, 1, 2, 3, 4) });
        GradCheck.Check(t => F.IndexSelect(t[0], 1, new[] { 2, 0, 2 }), new[] { R(59, 2, 3, 2) });
        GradCheck.Check(t => F.Gather(t[0], 1, new[] { 0, 2, 2, 1, 1, 1 }, 2, 3), new[] { R(60, 2, 3) });
        GradCheck.Check(t => F.Repeat(t[0], 2, 1, 3), new[] { R(61, 2, 3) });
        GradCheck.Check(t => t[0].Unsqueeze(1).Squeeze(1).Unsqueeze(-1).Squeeze(), new[] { R(62, 2, 3) });
        GradCheck.Check(t => F.Chunk(t[0], 3, 0)[2], new[] { R(63, 7, 2) });
        GradCheck.Check(t => F.Split(t[0], new[] { 1, 3 }, 1)[1], new[] { R(64, 2, 4) });
    }

    [TestMethod]
    public void SoftmaxFamily()
    {
        GradCheck.Check(t => F.Softmax(t[0], 1), new[] { R(70, 2, 4, 3) });
        GradCheck.Check(t => F.Softmax(t[0], -1), new[] { R(71, 3, 5) });
        GradCheck.Check(t => F.LogSoftmax(t[0], 0), new[] { R(72, 4, 3) });
        GradCheck.Check(t => F.LogSoftmax(t[0], -1), new[] { R(73, 3, 5) });
    }

    [TestMethod]
    public void Pooling()
    {
        GradCheck.Check(t => F.AvgPool2d(t[0], 3, 2, 1, countIncludePad: false), new[] { R(80, 1, 2, 5, 6) });
        GradCheck.Check(t => F.AvgPool2d(t[0], 2), new[] { R(81, 1, 2, 4, 4) });
        // Distinct, well-separated values so ±eps never changes a window's arg-max.
        var mp = Tensor.FromArray(Enumerable.Range(0, 2 * 5 * 6).Select(i => ((i * 37) % 60) * 0.05f - 1.5f).ToArray(), 1, 2, 5, 6);
        GradCheck.Check(t => F.MaxPool2d(t[0], 3, 2, 1), new[] { mp });
        GradCheck.Check(t => F.MaxPool2d(t[0], 2, 1, 0, dilation: 2), new[] { mp.Clone() });
        GradCheck.Check(t => F.AdaptiveAvgPool2d(t[0], 3, 2), new[] { R(82, 1, 2, 5, 7) });
        GradCheck.Check(t => F.AdaptiveAvgPool2d(t[0], 1, 1), new[] { R(83, 2, 3, 4, 4) });
    }

    [TestMethod]
    public void Upsampling()
    {
        GradCheck.Check(t => F.UpsampleNearest2d(t[0], 5, 7), new[] { R(90, 1, 2, 3, 4) });
        GradCheck.Check(t => F.UpsampleNearest2d(t[0], 2f), new[] { R(91, 1, 2, 3, 4) });
        GradCheck.Check(t => F.UpsampleBilinear2d(t[0], 5, 7), new[] { R(92, 1, 2, 3, 4) });
        GradCheck.Check(t => F.UpsampleBilinear2d(t[0], 5, 3, alignCorners: true), new[] { R(93, 1, 2, 3, 4) });
    }

    [TestMethod]
    public void Normalization()
    {
        GradCheck.Check(t => F.GroupNorm(t[0], 2, t[1], t[2]), new[] { R(100, 2, 4, 3, 3), R(101, 4), R(102, 4) }, tol: 3e-2);
        GradCheck.Check(t => F.GroupNorm(t[0], 4), new[] { R(103, 2, 4, 5) }, tol: 3e-2);
        GradCheck.Check(t => F.LayerNorm(t[0], new[] { 6 }, t[1], t[2]), new[] { R(104, 3, 6), R(105, 6), R(106, 6) }, tol: 3e-2);
        GradCheck.Check(t => F.LayerNorm(t[0], new[] { 2, 3 }), new[] { R(107, 2, 2, 3) }, tol: 3e-2);
        GradCheck.Check(t => F.BatchNorm2d(t[0], null, null, t[1], t[2], training: true), new[] { R(108, 3, 2, 2, 2), R(109, 2), R(110, 2) }, tol: 3e-2);
        var rm = Tensor.FromArray(new float[] { 0.1f, -0.2f }, 2);
        var rv = Tensor.FromArray(new float[] { 0.8f, 1.3f }, 2);
        GradCheck.Check(t => F.BatchNorm2d(t[0], rm, rv, t[1], t[2], training: false), new[] { R(111, 3, 2, 2, 2), R(112, 2), R(113, 2) });
    }

    [TestMethod]
    public void Attention()
    {
        GradCheck.Check(t => F.ScaledDotProductAttention(t[0], t[1], t[2]), new[] { R(120, 1, 2, 3, 4), R(121, 1, 2, 5, 4), R(122, 1, 2, 5, 3) });
        GradCheck.Check(t => F.ScaledDotProductAttention(t[0], t[1], t[2], isCausal: true), new[] { R(123, 2, 4, 3), R(124, 2, 4, 3), R(125, 2, 4, 3) });
        GradCheck.Check(t => F.ScaledDotProductAttention(t[0], t[1], t[2], t[3], scale: 0.7f), new[] { R(126, 2, 3, 4), R(127, 2, 5, 4), R(128, 2, 5, 2), R(129, 3, 5) });
        var keep = Tensor.FromArray(new float[] { 1, 0, 1, 1, 0 }, 1, 5);
        GradCheck.Check(t => F.ScaledDotProductAttention(t[0], t[1], t[2], keep, maskIsBoolean: true), new[] { R(130, 2, 3, 4), R(131, 2, 5, 4), R(132, 2, 5, 2) });
    }

    [TestMethod]
    public void EmbeddingAndDropout()
    {
        GradCheck.Check(t => F.Embedding(t[0], new[] { 2, 0, 2, 4 }, 2, 2), new[] { R(140, 5, 3) });
        // The same generator seed reproduces the same mask, so the finite differences see a fixed function.
        GradCheck.Check(t => F.Dropout(t[0], 0.4f, training: true, new Generator(9)), new[] { R(141, 4, 5) });
    }

    [TestMethod]
    public void Losses()
    {
        foreach (var red in new[] { Reduction.None, Reduction.Mean, Reduction.Sum })
        {
            GradCheck.Check(t => F.MseLoss(t[0], t[1], red), new[] { R(150, 3, 4), R(151, 3, 4) });
            GradCheck.Check(t => F.L1Loss(t[0], t[1], red), new[] { R(152, 3, 4), R(153, 3, 4).AddScalar(3f) });
            GradCheck.Check(t => F.SmoothL1Loss(t[0], t[1], red, beta: 0.5f), new[] { R(154, 3, 4), R(155, 3, 4) });
            var w = Tensor.FromArray(new float[] { 0.5f, 2f, 1f }, 3);
            GradCheck.Check(t => F.CrossEntropy(t[0], new[] { 2, -100, 0, 1 }, w, labelSmoothing: 0.1f, reduction: red), new[] { R(156, 4, 3) });
            GradCheck.Check(t => F.CrossEntropy(t[0], new[] { 2, 1, 0, 1, 255, 2 }, ignoreIndex: 255, reduction: red), new[] { R(157, 2, 3, 3) });
            GradCheck.Check(t => F.BinaryCrossEntropyWithLogits(t[0], t[1], t[2], t[3], red),
                new[] { R(158, 3, 4), U(159, 0f, 1f, 3, 4), U(160, 0.5f, 2f, 3, 1), U(161, 0.5f, 3f, 4) });
            GradCheck.Check(t => F.SigmoidFocalLoss(t[0], t[1], reduction: red), new[] { R(162, 3, 4), U(163, 0f, 1f, 3, 4) });
        }
    }
}
