using AG = MLAugment.Engine.Autograd.Autograd;

namespace MLAugment.Engine;

/// <summary>Scaled dot-product attention (Vaswani et al. 2017): softmax(Q·Kᵀ·scale + mask)·V.</summary>
public static partial class F
{
    /// <summary>
    /// Attention over q [..., Lq, D], k [..., Lk, D], v [..., Lk, Dv] → [..., Lq, Dv] (typically [B, H, L, D]);
    /// self-attention when Lq = Lk from the same sequence, cross-attention otherwise. <paramref name="scale"/>
    /// defaults to 1/√D. <paramref name="attnMask"/> broadcasts to [..., Lq, Lk] and is added to the scores, or,
    /// with <paramref name="maskIsBoolean"/>, is a 0/1 mask where nonzero means "may attend" (torch's bool mask).
    /// <paramref name="isCausal"/> lets query i attend to keys j ≤ i only. A query that may attend to nothing
    /// gets NaN, as in torch.
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

        var scores = Tensor.MatMul(q, k, transA: false, transB: true).MulScalar(sc);
        var scoreShape = scores.Shape.ToArray();
        if (attnMask != null)
        {
            if (!ShapeUtil.BroadcastsTo(attnMask.Shape, scoreShape))
                throw new ArgumentException($"{op}: mask {ShapeUtil.Format(attnMask.Shape)} does not broadcast to the scores {ShapeUtil.Format(scoreShape)} ({shapes}).");
            Tensor additive = attnMask;
            if (maskIsBoolean)
            {
                additive = Tensor.EmptyLike(attnMask);
                var ms = attnMask.Span; var ad = additive.Span;
                for (int i = 0; i < ms.Length; i++) ad[i] = ms[i] != 0f ? 0f : float.NegativeInfinity;
            }
            scores = scores + additive;
        }
        else if (isCausal)
        {
            var causal = Tensor.Allocate(new[] { lq, lk }, clear: false);
            var cs = causal.Span;
            for (int i = 0; i < lq; i++)
                for (int j = 0; j < lk; j++) cs[i * lk + j] = j <= i ? 0f : float.NegativeInfinity;
            scores = scores + causal;
        }
        return Tensor.MatMul(Softmax(scores, -1), v);
    }
}
