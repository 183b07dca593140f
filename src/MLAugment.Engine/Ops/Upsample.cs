using AG = MLAugment.Engine.Autograd.Autograd;

namespace MLAugment.Engine;

/// <summary>
/// Nearest and bilinear 2-D resizing of NCHW (or CHW) tensors, index-for-index like
/// torch.nn.functional.interpolate (float32 source-coordinate arithmetic, same clamping rules).
/// Index/weight tables are built once per axis; planes run in parallel.
/// </summary>
public static partial class F
{
    /// <summary>Nearest-neighbour resize to [outH, outW] (interpolate(mode="nearest", size=...)).</summary>
    public static Tensor UpsampleNearest2d(Tensor x, int outH, int outW) => UpsampleNearestCore(x, outH, outW, null, null);

    /// <summary>Nearest-neighbour resize by a scale factor: output size ⌊in·s⌋, source index ⌊dst/s⌋ like torch.</summary>
    public static Tensor UpsampleNearest2d(Tensor x, float scaleFactor)
    {
        if (!(scaleFactor > 0f) || float.IsInfinity(scaleFactor))
            throw new ArgumentException($"UpsampleNearest2d: scale factor {scaleFactor} must be positive and finite; input {ShapeUtil.Format(x.Shape)}.");
        PoolInput("UpsampleNearest2d", x);
        int oh = (int)Math.Floor(x.Shape[^2] * (double)scaleFactor), ow = (int)Math.Floor(x.Shape[^1] * (double)scaleFactor);
        return UpsampleNearestCore(x, oh, ow, scaleFactor, scaleFactor);
    }

    private static Tensor UpsampleNearestCore(Tensor x, int outH, int outW, double? scaleH, double? scaleW)
    {
        const string op = "UpsampleNearest2d";
        var (planes, h, w) = PoolInput(op, x);
        if (outH <= 0 || outW <= 0 || h == 0 || w == 0)
            throw new ArgumentException($"{op}: cannot resize {ShapeUtil.Format(x.Shape)} to ({outH}, {outW}); sizes must be positive.");
        var hi = NearestIndex(outH, h, scaleH);
        var wi = NearestIndex(outW, w, scaleW);
        var y = Tensor.Allocate(PoolOutShape(x, outH, outW), clear: false);
        var xs = x.Storage; int xo = x.Offset; var ys = y.Storage;
        bool exact2x = outH == 2 * h && outW == 2 * w;
        ParallelRows(planes, outH * outW, p =>
        {
            var src = xs.AsSpan(xo + p * h * w, h * w);
            var dst = ys.AsSpan(p * outH * outW, outH * outW);
            if (exact2x)
            {
                // The UNet case: each source row becomes two identical rows of doubled pixels.
                for (int i = 0; i < h; i++)
                {
                    var row = src.Slice(i * w, w);
                    var drow = dst.Slice(2 * i * outW, outW);
                    for (int j = 0; j < w; j++) { float v = row[j]; drow[2 * j] = v; drow[2 * j + 1] = v; }
                    drow.CopyTo(dst.Slice((2 * i + 1) * outW, outW));
                }
                return;
            }
            for (int i = 0; i < outH; i++)
            {
                var row = src.Slice(hi[i] * w, w);
                var drow = dst.Slice(i * outW, outW);
                for (int j = 0; j < outW; j++) drow[j] = row[wi[j]];
            }
        });
        var inShape = x.Shape.ToArray();
        return AG.Record(y, op, x, g =>
        {
            var gx = exact2x ? Tensor.Empty(inShape) : Tensor.Zeros(inShape);
            var gs = g.Storage; int go = g.Offset; var gxs = gx.Storage;
            ParallelRows(planes, outH * outW, p =>
            {
                var gp = gs.AsSpan(go + p * outH * outW, outH * outW);
                var dst = gxs.AsSpan(p * h * w, h * w);
                if (exact2x)
                {
                    // Sum of each 2×2 block, in the same order the general loop would add them.
                    for (int i = 0; i < h; i++)
                    {
                        var r0 = gp.Slice(2 * i * outW, outW);
                        var r1 = gp.Slice((2 * i + 1) * outW, outW);
                        var drow = dst.Slice(i * w, w);
                        for (int j = 0; j < w; j++) drow[j] = ((0f + r0[2 * j]) + r0[2 * j + 1] + r1[2 * j]) + r1[2 * j + 1];
                    }
                    return;
                }
                for (int i = 0; i < outH; i++)
                {
                    var drow = dst.Slice(hi[i] * w, w);
                    var grow = gp.Slice(i * outW, outW);
                    for (int j = 0; j < outW; j++) drow[wi[j]] += grow[j];
                }
            });
            return new[] { gx };
        });
    }

    /// <summary>torch's nearest_idx: identity and 2× are exact shifts, else min(⌊dst·scale⌋, in − 1) in float32.</summary>
    private static int[] NearestIndex(int outSize, int inSize, double? scaleFactor)
    {
        var idx = new int[outSize];
        float scale = scaleFactor.HasValue ? (float)(1.0 / scaleFactor.Value) : (float)inSize / outSize;
        for (int o = 0; o < outSize; o++)
            idx[o] = outSize == inSize ? o
                : outSize == 2 * inSize ? o >> 1
                : Math.Min((int)MathF.Floor(o * scale), inSize - 1);
        return idx;
    }

    /// <summary>
    /// Bilinear resize to [outH, outW] (interpolate(mode="bilinear")). align_corners=True maps corner pixel centres
    /// onto each other (src = dst·(in−1)/(out−1)); False uses the half-pixel rule src = (dst + ½)·in/out − ½, clamped at 0.
    /// </summary>
    public static Tensor UpsampleBilinear2d(Tensor x, int outH, int outW, bool alignCorners = false)
        => UpsampleBilinearCore(x, outH, outW, alignCorners, null);

    /// <summary>
    /// Bilinear resize by a scale factor: output size ⌊in·s⌋ and, without align_corners, the coordinate map uses 1/s
    /// (not in/out) exactly as interpolate(scale_factor=s) does.
    /// </summary>
    public static Tensor UpsampleBilinear2d(Tensor x, float scaleFactor, bool alignCorners = false)
    {
        if (!(scaleFactor > 0f) || float.IsInfinity(scaleFactor))
            throw new ArgumentException($"UpsampleBilinear2d: scale factor {scaleFactor} must be positive and finite; input {ShapeUtil.Format(x.Shape)}.");
        PoolInput("UpsampleBilinear2d", x);
        int oh = (int)Math.Floor(x.Shape[^2] * (double)scaleFactor), ow = (int)Math.Floor(x.Shape[^1] * (double)scaleFactor);
        return UpsampleBilinearCore(x, oh, ow, alignCorners, scaleFactor);
    }

    private static Tensor UpsampleBilinearCore(Tensor x, int outH, int outW, bool alignCorners, double? scaleFactor)
    {
        const string op = "UpsampleBilinear2d";
        var (planes, h, w) = PoolInput(op, x);
        if (outH <= 0 || outW <= 0 || h == 0 || w == 0)
            throw new ArgumentException($"{op}: cannot resize {ShapeUtil.Format(x.Shape)} to ({outH}, {outW}); sizes must be positive.");
        var (h0, h1, lh) = LinearTable(outH, h, alignCorners, scaleFactor);
        var (w0, w1, lw) = LinearTable(outW, w, alignCorners, scaleFactor);
        var y = Tensor.Allocate(PoolOutShape(x, outH, outW), clear: false);
        var xs = x.Storage; int xo = x.Offset; var ys = y.Storage;
        ParallelRows(planes, outH * outW, p =>
        {
            var src = xs.AsSpan(xo + p * h * w, h * w);
            var dst = ys.AsSpan(p * outH * outW, outH * outW);
            for (int i = 0; i < outH; i++)
            {
                var r0 = src.Slice(h0[i] * w, w); var r1 = src.Slice(h1[i] * w, w);
                float b1 = lh[i], b0 = 1f - b1;
                for (int j = 0; j < outW; j++)
                {
                    float a1 = lw[j], a0 = 1f - a1;
                    dst[i * outW + j] = b0 * (a0 * r0[w0[j]] + a1 * r0[w1[j]]) + b1 * (a0 * r1[w0[j]] + a1 * r1[w1[j]]);
                }
            }
        });
        var inShape = x.Shape.ToArray();
        return AG.Record(y, op, x, g =>
        {
            var gx = Tensor.Zeros(inShape);
            var gs = g.Storage; int go = g.Offset; var gxs = gx.Storage;
            ParallelRows(planes, outH * outW, p =>
            {
                var gp = gs.AsSpan(go + p * outH * outW, outH * outW);
                var dst = gxs.AsSpan(p * h * w, h * w);
                for (int i = 0; i < outH; i++)
                {
                    var r0 = dst.Slice(h0[i] * w, w); var r1 = dst.Slice(h1[i] * w, w);
                    float b1 = lh[i], b0 = 1f - b1;
                    for (int j = 0; j < outW; j++)
                    {
                        float v = gp[i * outW + j], a1 = lw[j], a0 = 1f - a1;
                        r0[w0[j]] += b0 * a0 * v; r0[w1[j]] += b0 * a1 * v;
                        r1[w0[j]] += b1 * a0 * v; r1[w1[j]] += b1 * a1 * v;
                    }
                }
            });
            return new[] { gx };
        });
    }

    /// <summary>Lower/upper source index and the upper neighbour's weight for each output index along one axis.</summary>
    private static (int[] I0, int[] I1, float[] L1) LinearTable(int outSize, int inSize, bool alignCorners, double? scaleFactor)
    {
        var i0 = new int[outSize]; var i1 = new int[outSize]; var l1 = new float[outSize];
        float scale = alignCorners
            ? (outSize > 1 ? (float)(inSize - 1) / (outSize - 1) : 0f)
            : scaleFactor.HasValue ? (float)(1.0 / scaleFactor.Value) : (float)inSize / outSize;
        for (int o = 0; o < outSize; o++)
        {
            float src = alignCorners ? scale * o : MathF.Max(scale * (o + 0.5f) - 0.5f, 0f);
            int lo = Math.Min((int)src, inSize - 1);
            i0[o] = lo;
            i1[o] = lo + (lo < inSize - 1 ? 1 : 0);
            l1[o] = src - lo;
        }
        return (i0, i1, l1);
    }
}
