using MLAugment.Engine.Kernels;
using AG = MLAugment.Engine.Autograd.Autograd;

namespace MLAugment.Engine;

/// <summary>Matrix products: 2-D, batched (leading dims broadcast), and the linear layer y = x·Wᵀ + b.</summary>
public sealed partial class Tensor
{
    /// <summary>
    /// a[..., m, k] · b[..., k, n] → [..., m, n]; leading (batch) dims broadcast; a 2-D b is shared by every batch.
    /// 1-D operands are not promoted; reshape explicitly.
    /// </summary>
    public static Tensor MatMul(Tensor a, Tensor b) => MatMul(a, b, transA: false, transB: false);

    /// <summary>op(a)·op(b) where op transposes the last two dims when requested (no copy).</summary>
    public static Tensor MatMul(Tensor a, Tensor b, bool transA, bool transB)
    {
        if (a.Rank < 2 || b.Rank < 2)
            throw new ArgumentException($"MatMul: both operands need rank >= 2, got {ShapeUtil.Format(a.Shape)} and {ShapeUtil.Format(b.Shape)}.");
        int ar = a.Rank, br = b.Rank;
        int m = transA ? a._shape[ar - 1] : a._shape[ar - 2];
        int k = transA ? a._shape[ar - 2] : a._shape[ar - 1];
        int kb = transB ? b._shape[br - 1] : b._shape[br - 2];
        int n = transB ? b._shape[br - 2] : b._shape[br - 1];
        if (k != kb)
            throw new ArgumentException($"MatMul: inner dims differ: {ShapeUtil.Format(a.Shape)}{(transA ? "ᵀ" : "")} · {ShapeUtil.Format(b.Shape)}{(transB ? "ᵀ" : "")} ({k} vs {kb}).");
        var batchA = a._shape.AsSpan(0, ar - 2);
        var batchB = b._shape.AsSpan(0, br - 2);
        var batch = ShapeUtil.Broadcast("MatMul", batchA, batchB);
        var outShape = batch.Append(m).Append(n).ToArray();
        var r = Allocate(outShape, clear: false);
        int nb = ShapeUtil.Numel(batch);
        int aMat = m * k, bMat = k * n;
        bool aFull = ShapeUtil.Numel(batchA) == nb, bFull = ShapeUtil.Numel(batchB) == nb;
        if ((!aFull && ShapeUtil.Numel(batchA) != 1) || (!bFull && ShapeUtil.Numel(batchB) != 1))
            throw new ArgumentException($"MatMul: batch dims {ShapeUtil.Format(batchA)} and {ShapeUtil.Format(batchB)} must be equal or one of them absent/1.");
        int lda = transA ? m : k, ldb = transB ? k : n;
        if (!transA && !bFull && aFull)
        {
            // A shared right operand: fold the batch into M for one big GEMM.
            Gemm.Multiply(false, transB, nb * m, n, k, 1f, a.Span, k, b.Span, ldb, 0f, r.Span, n);
        }
        else
        {
            Gemm.MultiplyBatched(transA, transB, m, n, k, 1f, a.Span, lda, aFull ? aMat : 0, b.Span, ldb, bFull ? bMat : 0,
                0f, r.Span, n, m * n, nb);
        }
        return AG.Record(r, "MatMul", new[] { a, b }, g =>
        {
            // dA = g·op(B)ᵀ (arranged back through transA), dB = op(A)ᵀ·g (through transB).
            Tensor? ga = null, gb = null;
            if (AG.Needs(a))
            {
                ga = transA ? MatMul(b, g, transB, true) : MatMul(g, b, false, !transB);
                ga = SumTo(ga, a.Shape);
            }
            if (AG.Needs(b))
            {
                gb = transB ? MatMul(g, a, true, transA) : MatMul(a, g, !transA, false);
                gb = SumTo(gb, b.Shape);
            }
            return new[] { ga, gb };
        });
    }

    /// <summary>Swaps the last two dims (materialized).</summary>
    public Tensor Transpose2D()
    {
        if (Rank < 2) throw new ArgumentException($"Transpose2D: needs rank >= 2, got {ShapeUtil.Format(Shape)}.");
        var perm = Enumerable.Range(0, Rank).ToArray();
        (perm[^1], perm[^2]) = (perm[^2], perm[^1]);
        return Permute(perm);
    }

    /// <summary>Reorders dims (materialized copy): result dim i is input dim perm[i].</summary>
    public Tensor Permute(params int[] perm)
    {
        if (perm.Length != Rank)
            throw new ArgumentException($"Permute: {perm.Length} dims given for tensor of shape {ShapeUtil.Format(Shape)}.");
        var p = perm.Select(d => ShapeUtil.NormalizeDim("Permute", d, Shape)).ToArray();
        if (p.Distinct().Count() != Rank) throw new ArgumentException($"Permute: [{string.Join(", ", perm)}] is not a permutation.");
        var outShape = p.Select(d => _shape[d]).ToArray();
        var r = Allocate(outShape, clear: false);
        var inStr = ShapeUtil.Strides(_shape);
        var srcStr = p.Select(d => inStr[d]).ToArray();
        var s = Span; var o = r.Span;
        int rank = Rank;
        if (rank > 0 && Length > 0)
        {
            // Innermost output dim copied with its source stride; outer dims walked by an odometer.
            int inner = outShape[rank - 1], innerStride = srcStr[rank - 1];
            var idx = new int[rank];
            int outer = Length / inner, src = 0;
            for (int blk = 0; blk < outer; blk++)
            {
                int dst = blk * inner;
                if (innerStride == 1) s.Slice(src, inner).CopyTo(o.Slice(dst, inner));
                else for (int i = 0, q = src; i < inner; i++, q += innerStride) o[dst + i] = s[q];
                for (int d = rank - 2; d >= 0; d--)
                {
                    idx[d]++; src += srcStr[d];
                    if (idx[d] < outShape[d]) break;
                    src -= srcStr[d] * outShape[d]; idx[d] = 0;
                }
            }
        }
        else if (Length == 1) o[0] = s[0];
        var inverse = new int[rank];
        for (int i = 0; i < rank; i++) inverse[p[i]] = i;
        return AG.Record(r, "Permute", this, g => new[] { g.Permute(inverse) });
    }
}
