using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace MLAugment.Engine.Kernels;

/// <summary>Register-blocked FMA micro-kernels: C[MR x NR] (+)= A_sliver x B_sliver over one K block.</summary>
public static unsafe partial class Sgemm
{
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
