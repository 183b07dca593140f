using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using MLAugment.Engine.Memory;

namespace MLAugment.Engine.Kernels;

/// <summary>
/// Single-precision GEMM, row-major, BLAS semantics: C = alpha * op(A) * op(B) + beta * C, where op(X) is X or
/// X^T. op(A) is m x k, op(B) is k x n, C is m x n. beta == 0 ignores C's prior contents (NaN included).
/// </summary>
/// <remarks>
/// Large products follow Goto &amp; van de Geijn, "Anatomy of High-Performance Matrix Multiplication" (2008):
/// op(B) is packed in KC x NC panels of NR-wide slivers, op(A) in MR-tall slivers, and a 6x16 register-blocked
/// FMA micro-kernel streams them (Sgemm.Packing.cs, Sgemm.MicroKernels.cs). Each output element is produced by exactly one thread per KC block and the KC
/// blocks are visited in a fixed order, so results are bit-identical for any
/// <see cref="EngineOptions.MaxDegreeOfParallelism"/>. On AVX-512 hardware an 8x32 zmm micro-kernel replaces the
/// 6x16 ymm one (same blocking scheme); results then differ from the AVX2 path by float rounding only.
/// </remarks>
public static unsafe partial class Sgemm
{
    private static readonly bool Wide = Avx512F.IsSupported;
    internal static readonly int MR = Wide ? 8 : 6;
    internal static readonly int NR = Wide ? 32 : 16;
    internal const int KC = 256;
    internal static readonly int MC = 20 * MR;   // rows of packed A one task walks (MC*KC*4 <= 160 KiB, stays in L2)
    internal const int NC = 512;   // columns of packed B per panel (KC*NC*4 = 512 KiB, stays in L2)
    internal const int NB = 256;   // columns one task walks (sliver stays in L1 while A streams from L2)

    // Below this many multiply-adds the packing and threading overhead outweighs the micro-kernel.
    private const long SmallWork = 48L * 48 * 48;

    /// <summary>C = alpha * op(A) * op(B) + beta * C (row-major; lda/ldb/ldc are row strides in elements).</summary>
    public static void Multiply(bool transA, bool transB, int m, int n, int k, float alpha,
        ReadOnlySpan<float> a, int lda, ReadOnlySpan<float> b, int ldb, float beta, Span<float> c, int ldc)
    {
        Validate(transA, transB, m, n, k, a.Length, lda, b.Length, ldb, c.Length, ldc, 0, 0, 0, 1);
        fixed (float* pa = a)
        fixed (float* pb = b)
        fixed (float* pc = c)
            MultiplyCore(transA, transB, m, n, k, alpha, pa, lda, pb, ldb, beta, pc, ldc,
                EngineOptions.MaxDegreeOfParallelism);
    }

    /// <summary>
    /// Strided batch: for i in [0, batch): C_i = alpha * op(A_i) * op(B_i) + beta * C_i with
    /// X_i starting at offset i * strideX. A stride of 0 broadcasts one matrix across the batch.
    /// </summary>
    public static void MultiplyBatched(bool transA, bool transB, int m, int n, int k, float alpha,
        ReadOnlySpan<float> a, int lda, ReadOnlySpan<float> b, int ldb, float beta, Span<float> c, int ldc,
        int batch, long strideA, long strideB, long strideC)
    {
        if (batch < 0) throw new ArgumentOutOfRangeException(nameof(batch), batch, "batch must be >= 0.");
        if (batch == 0) return;
        Validate(transA, transB, m, n, k, a.Length, lda, b.Length, ldb, c.Length, ldc, strideA, strideB, strideC, batch);
        if (m == 0 || n == 0) return;
        if (strideC < (long)(m - 1) * ldc + n && batch > 1)
            throw new ArgumentException($"strideC ({strideC}) makes batch outputs overlap; need >= {(long)(m - 1) * ldc + n}.", nameof(strideC));
        int threads = EngineOptions.MaxDegreeOfParallelism;
        fixed (float* pa0 = a)
        fixed (float* pb0 = b)
        fixed (float* pc0 = c)
        {
            float* pa = pa0, pb = pb0, pc = pc0;
            long work = (long)m * n * k;
            if (threads > 1 && batch >= threads && work < (1L << 21))
            {
                // Many small products: one thread per product; each product is still computed sequentially.
                Parallel.For(0, batch, EngineOptions.ParallelOptions, i =>
                    MultiplyCore(transA, transB, m, n, k, alpha, pa + i * strideA, lda, pb + i * strideB, ldb,
                        beta, pc + i * strideC, ldc, 1));
            }
            else
            {
                for (int i = 0; i < batch; i++)
                    MultiplyCore(transA, transB, m, n, k, alpha, pa + i * strideA, lda, pb + i * strideB, ldb,
                        beta, pc + i * strideC, ldc, threads);
            }
        }
    }

    private static void Validate(bool transA, bool transB, int m, int n, int k, int aLen, int lda, int bLen, int ldb,
        int cLen, int ldc, long strideA, long strideB, long strideC, int batch)
    {
        if (m < 0) throw new ArgumentOutOfRangeException(nameof(m), m, "m must be >= 0.");
        if (n < 0) throw new ArgumentOutOfRangeException(nameof(n), n, "n must be >= 0.");
        if (k < 0) throw new ArgumentOutOfRangeException(nameof(k), k, "k must be >= 0.");
        int aRows = transA ? k : m, aCols = transA ? m : k;
        int bRows = transB ? n : k, bCols = transB ? k : n;
        if (lda < Math.Max(1, aCols))
            throw new ArgumentException($"lda ({lda}) must be >= {Math.Max(1, aCols)} (columns of stored A, transA={transA}).", nameof(lda));
        if (ldb < Math.Max(1, bCols))
            throw new ArgumentException($"ldb ({ldb}) must be >= {Math.Max(1, bCols)} (columns of stored B, transB={transB}).", nameof(ldb));
        if (ldc < Math.Max(1, n))
            throw new ArgumentException($"ldc ({ldc}) must be >= {Math.Max(1, n)} (columns of C).", nameof(ldc));
        if (strideA < 0 || strideB < 0 || strideC < 0)
            throw new ArgumentException("Batch strides must be >= 0.", strideA < 0 ? nameof(strideA) : strideB < 0 ? nameof(strideB) : nameof(strideC));
        CheckLength("a", aLen, aRows, aCols, lda, strideA, batch);
        CheckLength("b", bLen, bRows, bCols, ldb, strideB, batch);
        CheckLength("c", cLen, m, n, ldc, strideC, batch);
    }

    private static void CheckLength(string name, int length, int rows, int cols, int ld, long stride, int batch)
    {
        if (rows == 0 || cols == 0) return;
        long need = (long)(batch - 1) * stride + (long)(rows - 1) * ld + cols;
        if (length < need)
            throw new ArgumentException(
                $"Span '{name}' has {length} elements but a {rows}x{cols} matrix with leading dimension {ld}" +
                (batch > 1 ? $" and batch {batch} at stride {stride}" : "") + $" needs {need}.", name);
    }

    /// <summary>Unchecked entry for other kernels (pointers already validated). maxThreads caps parallelism.</summary>
    internal static void MultiplyCore(bool transA, bool transB, int m, int n, int k, float alpha,
        float* a, int lda, float* b, int ldb, float beta, float* c, int ldc, int maxThreads)
    {
        if (m == 0 || n == 0) return;
        if (k == 0 || alpha == 0f)
        {
            ScaleC(m, n, beta, c, ldc);
            return;
        }
        long work = (long)m * n * k;
        // Vector-like products (a row or a few columns) would pad panels to MR x NR and waste most of the kernel.
        if (work <= SmallWork || m <= 2 || n <= 4 || !Fma.IsSupported)
        {
            SmallMultiply(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
            return;
        }
        // Threads only pay off once there is real work per thread.
        int threads = work < (1L << 19) ? 1 : Math.Max(1, maxThreads);
        PackedMultiply(transA, m, n, k, alpha, a, lda, null, new DenseB(transB, b, ldb), beta, c, ldc, threads);
    }

    /// <summary>Source of op(B) for the packed path: writes op(B)[p0..p0+kc, j0..j0+cols] as dst[p*NR + j],
    /// zero-padding columns beyond cols. Lets a caller pack B straight from another layout (implicit im2col).</summary>
    internal interface IPanelB
    {
        void Pack(int j0, int cols, int p0, int kc, float* dst);
    }

    /// <summary>op(B) read from a row-major matrix (transposed or not).</summary>
    internal readonly struct DenseB(bool transB, float* b, int ldb) : IPanelB
    {
        public void Pack(int j0, int cols, int p0, int kc, float* dst) => PackB(transB, b, ldb, j0, cols, p0, kc, dst);
    }

    /// <summary>K block size: at most KC, split evenly so no block is a short remainder (k = 288 gives 144 + 144,
    /// not 256 + 32: short blocks pay the C update and packing setup for little work). Depends on k only, so the
    /// summation order stays fixed.</summary>
    internal static int BlockK(int k)
    {
        int blocks = Math.Max(1, (k + KC - 1) / KC);
        return (k + blocks - 1) / blocks;
    }

    /// <summary>Whether the packed path (and so <see cref="MultiplyPrepacked"/>) is available on this CPU.</summary>
    internal static bool PackedSupported => Fma.IsSupported;

    /// <summary>Floats needed by <see cref="PackA"/> for an m x k op(A) (all KC blocks).</summary>
    internal static int PackedALength(int m, int k) => (m + MR - 1) / MR * MR * k;

    /// <summary>Packs all of op(A) once, for operands reused across many products (a conv's weights across images).</summary>
    internal static void PackA(bool transA, int m, int k, float* a, int lda, float* dst)
    {
        int mSlivers = (m + MR - 1) / MR;
        int kcb = BlockK(k);
        // Slivers are independent; split them across threads when the matrix is big enough to matter.
        void Sliver(int s)
        {
            for (int pc = 0; pc < k; pc += kcb)
            {
                int kc = Math.Min(kcb, k - pc);
                PackA(transA, a, lda, s * MR, Math.Min(MR, m - s * MR), pc, kc, dst + (long)mSlivers * MR * pc + (long)s * MR * kc);
            }
        }
        if (EngineOptions.MaxDegreeOfParallelism > 1 && mSlivers > 1 && (long)m * k >= 1 << 16)
            Parallel.For(0, mSlivers, EngineOptions.ParallelOptions, Sliver);
        else
            for (int s = 0; s < mSlivers; s++) Sliver(s);
    }

    /// <summary>C = alpha * A * op(B) + beta * C with A already packed by <see cref="PackA(bool,int,int,float*,int,float*)"/>.</summary>
    internal static void MultiplyPrepacked(int m, int n, int k, float alpha, float* packedA, bool transB, float* b, int ldb,
        float beta, float* c, int ldc, int maxThreads)
    {
        if (m == 0 || n == 0) return;
        if (k == 0 || alpha == 0f)
        {
            ScaleC(m, n, beta, c, ldc);
            return;
        }
        long work = (long)m * n * k;
        int threads = work < (1L << 19) ? 1 : Math.Max(1, maxThreads);
        PackedMultiply(false, m, n, k, alpha, null, 0, packedA, new DenseB(transB, b, ldb), beta, c, ldc, threads);
    }

    /// <summary>C = alpha * A * B + beta * C, A row-major (lda), B packed from <paramref name="source"/> panel by panel.</summary>
    internal static void MultiplyPanelB<TB>(int m, int n, int k, float alpha, float* a, int lda, TB source,
        float beta, float* c, int ldc, int maxThreads) where TB : struct, IPanelB
    {
        if (m == 0 || n == 0) return;
        if (k == 0 || alpha == 0f)
        {
            ScaleC(m, n, beta, c, ldc);
            return;
        }
        long work = (long)m * n * k;
        int threads = work < (1L << 19) ? 1 : Math.Max(1, maxThreads);
        PackedMultiply(false, m, n, k, alpha, a, lda, null, source, beta, c, ldc, threads);
    }

    /// <summary>
    /// Single-threaded C_i = alpha * A * B_i + beta * C_i for several B_i sharing one prepacked A (a conv's weights
    /// across a chunk of images). The image loop sits inside the K-block loop, so each block of A is read from L2
    /// for every image instead of streaming all of A per image. Blocking, tiles and summation order are exactly
    /// those of <see cref="MultiplyPrepacked{TB}"/>, so every C_i is bit-identical to a separate call.
    /// </summary>
    internal static void MultiplyPrepackedMany<TB>(int m, int n, int k, float alpha, float* packedA, ReadOnlySpan<TB> sources,
        float** cs, int ldc, float beta) where TB : struct, IPanelB
    {
        if (m == 0 || n == 0) return;
        if (k == 0 || alpha == 0f)
        {
            for (int i = 0; i < sources.Length; i++) ScaleC(m, n, beta, cs[i], ldc);
            return;
        }
        int kcb = BlockK(k);
        int mSlivers = (m + MR - 1) / MR;
        int nSliversMax = (Math.Min(n, NC) + NR - 1) / NR;
        float[] packB = BufferPool.Rent(nSliversMax * NR * kcb);
        try
        {
            fixed (float* pB = packB)
            {
                for (int jc = 0; jc < n; jc += NC)
                {
                    int nc = Math.Min(NC, n - jc);
                    int nSlivers = (nc + NR - 1) / NR;
                    TaskGrid(mSlivers, nSlivers, 1, out int rowsPerTask, out int colsPerTask);
                    int mTasks = (m + rowsPerTask - 1) / rowsPerTask, nTasks = (nc + colsPerTask - 1) / colsPerTask;
                    for (int pc = 0; pc < k; pc += kcb)
                    {
                        int kc = Math.Min(kcb, k - pc);
                        float* pA = packedA + (long)mSlivers * MR * pc;
                        for (int i = 0; i < sources.Length; i++)
                        {
                            for (int sl = 0; sl < nSlivers; sl++)
                                sources[i].Pack(jc + sl * NR, Math.Min(NR, nc - sl * NR), pc, kc, pB + (long)sl * NR * kc);
                            for (int t = 0; t < mTasks * nTasks; t++)
                                ComputeTask(t, nTasks, rowsPerTask, colsPerTask, m, nc, kc, pA, pB, cs[i] + jc, ldc, alpha, beta, pc == 0);
                        }
                    }
                }
            }
        }
        finally { BufferPool.Return(packB); }
    }

    /// <summary>C = alpha * A * B + beta * C with A prepacked and B packed from <paramref name="source"/> panel by panel.</summary>
    internal static void MultiplyPrepacked<TB>(int m, int n, int k, float alpha, float* packedA, TB source,
        float beta, float* c, int ldc, int maxThreads) where TB : struct, IPanelB
    {
        if (m == 0 || n == 0) return;
        if (k == 0 || alpha == 0f)
        {
            ScaleC(m, n, beta, c, ldc);
            return;
        }
        long work = (long)m * n * k;
        int threads = work < (1L << 19) ? 1 : Math.Max(1, maxThreads);
        PackedMultiply(false, m, n, k, alpha, null, 0, packedA, source, beta, c, ldc, threads);
    }

    private static void ScaleC(int m, int n, float beta, float* c, int ldc)
    {
        for (int i = 0; i < m; i++)
        {
            var row = new Span<float>(c + (long)i * ldc, n);
            if (beta == 0f) row.Clear();
            else if (beta != 1f) System.Numerics.Tensors.TensorPrimitives.Multiply(row, beta, row);
        }
    }

    // ---------------------------------------------------------------- small path

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void SmallMultiply(bool transA, bool transB, int m, int n, int k, float alpha,
        float* a, int lda, float* b, int ldb, float beta, float* c, int ldc)
    {
        if (!transB)
        {
            // Row i of C is a combination of rows of B: C[i,:] = beta*C[i,:] + sum_p (alpha*A[i,p]) * B[p,:].
            for (int i = 0; i < m; i++)
            {
                float* ci = c + (long)i * ldc;
                var row = new Span<float>(ci, n);
                if (beta == 0f) row.Clear();
                else if (beta != 1f) System.Numerics.Tensors.TensorPrimitives.Multiply(row, beta, row);
                for (int p = 0; p < k; p++)
                {
                    float s = alpha * (transA ? a[(long)p * lda + i] : a[(long)i * lda + p]);
                    Axpy(n, s, b + (long)p * ldb, ci);
                }
            }
            return;
        }
        // op(B) = B^T: C[i,j] = dot(op(A)[i,:], B[j,:]), both rows contiguous once A's row is gathered.
        float[]? gathered = transA ? BufferPool.Rent(k) : null;
        try
        {
            fixed (float* g = gathered)
            {
                for (int i = 0; i < m; i++)
                {
                    float* ai;
                    if (transA)
                    {
                        for (int p = 0; p < k; p++) g[p] = a[(long)p * lda + i];
                        ai = g;
                    }
                    else ai = a + (long)i * lda;
                    float* ci = c + (long)i * ldc;
                    for (int j = 0; j < n; j++)
                    {
                        float d = alpha * Dot(k, ai, b + (long)j * ldb);
                        ci[j] = beta == 0f ? d : MathF.FusedMultiplyAdd(beta, ci[j], d);
                    }
                }
            }
        }
        finally
        {
            if (gathered != null) BufferPool.Return(gathered);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void Axpy(int n, float s, float* x, float* y)
    {
        int j = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            var vs = Vector256.Create(s);
            for (; j <= n - 8; j += 8)
                Vector256.Store(Vector256.FusedMultiplyAdd(vs, Vector256.Load(x + j), Vector256.Load(y + j)), y + j);
        }
        for (; j < n; j++) y[j] = MathF.FusedMultiplyAdd(s, x[j], y[j]);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static float Dot(int n, float* x, float* y)
    {
        int j = 0;
        float sum = 0f;
        if (Vector256.IsHardwareAccelerated && n >= 16)
        {
            var s0 = Vector256<float>.Zero; var s1 = Vector256<float>.Zero;
            for (; j <= n - 16; j += 16)
            {
                s0 = Vector256.FusedMultiplyAdd(Vector256.Load(x + j), Vector256.Load(y + j), s0);
                s1 = Vector256.FusedMultiplyAdd(Vector256.Load(x + j + 8), Vector256.Load(y + j + 8), s1);
            }
            sum = Vector256.Sum(s0 + s1);
        }
        for (; j < n; j++) sum = MathF.FusedMultiplyAdd(x[j], y[j], sum);
        return sum;
    }

    // ---------------------------------------------------------------- packed path

    private static void PackedMultiply<TB>(bool transA, int m, int n, int k, float alpha,
        float* a, int lda, float* prepackedA, TB bSource, float beta, float* c, int ldc, int threads) where TB : struct, IPanelB
    {
        int kcMax = BlockK(k);
        int mSlivers = (m + MR - 1) / MR;
        int ncMax = Math.Min(n, NC);
        int nSliversMax = (ncMax + NR - 1) / NR;
        float[] packA = BufferPool.Rent(prepackedA != null ? 0 : mSlivers * MR * kcMax);
        float[] packB = BufferPool.Rent(nSliversMax * NR * kcMax);
        try
        {
            fixed (float* pA0 = packA)
            fixed (float* pB0 = packB)
            {
                float* pA = pA0, pB = pB0;
                for (int jc = 0; jc < n; jc += NC)
                {
                    int nc = Math.Min(NC, n - jc);
                    int nSlivers = (nc + NR - 1) / NR;
                    for (int pc = 0; pc < k; pc += kcMax)
                    {
                        int kc = Math.Min(kcMax, k - pc);
                        bool first = pc == 0;
                        if (prepackedA != null) pA = prepackedA + (long)mSlivers * MR * pc;
                        // Pack: slivers of A and of B, split into chunks any thread may take.
                        const int packChunk = 8;
                        int aChunks = prepackedA != null ? 0 : (mSlivers + packChunk - 1) / packChunk;
                        int bChunks = (nSlivers + packChunk - 1) / packChunk;
                        int totalPack = aChunks + bChunks;
                        if (threads > 1)
                            Parallel.For(0, totalPack, new ParallelOptions { MaxDegreeOfParallelism = threads },
                                t => PackChunk(t, aChunks, packChunk, transA, m, nc, mSlivers, nSlivers, kc, pc, jc,
                                    a, lda, bSource, pA, pB));
                        else
                            for (int t = 0; t < totalPack; t++)
                                PackChunk(t, aChunks, packChunk, transA, m, nc, mSlivers, nSlivers, kc, pc, jc,
                                    a, lda, bSource, pA, pB);

                        TaskGrid(mSlivers, nSlivers, threads, out int rowsPerTask, out int colsPerTask);
                        int mTasks = (m + rowsPerTask - 1) / rowsPerTask;
                        int nTasks = (nc + colsPerTask - 1) / colsPerTask;
                        int tasks = mTasks * nTasks;
                        float* cj = c + jc;
                        if (threads > 1)
                            Parallel.For(0, tasks, new ParallelOptions { MaxDegreeOfParallelism = threads },
                                t => ComputeTask(t, nTasks, rowsPerTask, colsPerTask, m, nc, kc, pA, pB, cj, ldc, alpha, beta, first));
                        else
                            for (int t = 0; t < tasks; t++)
                                ComputeTask(t, nTasks, rowsPerTask, colsPerTask, m, nc, kc, pA, pB, cj, ldc, alpha, beta, first);
                    }
                }
            }
        }
        finally
        {
            BufferPool.Return(packA);
            BufferPool.Return(packB);
        }
    }

    /// <summary>
    /// Splits the C panel into a grid of tasks: at most MC x NB each, and at least ~4 per thread (balanced, for
    /// dynamic scheduling on a shared machine). Task edges fall on MR/NR sliver boundaries, so which tiles take the
    /// edge kernel depends only on m and n, and the result not on the thread count.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void TaskGrid(int mSlivers, int nSlivers, int threads, out int rowsPerTask, out int colsPerTask)
    {
        int rowTasks = (mSlivers * MR + MC - 1) / MC, colTasks = (nSlivers * NR + NB - 1) / NB;
        int want = threads > 1 ? 4 * threads : 1;
        while (rowTasks * colTasks < want && (colTasks < nSlivers || rowTasks < mSlivers))
        {
            if (colTasks < nSlivers && (colTasks <= rowTasks || rowTasks >= mSlivers)) colTasks++;
            else rowTasks++;
        }
        rowsPerTask = (mSlivers + rowTasks - 1) / rowTasks * MR;
        colsPerTask = (nSlivers + colTasks - 1) / colTasks * NR;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void ComputeTask(int t, int nTasks, int rowsPerTask, int colsPerTask, int m, int nc, int kc,
        float* pA, float* pB, float* c, int ldc, float alpha, float beta, bool first)
    {
        int it = t / nTasks, jt = t % nTasks;
        int i0 = it * rowsPerTask, i1 = Math.Min(m, i0 + rowsPerTask);
        int j0 = jt * colsPerTask, j1 = Math.Min(nc, j0 + colsPerTask);
        for (int j = j0; j < j1; j += NR)
        {
            int nr = Math.Min(NR, j1 - j);
            float* bs = pB + (long)(j / NR) * NR * kc;
            for (int i = i0; i < i1; i += MR)
            {
                int mr = Math.Min(MR, i1 - i);
                float* asl = pA + (long)(i / MR) * MR * kc;
                float* ct = c + (long)i * ldc + j;
                if (mr == MR && nr == NR)
                {
                    if (Wide) Kernel8x32(kc, asl, bs, ct, ldc, alpha, beta, first);
                    else Kernel6x16(kc, asl, bs, ct, ldc, alpha, beta, first);
                }
                else
                    KernelEdge(kc, asl, bs, ct, ldc, mr, nr, alpha, beta, first);
            }
        }
    }
}
