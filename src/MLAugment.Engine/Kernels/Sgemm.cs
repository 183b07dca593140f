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
/// FMA micro-kernel streams them. Each output element is produced by exactly one thread per KC block and the KC
/// blocks are visited in a fixed order, so results are bit-identical for any
/// <see cref="EngineOptions.MaxDegreeOfParallelism"/>. On AVX-512 hardware an 8x32 zmm micro-kernel replaces the
/// 6x16 ymm one (same blocking scheme); results then differ from the AVX2 path by float rounding only.
/// </remarks>
public static unsafe class Sgemm
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

    private static void PackChunk<TB>(int t, int aChunks, int chunk, bool transA, int m, int nc,
        int mSlivers, int nSlivers, int kc, int pc, int jc, float* a, int lda, TB bSource, float* pA, float* pB)
        where TB : struct, IPanelB
    {
        if (t < aChunks)
        {
            int s1 = Math.Min(mSlivers, (t + 1) * chunk);
            for (int s = t * chunk; s < s1; s++)
                PackA(transA, a, lda, s * MR, Math.Min(MR, m - s * MR), pc, kc, pA + (long)s * MR * kc);
        }
        else
        {
            t -= aChunks;
            int s1 = Math.Min(nSlivers, (t + 1) * chunk);
            for (int s = t * chunk; s < s1; s++)
                bSource.Pack(jc + s * NR, Math.Min(NR, nc - s * NR), pc, kc, pB + (long)s * NR * kc);
        }
    }

    /// <summary>Packs op(A)[i0..i0+rows, p0..p0+kc] as dst[p*MR + r], zero-padding rows beyond <paramref name="rows"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void PackA(bool transA, float* a, int lda, int i0, int rows, int p0, int kc, float* dst)
    {
        int mr = MR;
        if (transA)
        {
            // op(A)[i,p] = A[p,i]: each p gives MR contiguous values.
            float* src = a + (long)p0 * lda + i0;
            if (rows == 8 && mr == 8)
            {
                for (int p = 0; p < kc; p++, src += lda, dst += 8)
                    Vector256.Store(Vector256.Load(src), dst);
            }
            else
            {
                for (int p = 0; p < kc; p++, src += lda, dst += mr)
                    for (int r = 0; r < mr; r++) dst[r] = r < rows ? src[r] : 0f;
            }
        }
        else
        {
            // Row-major A: transpose 8x8 blocks (rows x k) into k-major order.
            float* src = a + (long)i0 * lda + p0;
            if (mr == 8 && rows == 8)
            {
                int p = 0;
                for (; p <= kc - 8; p += 8) Transpose8x8(src + p, lda, dst + p * 8, 8);
                for (; p < kc; p++)
                    for (int r = 0; r < 8; r++) dst[p * 8 + r] = src[(long)r * lda + p];
                return;
            }
            for (int r = 0; r < mr; r++)
            {
                float* d = dst + r;
                if (r < rows)
                {
                    float* s = src + (long)r * lda;
                    int p = 0;
                    for (; p <= kc - 4; p += 4)
                    {
                        d[p * mr] = s[p]; d[(p + 1) * mr] = s[p + 1];
                        d[(p + 2) * mr] = s[p + 2]; d[(p + 3) * mr] = s[p + 3];
                    }
                    for (; p < kc; p++) d[p * mr] = s[p];
                }
                else
                {
                    for (int p = 0; p < kc; p++) d[p * mr] = 0f;
                }
            }
        }
    }

    /// <summary>Packs op(B)[p0..p0+kc, j0..j0+cols] as dst[p*NR + j], zero-padding columns beyond <paramref name="cols"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void PackB(bool transB, float* b, int ldb, int j0, int cols, int p0, int kc, float* dst)
    {
        int nr = NR;
        if (!transB)
        {
            float* src = b + (long)p0 * ldb + j0;
            if (cols == nr)
            {
                for (int p = 0; p < kc; p++, src += ldb, dst += nr)
                    for (int j = 0; j < nr; j += 8)
                        Vector256.Store(Vector256.Load(src + j), dst + j);
            }
            else
            {
                for (int p = 0; p < kc; p++, src += ldb, dst += nr)
                    for (int j = 0; j < nr; j++) dst[j] = j < cols ? src[j] : 0f;
            }
        }
        else
        {
            // op(B)[p,j] = B[j,p]: transpose 8x8 blocks (8 rows of B x 8 k) into k-major order.
            float* src = b + (long)j0 * ldb + p0;
            if (cols == nr)
            {
                int p = 0;
                for (; p <= kc - 8; p += 8)
                    for (int jg = 0; jg < nr; jg += 8)
                        Transpose8x8(src + (long)jg * ldb + p, ldb, dst + p * nr + jg, nr);
                for (; p < kc; p++)
                    for (int j = 0; j < nr; j++) dst[p * nr + j] = src[(long)j * ldb + p];
                return;
            }
            for (int j = 0; j < nr; j++)
            {
                float* d = dst + j;
                if (j < cols)
                {
                    float* s = src + (long)j * ldb;
                    for (int p = 0; p < kc; p++) d[p * nr] = s[p];
                }
                else
                {
                    for (int p = 0; p < kc; p++) d[p * nr] = 0f;
                }
            }
        }
    }

    /// <summary>dst[c * dstStride + r] = src[r * ld + c] for an 8x8 block (unpack / shuffle / lane-permute network).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Transpose8x8(float* src, long ld, float* dst, long dstStride) =>
        Transpose8x8(Avx.LoadVector256(src), Avx.LoadVector256(src + ld), Avx.LoadVector256(src + 2 * ld),
            Avx.LoadVector256(src + 3 * ld), Avx.LoadVector256(src + 4 * ld), Avx.LoadVector256(src + 5 * ld),
            Avx.LoadVector256(src + 6 * ld), Avx.LoadVector256(src + 7 * ld), dst, dstStride);

    /// <summary>dst[c * dstStride + r] = rows[r][offset + c] for 8 arbitrary row pointers.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void Transpose8x8(float** rows, long offset, float* dst, long dstStride) =>
        Transpose8x8(Avx.LoadVector256(rows[0] + offset), Avx.LoadVector256(rows[1] + offset), Avx.LoadVector256(rows[2] + offset),
            Avx.LoadVector256(rows[3] + offset), Avx.LoadVector256(rows[4] + offset), Avx.LoadVector256(rows[5] + offset),
            Avx.LoadVector256(rows[6] + offset), Avx.LoadVector256(rows[7] + offset), dst, dstStride);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Transpose8x8(Vector256<float> r0, Vector256<float> r1, Vector256<float> r2, Vector256<float> r3,
        Vector256<float> r4, Vector256<float> r5, Vector256<float> r6, Vector256<float> r7, float* dst, long dstStride)
    {
        var t0 = Avx.UnpackLow(r0, r1); var t1 = Avx.UnpackHigh(r0, r1);
        var t2 = Avx.UnpackLow(r2, r3); var t3 = Avx.UnpackHigh(r2, r3);
        var t4 = Avx.UnpackLow(r4, r5); var t5 = Avx.UnpackHigh(r4, r5);
        var t6 = Avx.UnpackLow(r6, r7); var t7 = Avx.UnpackHigh(r6, r7);
        var u0 = Avx.Shuffle(t0, t2, 0x44); var u1 = Avx.Shuffle(t0, t2, 0xEE);
        var u2 = Avx.Shuffle(t1, t3, 0x44); var u3 = Avx.Shuffle(t1, t3, 0xEE);
        var u4 = Avx.Shuffle(t4, t6, 0x44); var u5 = Avx.Shuffle(t4, t6, 0xEE);
        var u6 = Avx.Shuffle(t5, t7, 0x44); var u7 = Avx.Shuffle(t5, t7, 0xEE);
        Avx.Store(dst, Avx.Permute2x128(u0, u4, 0x20));
        Avx.Store(dst + dstStride, Avx.Permute2x128(u1, u5, 0x20));
        Avx.Store(dst + 2 * dstStride, Avx.Permute2x128(u2, u6, 0x20));
        Avx.Store(dst + 3 * dstStride, Avx.Permute2x128(u3, u7, 0x20));
        Avx.Store(dst + 4 * dstStride, Avx.Permute2x128(u0, u4, 0x31));
        Avx.Store(dst + 5 * dstStride, Avx.Permute2x128(u1, u5, 0x31));
        Avx.Store(dst + 6 * dstStride, Avx.Permute2x128(u2, u6, 0x31));
        Avx.Store(dst + 7 * dstStride, Avx.Permute2x128(u3, u7, 0x31));
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

    /// <summary>6x16 micro-kernel: 12 ymm accumulators, 2 B loads and 1 A broadcast per k step.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Kernel6x16(int kc, float* a, float* b, float* c, int ldc, float alpha, float beta, bool first)
    {
        Vector256<float> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default;
        Vector256<float> c30 = default, c31 = default, c40 = default, c41 = default, c50 = default, c51 = default;
        for (int p = 0; p < kc; p++)
        {
            var b0 = Avx.LoadVector256(b);
            var b1 = Avx.LoadVector256(b + 8);
            var av = Avx.BroadcastScalarToVector256(a);
            c00 = Fma.MultiplyAdd(av, b0, c00); c01 = Fma.MultiplyAdd(av, b1, c01);
            av = Avx.BroadcastScalarToVector256(a + 1);
            c10 = Fma.MultiplyAdd(av, b0, c10); c11 = Fma.MultiplyAdd(av, b1, c11);
            av = Avx.BroadcastScalarToVector256(a + 2);
            c20 = Fma.MultiplyAdd(av, b0, c20); c21 = Fma.MultiplyAdd(av, b1, c21);
            av = Avx.BroadcastScalarToVector256(a + 3);
            c30 = Fma.MultiplyAdd(av, b0, c30); c31 = Fma.MultiplyAdd(av, b1, c31);
            av = Avx.BroadcastScalarToVector256(a + 4);
            c40 = Fma.MultiplyAdd(av, b0, c40); c41 = Fma.MultiplyAdd(av, b1, c41);
            av = Avx.BroadcastScalarToVector256(a + 5);
            c50 = Fma.MultiplyAdd(av, b0, c50); c51 = Fma.MultiplyAdd(av, b1, c51);
            a += 6; b += 16;
        }
        var va = Vector256.Create(alpha);
        StoreRow(c, c00, c01, va, beta, first); c += ldc;
        StoreRow(c, c10, c11, va, beta, first); c += ldc;
        StoreRow(c, c20, c21, va, beta, first); c += ldc;
        StoreRow(c, c30, c31, va, beta, first); c += ldc;
        StoreRow(c, c40, c41, va, beta, first); c += ldc;
        StoreRow(c, c50, c51, va, beta, first);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreRow(float* c, Vector256<float> x0, Vector256<float> x1, Vector256<float> va, float beta, bool first)
    {
        if (first)
        {
            if (beta == 0f)
            {
                Avx.Store(c, Avx.Multiply(va, x0));
                Avx.Store(c + 8, Avx.Multiply(va, x1));
            }
            else
            {
                var vb = Vector256.Create(beta);
                Avx.Store(c, Fma.MultiplyAdd(va, x0, Avx.Multiply(vb, Avx.LoadVector256(c))));
                Avx.Store(c + 8, Fma.MultiplyAdd(va, x1, Avx.Multiply(vb, Avx.LoadVector256(c + 8))));
            }
        }
        else
        {
            Avx.Store(c, Fma.MultiplyAdd(va, x0, Avx.LoadVector256(c)));
            Avx.Store(c + 8, Fma.MultiplyAdd(va, x1, Avx.LoadVector256(c + 8)));
        }
    }

    /// <summary>8x32 AVX-512 micro-kernel: 16 zmm accumulators, 2 B loads and 8 A broadcasts per k step.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Kernel8x32(int kc, float* a, float* b, float* c, int ldc, float alpha, float beta, bool first)
    {
        Vector512<float> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default;
        Vector512<float> c30 = default, c31 = default, c40 = default, c41 = default, c50 = default, c51 = default;
        Vector512<float> c60 = default, c61 = default, c70 = default, c71 = default;
        for (int p = 0; p < kc; p++)
        {
            var b0 = Avx512F.LoadVector512(b);
            var b1 = Avx512F.LoadVector512(b + 16);
            var av = Vector512.Create(a[0]);
            c00 = Avx512F.FusedMultiplyAdd(av, b0, c00); c01 = Avx512F.FusedMultiplyAdd(av, b1, c01);
            av = Vector512.Create(a[1]);
            c10 = Avx512F.FusedMultiplyAdd(av, b0, c10); c11 = Avx512F.FusedMultiplyAdd(av, b1, c11);
            av = Vector512.Create(a[2]);
            c20 = Avx512F.FusedMultiplyAdd(av, b0, c20); c21 = Avx512F.FusedMultiplyAdd(av, b1, c21);
            av = Vector512.Create(a[3]);
            c30 = Avx512F.FusedMultiplyAdd(av, b0, c30); c31 = Avx512F.FusedMultiplyAdd(av, b1, c31);
            av = Vector512.Create(a[4]);
            c40 = Avx512F.FusedMultiplyAdd(av, b0, c40); c41 = Avx512F.FusedMultiplyAdd(av, b1, c41);
            av = Vector512.Create(a[5]);
            c50 = Avx512F.FusedMultiplyAdd(av, b0, c50); c51 = Avx512F.FusedMultiplyAdd(av, b1, c51);
            av = Vector512.Create(a[6]);
            c60 = Avx512F.FusedMultiplyAdd(av, b0, c60); c61 = Avx512F.FusedMultiplyAdd(av, b1, c61);
            av = Vector512.Create(a[7]);
            c70 = Avx512F.FusedMultiplyAdd(av, b0, c70); c71 = Avx512F.FusedMultiplyAdd(av, b1, c71);
            a += 8; b += 32;
        }
        var va = Vector512.Create(alpha);
        StoreRow512(c, c00, c01, va, beta, first); c += ldc;
        StoreRow512(c, c10, c11, va, beta, first); c += ldc;
        StoreRow512(c, c20, c21, va, beta, first); c += ldc;
        StoreRow512(c, c30, c31, va, beta, first); c += ldc;
        StoreRow512(c, c40, c41, va, beta, first); c += ldc;
        StoreRow512(c, c50, c51, va, beta, first); c += ldc;
        StoreRow512(c, c60, c61, va, beta, first); c += ldc;
        StoreRow512(c, c70, c71, va, beta, first);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreRow512(float* c, Vector512<float> x0, Vector512<float> x1, Vector512<float> va, float beta, bool first)
    {
        if (first)
        {
            if (beta == 0f)
            {
                Avx512F.Store(c, Avx512F.Multiply(va, x0));
                Avx512F.Store(c + 16, Avx512F.Multiply(va, x1));
            }
            else
            {
                var vb = Vector512.Create(beta);
                Avx512F.Store(c, Avx512F.FusedMultiplyAdd(va, x0, Avx512F.Multiply(vb, Avx512F.LoadVector512(c))));
                Avx512F.Store(c + 16, Avx512F.FusedMultiplyAdd(va, x1, Avx512F.Multiply(vb, Avx512F.LoadVector512(c + 16))));
            }
        }
        else
        {
            Avx512F.Store(c, Avx512F.FusedMultiplyAdd(va, x0, Avx512F.LoadVector512(c)));
            Avx512F.Store(c + 16, Avx512F.FusedMultiplyAdd(va, x1, Avx512F.LoadVector512(c + 16)));
        }
    }

    /// <summary>Partial tile: full micro-kernel into a scratch tile, then the same store formula element-wise.</summary>
    private static void KernelEdge(int kc, float* a, float* b, float* c, int ldc, int mr, int nr, float alpha, float beta, bool first)
    {
        float* tile = stackalloc float[8 * 32];
        int nrFull = NR;
        if (Wide) Kernel8x32(kc, a, b, tile, nrFull, 1f, 0f, true);
        else Kernel6x16(kc, a, b, tile, nrFull, 1f, 0f, true);
        for (int i = 0; i < mr; i++)
        {
            float* ci = c + (long)i * ldc;
            float* ti = tile + i * nrFull;
            for (int j = 0; j < nr; j++)
            {
                float prior = first ? (beta == 0f ? 0f : beta * ci[j]) : ci[j];
                ci[j] = MathF.FusedMultiplyAdd(alpha, ti[j], prior);
            }
        }
    }
}
