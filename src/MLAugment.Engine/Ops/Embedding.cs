using System.Numerics.Tensors;
using AG = MLAugment.Engine.Autograd.Autograd;

namespace MLAugment.Engine;

/// <summary>Table lookup and dropout.</summary>
public static partial class F
{
    /// <summary>
    /// Rows of <paramref name="weight"/> [V, D] for each id → [..idsShape, D] (torch.nn.functional.embedding).
    /// The gradient scatter-adds into the rows used (repeated ids accumulate).
    /// </summary>
    public static Tensor Embedding(Tensor weight, ReadOnlySpan<int> ids, params int[] idsShape)
    {
        const string op = "Embedding";
        if (weight.Rank != 2)
            throw new ArgumentException($"{op}: weight must be [V, D], got {ShapeUtil.Format(weight.Shape)}.");
        if (ShapeUtil.Numel(idsShape) != ids.Length)
            throw new ArgumentException($"{op}: ids shape {ShapeUtil.Format(idsShape)} does not hold {ids.Length} ids.");
        int vocab = weight.Shape[0], dim = weight.Shape[1];
        for (int i = 0; i < ids.Length; i++)
            if ((uint)ids[i] >= (uint)vocab)
                throw new ArgumentOutOfRangeException(nameof(ids), $"{op}: id {ids[i]} at position {i} is out of range for a table of V = {vocab} rows (weight {ShapeUtil.Format(weight.Shape)}).");
        var idv = ids.ToArray();
        var r = Tensor.Allocate(idsShape.Append(dim).ToArray(), clear: false);
        var w = weight.Span; var o = r.Span;
        for (int i = 0; i < idv.Length; i++) w.Slice(idv[i] * dim, dim).CopyTo(o.Slice(i * dim, dim));
        var wShape = weight.Shape.ToArray();
        return AG.Record(r, op, weight, g =>
        {
            var gw = Tensor.Zeros(wShape);
            var gs = g.Span; var gd = gw.Span;
            for (int i = 0; i < idv.Length; i++)
                TensorPrimitives.Add(gd.Slice(idv[i] * dim, dim), gs.Slice(i * dim, dim), gd.Slice(idv[i] * dim, dim));
            return new[] { gw };
        });
    }

    /// <summary>
    /// Inverted dropout (Srivastava et al. 2014): zeroes each element with probability <paramref name="p"/> and
    /// scales survivors by 1/(1 − p) so the expectation is unchanged; the identity when not training or p = 0.
    /// The mask is drawn sequentially from <paramref name="generator"/>, so it depends only on its state.
    /// </summary>
    public static Tensor Dropout(Tensor x, float p, bool training, Generator generator)
    {
        if (!(p >= 0f && p <= 1f))
            throw new ArgumentOutOfRangeException(nameof(p), $"Dropout: probability {p} must be in [0, 1] (input {ShapeUtil.Format(x.Shape)}).");
        if (!training || p == 0f) return x;
        var mask = Tensor.Allocate(x.Shape.ToArray(), clear: false);
        var m = mask.Span;
        float keep = p == 1f ? 0f : 1f / (1f - p);
        for (int i = 0; i < m.Length; i++) m[i] = generator.NextUniform() < p ? 0f : keep;
        var r = Tensor.EmptyLike(x);
        TensorPrimitives.Multiply(x.Span, m, r.Span);
        return AG.Record(r, "Dropout", x, g =>
        {
            var gx = Tensor.EmptyLike(g);
            TensorPrimitives.Multiply(g.Span, mask.Span, gx.Span);
            return new[] { gx };
        });
    }
}
