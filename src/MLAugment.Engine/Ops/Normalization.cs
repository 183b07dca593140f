using System.Buffers;
using System.Numerics.Tensors;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using AG = MLAugment.Engine.Autograd.Autograd;

namespace MLAugment.Engine;

/// <summary>
/// Group, layer and batch normalization with fused backward passes. For a normalized set of M values with
/// x̂ = (x − μ)·rstd and upstream ĝ = g·γ, the input gradient is
///   dx = rstd · (ĝ − mean(ĝ) − x̂ · mean(ĝ ⊙ x̂))
/// (Ioffe &amp; Szegedy 2015, eq. for ∂ℓ/∂xᵢ), and dγ = Σ g ⊙ x̂, dβ = Σ g. Per-span sums are vectorized float, combined in double; the
/// work is split into fixed blocks reduced in a fixed order, so results do not depend on the thread count.
/// </summary>
public static partial class F
{
    /// <summary>Mean and biased variance of a span, two-pass (no cancellation): the second pass sums the deviations
    /// from the float mean and their squares together and corrects for the mean's rounding,
    /// Σ(x − m')² = Σ(x − μ)² + n(μ − m')².</summary>
    private static (double Mean, double Var) Moments(ReadOnlySpan<float> x)
    {
        if (x.Length == 0) return (0, 0);
        float m = (float)(TensorPrimitives.Sum(x) / (double)x.Length);
        int i = 0;
        float sum = 0f, sq = 0f;
        if (Vector256.IsHardwareAccelerated && x.Length >= 8)
        {
            var vm = Vector256.Create(m);
            Vector256<float> s1 = Vector256<float>.Zero, s2 = Vector256<float>.Zero;
            ref float x0 = ref MemoryMarshal.GetReference(x);
            for (; i <= x.Length - 8; i += 8)
            {
                var d = Vector256.LoadUnsafe(ref x0, (nuint)i) - vm;
                s1 += d;
                s2 = Vector256.FusedMultiplyAdd(d, d, s2);
            }
            sum = Vector256.Sum(s1); sq = Vector256.Sum(s2);
        }
        for (; i < x.Length; i++) { float d = x[i] - m; sum += d; sq = MathF.FusedMultiplyAdd(d, d, sq); }
        double shift = sum / (double)x.Length;
        return (m + shift, Math.Max(sq / (double)x.Length - shift * shift, 0));
    }

    /// <summary>dst = x·a + b (one fused multiply-add per element; rows here are often one 4x4 or 8x8 plane, too
    /// short for per-call library overhead).</summary>
    private static void ScaleShift(ReadOnlySpan<float> x, float a, float b, Span<float> dst)
    {
        int i = 0;
        if (Vector256.IsHardwareAccelerated && x.Length >= 8)
        {
            var va = Vector256.Create(a); var vb = Vector256.Create(b);
            ref float x0 = ref MemoryMarshal.GetReference(x);
            ref float d0 = ref MemoryMarshal.GetReference(dst);
            for (; i <= x.Length - 8; i += 8)
                Vector256.FusedMultiplyAdd(Vector256.LoadUnsafe(ref x0, (nuint)i), va, vb).StoreUnsafe(ref d0, (nuint)i);
        }
        for (; i < x.Length; i++) dst[i] = MathF.FusedMultiplyAdd(x[i], a, b);
    }

    /// <summary>Checks an optional per-channel affine parameter.</summary>
    private static void CheckAffine(string op, Tensor x, Tensor? p, string name, ReadOnlySpan<int> expected)
    {
        if (p != null && !ShapeUtil.SameShape(p.Shape, expected))
            throw new ArgumentException($"{op}: {name} {ShapeUtil.Format(p.Shape)} must have shape {ShapeUtil.Format(expected)} for input {ShapeUtil.Format(x.Shape)}.");
    }

    /// <summary>
    /// Group normalization (Wu &amp; He 2018): channels of x [N, C, *] split into <paramref name="numGroups"/> groups,
    /// each (sample, group) normalized by its own mean and variance, then scaled and shifted per channel.
    /// </summary>
    public static Tensor GroupNorm(Tensor x, int numGroups, Tensor? weight = null, Tensor? bias = null, float eps = 1e-5f)
    {
        const string op = "GroupNorm";
        CheckGroupNorm(x, numGroups, weight, bias);
        int n = x.Shape[0], c = x.Shape[1];
        int s = c == 0 || n == 0 ? 0 : x.Length / (n * c);
        int cpg = c / numGroups, m = cpg * s;
        var mean = new float[n * numGroups]; var rstd = new float[n * numGroups];
        float[]? wv = weight?.ToArray(), bv = bias?.ToArray();
        var y = GroupNormForward(x, numGroups, wv, bv, eps, silu: false, mean, rstd);
        var xs = x.Storage; int xo = x.Offset;
        return RecordOptional(y, op, new[] { x, weight, bias }, g =>
        {
            var gs = g.Storage; int go = g.Offset;
            Tensor? gx = AG.Needs(x) ? Tensor.EmptyLike(x) : null;
            var gxs = gx?.Storage;
            // Per-(sample, channel) partial sums of g and g·x̂, reduced over samples afterwards in order.
            var sumG = new double[n * c]; var sumGx = new double[n * c];
            ParallelRows(n * numGroups, m, ng =>
            {
                int grp = ng % numGroups, smp = ng / numGroups;
                var src = xs.AsSpan(xo + ng * m, m);
                var gp = gs.AsSpan(go + ng * m, m);
                double mu = mean[ng], r = rstd[ng];
                double a = 0, b = 0; // Σ ĝ and Σ ĝ·x̂ over the group
                for (int k = 0; k < cpg; k++)
                {
                    int ch = grp * cpg + k;
                    double sg = TensorPrimitives.Sum(gp.Slice(k * s, s));
                    double sgx = r * (TensorPrimitives.Dot(gp.Slice(k * s, s), src.Slice(k * s, s)) - mu * sg);
                    sumG[smp * c + ch] = sg; sumGx[smp * c + ch] = sgx;
                    double wc = wv?[ch] ?? 1.0;
                    a += wc * sg; b += wc * sgx;
                }
                if (gxs == null) return;
                // dx = rstd·γ·g − rstd·mean(ĝ) − rstd²·mean(ĝx̂)·(x − μ)
                double ma = a / m, mb = b / m;
                float k2 = (float)(-r * r * mb), k3 = (float)(-r * ma + r * r * mb * mu);
                var dst = gxs.AsSpan(ng * m, m);
                for (int k = 0; k < cpg; k++)
                {
                    int ch = grp * cpg + k;
                    float k1 = (float)(r * (wv?[ch] ?? 1.0));
                    var d = dst.Slice(k * s, s);
                    ScaleShift(src.Slice(k * s, s), k2, k3, d);
                    TensorPrimitives.MultiplyAdd(gp.Slice(k * s, s), k1, d, d);
                }
            });
            return new[] { gx, ChannelSums(weight, sumGx, n, c), ChannelSums(bias, sumG, n, c) };
        });
    }


    /// <summary>
    /// SiLU(GroupNorm(x)), the pre-activation of every ResNet block in a diffusion UNet. With no gradient to record
    /// (sampling) it runs as one fused pass per (sample, group); otherwise it is the two recorded ops.
    /// </summary>
    public static Tensor GroupNormSilu(Tensor x, int numGroups, Tensor? weight = null, Tensor? bias = null, float eps = 1e-5f)
    {
        bool records = AG.IsGradEnabled && (x.RequiresGrad || weight?.RequiresGrad == true || bias?.RequiresGrad == true);
        if (records) return GroupNorm(x, numGroups, weight, bias, eps).Silu();
        CheckGroupNorm(x, numGroups, weight, bias);
        int n = x.Shape[0];
        return GroupNormForward(x, numGroups, weight?.ToArray(), bias?.ToArray(), eps, silu: true,
            new float[n * numGroups], new float[n * numGroups]);
    }

    /// <summary>GroupNorm's input checks: x is [N, C, *], C splits into the groups, weight and bias are [C].</summary>
    private static void CheckGroupNorm(Tensor x, int numGroups, Tensor? weight, Tensor? bias)
    {
        const string op = "GroupNorm";
        if (x.Rank < 2) throw new ArgumentException($"{op}: input must be [N, C, *], got {ShapeUtil.Format(x.Shape)}.");
        int c = x.Shape[1];
        if (numGroups <= 0 || c % numGroups != 0)
            throw new ArgumentException($"{op}: {c} channels of input {ShapeUtil.Format(x.Shape)} cannot be split into {numGroups} groups.");
        CheckAffine(op, x, weight, "weight", new[] { c });
        CheckAffine(op, x, bias, "bias", new[] { c });
    }

    /// <summary>Normalizes each (sample, group) row of x, applies the per-channel affine map and optionally SiLU.</summary>
    private static Tensor GroupNormForward(Tensor x, int numGroups, float[]? wv, float[]? bv, float eps, bool silu,
        float[] mean, float[] rstd)
    {
        int n = x.Shape[0], c = x.Shape[1];
        int s = c == 0 || n == 0 ? 0 : x.Length / (n * c);
        int cpg = c / numGroups, m = cpg * s;
        var y = Tensor.EmptyLike(x);
        var xs = x.Storage; int xo = x.Offset; var ys = y.Storage;
        ParallelRows(n * numGroups, m, ng =>
        {
            int grp = ng % numGroups;
            var src = xs.AsSpan(xo + ng * m, m);
            var dst = ys.AsSpan(ng * m, m);
            var (mu, var) = Moments(src);
            float r = (float)(1.0 / Math.Sqrt(var + eps));
            mean[ng] = (float)mu; rstd[ng] = r;
            for (int k = 0; k < cpg; k++)
            {
                int ch = grp * cpg + k;
                float scale = r * (wv?[ch] ?? 1f), shift = (bv?[ch] ?? 0f) - (float)mu * scale;
                ScaleShift(src.Slice(k * s, s), scale, shift, dst.Slice(k * s, s));
            }
            if (silu)
            {
                // x·σ(x) with σ in a scratch row (Activations.Silu cannot run in place).
                var tmp = ArrayPool<float>.Shared.Rent(m);
                var t = tmp.AsSpan(0, m);
                TensorPrimitives.Sigmoid(dst, t);
                TensorPrimitives.Multiply(dst, t, dst);
                ArrayPool<float>.Shared.Return(tmp);
            }
        });
        return y;
    }

    /// <summary>Σ over samples of per-(sample, channel) partials, as the gradient of a [C] parameter (null if not needed).</summary>
    private static Tensor? ChannelSums(Tensor? p, double[] partial, int n, int c)
    {
        if (p == null || !AG.Needs(p)) return null;
        var r = Tensor.Zeros(c);
        var rs = r.Span;
        for (int ch = 0; ch < c; ch++)
        {
            double acc = 0;
            for (int smp = 0; smp < n; smp++) acc += partial[smp * c + ch];
            rs[ch] = (float)acc;
        }
        return r;
    }

    /// <summary>
    /// Layer normalization (Ba et al. 2016) over the trailing dims <paramref name="normalizedShape"/>, with optional
    /// elementwise affine parameters of that shape.
    /// </summary>
    public static Tensor LayerNorm(Tensor x, int[] normalizedShape, Tensor? weight = null, Tensor? bias = null, float eps = 1e-5f)
    {
        const string op = "LayerNorm";
        int k = normalizedShape.Length;
        if (k == 0 || k > x.Rank || !x.Shape[(x.Rank - k)..].SequenceEqual(normalizedShape))
            throw new ArgumentException($"{op}: normalized shape {ShapeUtil.Format(normalizedShape)} must match the trailing dims of input {ShapeUtil.Format(x.Shape)}.");
        CheckAffine(op, x, weight, "weight", normalizedShape);
        CheckAffine(op, x, bias, "bias", normalizedShape);
        int d = ShapeUtil.Numel(normalizedShape);
        int rows = d == 0 ? 0 : x.Length / d;
        var mean = new float[rows]; var rstd = new float[rows];
        var y = Tensor.EmptyLike(x);
        var xs = x.Storage; int xo = x.Offset; var ys = y.Storage;
        float[]? wv = weight?.ToArray(), bv = bias?.ToArray();
        ParallelRows(rows, d, row =>
        {
            var src = xs.AsSpan(xo + row * d, d);
            var dst = ys.AsSpan(row * d, d);
            var (mu, var) = Moments(src);
            float r = (float)(1.0 / Math.Sqrt(var + eps));
            mean[row] = (float)mu; rstd[row] = r;
            ScaleShift(src, r, -(float)mu * r, dst);
            if (wv != null) TensorPrimitives.Multiply(dst, wv, dst);
            if (bv != null) TensorPrimitives.Add(dst, bv, dst);
        });
        return RecordOptional(y, op, new[] { x, weight, bias }, g =>
        {
            var gs = g.Storage; int go = g.Offset;
            Tensor? gx = AG.Needs(x) ? Tensor.EmptyLike(x) : null;
            var gxs = gx?.Storage;
            bool needW = weight != null && AG.Needs(weight), needB = bias != null && AG.Needs(bias);
            // Parameter grads: fixed blocks of rows each sum into their own buffer, reduced in block order.
            const int BlockRows = 32;
            int blocks = (rows + BlockRows - 1) / BlockRows;
            var partW = needW ? new float[blocks * d] : null;
            var partB = needB ? new float[blocks * d] : null;
            ParallelRows(blocks, BlockRows * d, blk =>
            {
                var tmp = ArrayPool<float>.Shared.Rent(d);
                var t = tmp.AsSpan(0, d);
                for (int row = blk * BlockRows; row < Math.Min(rows, (blk + 1) * BlockRows); row++)
                {
                    var src = xs.AsSpan(xo + row * d, d);
                    var gp = gs.AsSpan(go + row * d, d);
                    float mu = mean[row], r = rstd[row];
                    ScaleShift(src, r, -mu * r, t); // x̂
                    if (partW != null) TensorPrimitives.MultiplyAdd(gp, t, partW.AsSpan(blk * d, d), partW.AsSpan(blk * d, d));
                    if (partB != null) TensorPrimitives.Add(partB.AsSpan(blk * d, d), gp, partB.AsSpan(blk * d, d));
                    if (gxs == null) continue;
                    var dst = gxs.AsSpan(row * d, d);
                    if (wv != null) TensorPrimitives.Multiply(gp, wv, dst); else gp.CopyTo(dst); // ĝ
                    double ma = TensorPrimitives.Sum(dst) / (double)d;
                    double mb = TensorPrimitives.Dot(dst, t) / (double)d;
                    // dx = rstd·(ĝ − mean(ĝ) − x̂·mean(ĝx̂))
                    TensorPrimitives.MultiplyAdd(t, (float)-mb, dst, dst);
                    TensorPrimitives.Add(dst, (float)-ma, dst);
                    TensorPrimitives.Multiply(dst, r, dst);
                }
                ArrayPool<float>.Shared.Return(tmp);
            });
            return new[] { gx, ReduceBlocks(partW, blocks, normalizedShape), ReduceBlocks(partB, blocks, normalizedShape) };
        });
    }

    private static Tensor? ReduceBlocks(float[]? part, int blocks, int[] shape)
    {
        if (part == null) return null;
        var r = Tensor.Zeros(shape);
        var rs = r.Span;
        for (int b = 0; b < blocks; b++) TensorPrimitives.Add(rs, part.AsSpan(b * rs.Length, rs.Length), rs);
        return r;
    }

    /// <summary>
    /// Batch normalization over x [N, C, *] per channel. In training it normalizes by the batch mean and biased
    /// variance and updates the running statistics in place as torch does: running ← (1 − momentum)·running +
    /// momentum·batch, with the unbiased variance. In eval it normalizes by the running statistics.
    /// </summary>
    public static Tensor BatchNorm2d(Tensor x, Tensor? runningMean, Tensor? runningVar, Tensor? weight = null, Tensor? bias = null,
        bool training = false, float momentum = 0.1f, float eps = 1e-5f)
    {
        const string op = "BatchNorm2d";
        if (x.Rank < 2) throw new ArgumentException($"{op}: input must be [N, C, *], got {ShapeUtil.Format(x.Shape)}.");
        int n = x.Shape[0], c = x.Shape[1];
        int s = c == 0 || n == 0 ? 0 : x.Length / (n * c);
        var cs = new[] { c };
        CheckAffine(op, x, weight, "weight", cs);
        CheckAffine(op, x, bias, "bias", cs);
        CheckAffine(op, x, runningMean, "running mean", cs);
        CheckAffine(op, x, runningVar, "running var", cs);
        if ((runningMean == null) != (runningVar == null))
            throw new ArgumentException($"{op}: running mean and running var must both be given or both be null (input {ShapeUtil.Format(x.Shape)}).");
        if (!training && runningMean == null)
            throw new ArgumentException($"{op}: eval mode needs running statistics (input {ShapeUtil.Format(x.Shape)}).");
        int count = n * s;
        if (training && count <= 1)
            throw new ArgumentException($"{op}: training needs more than one value per channel, input {ShapeUtil.Format(x.Shape)} has {count}.");
        var mean = new float[c]; var rstd = new float[c];
        var y = Tensor.EmptyLike(x);
        var xs = x.Storage; int xo = x.Offset; var ys = y.Storage;
        float[]? wv = weight?.ToArray(), bv = bias?.ToArray();
        if (training)
        {
            var vars = new double[c];
            ParallelRows(c, count, ch =>
            {
                double sum = 0;
                for (int smp = 0; smp < n; smp++) sum += TensorPrimitives.Sum(xs.AsSpan(xo + (smp * c + ch) * s, s));
                double mu = sum / count, ss = 0;
                var tmp = ArrayPool<float>.Shared.Rent(s);
                for (int smp = 0; smp < n; smp++)
                {
                    var t = tmp.AsSpan(0, s);
                    TensorPrimitives.Subtract(xs.AsSpan(xo + (smp * c + ch) * s, s), (float)mu, t);
                    ss += TensorPrimitives.SumOfSquares(t);
                }
                ArrayPool<float>.Shared.Return(tmp);
                vars[ch] = ss / count;
                mean[ch] = (float)mu;
                rstd[ch] = (float)(1.0 / Math.Sqrt(ss / count + eps));
            });
            if (runningMean != null)
            {
                using var _ = AG.NoGrad();
                var rm = runningMean.Span; var rv = runningVar!.Span;
                for (int ch = 0; ch < c; ch++)
                {
                    rm[ch] = (1f - momentum) * rm[ch] + momentum * mean[ch];
                    rv[ch] = (float)((1.0 - momentum) * rv[ch] + momentum * vars[ch] * count / (count - 1));
                }
            }
        }
        else
        {
            var rm = runningMean!.Span; var rv = runningVar!.Span;
            for (int ch = 0; ch < c; ch++) { mean[ch] = rm[ch]; rstd[ch] = (float)(1.0 / Math.Sqrt(rv[ch] + (double)eps)); }
        }
        ParallelRows(n * c, s, nc =>
        {
            int ch = nc % c;
            float scale = rstd[ch] * (wv?[ch] ?? 1f), shift = (bv?[ch] ?? 0f) - mean[ch] * scale;
            ScaleShift(xs.AsSpan(xo + nc * s, s), scale, shift, ys.AsSpan(nc * s, s));
        });
        return RecordOptional(y, op, new[] { x, weight, bias }, g =>
        {
            var gs = g.Storage; int go = g.Offset;
            Tensor? gx = AG.Needs(x) ? Tensor.EmptyLike(x) : null;
            var gxs = gx?.Storage;
            var sumG = new double[c]; var sumGx = new double[c];
            ParallelRows(c, count, ch =>
            {
                double mu = mean[ch], r = rstd[ch], sg = 0, sgx = 0;
                for (int smp = 0; smp < n; smp++)
                {
                    int off = (smp * c + ch) * s;
                    double a = TensorPrimitives.Sum(gs.AsSpan(go + off, s));
                    sg += a;
                    sgx += TensorPrimitives.Dot(gs.AsSpan(go + off, s), xs.AsSpan(xo + off, s)) - mu * a;
                }
                sgx *= r; // Σ g·x̂
                sumG[ch] = sg; sumGx[ch] = sgx;
                if (gxs == null) return;
                double wc = wv?[ch] ?? 1.0;
                // Training: batch statistics depend on x, giving the full formula; eval: an affine map.
                float k1 = (float)(r * wc);
                float k2 = training ? (float)(-r * r * wc * sgx / count) : 0f;
                float k3 = training ? (float)(-r * wc * sg / count + r * r * wc * sgx / count * mu) : 0f;
                for (int smp = 0; smp < n; smp++)
                {
                    int off = (smp * c + ch) * s;
                    var d = gxs.AsSpan(off, s);
                    ScaleShift(xs.AsSpan(xo + off, s), k2, k3, d);
                    TensorPrimitives.MultiplyAdd(gs.AsSpan(go + off, s), k1, d, d);
                }
            });
            return new[] { gx, ChannelSums(weight, sumGx, 1, c), ChannelSums(bias, sumG, 1, c) };
        });
    }
}
