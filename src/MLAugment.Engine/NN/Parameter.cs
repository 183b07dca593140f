namespace MLAugment.Engine.NN;

/// <summary>
/// Factory for trainable tensors. A parameter is an ordinary <see cref="Tensor"/> that requires grad and is
/// allocated outside any <see cref="TensorScope"/> (GC-managed), so a training step's scope never reclaims it.
/// </summary>
public static class Parameter
{
    /// <summary>A zero-filled parameter of the given shape.</summary>
    public static Tensor Create(params int[] shape)
    {
        var p = Tensor.Unscoped(shape);
        p.RequiresGrad = true;
        return p;
    }

    /// <summary>A parameter holding a copy of <paramref name="values"/> (which may be scoped).</summary>
    public static Tensor From(Tensor values)
    {
        var p = Create(values.Shape.ToArray());
        values.Span.CopyTo(p.Span);
        return p;
    }
}
