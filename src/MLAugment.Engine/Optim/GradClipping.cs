using System.Numerics.Tensors;

namespace MLAugment.Engine.Optim;

/// <summary>Gradient clipping over a set of parameters (torch.nn.utils.clip_grad_norm_).</summary>
public static class GradClipping
{
    /// <summary>
    /// Scales all gradients in place so their joint norm is at most <paramref name="maxNorm"/>, with PyTorch's
    /// coefficient min(1, max_norm / (total_norm + 1e-6)) applied unconditionally. Parameters without a
    /// gradient are ignored. Returns the total norm before clipping (0 when there are no gradients).
    /// <paramref name="normType"/> is a p ≥ 1 or <see cref="float.PositiveInfinity"/> (max |g|).
    /// </summary>
    public static float ClipGradNorm(IEnumerable<Tensor> parameters, float maxNorm, float normType = 2f)
    {
        if (!(normType >= 1f)) throw new ArgumentOutOfRangeException(nameof(normType), normType, "ClipGradNorm: norm type must be >= 1 or +inf.");
        if (!(maxNorm >= 0f)) throw new ArgumentOutOfRangeException(nameof(maxNorm), maxNorm, "ClipGradNorm: max norm must be >= 0.");
        var grads = parameters.Select(p => p.Grad).OfType<Tensor>().ToList();
        if (grads.Count == 0) return 0f;

        float total;
        if (float.IsPositiveInfinity(normType))
        {
            total = 0f;
            foreach (var g in grads)
                if (g.Length > 0) total = MathF.Max(total, MathF.Abs(TensorPrimitives.MaxMagnitude(g.Span))); // NaN propagates
        }
        else
        {
            // Accumulate in double; the order of summation differs from torch's, the value does not materially.
            double acc = 0;
            foreach (var g in grads)
                foreach (var v in g.Span)
                    acc += normType == 2f ? (double)v * v : Math.Pow(Math.Abs(v), normType);
            total = (float)(normType == 2f ? Math.Sqrt(acc) : Math.Pow(acc, 1.0 / normType));
        }

        float coef = MathF.Min(maxNorm / (total + 1e-6f), 1f); // NaN propagates, as with torch.clamp
        foreach (var g in grads) TensorPrimitives.Multiply(g.Span, coef, g.Span);
        return total;
    }
}
