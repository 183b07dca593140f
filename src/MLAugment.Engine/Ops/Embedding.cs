using System.Numerics.Tensors;
using AG = MLAugment.Engine.Autograd.Autograd;

namespace MLAugment.Engine;

/// <summary>Table lookup (token and class embeddings).</summary>
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
}
