using System.Numerics.Tensors;
using MLAugment.Engine.Kernels;
using AG = MLAugment.Engine.Autograd.Autograd;

namespace MLAugment.Engine;

/// <summary>Broadcasting arithmetic: +, -, *, /, pow, max/min, where, and reduction of gradients back to input shapes.</summary>
public sealed partial class Tensor
{
    private enum BinaryKind { Add, Sub, Mul, Div, Pow, Max, Min }

    public static Tensor operator +(Tensor a, Tensor b) => Add(a, b);
    public static Tensor operator -(Tensor a, Tensor b) => Sub(a, b);
    public static Tensor operator *(Tensor a, Tensor b) => Mul(a, b);
    public static Tensor operator /(Tensor a, Tensor b) => Div(a, b);
    public static Tensor operator -(Tensor a) => a.Neg();
    public static Tensor operator +(Tensor a, float s) => a.AddScalar(s);
    public static Tensor operator +(float s, Tensor a) => a.AddScalar(s);
    public static Tensor operator -(Tensor a, float s) => a.AddScalar(-s);
    public static Tensor operator -(float s, Tensor a) => a.Neg().AddScalar(s);
    public static Tensor operator *(Tensor a, float s) => a.MulScalar(s);
    public static Tensor operator *(float s, Tensor a) => a.MulScalar(s);
    public static Tensor operator /(Tensor a, float s) => a.MulScalar(1f / s);
    public static Tensor operator /(float s, Tensor a) => Div(Full(s), a);

    public static Tensor Add(Tensor a, Tensor b) =>
        Binary("Add", BinaryKind.Add, a, b, (g, x, y) => (SumTo(g, x.Shape), SumTo(g, y.Shape)));

    public static Tensor Sub(Tensor a, Tensor b) =>
        Binary("Sub", BinaryKind.Sub, a, b, (g, x, y) => (SumTo(g, x.Shape), AG.Needs(y) ? SumTo(g.Neg(), y.Shape) : null));

    public static Tensor Mul(Tensor a, Tensor b) =>
        Binary("Mul", BinaryKind.Mul, a, b, (g, x, y) =>
            (AG.Needs(x) ? SumTo(g * y, x.Shape) : null, AG.Needs(y) ? SumTo(g * x, y.Shape) : null));

    public static Tensor Div(Tensor a, Tensor b) =>
        Binary("Div", BinaryKind.Div, a, b, (g, x, y) =>
            (AG.Needs(x) ? SumTo(g / y, x.Shape) : null,
             AG.Needs(y) ? SumTo((g * x / (y * y)).Neg(), y.Shape) : null));

    /// <summary>Elementwise a^b (both tensors, broadcast).</summary>
    public static Tensor Pow(Tensor a, Tensor b)
    {
        Tensor? outRef = null;
        var r = Binary("Pow", BinaryKind.Pow, a, b, (g, x, y) =>
            (AG.Needs(x) ? SumTo(g * y * Pow(x, y - 1f), x.Shape) : null,
             AG.Needs(y) ? SumTo(g * outRef!.Detach() * x.Log(), y.Shape) : null));
        outRef = r;
        return r;
    }

    /// <summary>Elementwise maximum; where a = b the gradient is split evenly between them, as torch does.</summary>
    public static Tensor Maximum(Tensor a, Tensor b) =>
        Binary("Maximum", BinaryKind.Max, a, b, (g, x, y) =>
        {
            var m = WinnerMask(x, y);
            return (AG.Needs(x) ? SumTo(g * m, x.Shape) : null, AG.Needs(y) ? SumTo(g * (1f - m), y.Shape) : null);
        });

    /// <summary>Elementwise minimum; ties split the gradient evenly, as torch does.</summary>
    public static Tensor Minimum(Tensor a, Tensor b) =>
        Binary("Minimum", BinaryKind.Min, a, b, (g, x, y) =>
        {
            var m = WinnerMask(y, x);
            return (AG.Needs(x) ? SumTo(g * m, x.Shape) : null, AG.Needs(y) ? SumTo(g * (1f - m), y.Shape) : null);
        });

    /// <summary>1 where a &gt; b, ½ where a = b, 0 where a &lt; b (broadcast).</summary>
    private static Tensor WinnerMask(Tensor a, Tensor b) => (GreaterEqualMask(a, b) + 1f - GreaterEqualMask(b, a)) * 0.5f;

    /// <summary>cond ? a : b elementwise (cond nonzero = true), all three broadcast; cond gets no gradient.</summary>
    public static Tensor Where(Tensor cond, Tensor a, Tensor b)
    {
        var shape = ShapeUtil.Broadcast("Where", ShapeUtil.Broadcast("Where", cond.Shape, a.Shape), b.Shape);
        Tensor mask, ea, eb;
        using (AG.NoGrad())
        {
            mask = cond.NotEqualMask(0f).ExpandTo(shape);
            ea = a.ExpandTo(shape);
            eb = b.ExpandTo(shape);
        }
        var r = Allocate(shape, clear: false);
        var sm = mask.Span; var sa = ea.Span; var sb = eb.Span; var so = r.Span;
        for (int i = 0; i < so.Length; i++) so[i] = sm[i] != 0f ? sa[i] : sb[i];
        return AG.Record(r, "Where", new[] { a, b }, g => new[]
        {
            AG.Needs(a) ? SumTo(g * mask, a.Shape) : null,
            AG.Needs(b) ? SumTo(g * (1f - mask), b.Shape) : null,
        });
    }

    /// <summary>Materializes this tensor broadcast to <paramref name="shape"/>.</summary>
    public Tensor ExpandTo(params int[] shape)
    {
        if (ShapeUtil.SameShape(Shape, shape)) return this;
        var r = Allocate(ShapeUtil.Broadcast("ExpandTo", Shape, shape), clear: false);
        if (!ShapeUtil.SameShape(r.Shape, shape))
            throw new ArgumentException($"ExpandTo: {ShapeUtil.Format(Shape)} cannot be expanded to {ShapeUtil.Format(shape)}.");
        var plan = new BroadcastPlan(Shape, Shape, r._shape);
        var s = Span; var d = r.Span;
        for (int blk = 0; blk < plan.Blocks; blk++)
        {
            plan.Offsets(blk, out int o, out _);
            var dst = d.Slice(blk * plan.Block, plan.Block);
            if (plan.AFull) s.Slice(o, plan.Block).CopyTo(dst); else dst.Fill(s[o]);
        }
        var own = _shape.ToArray();
        return AG.Record(r, "ExpandTo", this, g => new[] { SumTo(g, own) });
    }

    /// <summary>1 where a ≥ b else 0 (broadcast); no gradient.</summary>
    public static Tensor GreaterEqualMask(Tensor a, Tensor b)
    {
        var shape = ShapeUtil.Broadcast("GreaterEqualMask", a.Shape, b.Shape);
        var r = Allocate(shape, clear: false);
        var plan = new BroadcastPlan(a.Shape, b.Shape, shape);
        var sa = a.Span; var sb = b.Span; var so = r.Span;
        for (int blk = 0; blk < plan.Blocks; blk++)
        {
            plan.Offsets(blk, out int ao, out int bo);
            int o = blk * plan.Block;
            for (int i = 0; i < plan.Block; i++)
                so[o + i] = sa[ao + (plan.AFull ? i : 0)] >= sb[bo + (plan.BFull ? i : 0)] ? 1f : 0f;
        }
        return r;
    }

    /// <summary>1 where the element differs from <paramref name="value"/> else 0; no gradient.</summary>
    public Tensor NotEqualMask(float value)
    {
        var r = EmptyLike(this);
        var s = Span; var d = r.Span;
        for (int i = 0; i < s.Length; i++) d[i] = s[i] != value ? 1f : 0f;
        return r;
    }

    public Tensor AddScalar(float s)
    {
        var r = EmptyLike(this);
        TensorPrimitives.Add(Span, s, r.Span);
        return AG.Record(r, "AddScalar", this, g => new[] { g });
    }

    public Tensor MulScalar(float s)
    {
        var r = EmptyLike(this);
        TensorPrimitives.Multiply(Span, s, r.Span);
        return AG.Record(r, "MulScalar", this, g => new[] { g.MulScalar(s) });
    }

    public Tensor Neg()
    {
        var r = EmptyLike(this);
        TensorPrimitives.Negate(Span, r.Span);
        return AG.Record(r, "Neg", this, g => new[] { g.Neg() });
    }

    private static Tensor Binary(string op, BinaryKind kind, Tensor a, Tensor b,
        Func<Tensor, Tensor, Tensor, (Tensor?, Tensor?)> backward)
    {
        int[] shape = ShapeUtil.SameShape(a.Shape, b.Shape) ? a._shape.ToArray() : ShapeUtil.Broadcast(op, a.Shape, b.Shape);
        var r = Allocate(shape, clear: false);
        if (ShapeUtil.SameShape(a.Shape, b.Shape)) ApplyRun(kind, a.Span, b.Span, r.Span);
        else
        {
            var plan = new BroadcastPlan(a.Shape, b.Shape, shape);
            var sa = a.Span; var sb = b.Span; var so = r.Span;
            for (int blk = 0; blk < plan.Blocks; blk++)
            {
                plan.Offsets(blk, out int ao, out int bo);
                var dst = so.Slice(blk * plan.Block, plan.Block);
                if (plan.AFull && plan.BFull) ApplyRun(kind, sa.Slice(ao, plan.Block), sb.Slice(bo, plan.Block), dst);
                else if (plan.AFull) ApplyRunScalarB(kind, sa.Slice(ao, plan.Block), sb[bo], dst);
                else if (plan.BFull) ApplyScalarARun(kind, sa[ao], sb.Slice(bo, plan.Block), dst);
                else dst.Fill(ApplyScalar(kind, sa[ao], sb[bo]));
            }
        }
        return AG.Record(r, op, new[] { a, b }, g =>
        {
            var (ga, gb) = backward(g, a, b);
            return new[] { AG.Needs(a) ? ga : null, AG.Needs(b) ? gb : null };
        });
    }

    private static void ApplyRun(BinaryKind k, ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> d)
    {
        switch (k)
        {
            case BinaryKind.Add: TensorPrimitives.Add(a, b, d); break;
            case BinaryKind.Sub: TensorPrimitives.Subtract(a, b, d); break;
            case BinaryKind.Mul: TensorPrimitives.Multiply(a, b, d); break;
            case BinaryKind.Div: TensorPrimitives.Divide(a, b, d); break;
            case BinaryKind.Pow: TensorPrimitives.Pow(a, b, d); break;
            case BinaryKind.Max: TensorPrimitives.Max(a, b, d); break;
            case BinaryKind.Min: TensorPrimitives.Min(a, b, d); break;
        }
    }

    private static void ApplyRunScalarB(BinaryKind k, ReadOnlySpan<float> a, float b, Span<float> d)
    {
        switch (k)
        {
            case BinaryKind.Add: TensorPrimitives.Add(a, b, d); break;
            case BinaryKind.Sub: TensorPrimitives.Subtract(a, b, d); break;
            case BinaryKind.Mul: TensorPrimitives.Multiply(a, b, d); break;
            case BinaryKind.Div: TensorPrimitives.Divide(a, b, d); break;
            case BinaryKind.Pow: TensorPrimitives.Pow(a, b, d); break;
            case BinaryKind.Max: TensorPrimitives.Max(a, b, d); break;
            case BinaryKind.Min: TensorPrimitives.Min(a, b, d); break;
        }
    }

    private static void ApplyScalarARun(BinaryKind k, float a, ReadOnlySpan<float> b, Span<float> d)
    {
        switch (k)
        {
            case BinaryKind.Add: TensorPrimitives.Add(b, a, d); break;
            case BinaryKind.Sub: TensorPrimitives.Subtract(a, b, d); break;
            case BinaryKind.Mul: TensorPrimitives.Multiply(b, a, d); break;
            case BinaryKind.Div: TensorPrimitives.Divide(a, b, d); break;
            case BinaryKind.Pow: TensorPrimitives.Pow(a, b, d); break;
            case BinaryKind.Max: TensorPrimitives.Max(b, a, d); break;
            case BinaryKind.Min: TensorPrimitives.Min(b, a, d); break;
        }
    }

    private static float ApplyScalar(BinaryKind k, float a, float b) => k switch
    {
        BinaryKind.Add => a + b,
        BinaryKind.Sub => a - b,
        BinaryKind.Mul => a * b,
        BinaryKind.Div => a / b,
        BinaryKind.Pow => MathF.Pow(a, b),
        BinaryKind.Max => MathF.Max(a, b),
        _ => MathF.Min(a, b),
    };

    /// <summary>
    /// Sums <paramref name="g"/> down to <paramref name="shape"/> (the inverse of broadcasting): the gradient
    /// of a broadcast input. Recorded, so double-backward through broadcasting works.
    /// </summary>
    public static Tensor SumTo(Tensor g, ReadOnlySpan<int> shape)
    {
        if (ShapeUtil.SameShape(g.Shape, shape)) return g;
        var target = shape.ToArray();
        // Validates that target broadcasts to g's shape.
        var check = ShapeUtil.Broadcast("SumTo", target, g.Shape);
        if (!ShapeUtil.SameShape(check, g.Shape))
            throw new ArgumentException($"SumTo: shape {ShapeUtil.Format(target)} does not broadcast to {ShapeUtil.Format(g.Shape)}.");
        var r = Allocate(target, clear: true);
        var plan = new BroadcastPlan(target, target, g._shape);
        var sg = g.Span; var sr = r.Span;
        for (int blk = 0; blk < plan.Blocks; blk++)
        {
            plan.Offsets(blk, out int ro, out _);
            var src = sg.Slice(blk * plan.Block, plan.Block);
            if (plan.AFull) TensorPrimitives.Add(sr.Slice(ro, plan.Block), src, sr.Slice(ro, plan.Block));
            else sr[ro] += TensorPrimitives.Sum(src);
        }
        var gShape = g._shape.ToArray();
        return AG.Record(r, "SumTo", g, gg => new[] { gg.ExpandTo(gShape) });
    }
}
