using MLAugment.Engine;

namespace MLAugment.Engine.Tests.Core;

[TestClass]
public sealed class TensorCoreTests
{
    [TestMethod]
    public void BroadcastAddMatchesNumpyAndSumsGradientsBack()
    {
        var a = Tensor.FromArray(new float[] { 1, 2, 3, 4, 5, 6 }, 2, 3);
        var b = Tensor.FromArray(new float[] { 10, 20, 30 }, 3);
        a.RequiresGrad = b.RequiresGrad = true;
        var c = a + b;
        CollectionAssert.AreEqual(new float[] { 11, 22, 33, 14, 25, 36 }, c.ToArray());
        c.Sum().Backward();
        CollectionAssert.AreEqual(new float[] { 1, 1, 1, 1, 1, 1 }, a.Grad!.ToArray());
        CollectionAssert.AreEqual(new float[] { 2, 2, 2 }, b.Grad!.ToArray());
    }

    [TestMethod]
    public void MismatchedShapesNameTheOpAndShapes()
    {
        var ex = Assert.ThrowsExactly<ArgumentException>(() => Tensor.Zeros(2, 3) + Tensor.Zeros(4));
        StringAssert.Contains(ex.Message, "Add");
        StringAssert.Contains(ex.Message, "[2, 3]");
        StringAssert.Contains(ex.Message, "[4]");
    }

    [TestMethod]
    public void GradientsOfBroadcastArithmeticMatchFiniteDifferences()
    {
        GradCheck.Check(x => (x[0] * x[1] - x[1] / (x[0].Abs() + 1f)).Exp(), new[] { GradCheck.Randn(1, 2, 1, 3), GradCheck.Randn(2, 4, 1) });
    }

    [TestMethod]
    public void MatMulGradientsForEveryTransposeCombination()
    {
        foreach (var ta in new[] { false, true })
            foreach (var tb in new[] { false, true })
            {
                var a = GradCheck.Randn(3, ta ? new[] { 2, 4, 3 } : new[] { 2, 3, 4 });
                var b = GradCheck.Randn(4, tb ? new[] { 5, 4 } : new[] { 4, 5 });
                GradCheck.Check(x => Tensor.MatMul(x[0], x[1], ta, tb), new[] { a, b });
            }
    }

    [TestMethod]
    public void PermuteReordersAndBackpropagates()
    {
        var x = Tensor.Arange(24).Reshape(2, 3, 4);
        var p = x.Permute(2, 0, 1);
        CollectionAssert.AreEqual(new[] { 4, 2, 3 }, p.Shape.ToArray());
        Assert.AreEqual(x[1, 2, 3], p[3, 1, 2]);
        GradCheck.Check(t => t[0].Permute(1, 2, 0), new[] { GradCheck.Randn(5, 2, 3, 4) });
    }

    [TestMethod]
    public void ReductionsOverDims()
    {
        var x = Tensor.Arange(6).Reshape(2, 3);
        CollectionAssert.AreEqual(new float[] { 3, 5, 7 }, x.Sum(0).ToArray());
        CollectionAssert.AreEqual(new float[] { 1, 4 }, x.Mean(1).ToArray());
        CollectionAssert.AreEqual(new float[] { 1, 1 }, x.Var(1).ToArray());
        var (v, idx) = x.Max(1);
        CollectionAssert.AreEqual(new float[] { 2, 5 }, v.ToArray());
        CollectionAssert.AreEqual(new[] { 2, 2 }, idx);
        GradCheck.Check(t => t[0].Var(new[] { 0, 2 }, keepDim: true) + t[0].Max(1, keepDim: true).Values, new[] { GradCheck.Randn(6, 3, 4, 2) });
    }

    [TestMethod]
    public void ActivationsMatchFiniteDifferences()
    {
        GradCheck.Check(x => x[0].Silu() + x[0].Gelu() + x[0].Gelu(true) + x[0].Tanh() + x[0].Softplus() + x[0].Sigmoid(),
            new[] { GradCheck.Randn(8, 3, 5) });
    }

    [TestMethod]
    public void ScopeReturnsStorageAndKeepHandsTensorsOut()
    {
        Tensor kept, dropped;
        using (var scope = TensorScope.Begin())
        {
            dropped = Tensor.Ones(4) * 2f;
            kept = scope.Keep(Tensor.Ones(4) * 3f);
        }
        CollectionAssert.AreEqual(new float[] { 3, 3, 3, 3 }, kept.ToArray());
        Assert.ThrowsExactly<ObjectDisposedException>(() => dropped.ToArray());
    }

    [TestMethod]
    public void NoGradRecordsNothingAndAnomalyModeNamesTheOp()
    {
        var x = Tensor.Ones(2); x.RequiresGrad = true;
        using (Autograd.Autograd.NoGrad()) Assert.IsFalse((x * 2f).RequiresGrad);
        Autograd.Autograd.AnomalyDetection = true;
        try
        {
            var ex = Assert.ThrowsExactly<Autograd.AnomalyException>(() => (x.Neg()).Log());
            StringAssert.Contains(ex.Message, "Log");
        }
        finally { Autograd.Autograd.AnomalyDetection = false; }
    }
}
