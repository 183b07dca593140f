using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace MLAugment.Engine.Kernels;

/// <summary>Packing of op(A) into MR-tall and op(B) into NR-wide k-major slivers (contiguous micro-kernel operands).</summary>
public static unsafe partial class Sgemm
{
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
    internal static void Transpose8x8(Vector256<float> r0, Vector256<float> r1, Vector256<float> r2, Vector256<float> r3,
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
}
