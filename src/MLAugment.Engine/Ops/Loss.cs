using System.Numerics.Tensors;
using AG = MLAugment.Engine.Autograd.Autograd;

namespace MLAugment.Engine;

/// <summary>Losses with torch.nn.functional's reduction and weighting semantics.</summary>
public static partial class F
{
    private static void SameShape(string op, Tensor input, Tensor target)
    {
        if (!ShapeUtil.SameShape(input.Shape, target.Shape))
            throw new ArgumentException($"{op}: input {ShapeUtil.Format(input.Shape)} and target {ShapeUtil.Format(target.Shape)} must have the same shape.");
    }

    /// <summary>Applies <paramref name="reduction"/> to per-element losses.</summary>
    private static Tensor Reduce(Tensor perElement, Reduction reduction) => reduction switch
    {
        Reduction.None => perElement,
        Reduction.Sum => perElement.Sum(),
        _ => perElement.Mean(),
    };

    private delegate void SpanFn(ReadOnlySpan<float> d, Span<float> result);

    /// <summary>
    /// Elementwise loss ℓ(d) of d = input − target with derivative ℓ'(d), both as vectorizable span maps;
    /// gradients go to both input (+ℓ') and target (−ℓ'), as torch's losses differentiate both.
    /// </summary>
    private static Tensor PointwiseLoss(string op, Tensor input, Tensor target, Reduction reduction, SpanFn loss, SpanFn dloss)
    {
        SameShape(op, input, target);
        var diff = Tensor.EmptyLike(input);
        TensorPrimitives.Subtract(input.Span, target.Span, diff.Span);
        var r = Tensor.EmptyLike(input);
        loss(diff.Span, r.Span);
        var per = AG.Record(r, op, new[] { input, target }, g =>
        {
            var gi = Tensor.EmptyLike(g);
            dloss(diff.Span, gi.Span);
            TensorPrimitives.Multiply(gi.Span, g.Span, gi.Span);
            return new[] { AG.Needs(input) ? gi : null, AG.Needs(target) ? gi.Neg() : null };
        });
        return Reduce(per, reduction);
    }

    /// <summary>Mean squared error (x − y)².</summary>
    public static Tensor MseLoss(Tensor input, Tensor target, Reduction reduction = Reduction.Mean) =>
        PointwiseLoss("MseLoss", input, target, reduction,
            (d, r) => TensorPrimitives.Multiply(d, d, r), (d, r) => TensorPrimitives.Multiply(d, 2f, r));

    /// <summary>Mean absolute error |x − y| (gradient sign(x − y), 0 at equality, like torch).</summary>
    public static Tensor L1Loss(Tensor input, Tensor target, Reduction reduction = Reduction.Mean) =>
        PointwiseLoss("L1Loss", input, target, reduction, TensorPrimitives.Abs,
            (d, r) => { for (int i = 0; i < d.Length; i++) r[i] = MathF.Sign(d[i]); });

    /// <summary>Huber-style smooth L1 (Girshick 2015): ½d²/β where |d| &lt; β, else |d| − ½β; β = 0 is L1.</summary>
    public static Tensor SmoothL1Loss(Tensor input, Tensor target, Reduction reduction = Reduction.Mean, float beta = 1f)
    {
        if (beta < 0f) throw new ArgumentOutOfRangeException(nameof(beta), $"SmoothL1Loss: beta {beta} must be non-negative.");
        return PointwiseLoss("SmoothL1Loss", input, target, reduction,
            (d, r) => { for (int i = 0; i < d.Length; i++) r[i] = MathF.Abs(d[i]) < beta ? 0.5f * d[i] * d[i] / beta : MathF.Abs(d[i]) - 0.5f * beta; },
            (d, r) => { for (int i = 0; i < d.Length; i++) r[i] = MathF.Abs(d[i]) < beta ? d[i] / beta : MathF.Sign(d[i]); });
    }

    /// <summary>
    /// Cross entropy of logits [N, C] or [N, C, d1, ...] (per-position classes) against class ids of shape
    /// [N] or [N, d1, ...], exactly as torch.nn.functional.cross_entropy with class indices:
    /// ℓᵢ = (1 − ε)·w[yᵢ]·(−log pᵢ[yᵢ]) + (ε/C)·Σ_c w[c]·(−log pᵢ[c]), zero where yᵢ = <paramref name="ignoreIndex"/>;
    /// the mean divides by Σ w[yᵢ] over non-ignored positions (their count when unweighted), so a batch with every
    /// target ignored gives NaN like torch. Class weights are constants (no gradient).
    /// </summary>
    public static Tensor CrossEntropy(Tensor logits, ReadOnlySpan<int> targets, Tensor? classWeights = null, int ignoreIndex = -100,
        float labelSmoothing = 0f, Reduction reduction = Reduction.Mean)
    {
        const string op = "CrossEntropy";
        if (logits.Rank < 2)
            throw new ArgumentException($"{op}: logits must be [N, C] or [N, C, d1, ...], got {ShapeUtil.Format(logits.Shape)}.");
        int n = logits.Shape[0], c = logits.Shape[1];
        int s = n * c == 0 ? 1 : logits.Length / (n * c);
        var tShape = logits.Shape.ToArray().Where((_, i) => i != 1).ToArray();
        if (targets.Length != n * s)
            throw new ArgumentException($"{op}: {targets.Length} targets do not match logits {ShapeUtil.Format(logits.Shape)} (expected shape {ShapeUtil.Format(tShape)}).");
        if (classWeights != null && !ShapeUtil.SameShape(classWeights.Shape, new[] { c }))
            throw new ArgumentException($"{op}: class weights {ShapeUtil.Format(classWeights.Shape)} must be [{c}] for logits {ShapeUtil.Format(logits.Shape)}.");
        if (!(labelSmoothing >= 0f && labelSmoothing <= 1f))
            throw new ArgumentOutOfRangeException(nameof(labelSmoothing), $"{op}: label smoothing {labelSmoothing} must be in [0, 1].");
        for (int i = 0; i < targets.Length; i++)
            if (targets[i] != ignoreIndex && (uint)targets[i] >= (uint)c)
                throw new ArgumentOutOfRangeException(nameof(targets), $"{op}: target {targets[i]} at position {i} is not a class in [0, {c}) nor the ignore index {ignoreIndex} (logits {ShapeUtil.Format(logits.Shape)}).");
        var t = targets.ToArray();
        var w = classWeights?.ToArray() ?? Enumerable.Repeat(1f, c).ToArray();
        double wSum = 0; foreach (var v in w) wSum += v;
        float eps = labelSmoothing;

        // Log-probabilities over the class dim, then per-position losses.
        Tensor logp;
        using (AG.NoGrad()) logp = LogSoftmax(logits, 1);
        var lp = logp.Span;
        var per = new double[n * s];
        double denom = 0;
        for (int a = 0; a < n; a++)
            for (int j = 0; j < s; j++)
            {
                int pos = a * s + j, ti = t[pos];
                if (ti == ignoreIndex) continue;
                int b0 = a * c * s + j;
                double smooth = 0;
                if (eps != 0f) for (int k = 0; k < c; k++) smooth -= w[k] * lp[b0 + k * s];
                per[pos] = -(1.0 - eps) * w[ti] * lp[b0 + ti * s] + eps / c * smooth;
                denom += w[ti];
            }
        Tensor r;
        if (reduction == Reduction.None)
        {
            r = Tensor.Allocate(tShape, clear: false);
            var rs = r.Span;
            for (int i = 0; i < per.Length; i++) rs[i] = (float)per[i];
        }
        else
        {
            double total = 0; foreach (var v in per) total += v;
            r = Tensor.Full((float)(reduction == Reduction.Sum ? total : total / denom));
        }
        var shape = logits.Shape.ToArray();
        return AG.Record(r, op, logits, g =>
        {
            // ∂ℓᵢ/∂x_c = p_c·Σ_k coef_k − coef_c with coef_k = (1 − ε)·w[y]·[k = y] + (ε/C)·w[k].
            var gx = Tensor.Zeros(shape);
            var gs = g.Span; var gd = gx.Span; var lps = logp.Span;
            for (int a = 0; a < n; a++)
                for (int j = 0; j < s; j++)
                {
                    int pos = a * s + j, ti = t[pos];
                    if (ti == ignoreIndex) continue;
                    double scale = reduction == Reduction.None ? gs[pos] : reduction == Reduction.Sum ? gs[0] : gs[0] / denom;
                    double coefSum = (1.0 - eps) * w[ti] + eps / c * wSum;
                    int b0 = a * c * s + j;
                    for (int k = 0; k < c; k++)
                    {
                        double coef = eps / c * w[k] + (k == ti ? (1.0 - eps) * w[ti] : 0.0);
                        gd[b0 + k * s] = (float)(scale * (Math.Exp(lps[b0 + k * s]) * coefSum - coef));
                    }
                }
            return new[] { gx };
        });
    }

    /// <summary>
    /// Binary cross entropy on logits, stable form of torch's binary_cross_entropy_with_logits:
    /// ℓ = w·[(1 − y)·x + (1 + (pw − 1)·y)·softplus(−x)], with <paramref name="weight"/> and
    /// <paramref name="posWeight"/> broadcast against x (pos_weight typically [C] for the last dim).
    /// Differentiable in x, y, weight and posWeight.
    /// </summary>
    public static Tensor BinaryCrossEntropyWithLogits(Tensor input, Tensor target, Tensor? weight = null, Tensor? posWeight = null,
        Reduction reduction = Reduction.Mean)
    {
        const string op = "BinaryCrossEntropyWithLogits";
        SameShape(op, input, target);
        foreach (var (p, name) in new[] { (weight, "weight"), (posWeight, "pos_weight") })
            if (p != null && !ShapeUtil.BroadcastsTo(p.Shape, input.Shape))
                throw new ArgumentException($"{op}: {name} {ShapeUtil.Format(p.Shape)} does not broadcast to input {ShapeUtil.Format(input.Shape)}.");
        var softplusNegX = input.Neg().Softplus();
        var logWeight = posWeight == null ? null : 1f + (posWeight - 1f) * target;
        var loss = (1f - target) * input + (logWeight == null ? softplusNegX : logWeight * softplusNegX);
        if (weight != null) loss = loss * weight;
        return Reduce(loss, reduction);
    }

    /// <summary>
    /// Focal loss of RetinaNet (Lin et al. 2017) as torchvision.ops.sigmoid_focal_loss: with p = σ(x),
    /// p_t = p·y + (1 − p)(1 − y), ℓ = α_t·BCE(x, y)·(1 − p_t)^γ, α_t = α·y + (1 − α)(1 − y) (α &lt; 0 disables it).
    /// </summary>
    public static Tensor SigmoidFocalLoss(Tensor input, Tensor target, float alpha = 0.25f, float gamma = 2f, Reduction reduction = Reduction.None)
    {
        const string op = "SigmoidFocalLoss";
        SameShape(op, input, target);
        if (gamma < 0f) throw new ArgumentOutOfRangeException(nameof(gamma), $"{op}: gamma {gamma} must be non-negative.");
        var p = input.Sigmoid();
        var ce = BinaryCrossEntropyWithLogits(input, target, reduction: Reduction.None);
        var pt = p * target + (1f - p) * (1f - target);
        var loss = gamma == 0f ? ce : ce * (1f - pt).Pow(gamma);
        if (alpha >= 0f) loss = (alpha * target + (1f - alpha) * (1f - target)) * loss;
        return Reduce(loss, reduction);
    }
}
