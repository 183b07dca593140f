using System.Numerics.Tensors;
using AG = MLAugment.Engine.Autograd.Autograd;

namespace MLAugment.Engine;

/// <summary>Random regularization.</summary>
public static partial class F
{
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
