using System.Runtime.CompilerServices;
namespace MLAugment.Engine.Kernels;

/// <summary>
/// Direct (sliding-window) convolution: no im2col buffer, vectorized along output rows when the stride is 1.
/// Wins for depthwise and other thin-group convolutions where im2col + GEMM degenerates to matrix-vector work.
/// Each thread owns whole output planes (forward: (n, oc); input gradient: (n, c); weight gradient: oc), and
/// every plane is accumulated in a fixed (channel, kh, kw, row) order, so results do not depend on thread count.
/// </summary>
internal static unsafe class Conv2dDirect
{
    /// <summary>Output columns [lo, hi) whose input column ow*stride + offset lies in [0, inLen).</summary>
    private static void ValidRange(int outLen, int inLen, int stride, int offset, out int lo, out int hi)
    {
        lo = offset >= 0 ? 0 : (-offset + stride - 1) / stride;
        hi = inLen - offset <= 0 ? 0 : Math.Min(outLen, (inLen - offset + stride - 1) / stride);
        if (hi < lo) hi = lo;
    }

    private static void For(int count, Action<int> body)
    {
        if (EngineOptions.MaxDegreeOfParallelism > 1 && count > 1)
            Parallel.For(0, count, EngineOptions.ParallelOptions, body);
        else
            for (int i = 0; i < count; i++) body(i);
    }

    public static void Forward(float* x, float* w, float* bias, float* y, Conv2dShape s)
    {
        For(s.N * s.OutC, t => ForwardPlane(t, x, w, bias, y, s));
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void ForwardPlane(int t, float* x, float* w, float* bias, float* y, in Conv2dShape s)
    {
        int n = t / s.OutC, oc = t % s.OutC;
        int H = s.H, W = s.W, OH = s.OutH, OW = s.OutW, cg = s.GroupC, g = oc / s.GroupOutC;
        float* dst = y + (long)t * OH * OW;
        new Span<float>(dst, OH * OW).Fill(bias != null ? bias[oc] : 0f);
        for (int ci = 0; ci < cg; ci++)
        {
            float* src = x + ((long)n * s.C + g * cg + ci) * H * W;
            float* wk = w + ((long)oc * cg + ci) * s.KH * s.KW;
            for (int kh = 0; kh < s.KH; kh++)
                for (int kw = 0; kw < s.KW; kw++)
                {
                    float wv = wk[kh * s.KW + kw];
                    int offW = kw * s.DilationW - s.PadW;
                    ValidRange(OW, W, s.StrideW, offW, out int lo, out int hi);
                    for (int oh = 0; oh < OH; oh++)
                    {
                        int ih = oh * s.StrideH - s.PadH + kh * s.DilationH;
                        if ((uint)ih >= (uint)H) continue;
                        float* row = src + (long)ih * W + offW;
                        float* o = dst + oh * OW;
                        if (s.StrideW == 1) Sgemm.Axpy(hi - lo, wv, row + lo, o + lo);
                        else for (int ow = lo; ow < hi; ow++) o[ow] = MathF.FusedMultiplyAdd(wv, row[ow * s.StrideW], o[ow]);
                    }
                }
        }
    }

    public static void BackwardInput(float* gy, float* w, float* gx, Conv2dShape s)
    {
        For(s.N * s.C, t => BackwardInputPlane(t, gy, w, gx, s));
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void BackwardInputPlane(int t, float* gy, float* w, float* gx, in Conv2dShape s)
    {
        int n = t / s.C, c = t % s.C;
        int H = s.H, W = s.W, OH = s.OutH, OW = s.OutW, cg = s.GroupC, ocg = s.GroupOutC;
        int g = c / cg, ci = c % cg;
        float* dst = gx + (long)t * H * W;
        new Span<float>(dst, H * W).Clear();
        for (int oj = 0; oj < ocg; oj++)
        {
            int oc = g * ocg + oj;
            float* src = gy + ((long)n * s.OutC + oc) * OH * OW;
            float* wk = w + ((long)oc * cg + ci) * s.KH * s.KW;
            for (int kh = 0; kh < s.KH; kh++)
                for (int kw = 0; kw < s.KW; kw++)
                {
                    float wv = wk[kh * s.KW + kw];
                    int offW = kw * s.DilationW - s.PadW;
                    ValidRange(OW, W, s.StrideW, offW, out int lo, out int hi);
                    for (int oh = 0; oh < OH; oh++)
                    {
                        int ih = oh * s.StrideH - s.PadH + kh * s.DilationH;
                        if ((uint)ih >= (uint)H) continue;
                        float* row = dst + (long)ih * W + offW;
                        float* go = src + oh * OW;
                        if (s.StrideW == 1) Sgemm.Axpy(hi - lo, wv, go + lo, row + lo);
                        else for (int ow = lo; ow < hi; ow++) row[ow * s.StrideW] = MathF.FusedMultiplyAdd(wv, go[ow], row[ow * s.StrideW]);
                    }
                }
        }
    }

    public static void BackwardWeight(float* x, float* gy, float* gw, Conv2dShape s)
    {
        For(s.OutC, oc => BackwardWeightFilter(oc, x, gy, gw, s));
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void BackwardWeightFilter(int oc, float* x, float* gy, float* gw, in Conv2dShape s)
    {
        int H = s.H, W = s.W, OH = s.OutH, OW = s.OutW, cg = s.GroupC, g = oc / s.GroupOutC;
        for (int ci = 0; ci < cg; ci++)
            for (int kh = 0; kh < s.KH; kh++)
                for (int kw = 0; kw < s.KW; kw++)
                {
                    int offW = kw * s.DilationW - s.PadW;
                    ValidRange(OW, W, s.StrideW, offW, out int lo, out int hi);
                    double sum = 0;
                    for (int n = 0; n < s.N; n++)
                    {
                        float* src = x + ((long)n * s.C + g * cg + ci) * H * W;
                        float* go = gy + ((long)n * s.OutC + oc) * OH * OW;
                        float part = 0f;
                        for (int oh = 0; oh < OH; oh++)
                        {
                            int ih = oh * s.StrideH - s.PadH + kh * s.DilationH;
                            if ((uint)ih >= (uint)H) continue;
                            float* row = src + (long)ih * W + offW;
                            float* gr = go + oh * OW;
                            if (s.StrideW == 1) part += Sgemm.Dot(hi - lo, gr + lo, row + lo);
                            else for (int ow = lo; ow < hi; ow++) part = MathF.FusedMultiplyAdd(gr[ow], row[ow * s.StrideW], part);
                        }
                        sum += part;
                    }
                    gw[(((long)oc * cg + ci) * s.KH + kh) * s.KW + kw] = (float)sum;
                }
    }
}
