using MLAugment.Engine.NN;

namespace MLAugment.Engine.Tests.NN;

/// <summary>Norms, embedding and attention load PyTorch state dicts strictly and reproduce PyTorch's outputs.</summary>
[TestClass]
public sealed class NormAttentionGoldenTests
{
    private static Tensor Output(System.Text.Json.JsonElement c) => NNGolden.Tensor(c.GetProperty("output"));

    [TestMethod]
    public void LayerNormOverTwoTrailingDimsMatchesTorch()
    {
        var c = NNGolden.Case("layernorm");
        var m = NNGolden.Loaded(new LayerNorm(new[] { 3, 6 }), c);
        NNGolden.AssertClose(Output(c), m.Forward(NNGolden.Input(c)));
    }

    [TestMethod]
    public void GroupNormMatchesTorch()
    {
        var c = NNGolden.Case("groupnorm");
        var m = NNGolden.Loaded(new GroupNorm(2, 6), c);
        NNGolden.AssertClose(Output(c), m.Forward(NNGolden.Input(c)));
    }

    [TestMethod]
    public void BatchNormUsesBatchStatisticsInTrainingAndRunningStatisticsInEval()
    {
        var c = NNGolden.Case("batchnorm_train");
        var m = NNGolden.Loaded(new BatchNorm2d(3), c);
        NNGolden.AssertClose(Output(c), m.Forward(NNGolden.Input(c)), what: "train output");
        foreach (var (key, expected) in NNGolden.State(c, "state_after"))
            NNGolden.AssertClose(expected, m.StateDict()[key], what: key);

        var e = NNGolden.Case("batchnorm_eval");
        m.Eval();
        var before = m.RunningMean!.ToArray();
        NNGolden.AssertClose(Output(e), m.Forward(NNGolden.Input(e)), what: "eval output");
        CollectionAssert.AreEqual(before, m.RunningMean.ToArray(), "eval must not touch running statistics");
        Assert.AreEqual(1f, m.NumBatchesTracked!.Item());
    }

    [TestMethod]
    public void BatchNormWithoutMomentumKeepsACumulativeAverage()
    {
        var m = new BatchNorm2d(1, momentum: null);
        m.Forward(Tensor.FromArray(new float[] { 1, 3 }, 2, 1, 1, 1));
        m.Forward(Tensor.FromArray(new float[] { 5, 7 }, 2, 1, 1, 1));
        Assert.AreEqual((2f + 6f) / 2, m.RunningMean!.Item(), 1e-6f);
        Assert.AreEqual(2f, m.NumBatchesTracked!.Item());
    }

    [TestMethod]
    public void EmbeddingMatchesTorch()
    {
        var c = NNGolden.Case("embedding");
        var m = NNGolden.Loaded(new Embedding(10, 4, new Generator(0)), c);
        var ids = c.GetProperty("ids").EnumerateArray().Select(v => v.GetInt32()).ToArray();
        var shape = c.GetProperty("ids_shape").EnumerateArray().Select(v => v.GetInt32()).ToArray();
        NNGolden.AssertClose(Output(c), m.Forward(ids, shape));
    }

    [TestMethod]
    public void EmbeddingInitIsStandardNormal()
    {
        var w = new Embedding(1000, 16, new Generator(3)).Weight.ToArray();
        double mean = w.Average(), std = Math.Sqrt(w.Select(v => (v - mean) * (v - mean)).Average());
        Assert.AreEqual(0, mean, 0.02);
        Assert.AreEqual(1, std, 0.02);
    }

    [TestMethod]
    public void SelfAttentionWithKeyPaddingMatchesTorchMultiheadAttention()
    {
        var c = NNGolden.Case("mha_self");
        var m = NNGolden.Loaded(new MultiheadAttention(8, 2, new Generator(0)), c);
        var x = NNGolden.Input(c);
        var mask = NNGolden.Tensor(c.GetProperty("key_padding_mask"));
        NNGolden.AssertClose(Output(c), m.Forward(x, x, x, keyPaddingMask: mask));
    }

    [TestMethod]
    public void CrossAttentionWithOtherKeyValueSizesAndAdditiveMaskMatchesTorch()
    {
        var c = NNGolden.Case("mha_cross");
        var m = NNGolden.Loaded(new MultiheadAttention(8, 4, new Generator(0), kdim: 6, vdim: 3), c);
        var mask = NNGolden.Tensor(c.GetProperty("attn_mask"));
        NNGolden.AssertClose(Output(c), m.Forward(NNGolden.Input(c, 0), NNGolden.Input(c, 1), NNGolden.Input(c, 2), attnMask: mask));
    }

    [TestMethod]
    public void CausalAttentionIgnoresLaterPositions()
    {
        var m = new MultiheadAttention(4, 2, new Generator(1));
        var x = GradCheck.Randn(2, 1, 3, 4);
        var full = m.Forward(x, x, x, isCausal: true);
        var prefix = x.Narrow0(0, 1).Reshape(3, 4).Narrow0(0, 2).Reshape(1, 2, 4);
        var partial = m.Forward(prefix, prefix, prefix, isCausal: true);
        // The first two outputs cannot depend on the third position.
        NNGolden.AssertClose(partial, full.Reshape(3, 4).Narrow0(0, 2).Reshape(1, 2, 4), 1e-6f, 1e-5f, "causal prefix");
        // Causal + padding goes through the combined-mask path and must agree where nothing is padded.
        var padded = m.Forward(x, x, x, keyPaddingMask: Tensor.Zeros(1, 3), isCausal: true);
        NNGolden.AssertClose(full, padded, 1e-6f, 1e-5f, "causal with empty padding");
    }

    [TestMethod]
    public void AttentionRejectsMismatchedShapesNamingThem()
    {
        var m = new MultiheadAttention(8, 2, new Generator(1));
        var ex = Assert.ThrowsExactly<ArgumentException>(() => m.Forward(Tensor.Zeros(2, 3, 6)));
        StringAssert.Contains(ex.Message, "[2, 3, 6]");
        ex = Assert.ThrowsExactly<ArgumentException>(() => m.Forward(Tensor.Zeros(2, 3, 8), Tensor.Zeros(2, 3, 8), Tensor.Zeros(2, 3, 8), keyPaddingMask: Tensor.Zeros(2, 4)));
        StringAssert.Contains(ex.Message, "must be [2, 3]");
    }

    [TestMethod]
    public void MultiheadAttentionParameterNamesAndInit()
    {
        var m = new MultiheadAttention(8, 2, new Generator(1), kdim: 6);
        CollectionAssert.AreEqual(new[]
        {
            "q_proj.weight", "q_proj.bias", "k_proj.weight", "k_proj.bias",
            "v_proj.weight", "v_proj.bias", "out_proj.weight", "out_proj.bias",
        }, m.NamedParameters().Select(p => p.Name).ToArray());
        Assert.IsTrue(m.QProj.Bias!.ToArray().All(v => v == 0) && m.OutProj.Bias!.ToArray().All(v => v == 0));
        float xavier = MathF.Sqrt(6f / (6 + 8));
        Assert.IsTrue(m.KProj.Weight.ToArray().All(v => MathF.Abs(v) <= xavier));
    }

    [TestMethod]
    public void DropoutIsActiveInTrainingAndTheIdentityInEval()
    {
        var d = new Dropout(0.5f, new Generator(4));
        var x = Tensor.Ones(1000);
        var y = d.Forward(x).ToArray();
        int zeros = y.Count(v => v == 0);
        Assert.IsTrue(zeros > 400 && zeros < 600, $"{zeros} of 1000 dropped");
        Assert.IsTrue(y.All(v => v == 0 || v == 2f), "survivors are scaled by 1/(1-p)");
        d.Eval();
        CollectionAssert.AreEqual(x.ToArray(), d.Forward(x).ToArray());
    }

    [TestMethod]
    public void NormsRejectInconsistentConfigurations()
    {
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => new GroupNorm(4, 6)).Message, "6 channels");
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => new GroupNorm(2, 6).Forward(Tensor.Zeros(1, 4, 2, 2))).Message, "[1, 4, 2, 2]");
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => new BatchNorm2d(3).Forward(Tensor.Zeros(2, 3, 4))).Message, "[2, 3, 4]");
    }
}
