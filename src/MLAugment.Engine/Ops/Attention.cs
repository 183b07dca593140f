using System.Buffers;
using System.Numerics.Tensors;
using MLAugment.Engine.Kernels;
using AG = MLAugment.Engine.Autograd.Autograd;

namespace MLAugment.Engine;

/// <summary>Scaled dot-product attention (Vaswani et al. 2017): softmax(Q·Kᵀ·scale + mask)·V.</summary>
public static partial class F
{
    /// <summary>Query rows processed together by the fused kernel (bounds its scratch to QueryBlock × Lk per thread).</summary>
    private const int QueryBlock = 64;

    /// <summary>
    /// Attention over q [..., Lq, D], k [..., Lk, D], v [..., Lk, Dv] → [..., Lq, Dv] (typically [B, H, L, D]);
    /// self-attention when Lq = Lk from the same sequence, cross-attention otherwise. <paramref name="scale"/>
    /// defaults to 1/√D. <paramref name="attnMask"/> broadcasts to [..., Lq, Lk] and is added to the scores, or,
    /// with <paramref name="maskIsBoolean"/>, is a 0/1 mask where nonzero means "may attend" (torch's bool mask).
    /// <paramref name="isCausal"/> lets query i attend to keys j ≤ i only. A query that may attend to nothing
    /// gets NaN, as in torch.
    /// The scores are never materialized as a whole: blocks of query rows go through QKᵀ, softmax and ·V per head,
    /// keeping only each row's log-sum-exp for the backward pass, which recomputes the probabilities
    /// (the memory-efficient scheme of FlashAttention, Dao et al. 2022). Only an additive mask that itself
    /// requires grad takes the plain composed path (MatMul, Softmax, MatMul) to get its gradient.
    /// </summary>
    public static Tensor ScaledDotProductAttention(Tensor q, Tensor k, Tensor v, Tensor? attnMask = null, bool isCausal = false,
        float? scale = null, bool maskIsBoolean = false)
    {
        const string op = "ScaledDotProductAttention";
        string shapes = $"q {ShapeUtil.Format(q.Shape)}, k {ShapeUtil.Format(k.Shape)}, v {ShapeUtil.Format(v.Shape)}";
        if (q.Rank < 2 || k.Rank != q.Rank || v.Rank != q.Rank)
            throw new ArgumentException($"{op}: q, k, v must have the same rank >= 2, got {shapes}.");
        int lq = q.Shape[^2], d = q.Shape[^1], lk = k.Shape[^2];
        if (k.Shape[^1] != d)
            throw new ArgumentException($"{op}: q and k must share the feature size D, got {shapes}.");
        if (v.Shape[^2] != lk)
            throw new ArgumentException($"{op}: k and v must have the same sequence length, got {shapes}.");
        if (!q.Shape[..^2].SequenceEqual(k.Shape[..^2]) || !q.Shape[..^2].SequenceEqual(v.Shape[..^2]))
            throw new ArgumentException($"{op}: batch dims of q, k, v must match, got {shapes}.");
        if (isCausal && attnMask != null)
            throw new ArgumentException($"{op}: give either an explicit mask or isCausal, not both ({shapes}).");
        float sc = scale ?? 1f / MathF.Sqrt(d);
        var scoreShape = q.Shape[..^1].ToArray().Append(lk).ToArray();
        Tensor? additive = null;
        if (attnMask != null)
        {
            if (!ShapeUtil.BroadcastsTo(attnMask.Shape, scoreShape))
                throw new ArgumentException($"{op}: mask {ShapeUtil.Format(attnMask.Shape)} does not broadcast to the scores {ShapeUtil.Format(scoreShape)} ({shapes}).");
            additive = attnMask;
            if (maskIsBoolean)
            {
                additive = Tensor.EmptyLike(attnMask);
                var ms = attnMask.Span; var ad = additive.Span;
                for (int i = 0; i < ms.Length; i++) ad[i] = ms[i] != 0f ? 0f : float.NegativeInfinity;
            }
        }
        if (additive != null && additive.RequiresGrad && AG.IsGradEnabled)
            return ComposedAttention(q, k, v, additive, sc);
        return FusedAttention(q, k, v, additive, isCausal, sc, scoreShape);
    }

    /// <summary>softmax(q·kᵀ·scale + mask)·v from recorded ops, so the mask receives its gradient too.</summary>
    private static Tensor ComposedAttention(Tensor q, Tensor k, Tensor v, Tensor additiveMask, float scale)
    {
        var scores = Tensor.MatMul(q.MulScalar(scale), k, transA: false, transB: true) + additiveMask;
        return Tensor.MatMul(Softmax(scores, -1), v);
    }

    /// <summary>Per-head geometry and mask addressing of the fused kernel.</summary>
    private sealed class AttentionPlan
    {
        public int Heads, Lq, Lk, D, Dv;
        public float Scale;
        public bool Causal;
        public float[]? Mask;       // additive mask values (original, unexpanded layout)
        public int MaskOffset;
        public int[] MaskStrides = Array.Empty<int>(); // broadcast strides over the score shape
        public int[] BatchShape = Array.Empty<int>();

        /// <summary>Adds the mask (or the causal pattern) to score row <paramref name="i"/> of head <paramref name="h"/>.</summary>
        public void MaskRow(int h, int i, Span<float> row)
        {
            if (Causal)
            {
                if (i + 1 < Lk) row.Slice(i + 1).Fill(float.NegativeInfinity);
                return;
            }
            if (Mask == null) return;
            int off = MaskOffset, rem = h;
            int nb = BatchShape.Length;
            for (int b = nb - 1; b >= 0; b--) { off += rem % BatchShape[b] * MaskStrides[b]; rem /= BatchShape[b]; }
            off += i * MaskStrides[nb];
            if (MaskStrides[nb + 1] == 0) TensorPrimitives.Add(row, Mask[off], row);
            else TensorPrimitives.Add(row, Mask.AsSpan(off, Lk), row);
        }
    }

    private static Tensor FusedAttention(Tensor q, Tensor k, Tensor v, Tensor? mask, bool causal, float scale, int[] scoreShape)
    {
        int lq = q.Shape[^2], d = q.Shape[^1], lk = k.Shape[^2], dv = v.Shape[^1];
        var batch = q.Shape[..^2].ToArray();
        var plan = new AttentionPlan
        {
            Heads = ShapeUtil.Numel(batch), Lq = lq, Lk = lk, D = d, Dv = dv, Scale = scale, Causal = causal, BatchShape = batch,
        };
        if (mask != null)
        {
            plan.Mask = mask.Storage;
            plan.MaskOffset = mask.Offset;
            plan.MaskStrides = ShapeUtil.BroadcastStrides(mask.Shape, scoreShape);
        }
        var o = Tensor.Allocate(batch.Append(lq).Append(dv).ToArray(), clear: false);
        var lse = new float[plan.Heads * lq];
        var qs = q.Storage; int qo = q.Offset; var ks = k.Storage; int ko = k.Offset; var vs = v.Storage; int vo = v.Offset;
        var os = o.Storage;
        if (o.Length > 0 && lk > 0)
            ParallelRows(plan.Heads, lq * lk * (d + dv), h => AttentionForwardHead(plan, h,
                qs.AsSpan(qo + h * lq * d, lq * d), ks.AsSpan(ko + h * lk * d, lk * d), vs.AsSpan(vo + h * lk * dv, lk * dv),
                os.AsSpan(h * lq * dv, lq * dv), lse.AsSpan(h * lq, lq)));
        else o.Span.Clear(); // no keys: an empty weighted sum, as torch's matmul over an empty dim gives
        return AG.Record(o, "ScaledDotProductAttention", new[] { q, k, v }, g =>
        {
            var gq = Tensor.Zeros(q.Shape.ToArray()); var gk = Tensor.Zeros(k.Shape.ToArray()); var gv = Tensor.Zeros(v.Shape.ToArray());
            var gs = g.Storage; int go = g.Offset;
            var gqs = gq.Storage; var gks = gk.Storage; var gvs = gv.Storage;
            if (o.Length > 0 && lk > 0)
                ParallelRows(plan.Heads, lq * lk * (d + dv), h => AttentionBackwardHead(plan, h,
                    qs.AsSpan(qo + h * lq * d, lq * d), ks.AsSpan(ko + h * lk * d, lk * d), vs.AsSpan(vo + h * lk * dv, lk * dv),
                    os.AsSpan(h * lq * dv, lq * dv), lse.AsSpan(h * lq, lq), gs.AsSpan(go + h * lq * dv, lq * dv),
                    gqs.AsSpan(h * lq * d, lq * d), gks.AsSpan(h * lk * d, lk * d), gvs.AsSpan(h * lk * dv, lk * dv)));
            return new Tensor?[] { AG.Needs(q) ? gq : null, AG.Needs(k) ? gk : null, AG.Needs(v) ? gv : null };
        });
    }

    /// <summary>dst [cols, rows] = srcᵀ for src [rows, cols] (so every GEMM below runs on its contiguous fast path).</summary>
    private static void TransposeInto(ReadOnlySpan<float> src, int rows, int cols, Span<float> dst)
    {
        for (int r = 0; r < rows; r++)
            for (int c = 0; c < cols; c++) dst[c * rows + r] = src[r * cols + c];
    }

    /// <summary>
    /// Scores S = scale·Q_blk·Kᵀ + mask for query rows [i0, i0 + rows), written to <paramref name="s"/> [rows, Lk].
    /// </summary>
    private static void AttentionScores(AttentionPlan p, int h, int i0, int rows, ReadOnlySpan<float> qh, ReadOnlySpan<float> kt, Span<float> s)
    {
        Gemm.Multiply(false, false, rows, p.Lk, p.D, p.Scale, qh.Slice(i0 * p.D), p.D, kt, p.Lk, 0f, s, p.Lk);
        for (int r = 0; r < rows; r++) p.MaskRow(h, i0 + r, s.Slice(r * p.Lk, p.Lk));
    }

    private static void AttentionForwardHead(AttentionPlan p, int h, ReadOnlySpan<float> qh, ReadOnlySpan<float> kh, ReadOnlySpan<float> vh,
        Span<float> oh, Span<float> lse)
    {
        int lk = p.Lk, bq = Math.Min(QueryBlock, p.Lq);
        var buf = ArrayPool<float>.Shared.Rent(p.D * lk + bq * lk);
        var kt = buf.AsSpan(0, p.D * lk); var s = buf.AsSpan(p.D * lk, bq * lk);
        TransposeInto(kh, lk, p.D, kt);
        for (int i0 = 0; i0 < p.Lq; i0 += bq)
        {
            int rows = Math.Min(bq, p.Lq - i0);
            AttentionScores(p, h, i0, rows, qh, kt, s);
            for (int r = 0; r < rows; r++)
            {
                var row = s.Slice(r * lk, lk);
                float max = TensorPrimitives.Max(row);
                if (float.IsNegativeInfinity(max)) max = 0f; // fully masked: 0/0 = NaN below, as torch
                TensorPrimitives.Subtract(row, max, row);
                TensorPrimitives.Exp(row, row);
                float sum = TensorPrimitives.Sum(row);
                TensorPrimitives.Divide(row, sum, row);
                lse[i0 + r] = max + MathF.Log(sum);
            }
            Gemm.Multiply(false, false, rows, p.Dv, lk, 1f, s, lk, vh, p.Dv, 0f, oh.Slice(i0 * p.Dv), p.Dv);
        }
        ArrayPool<float>.Shared.Return(buf);
    }

    /// <summary>
    /// With P = exp(S − lse) recomputed per block and Δᵢ = Σ dOᵢ ⊙ Oᵢ: dV += Pᵀ·dO, dP = dO·Vᵀ, dS = P ⊙ (dP − Δ),
    /// dQ = scale·dS·K, dK += scale·dSᵀ·Q.
    /// </summary>
    private static void AttentionBackwardHead(AttentionPlan p, int h, ReadOnlySpan<float> qh, ReadOnlySpan<float> kh, ReadOnlySpan<float> vh,
        ReadOnlySpan<float> oh, ReadOnlySpan<float> lse, ReadOnlySpan<float> gh, Span<float> gqh, Span<float> gkh, Span<float> gvh)
    {
        int lk = p.Lk, d = p.D, dv = p.Dv, bq = Math.Min(QueryBlock, p.Lq);
        var buf = ArrayPool<float>.Shared.Rent(d * lk + dv * lk + 2 * bq * lk);
        var kt = buf.AsSpan(0, d * lk); var vt = buf.AsSpan(d * lk, dv * lk);
        var s = buf.AsSpan(d * lk + dv * lk, bq * lk); var dp = buf.AsSpan(d * lk + dv * lk + bq * lk, bq * lk);
        TransposeInto(kh, lk, d, kt);
        TransposeInto(vh, lk, dv, vt);
        for (int i0 = 0; i0 < p.Lq; i0 += bq)
        {
            int rows = Math.Min(bq, p.Lq - i0);
            AttentionScores(p, h, i0, rows, qh, kt, s);
            for (int r = 0; r < rows; r++)
            {
                var row = s.Slice(r * lk, lk);
                TensorPrimitives.Subtract(row, lse[i0 + r], row);
                TensorPrimitives.Exp(row, row);
            }
            var gBlk = gh.Slice(i0 * dv, rows * dv);
            Gemm.Multiply(true, false, lk, dv, rows, 1f, s, lk, gBlk, dv, 1f, gvh, dv);
            Gemm.Multiply(false, false, rows, lk, dv, 1f, gBlk, dv, vt, lk, 0f, dp, lk);
            for (int r = 0; r < rows; r++)
            {
                float delta = TensorPrimitives.Dot(gBlk.Slice(r * dv, dv), oh.Slice((i0 + r) * dv, dv));
                var dpr = dp.Slice(r * lk, lk);
                TensorPrimitives.Subtract(dpr, delta, dpr);
                TensorPrimitives.Multiply(dpr, s.Slice(r * lk, lk), dpr); // dS
            }
            Gemm.Multiply(false, false, rows, d, lk, p.Scale, dp, lk, kh, d, 0f, gqh.Slice(i0 * d), d);
            Gemm.Multiply(true, false, lk, d, rows, p.Scale, dp, lk, qh.Slice(i0 * d), d, 1f, gkh, d);
        }
        ArrayPool<float>.Shared.Return(buf);
    }
}
