using AG = MLAugment.Engine.Autograd.Autograd;

namespace MLAugment.Engine;

/// <summary>How a loss reduces its per-element values (PyTorch's reduction=).</summary>
public enum Reduction { None, Mean, Sum }

/// <summary>
/// Functional ops in the shape of torch.nn.functional. Tensors are float32 NCHW; integer inputs
/// (class targets, token ids, indices) are int spans with an explicit shape.
/// </summary>
public static partial class F
{
    /// <summary>y = x·Wᵀ + b with W [out, in]; x [..., in].</summary>
    public static Tensor Linear(Tensor x, Tensor weight, Tensor? bias = null)
    {
        if (weight.Rank != 2 || x.Shape[^1] != weight.Shape[1])
            throw new ArgumentException($"Linear: input {ShapeUtil.Format(x.Shape)} does not match weight {ShapeUtil.Format(weight.Shape)} (expected [..., {(weight.Rank == 2 ? weight.Shape[1] : -1)}]).");
        var lead = x.Shape[..^1].ToArray();
        var x2 = x.Reshape(-1, weight.Shape[1]);
        var y = Tensor.MatMul(x2, weight, transA: false, transB: true);
        if (bias != null)
        {
            if (bias.Rank != 1 || bias.Shape[0] != weight.Shape[0])
                throw new ArgumentException($"Linear: bias {ShapeUtil.Format(bias.Shape)} does not match weight {ShapeUtil.Format(weight.Shape)}.");
            y = y + bias;
        }
        return y.Reshape(lead.Append(weight.Shape[0]).ToArray());
    }
}
