namespace MLAugment.Engine.Autograd;

/// <summary>
/// One recorded op on the tape: its inputs and a closure mapping the output gradient to one gradient
/// per input (null where that input needs none). Closures capture what the op saved for backward.
/// </summary>
internal sealed class GradNode
{
    public readonly string OpName;
    public Tensor[] Inputs;
    public Func<Tensor, Tensor?[]>? Backward;

    public GradNode(string opName, Tensor[] inputs, Func<Tensor, Tensor?[]> backward)
    {
        OpName = opName;
        Inputs = inputs;
        Backward = backward;
    }

    /// <summary>Drops saved tensors so a finished graph can be collected.</summary>
    public void Release()
    {
        Inputs = Array.Empty<Tensor>();
        Backward = null;
    }
}
