using AG = MLAugment.Engine.Autograd.Autograd;

namespace MLAugment.Engine;

/// <summary>
/// 2-D pooling over NCHW tensors (a CHW input is treated as a batch of one). Every (n, c) plane is independent,
/// so forward and backward run planes in parallel and each plane's result is computed the same way regardless
/// of the thread count.
/// </summary>
public static partial class F
{
    /// <summary>Validates a pooling input and returns its planes count and spatial size.</summary>
    private static (int Planes, int H, int W) PoolInput(string op, Tensor x)
    {
        if (x.Rank != 4 && x.Rank != 3)
            throw new ArgumentException($"{op}: input must be [N, C, H, W] or [C, H, W], got {ShapeUtil.Format(x.Shape)}.");
        int h = x.Shape[^2], w = x.Shape[^1];
        return (x.Length == 0 ? 0 : x.Length / (h * w), h, w);
    }

    private static int[] PoolOutShape(Tensor x, int oh, int ow)
    {
        var s = x.Shape.ToArray();
        s[^2] = oh; s[^1] = ow;
        return s;
    }

    private static int PoolOutSize(string op, Tensor x, int n, int k, int s, int p, int dil, string axis)
    {
        if (k <= 0 || s <= 0 || p < 0 || dil <= 0)
            throw new ArgumentException($"{op}: kernel {k}, stride {s}, padding {p}, dilation {dil} along {axis} must be positive (padding non-negative); input {ShapeUtil.Format(x.Shape)}.");
        if (p > k / 2)
            throw new ArgumentException($"{op}: padding {p} along {axis} must be at most half the kernel size {k}; input {ShapeUtil.Format(x.Shape)}.");
        int o = (n + 2 * p - dil * (k - 1) - 1) / s + 1;
        if (n + 2 * p - dil * (k - 1) - 1 < 0 || o <= 0)
            throw new ArgumentException($"{op}: input {ShapeUtil.Format(x.Shape)} is too small for kernel {k} (dilation {dil}, padding {p}) along {axis}.");
        return o;
    }

    public static Tensor AvgPool2d(Tensor x, int kernelSize, int? stride = null, int padding = 0, bool countIncludePad = true)
        => AvgPool2d(x, (kernelSize, kernelSize), (stride ?? kernelSize, stride ?? kernelSize), (padding, padding), countIncludePad);

    /// <summary>
    /// Mean over each window (torch.nn.functional.avg_pool2d, ceil_mode=False). With <paramref name="countIncludePad"/>
    /// the divisor is the full window (padding zeros included), otherwise the number of real elements in it.
    /// </summary>
    public static Tensor AvgPool2d(Tensor x, (int H, int W) kernel, (int H, int W) stride, (int H, int W) padding, bool countIncludePad = true)
    {
        const string op = "AvgPool2d";
        var (planes, h, w) = PoolInput(op, x);
        int oh = PoolOutSize(op, x, h, kernel.H, stride.H, padding.H, 1, "H");
        int ow = PoolOutSize(op, x, w, kernel.W, stride.W, padding.W, 1, "W");
        var y = Tensor.Allocate(PoolOutShape(x, oh, ow), clear: false);
        // Window bounds per output row/column (clipped to the input) and each output's divisor.
        var (h0, h1) = PoolBounds(oh, h, kernel.H, stride.H, padding.H);
        var (w0, w1) = PoolBounds(ow, w, kernel.W, stride.W, padding.W);
        var div = new float[oh * ow];
        for (int i = 0; i < oh; i++)
            for (int j = 0; j < ow; j++)
                div[i * ow + j] = countIncludePad ? kernel.H * kernel.W : (h1[i] - h0[i]) * (w1[j] - w0[j]);
        var xs = x.Storage; int xo = x.Offset; var ys = y.Storage;
        ParallelRows(planes, h * w, p =>
        {
            var src = xs.AsSpan(xo + p * h * w, h * w);
            var dst = ys.AsSpan(p * oh * ow, oh * ow);
            for (int i = 0; i < oh; i++)
                for (int j = 0; j < ow; j++)
                {
                    float s = 0f;
                    for (int a = h0[i]; a < h1[i]; a++)
                        for (int b = w0[j]; b < w1[j]; b++) s += src[a * w + b];
                    dst[i * ow + j] = s / div[i * ow + j];
                }
        });
        var inShape = x.Shape.ToArray();
        return AG.Record(y, op, x, g =>
        {
            var gx = Tensor.Zeros(inShape);
            var gs = g.Storage; int go = g.Offset; var gxs = gx.Storage;
            ParallelRows(planes, h * w, p =>
            {
                var gp = gs.AsSpan(go + p * oh * ow, oh * ow);
                var dst = gxs.AsSpan(p * h * w, h * w);
                for (int i = 0; i < oh; i++)
                    for (int j = 0; j < ow; j++)
                    {
                        float v = gp[i * ow + j] / div[i * ow + j];
                        for (int a = h0[i]; a < h1[i]; a++)
                            for (int b = w0[j]; b < w1[j]; b++) dst[a * w + b] += v;
                    }
            });
            return new[] { gx };
        });
    }

    /// <summary>[start, end) of each output's window along one axis, clipped to [0, n).</summary>
    private static (int[] Start, int[] End) PoolBounds(int outSize, int n, int k, int s, int p)
    {
        var start = new int[outSize]; var end = new int[outSize];
        for (int i = 0; i < outSize; i++)
        {
            int a = i * s - p;
            start[i] = Math.Max(a, 0);
            end[i] = Math.Min(a + k, n);
        }
        return (start, end);
    }

    public static Tensor MaxPool2d(Tensor x, int kernelSize, int? stride = null, int padding = 0, int dilation = 1)
        => MaxPool2d(x, (kernelSize, kernelSize), (stride ?? kernelSize, stride ?? kernelSize), (padding, padding), (dilation, dilation));

    /// <summary>
    /// Max over each (dilated) window, padding counting as −∞ (torch.nn.functional.max_pool2d, ceil_mode=False).
    /// The gradient goes to the first maximal element in row-major window order (the last NaN if any), as torch picks it.
    /// </summary>
    public static Tensor MaxPool2d(Tensor x, (int H, int W) kernel, (int H, int W) stride, (int H, int W) padding, (int H, int W) dilation)
    {
        const string op = "MaxPool2d";
        var (planes, h, w) = PoolInput(op, x);
        int oh = PoolOutSize(op, x, h, kernel.H, stride.H, padding.H, dilation.H, "H");
        int ow = PoolOutSize(op, x, w, kernel.W, stride.W, padding.W, dilation.W, "W");
        var y = Tensor.Allocate(PoolOutShape(x, oh, ow), clear: false);
        // Arg-max plane offsets, kept in a scope-pooled buffer (exact as float below 2^24 elements per plane).
        if ((long)h * w > 1 << 24)
            throw new ArgumentException($"{op}: planes of {h}×{w} exceed the 2^24 elements the arg-max buffer indexes exactly; input {ShapeUtil.Format(x.Shape)}.");
        var argT = Tensor.Allocate(y.Shape.ToArray(), clear: false);
        var arg = argT.Storage;
        // Valid kernel taps [k0, k1) of each output row/column, so the window loops need no bounds tests.
        var (hk0, hk1) = DilatedTaps(oh, h, kernel.H, stride.H, padding.H, dilation.H);
        var (wk0, wk1) = DilatedTaps(ow, w, kernel.W, stride.W, padding.W, dilation.W);
        var xs = x.Storage; int xo = x.Offset; var ys = y.Storage;
        var geo = new PoolGeometry(h, w, oh, ow, stride.H, stride.W, padding.H, padding.W, dilation.H, dilation.W, hk0, hk1, wk0, wk1);
        ParallelRows(planes, h * w, p => MaxPoolPlane(geo,
            xs.AsSpan(xo + p * h * w, h * w), ys.AsSpan(p * oh * ow, oh * ow), arg.AsSpan(p * oh * ow, oh * ow)));
        var inShape = x.Shape.ToArray();
        return AG.Record(y, op, x, g =>
        {
            var gx = Tensor.Zeros(inShape);
            var gs = g.Storage; int go = g.Offset; var gxs = gx.Storage;
            ParallelRows(planes, h * w, p =>
            {
                var gp = gs.AsSpan(go + p * oh * ow, oh * ow);
                var dst = gxs.AsSpan(p * h * w, h * w);
                var am = arg.AsSpan(p * oh * ow, oh * ow);
                for (int k = 0; k < am.Length; k++) if (am[k] >= 0) dst[(int)am[k]] += gp[k];
            });
            return new[] { gx };
        });
    }

    private sealed record PoolGeometry(int H, int W, int OH, int OW, int SH, int SW, int PH, int PW, int DH, int DW,
        int[] HK0, int[] HK1, int[] WK0, int[] WK1);

    /// <summary>Max over each window of one plane; <paramref name="am"/> gets the arg-max offset within the plane.</summary>
    private static void MaxPoolPlane(PoolGeometry g, ReadOnlySpan<float> src, Span<float> dst, Span<float> am)
    {
        int w = g.W, ow = g.OW, sh = g.SH, sw = g.SW, ph = g.PH, pw = g.PW, dh = g.DH, dw = g.DW;
        int[] hk0 = g.HK0, hk1 = g.HK1, wk0 = g.WK0, wk1 = g.WK1;
        for (int i = 0; i < g.OH; i++)
        {
            int a0 = i * sh - ph, ki0 = hk0[i], ki1 = hk1[i];
            for (int j = 0; j < ow; j++)
            {
                int b0 = j * sw - pw, kj0 = wk0[j], kj1 = wk1[j];
                // Branch-free max first (random data makes "new max?" unpredictable), then the first tap equal
                // to it; a NaN wins and, as in torch, the last NaN is the arg-max.
                float best = float.NegativeInfinity; bool nan = false;
                for (int ki = ki0; ki < ki1; ki++)
                {
                    int rowOff = (a0 + ki * dh) * w + b0;
                    for (int kj = kj0; kj < kj1; kj++)
                    {
                        float v = src[rowOff + kj * dw];
                        best = v > best ? v : best;
                        nan |= float.IsNaN(v);
                    }
                }
                int bi = -1;
                if (ki1 > ki0 && kj1 > kj0)
                {
                    if (nan) best = float.NaN;
                    for (int ki = ki0; ki < ki1 && (bi < 0 || nan); ki++)
                    {
                        int rowOff = (a0 + ki * dh) * w + b0;
                        for (int kj = kj0; kj < kj1; kj++)
                        {
                            float v = src[rowOff + kj * dw];
                            if (nan ? float.IsNaN(v) : v == best) { bi = rowOff + kj * dw; if (!nan) break; }
                        }
                    }
                }
                dst[i * ow + j] = best;
                am[i * ow + j] = bi;
            }
        }
    }

    /// <summary>Range [k0, k1) of kernel taps k whose input index o·s − p + k·dil lies in [0, n), per output o.</summary>
    private static (int[] K0, int[] K1) DilatedTaps(int outSize, int n, int k, int s, int p, int dil)
    {
        var k0 = new int[outSize]; var k1 = new int[outSize];
        for (int o = 0; o < outSize; o++)
        {
            int start = o * s - p;
            int lo = 0; while (lo < k && start + lo * dil < 0) lo++;
            int hi = k; while (hi > lo && start + (hi - 1) * dil >= n) hi--;
            k0[o] = lo; k1[o] = hi;
        }
        return (k0, k1);
    }

    /// <summary>
    /// Average over adaptive windows so the output is exactly [outH, outW] (torch adaptive_avg_pool2d):
    /// window i spans [⌊i·H/outH⌋, ⌈(i+1)·H/outH⌉). outH = outW = 1 is global average pooling.
    /// </summary>
    public static Tensor AdaptiveAvgPool2d(Tensor x, int outH, int outW)
    {
        const string op = "AdaptiveAvgPool2d";
        var (planes, h, w) = PoolInput(op, x);
        if (outH <= 0 || outW <= 0)
            throw new ArgumentException($"{op}: output size ({outH}, {outW}) must be positive; input {ShapeUtil.Format(x.Shape)}.");
        if (h == 0 || w == 0)
            throw new ArgumentException($"{op}: input {ShapeUtil.Format(x.Shape)} has an empty spatial dim.");
        var h0 = new int[outH]; var h1 = new int[outH]; var w0 = new int[outW]; var w1 = new int[outW];
        for (int i = 0; i < outH; i++) { h0[i] = (int)((long)i * h / outH); h1[i] = (int)(((long)(i + 1) * h + outH - 1) / outH); }
        for (int j = 0; j < outW; j++) { w0[j] = (int)((long)j * w / outW); w1[j] = (int)(((long)(j + 1) * w + outW - 1) / outW); }
        var y = Tensor.Allocate(PoolOutShape(x, outH, outW), clear: false);
        var xs = x.Storage; int xo = x.Offset; var ys = y.Storage;
        ParallelRows(planes, h * w, p =>
        {
            var src = xs.AsSpan(xo + p * h * w, h * w);
            var dst = ys.AsSpan(p * outH * outW, outH * outW);
            for (int i = 0; i < outH; i++)
                for (int j = 0; j < outW; j++)
                {
                    float s = 0f;
                    for (int a = h0[i]; a < h1[i]; a++)
                        s += System.Numerics.Tensors.TensorPrimitives.Sum(src.Slice(a * w + w0[j], w1[j] - w0[j]));
                    dst[i * outW + j] = s / ((h1[i] - h0[i]) * (w1[j] - w0[j]));
                }
        });
        var inShape = x.Shape.ToArray();
        return AG.Record(y, op, x, g =>
        {
            var gx = Tensor.Zeros(inShape);
            var gs = g.Storage; int go = g.Offset; var gxs = gx.Storage;
            ParallelRows(planes, h * w, p =>
            {
                var gp = gs.AsSpan(go + p * outH * outW, outH * outW);
                var dst = gxs.AsSpan(p * h * w, h * w);
                for (int i = 0; i < outH; i++)
                    for (int j = 0; j < outW; j++)
                    {
                        float v = gp[i * outW + j] / ((h1[i] - h0[i]) * (w1[j] - w0[j]));
                        for (int a = h0[i]; a < h1[i]; a++)
                            System.Numerics.Tensors.TensorPrimitives.Add(dst.Slice(a * w + w0[j], w1[j] - w0[j]), v, dst.Slice(a * w + w0[j], w1[j] - w0[j]));
                    }
            });
            return new[] { gx };
        });
    }
}
