namespace MLAugment.Engine.NN;

/// <summary>
/// In-place weight initializers with torch.nn.init's formulas, drawing from an explicit <see cref="Generator"/>
/// so a model built from a seed is reproducible. They write values directly; nothing is recorded by autograd.
/// </summary>
public static class Init
{
    /// <summary>
    /// (fan_in, fan_out) as PyTorch computes them: dim 1 and dim 0 times the receptive field (product of dims ≥ 2).
    /// For ConvTranspose weights [in, out/groups, kh, kw] this is deliberately the same rule, as in PyTorch.
    /// </summary>
    public static (int FanIn, int FanOut) FanInAndFanOut(ReadOnlySpan<int> shape)
    {
        if (shape.Length < 2)
            throw new ArgumentException($"Init: fan in/out need a tensor of rank >= 2, got shape {ShapeUtil.Format(shape)}.");
        int receptive = 1;
        for (int i = 2; i < shape.Length; i++) receptive *= shape[i];
        return (shape[1] * receptive, shape[0] * receptive);
    }

    public static Tensor Uniform(Tensor t, float low, float high, Generator generator)
    {
        generator.FillUniform(t.Span, low, high);
        return t;
    }

    public static Tensor Normal(Tensor t, float mean, float std, Generator generator)
    {
        generator.FillNormal(t.Span, mean, std);
        return t;
    }

    public static Tensor Constant(Tensor t, float value)
    {
        t.Span.Fill(value);
        return t;
    }

    public static Tensor Zeros(Tensor t) => Constant(t, 0f);
    public static Tensor Ones(Tensor t) => Constant(t, 1f);

    /// <summary>
    /// He et al. 2015 uniform init for a leaky-ReLU of slope <paramref name="a"/>:
    /// bound = √3 · gain / √fan_in with gain = √(2 / (1 + a²)). PyTorch's Linear/Conv default uses a = √5,
    /// which works out to bound = 1/√fan_in.
    /// </summary>
    public static Tensor KaimingUniform(Tensor t, Generator generator, double a = 0)
    {
        var (fanIn, _) = FanInAndFanOut(t.Shape);
        if (fanIn == 0) return t; // zero-element tensor: nothing to draw, as PyTorch warns and skips
        double gain = Math.Sqrt(2.0 / (1.0 + a * a));
        double bound = Math.Sqrt(3.0) * gain / Math.Sqrt(fanIn);
        return Uniform(t, (float)-bound, (float)bound, generator);
    }

    /// <summary>Glorot &amp; Bengio 2010: U(±gain·√(6 / (fan_in + fan_out))).</summary>
    public static Tensor XavierUniform(Tensor t, Generator generator, double gain = 1.0)
    {
        var (fanIn, fanOut) = FanInAndFanOut(t.Shape);
        if (fanIn + fanOut == 0) return t;
        double bound = gain * Math.Sqrt(6.0 / (fanIn + fanOut));
        return Uniform(t, (float)-bound, (float)bound, generator);
    }

    /// <summary>PyTorch's default layer init: weight kaiming_uniform(a=√5), bias U(±1/√fan_in).</summary>
    internal static void DefaultLayerInit(Tensor weight, Tensor? bias, Generator generator)
    {
        KaimingUniform(weight, generator, Math.Sqrt(5));
        if (bias == null) return;
        var (fanIn, _) = FanInAndFanOut(weight.Shape);
        float bound = fanIn > 0 ? (float)(1.0 / Math.Sqrt(fanIn)) : 0f;
        Uniform(bias, -bound, bound, generator);
    }
}
