using System.Numerics.Tensors;
using AG = MLAugment.Engine.Autograd.Autograd;

namespace MLAugment.Engine;

/// <summary>Sum, mean, max, variance over all elements or chosen dims.</summary>
public sealed partial class Tensor
{
    /// <summary>Sum of all elements (a scalar tensor of shape []), accumulated in double for stability.</summary>
    public Tensor Sum()
    {
        double acc = 0;
        foreach (var v in Span) acc += v;
        var r = Full((float)acc);
        var own = _shape.ToArray();
        return AG.Record(r, "Sum", this, g => new[] { g.ExpandTo(own) });
    }

    public Tensor Mean()
    {
        if (Length == 0) throw new InvalidOperationException($"Mean: {Describe()} is empty.");
        return Sum().MulScalar(1f / Length);
    }

    /// <summary>Sum over <paramref name="dims"/>; reduced dims are kept as size 1 when <paramref name="keepDim"/>.</summary>
    public Tensor Sum(int[] dims, bool keepDim = false)
    {
        var kept = KeptShape("Sum", dims, out var squeezed);
        var r = SumTo(this, kept);
        return keepDim ? r : r.Reshape(squeezed);
    }

    public Tensor Sum(int dim, bool keepDim = false) => Sum(new[] { dim }, keepDim);

    public Tensor Mean(int[] dims, bool keepDim = false)
    {
        KeptShape("Mean", dims, out _);
        int count = 1;
        foreach (var d in dims.Select(d => ShapeUtil.NormalizeDim("Mean", d, Shape)).Distinct()) count *= _shape[d];
        return Sum(dims, keepDim).MulScalar(1f / count);
    }

    public Tensor Mean(int dim, bool keepDim = false) => Mean(new[] { dim }, keepDim);

    /// <summary>Variance over dims; <paramref name="unbiased"/> divides by n−1 (PyTorch's default) else n.</summary>
    public Tensor Var(int[] dims, bool unbiased = true, bool keepDim = false)
    {
        KeptShape("Var", dims, out _);
        int count = 1;
        foreach (var d in dims.Select(d => ShapeUtil.NormalizeDim("Var", d, Shape)).Distinct()) count *= _shape[d];
        var centered = this - Mean(dims, keepDim: true);
        var ss = centered.Square().Sum(dims, keepDim);
        int denom = unbiased ? count - 1 : count;
        if (denom <= 0) throw new InvalidOperationException($"Var: {count} element(s) over the reduced dims is too few (unbiased={unbiased}).");
        return ss.MulScalar(1f / denom);
    }

    public Tensor Var(int dim, bool unbiased = true, bool keepDim = false) => Var(new[] { dim }, unbiased, keepDim);

    /// <summary>Maximum of all elements; the gradient is shared evenly by all maximal elements, as torch does.</summary>
    public Tensor Max()
    {
        if (Length == 0) throw new InvalidOperationException($"Max: {Describe()} is empty.");
        int idx = TensorPrimitives.IndexOfMax(Span);
        float max = Span[idx];
        var r = Full(max);
        var own = _shape.ToArray();
        var x = this;
        return AG.Record(r, "Max", this, g =>
        {
            var gi = Zeros(own);
            var xs = x.Span; var gs = gi.Span;
            int ties = 0;
            for (int i = 0; i < xs.Length; i++) if (xs[i] == max) ties++;
            if (ties == 0) { gs[idx] = g.Span[0]; return new[] { gi }; } // NaN maximum
            float share = g.Span[0] / ties;
            for (int i = 0; i < xs.Length; i++) if (xs[i] == max) gs[i] = share;
            return new[] { gi };
        });
    }

    /// <summary>Max over one dim with the arg-max indices (first occurrence), like torch.max(x, dim).</summary>
    public (Tensor Values, int[] Indices) Max(int dim, bool keepDim = false)
    {
        int d = ShapeUtil.NormalizeDim("Max", dim, Shape);
        int n = _shape[d];
        if (n == 0) throw new InvalidOperationException($"Max: dim {dim} of {Describe()} is empty.");
        int outer = 1, inner = 1;
        for (int i = 0; i < d; i++) outer *= _shape[i];
        for (int i = d + 1; i < Rank; i++) inner *= _shape[i];
        var keptShape = _shape.ToArray(); keptShape[d] = 1;
        var r = Allocate(keptShape, clear: false);
        var idx = new int[outer * inner];
        var s = Span; var o = r.Span;
        for (int a = 0; a < outer; a++)
            for (int c = 0; c < inner; c++)
            {
                int best = 0; float bv = s[a * n * inner + c];
                for (int k = 1; k < n; k++)
                {
                    float v = s[(a * n + k) * inner + c];
                    if (v > bv || (float.IsNaN(v) && !float.IsNaN(bv))) { bv = v; best = k; }
                }
                o[a * inner + c] = bv; idx[a * inner + c] = best;
            }
        var own = _shape.ToArray();
        var rec = AG.Record(r, "MaxDim", this, g =>
        {
            var gi = Zeros(own);
            var gs = g.Span; var gis = gi.Span;
            for (int a = 0; a < outer; a++)
                for (int c = 0; c < inner; c++)
                    gis[(a * n + idx[a * inner + c]) * inner + c] = gs[a * inner + c];
            return new[] { gi };
        });
        if (!keepDim) rec = rec.Reshape(own.Where((_, i) => i != d).ToArray());
        return (rec, idx);
    }

    /// <summary>Index of the maximum along the last dim for each row (e.g. predicted classes).</summary>
    public int[] ArgMax(int dim = -1) => Max(dim).Indices;

    private int[] KeptShape(string op, int[] dims, out int[] squeezed)
    {
        var kept = _shape.ToArray();
        var reduce = new bool[Rank];
        foreach (var dim in dims)
        {
            int d = ShapeUtil.NormalizeDim(op, dim, Shape);
            reduce[d] = true;
            kept[d] = 1;
        }
        squeezed = _shape.Where((_, i) => !reduce[i]).ToArray();
        return kept;
    }
}
