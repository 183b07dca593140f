namespace MLAugment.Engine.NN;

/// <summary>Returns its input unchanged (a placeholder where an architecture optionally has a layer).</summary>
public sealed class Identity : Module<Tensor, Tensor>
{
    public override Tensor Forward(Tensor input) => input;
}

public sealed class ReLU : Module<Tensor, Tensor>
{
    public override Tensor Forward(Tensor input) => input.Relu();
}

/// <summary>x·σ(x), the activation of diffusion UNets' ResNet blocks.</summary>
public sealed class SiLU : Module<Tensor, Tensor>
{
    public override Tensor Forward(Tensor input) => input.Silu();
}

/// <summary>GELU, exact (erf) by default or PyTorch's approximate="tanh".</summary>
public sealed class GELU : Module<Tensor, Tensor>
{
    public bool TanhApproximation { get; }
    public GELU(bool tanhApproximation = false) { TanhApproximation = tanhApproximation; }
    public override Tensor Forward(Tensor input) => input.Gelu(TanhApproximation);
}
