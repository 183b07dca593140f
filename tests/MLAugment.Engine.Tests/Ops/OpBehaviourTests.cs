using MLAugment.Engine;

namespace MLAugment.Engine.Tests.Ops;

/// <summary>Properties beyond numeric agreement: thread-count independence, randomness, pooling, torch's edge cases.</summary>
[TestClass]
public sealed class OpBehaviourTests
{
    /// <summary>Forward output and input gradients of <paramref name="f"/> with the given degree of parallelism.</summary>
    private static float[][] RunWith(int threads, Func<Tensor[], Tensor> f, Func<Tensor[]> inputs)
    {
        int saved = EngineOptions.MaxDegreeOfParallelism;
        try
        {
            EngineOptions.MaxDegreeOfParallelism = threads;
            var xs = inputs();
            foreach (var x in xs) x.RequiresGrad = true;
            var y = f(xs);
            var up = GradCheck.Randn(99, y.Shape.ToArray());
            var grads = Autograd.Autograd.Grad(y, xs, up);
            return new[] { y.ToArray() }.Concat(grads.Select(g => g.ToArray())).ToArray();
        }
        finally { EngineOptions.MaxDegreeOfParallelism = saved; }
    }

    [TestMethod]
    public void HeavyOpsGiveBitIdenticalResultsForAnyThreadCount()
    {
        // Large enough to take the parallel paths.
        var cases = new (string Name, Func<Tensor[], Tensor> F, Func<Tensor[]> In)[]
        {
            ("GroupNorm", t => F.GroupNorm(t[0], 4, t[1], t[2]), () => new[] { GradCheck.Randn(1, 4, 16, 24, 24), GradCheck.Randn(2, 16), GradCheck.Randn(3, 16) }),
            ("LayerNorm", t => F.LayerNorm(t[0], new[] { 96 }, t[1], t[2]), () => new[] { GradCheck.Randn(4, 700, 96), GradCheck.Randn(5, 96), GradCheck.Randn(6, 96) }),
            ("BatchNorm2d", t => F.BatchNorm2d(t[0], null, null, t[1], t[2], training: true), () => new[] { GradCheck.Randn(7, 4, 8, 32, 32), GradCheck.Randn(8, 8), GradCheck.Randn(9, 8) }),
            ("Softmax", t => F.Softmax(t[0], 1), () => new[] { GradCheck.Randn(10, 8, 64, 128) }),
            ("LogSoftmax", t => F.LogSoftmax(t[0], -1), () => new[] { GradCheck.Randn(11, 512, 128) }),
            ("MaxPool2d", t => F.MaxPool2d(t[0], 3, 2, 1), () => new[] { GradCheck.Randn(12, 2, 8, 48, 48) }),
            ("AvgPool2d", t => F.AvgPool2d(t[0], 2), () => new[] { GradCheck.Randn(13, 2, 8, 48, 48) }),
            ("AdaptiveAvgPool2d", t => F.AdaptiveAvgPool2d(t[0], 5, 3), () => new[] { GradCheck.Randn(14, 2, 8, 48, 48) }),
            ("UpsampleNearest2d", t => F.UpsampleNearest2d(t[0], 2f), () => new[] { GradCheck.Randn(15, 2, 8, 32, 32) }),
            ("UpsampleBilinear2d", t => F.UpsampleBilinear2d(t[0], 50, 70), () => new[] { GradCheck.Randn(16, 2, 8, 32, 32) }),
            ("ScaledDotProductAttention", t => F.ScaledDotProductAttention(t[0], t[1], t[2]), () => new[] { GradCheck.Randn(17, 2, 4, 64, 16), GradCheck.Randn(18, 2, 4, 64, 16), GradCheck.Randn(19, 2, 4, 64, 16) }),
        };
        foreach (var (name, f, inputs) in cases)
        {
            var one = RunWith(1, f, inputs);
            var many = RunWith(4, f, inputs);
            for (int k = 0; k < one.Length; k++)
                CollectionAssert.AreEqual(one[k], many[k], $"{name}: result {k} depends on the thread count");
        }
    }

    [TestMethod]
    public void DropoutKeepsExpectationAndIsReproducible()
    {
        var x = Tensor.Ones(100_000);
        var y = F.Dropout(x, 0.3f, training: true, new Generator(5));
        var v = y.ToArray();
        double zeroFraction = v.Count(a => a == 0f) / (double)v.Length;
        Assert.AreEqual(0.3, zeroFraction, 0.01);
        Assert.IsTrue(v.All(a => a == 0f || Math.Abs(a - 1f / 0.7f) < 1e-6), "survivors are scaled by 1/(1-p)");
        Assert.AreEqual(1.0, v.Average(), 0.02);
        CollectionAssert.AreEqual(v, F.Dropout(x, 0.3f, true, new Generator(5)).ToArray(), "same seed, same mask");
        Assert.AreSame(x, F.Dropout(x, 0.3f, training: false, new Generator(5)), "eval dropout is the identity");
        Assert.IsTrue(F.Dropout(x, 1f, true, new Generator(5)).ToArray().All(a => a == 0f), "p = 1 drops everything");
    }

    [TestMethod]
    public void DropoutGradientUsesTheSameMask()
    {
        var x = GradCheck.Randn(3, 50);
        x.RequiresGrad = true;
        var y = F.Dropout(x, 0.5f, true, new Generator(2));
        y.Sum().Backward();
        var ys = y.ToArray(); var xs = x.ToArray(); var gs = x.Grad!.ToArray();
        for (int i = 0; i < 50; i++) Assert.AreEqual(ys[i] == 0f ? 0f : 2f, gs[i], 1e-6f, $"element {i} (x = {xs[i]})");
    }

    [TestMethod]
    public void BatchNormTrainingUpdatesRunningStatsThenEvalUsesThem()
    {
        var x = GradCheck.Randn(1, 4, 2, 3, 3).MulScalar(2f).AddScalar(1f);
        var rm = Tensor.Zeros(2); var rv = Tensor.Ones(2);
        F.BatchNorm2d(x, rm, rv, training: true, momentum: 1f);
        // momentum 1: the running stats become the batch mean and unbiased variance.
        var mean = x.Permute(1, 0, 2, 3).Reshape(2, -1).Mean(1).ToArray();
        var var = x.Permute(1, 0, 2, 3).Reshape(2, -1).Var(1).ToArray();
        for (int c = 0; c < 2; c++)
        {
            Assert.AreEqual(mean[c], rm.Span[c], 1e-5f);
            Assert.AreEqual(var[c], rv.Span[c], 1e-4f);
        }
        var y = F.BatchNorm2d(x, rm, rv, training: false);
        var expected = (x - rm.Reshape(1, 2, 1, 1)) / (rv.Reshape(1, 2, 1, 1) + 1e-5f).Sqrt();
        CollectionAssert.AreEqual(expected.ToArray().Select(a => MathF.Round(a, 4)).ToArray(), y.ToArray().Select(a => MathF.Round(a, 4)).ToArray());
    }

    [TestMethod]
    public void OpOutputsAreOwnedByTheActiveScope()
    {
        var x = GradCheck.Randn(1, 2, 4, 6, 6);
        x.RequiresGrad = true;
        Tensor kept;
        using (var scope = TensorScope.Begin())
        {
            var y = F.GroupNorm(x, 2);
            var z = F.UpsampleBilinear2d(F.MaxPool2d(y, 2), 6, 6);
            var loss = F.MseLoss(z, Tensor.Zeros(2, 4, 6, 6));
            Assert.IsTrue(scope.Count >= 4, "op outputs are registered with the scope");
            loss.Backward();
            kept = scope.Keep(F.Softmax(z, 1).Detach());
        }
        Assert.IsNotNull(x.Grad, "leaf gradients outlive the scope");
        Assert.AreEqual(2 * 4 * 6 * 6, kept.ToArray().Length);
    }

    [TestMethod]
    public void SoftmaxIsStableForHugeLogitsAndSumsToOne()
    {
        var x = Tensor.FromArray(new float[] { 1000f, 1001f, 999f, -1000f, 0f, 1000f }, 2, 3);
        var p = F.Softmax(x, -1).ToArray();
        Assert.IsTrue(p.All(float.IsFinite));
        Assert.AreEqual(1f, p[0] + p[1] + p[2], 1e-6f);
        Assert.AreEqual(0f, F.LogSoftmax(x, -1).ToArray()[5], 1e-6f);
    }

    [TestMethod]
    public void CrossEntropyMeanOverOnlyIgnoredTargetsIsNaNLikeTorch()
    {
        var loss = F.CrossEntropy(Tensor.Zeros(2, 3), new[] { -100, -100 });
        Assert.IsTrue(float.IsNaN(loss.Item()));
        Assert.AreEqual(0f, F.CrossEntropy(Tensor.Zeros(2, 3), new[] { -100, -100 }, reduction: Reduction.Sum).Item());
    }

    [TestMethod]
    public void CausalAttentionIgnoresFutureKeys()
    {
        var q = GradCheck.Randn(1, 1, 4, 3); var k = GradCheck.Randn(2, 1, 4, 3); var v = GradCheck.Randn(3, 1, 4, 3);
        var full = F.ScaledDotProductAttention(q, k, v, isCausal: true);
        // Changing the last key/value must not affect the first three queries.
        var k2 = k.Clone(); var v2 = v.Clone();
        k2.Span[^1] += 5f; v2.Span[^1] -= 3f;
        var changed = F.ScaledDotProductAttention(q, k2, v2, isCausal: true);
        CollectionAssert.AreEqual(full.ToArray()[..9], changed.ToArray()[..9]);
        // The first query sees only the first value.
        CollectionAssert.AreEqual(v.ToArray()[..3], full.ToArray()[..3]);
    }

    /// <summary>softmax(q·kᵀ·scale + mask)·v spelled out with recorded ops.</summary>
    private static Tensor ReferenceAttention(Tensor q, Tensor k, Tensor v, Tensor? mask, float scale)
    {
        var s = Tensor.MatMul(q, k, false, true) * scale;
        if (mask != null) s = s + mask;
        return Tensor.MatMul(F.Softmax(s, -1), v);
    }

    [TestMethod]
    public void FusedAttentionEqualsTheComposedFormulaAcrossQueryBlocks()
    {
        const int lq = 150, lk = 90; // several query blocks, ragged last block
        var causal = Tensor.Zeros(lq, lk);
        for (int i = 0; i < lq; i++) for (int j = i + 1; j < lk; j++) causal[i, j] = float.NegativeInfinity;
        var cases = new (string Name, Tensor? Mask, bool Causal, int Lk)[]
        {
            ("plain", null, false, lk),
            ("mask per batch row", GradCheck.Randn(5, 2, 1, lq, lk), false, lk),
            ("mask per key", GradCheck.Randn(6, 2, 1, 1, lk), false, lk),
            ("causal", null, true, lk),
        };
        foreach (var (name, mask, isCausal, n) in cases)
        {
            var q = GradCheck.Randn(1, 2, 3, lq, 8); var k = GradCheck.Randn(2, 2, 3, n, 8); var v = GradCheck.Randn(3, 2, 3, n, 5);
            var up = GradCheck.Randn(4, 2, 3, lq, 5);
            foreach (var t in new[] { q, k, v }) t.RequiresGrad = true;
            var fused = F.ScaledDotProductAttention(q, k, v, mask, isCausal, scale: 0.4f);
            var gf = Autograd.Autograd.Grad(fused, new[] { q, k, v }, up);
            var reference = ReferenceAttention(q, k, v, isCausal ? causal : mask, 0.4f);
            var gr = Autograd.Autograd.Grad(reference, new[] { q, k, v }, up);
            Assert.IsTrue(Golden.Golden.RelError(fused.Span, reference.Span) < 1e-5, $"{name}: forward");
            for (int i = 0; i < 3; i++)
                Assert.IsTrue(Golden.Golden.RelError(gf[i].Span, gr[i].Span) < 1e-4, $"{name}: gradient {i}");
        }
    }

    [TestMethod]
    public void MaxPoolArgMaxFollowsTorchForTiesNaNAndInfinity()
    {
        float nan = float.NaN, inf = float.NegativeInfinity;
        // Three 2×2 windows: a tie (first wins), two NaNs (the last NaN wins), all −∞ (the first tap).
        var x = Tensor.FromArray(new[] { 2f, 5f, nan, 1f, inf, inf,
                                         5f, 1f, 3f, nan, inf, inf }, 1, 1, 2, 6);
        x.RequiresGrad = true;
        var y = F.MaxPool2d(x, 2);
        var ys = y.ToArray();
        Assert.AreEqual(5f, ys[0]);
        Assert.IsTrue(float.IsNaN(ys[1]));
        Assert.AreEqual(inf, ys[2]);
        y.Backward(Tensor.FromArray(new float[] { 1, 2, 3 }, 1, 1, 1, 3));
        CollectionAssert.AreEqual(new float[] { 0, 1, 0, 0, 3, 0, 0, 0, 0, 2, 0, 0 }, x.Grad!.ToArray());
    }

    [TestMethod]
    public void ChunkAndSplitFollowTorchSizes()
    {
        var x = Tensor.Arange(10).Reshape(10, 1);
        CollectionAssert.AreEqual(new[] { 4, 4, 2 }, F.Chunk(x, 3).Select(t => t.Shape[0]).ToArray());
        CollectionAssert.AreEqual(new[] { 3, 3, 3, 1 }, F.Split(x, 3).Select(t => t.Shape[0]).ToArray());
        CollectionAssert.AreEqual(new[] { 2, 2, 2, 2, 2 }, F.Chunk(x, 6).Select(t => t.Shape[0]).ToArray(), "torch.chunk may return fewer chunks");
    }
    [TestMethod]
    public void GroupNormSiluIsFusedWithoutGradientsAndBitIdenticalToTheTwoOps()
    {
        foreach (var shape in new[] { new[] { 3, 8, 4, 4 }, new[] { 2, 16, 8, 8 }, new[] { 2, 4, 5, 3 } })
        {
            var x = GradCheck.Randn(5, shape);
            var w = GradCheck.Randn(6, shape[1]); var b = GradCheck.Randn(7, shape[1]);
            float[] twoOps, fused;
            using (Autograd.Autograd.NoGrad())
            {
                twoOps = F.GroupNorm(x, 4, w, b).Silu().ToArray();
                fused = F.GroupNormSilu(x, 4, w, b).ToArray();
            }
            CollectionAssert.AreEqual(twoOps, fused, string.Join("x", shape));
        }
        // With a gradient to record it is the two recorded ops, so backward works as before.
        var xg = GradCheck.Randn(8, 2, 8, 4, 4);
        xg.RequiresGrad = true;
        var y = F.GroupNormSilu(xg, 2);
        y.Sum().Backward();
        Assert.IsNotNull(xg.Grad);
    }
}
