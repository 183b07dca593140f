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
    /// <summary>
    /// Records an op whose optional inputs may be null: the backward closure returns one gradient per entry of
    /// <paramref name="inputs"/> (nulls included) and only the non-null inputs are attached to the graph.
    /// </summary>
    internal static Tensor RecordOptional(Tensor output, string op, Tensor?[] inputs, Func<Tensor, Tensor?[]> backward)
    {
        var present = new List<Tensor>(); var slot = new List<int>();
        for (int i = 0; i < inputs.Length; i++)
            if (inputs[i] != null) { present.Add(inputs[i]!); slot.Add(i); }
        return AG.Record(output, op, present.ToArray(), g =>
        {
            var all = backward(g);
            var r = new Tensor?[slot.Count];
            for (int k = 0; k < slot.Count; k++) r[k] = all[slot[k]];
            return r;
        });
    }

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
