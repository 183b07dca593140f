using MLAugment.Engine.Kernels;

namespace MLAugment.Engine.Tests.Kernels;

[TestClass]
public sealed class SgemmTests
{
    private static float[] Random(Random rng, int len)
    {
        var x = new float[len];
        for (int i = 0; i < len; i++) x[i] = (float)(rng.NextDouble() * 2 - 1);
        return x;
    }

    /// <summary>Double-precision reference of C = alpha*op(A)*op(B) + beta*C.</summary>
    private static double[] Reference(bool ta, bool tb, int m, int n, int k, float alpha, float[] a, int lda,
        float[] b, int ldb, float beta, float[] c, int ldc)
    {
        var r = new double[c.Length];
        for (int i = 0; i < c.Length; i++) r[i] = c[i];
        // Gather op(A) rows and op(B) columns contiguously so the reference stays fast in Debug builds.
        var opA = new double[m * k];
        var opBt = new double[n * k];
        for (int i = 0; i < m; i++)
            for (int p = 0; p < k; p++) opA[i * k + p] = ta ? a[p * lda + i] : a[i * lda + p];
        for (int j = 0; j < n; j++)
            for (int p = 0; p < k; p++) opBt[j * k + p] = tb ? b[j * ldb + p] : b[p * ldb + j];
        for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++)
            {
                var ai = opA.AsSpan(i * k, k);
                var bj = opBt.AsSpan(j * k, k);
                double s = 0;
                for (int p = 0; p < k; p++) s += ai[p] * bj[p];
                r[i * ldc + j] = alpha * s + (beta == 0 ? 0 : beta * (double)c[i * ldc + j]);
            }
        return r;
    }

    private static void Check(Random rng, bool ta, bool tb, int m, int n, int k, float alpha, float beta, int pad)
    {
        int lda = (ta ? m : k) + pad, ldb = (tb ? k : n) + pad, ldc = n + pad;
        var a = Random(rng, (ta ? k : m) * lda);
        var b = Random(rng, (tb ? n : k) * ldb);
        var c = Random(rng, m * ldc);
        if (beta == 0) for (int i = 0; i < c.Length; i += 3) c[i] = float.NaN; // beta == 0 must ignore C
        var expected = Reference(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
        Sgemm.Multiply(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
        double scale = Math.Sqrt(k) + 1;
        for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++)
            {
                double e = expected[i * ldc + j], got = c[i * ldc + j];
                double err = Math.Abs(got - e) / (Math.Abs(e) + scale * 1e-2);
                if (!(err <= 1e-4))
                    Assert.Fail($"ta={ta} tb={tb} m={m} n={n} k={k} alpha={alpha} beta={beta} pad={pad}: C[{i},{j}] = {got}, expected {e}");
            }
        // Padding columns of C are never written.
        for (int i = 0; i < m; i++)
            for (int j = n; j < ldc; j++)
                if (!(c[i * ldc + j].Equals((float)expected[i * ldc + j])))
                    Assert.Fail($"Padding C[{i},{j}] was modified.");
    }

    [TestMethod]
    public void MatchesDoubleReferenceOnRandomShapesAllTransposes()
    {
        var rng = new Random(1234);
        for (int trial = 0; trial < 28; trial++)
        {
            int m = rng.Next(1, 301), n = rng.Next(1, 301), k = rng.Next(1, 301);
            bool ta = (trial & 1) != 0, tb = (trial & 2) != 0;
            float alpha = trial % 5 == 0 ? 1f : (float)(rng.NextDouble() * 3 - 1.5);
            float beta = (trial % 3) switch { 0 => 0f, 1 => 1f, _ => -0.7f };
            Check(rng, ta, tb, m, n, k, alpha, beta, trial % 4 == 3 ? 5 : 0);
        }
    }

    [TestMethod]
    public void HandlesDegenerateAndPrimeShapes()
    {
        var rng = new Random(7);
        int[] sizes = [1, 2, 5, 6, 7, 13, 16, 17, 31, 97];
        foreach (bool ta in new[] { false, true })
            foreach (bool tb in new[] { false, true })
                foreach (int m in sizes)
                    foreach (int n in new[] { 1, 15, 17, 97 })
                        Check(rng, ta, tb, m, n, m == 97 ? 101 : 3, 1.25f, 0.5f, 1);
    }

    [TestMethod]
    public void LargerShapesCrossEveryBlockBoundary()
    {
        var rng = new Random(99);
        // k > KC, m > MC, n > NB, with ragged edges everywhere.
        Check(rng, false, false, 257, 531, 611, 1f, 0f, 0);
        Check(rng, true, false, 131, 263, 529, 0.5f, 1f, 3);
        Check(rng, false, true, 253, 270, 300, -1f, 0.25f, 0);
        Check(rng, true, true, 127, 301, 517, 2f, 0f, 2);
    }

    [TestMethod]
    public void WideOutputCrossesPackedPanelWidth()
    {
        var rng = new Random(5);
        Check(rng, false, false, 7, Sgemm.NC + 37, 20, 1f, 0f, 0);
    }

    [TestMethod]
    public void VectorLikeProductsMatchReference()
    {
        var rng = new Random(21);
        foreach (bool ta in new[] { false, true })
            foreach (bool tb in new[] { false, true })
            {
                Check(rng, ta, tb, 1, 700, 900, 1f, 0f, 0);   // row vector x matrix
                Check(rng, ta, tb, 600, 1, 500, 0.5f, 1f, 2); // matrix x column vector
                Check(rng, ta, tb, 2, 3, 5000, 1f, 0f, 0);    // long inner dimension
            }
    }

    [TestMethod]
    public void BatchedRejectsOverlappingOutputs()
    {
        var ex = Assert.ThrowsExactly<ArgumentException>(() =>
            Sgemm.MultiplyBatched(false, false, 2, 2, 2, 1f, new float[8], 2, new float[8], 2, 0f, new float[8], 2, 2, 4, 4, 3));
        Assert.AreEqual("strideC", ex.ParamName);
    }

    [TestMethod]
    public void ZeroKScalesCByBeta()
    {
        var c = new float[] { 1, 2, float.NaN, 4 };
        Sgemm.Multiply(false, false, 2, 2, 0, 1f, [], 1, [], 2, 0f, c, 2);
        CollectionAssert.AreEqual(new float[] { 0, 0, 0, 0 }, c);
        c = [1, 2, 3, 4];
        Sgemm.Multiply(false, false, 2, 2, 0, 1f, [], 1, [], 2, 2f, c, 2);
        CollectionAssert.AreEqual(new float[] { 2, 4, 6, 8 }, c);
    }

    [TestMethod]
    public void BatchedMatchesPerItemMultiply()
    {
        var rng = new Random(3);
        foreach (var (m, n, k, batch) in new[] { (5, 7, 3, 4), (70, 90, 80, 3), (33, 20, 300, 5) })
        {
            var a = Random(rng, batch * m * k);
            var b = Random(rng, k * n); // stride 0: shared B
            var c = Random(rng, batch * m * n);
            var expected = (float[])c.Clone();
            for (int i = 0; i < batch; i++)
            {
                var ci = expected.AsSpan(i * m * n, m * n);
                Sgemm.Multiply(false, false, m, n, k, 1.5f, a.AsSpan(i * m * k, m * k), k, b, n, 0.5f, ci, n);
            }
            Sgemm.MultiplyBatched(false, false, m, n, k, 1.5f, a, k, b, n, 0.5f, c, n, batch, m * k, 0, m * n);
            CollectionAssert.AreEqual(expected, c);
        }
    }

    [TestMethod]
    public void ResultIsBitIdenticalForAnyThreadCount()
    {
        var rng = new Random(11);
        int m = 300, n = 333, k = 700;
        var a = Random(rng, m * k);
        var b = Random(rng, k * n);
        int saved = EngineOptions.MaxDegreeOfParallelism;
        try
        {
            var c1 = new float[m * n];
            var c2 = new float[m * n];
            var c3 = new float[m * n];
            EngineOptions.MaxDegreeOfParallelism = 1;
            Sgemm.Multiply(false, true, m, n, k, 1f, a, k, b, k, 0f, c1, n);
            EngineOptions.MaxDegreeOfParallelism = 2;
            Sgemm.Multiply(false, true, m, n, k, 1f, a, k, b, k, 0f, c2, n);
            EngineOptions.MaxDegreeOfParallelism = 5;
            Sgemm.Multiply(false, true, m, n, k, 1f, a, k, b, k, 0f, c3, n);
            CollectionAssert.AreEqual(c1, c2);
            CollectionAssert.AreEqual(c1, c3);
        }
        finally { EngineOptions.MaxDegreeOfParallelism = saved; }
    }

    [TestMethod]
    public void RejectsShortSpansAndBadLeadingDimensions()
    {
        var a = new float[6]; var b = new float[6]; var c = new float[4];
        var ex = Assert.ThrowsExactly<ArgumentException>(() =>
            Sgemm.Multiply(false, false, 2, 2, 3, 1f, a, 2, b, 2, 0f, c, 2));
        Assert.AreEqual("lda", ex.ParamName);
        ex = Assert.ThrowsExactly<ArgumentException>(() =>
            Sgemm.Multiply(false, false, 2, 2, 3, 1f, a, 3, new float[5], 2, 0f, c, 2));
        Assert.AreEqual("b", ex.ParamName);
        ex = Assert.ThrowsExactly<ArgumentException>(() =>
            Sgemm.Multiply(false, false, 2, 2, 3, 1f, a, 3, b, 2, 0f, new float[3], 2));
        Assert.AreEqual("c", ex.ParamName);
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() =>
            Sgemm.Multiply(false, false, -1, 2, 3, 1f, a, 3, b, 2, 0f, c, 2));
    }
}
