namespace MLAugment.Engine.Kernels;

/// <summary>
/// The one place ops call for matrix products; routes to the fastest available SGEMM.
/// Row-major BLAS semantics: C = alpha·op(A)·op(B) + beta·C (beta = 0 ignores C's contents).
/// </summary>
internal static class Gemm
{
    public static void Multiply(bool transA, bool transB, int m, int n, int k, float alpha,
        ReadOnlySpan<float> a, int lda, ReadOnlySpan<float> b, int ldb, float beta, Span<float> c, int ldc)
        => Sgemm.Multiply(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);

    public static void MultiplyBatched(bool transA, bool transB, int m, int n, int k, float alpha,
        ReadOnlySpan<float> a, int lda, int strideA, ReadOnlySpan<float> b, int ldb, int strideB,
        float beta, Span<float> c, int ldc, int strideC, int batch)
        => Sgemm.MultiplyBatched(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, batch, strideA, strideB, strideC);
}

/// <summary>Straightforward i-k-j GEMM: correct for every shape, used until the packed kernel is wired in.</summary>
internal static class ReferenceGemm
{
    public static void Multiply(bool transA, bool transB, int m, int n, int k, float alpha,
        ReadOnlySpan<float> a, int lda, ReadOnlySpan<float> b, int ldb, float beta, Span<float> c, int ldc)
    {
        for (int i = 0; i < m; i++)
        {
            var ci = c.Slice(i * ldc, n);
            if (beta == 0f) ci.Clear(); else if (beta != 1f) System.Numerics.Tensors.TensorPrimitives.Multiply(ci, beta, ci);
            for (int p = 0; p < k; p++)
            {
                float av = alpha * (transA ? a[p * lda + i] : a[i * lda + p]);
                if (av == 0f) continue;
                if (!transB) System.Numerics.Tensors.TensorPrimitives.MultiplyAdd(b.Slice(p * ldb, n), av, ci, ci);
                else for (int j = 0; j < n; j++) ci[j] += av * b[j * ldb + p];
            }
        }
    }
}
