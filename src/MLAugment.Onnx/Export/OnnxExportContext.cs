using MLAugment.Engine;
using MLAugment.Onnx.Format;

namespace MLAugment.Onnx.Export;

/// <summary>
/// The graph under construction while engine modules are exported: fresh SSA value names, weights copied from engine
/// tensors into initializers named by their state-dict key, and small constant tensors. Emitters
/// (<see cref="OnnxModuleEmitter"/>) read their input value name and return their output value name.
/// </summary>
public sealed class OnnxExportContext
{
    private readonly Dictionary<string, int> _counters = new(StringComparer.Ordinal);
    private readonly HashSet<string> _initializerNames = new(StringComparer.Ordinal);

    public OnnxGraphBuilder Builder { get; }

    /// <summary>The emitters used for submodules (defaults plus any registered by the caller).</summary>
    public OnnxModuleEmitters Emitters { get; }

    internal OnnxExportContext(string graphName, OnnxModuleEmitters emitters)
    {
        Builder = new OnnxGraphBuilder(graphName);
        Emitters = emitters;
    }

    /// <summary>A value name not used before, "{prefix}_{n}".</summary>
    public string Fresh(string prefix)
    {
        _counters.TryGetValue(prefix, out int n);
        _counters[prefix] = n + 1;
        return $"{prefix}_{n}";
    }

    /// <summary>
    /// A float initializer holding <paramref name="tensor"/>'s values (copied), named <paramref name="name"/> (the
    /// state-dict key) when that is free, else a fresh variant of it. <paramref name="transpose2D"/> stores [in, out]
    /// for a Linear weight [out, in] so MatMul needs no Transpose node.
    /// </summary>
    public string Weight(string name, Tensor tensor, bool transpose2D = false)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        var shape = tensor.Shape.ToArray();
        float[] values = tensor.Span.ToArray();
        if (transpose2D)
        {
            if (shape.Length != 2) throw new ArgumentException($"Weight '{name}': only a rank-2 tensor can be transposed, got [{string.Join(", ", shape)}].");
            int rows = shape[0], cols = shape[1];
            var t = new float[values.Length];
            for (int r = 0; r < rows; r++)
                for (int c = 0; c < cols; c++) t[c * rows + r] = values[r * cols + c];
            values = t;
            shape = [cols, rows];
        }
        return Floats(name, shape.Select(d => (long)d).ToArray(), values);
    }

    /// <summary>A float constant initializer.</summary>
    public string Floats(string name, long[] dims, float[] values)
    {
        string unique = Unique(name);
        Builder.Initializer(OnnxTensor.FromFloats(unique, dims, values));
        return unique;
    }

    /// <summary>A rank-0 float constant.</summary>
    public string Scalar(string name, float value) => Floats(name, [], [value]);

    /// <summary>A 1-D int64 constant (shapes, axes, slice bounds).</summary>
    public string Int64s(string name, params long[] values)
    {
        string unique = Unique(name);
        Builder.Initializer(OnnxTensor.FromInt64s(unique, [values.Length], values));
        return unique;
    }

    /// <summary>One node with a single freshly named output.</summary>
    public string Op(string opType, string[] inputs, params OnnxAttribute[] attributes)
    {
        string output = Fresh(opType.ToLowerInvariant());
        Builder.Node(opType, inputs, [output], null, attributes);
        return output;
    }

    private string Unique(string name)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        string candidate = name;
        for (int i = 1; !_initializerNames.Add(candidate); i++) candidate = $"{name}_{i}";
        return candidate;
    }

    // ---- composite operations shared by emitters ----

    /// <summary>x·σ(x).</summary>
    public string Silu(string x) => Op("Mul", [x, Op("Sigmoid", [x])]);

    /// <summary>Exact GELU: 0.5·x·(1 + erf(x/√2)).</summary>
    public string GeluErf(string x)
    {
        string erf = Op("Erf", [Op("Mul", [x, Scalar("gelu_inv_sqrt2", 1f / MathF.Sqrt(2f))])]);
        return Op("Mul", [Op("Mul", [x, Scalar("gelu_half", 0.5f)]), Op("Add", [erf, Scalar("gelu_one", 1f)])]);
    }

    /// <summary>PyTorch's approximate="tanh" GELU: 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))).</summary>
    public string GeluTanh(string x)
    {
        string cube = Op("Mul", [Op("Mul", [x, x]), x]);
        string inner = Op("Mul", [Op("Add", [x, Op("Mul", [cube, Scalar("gelu_k1", 0.044715f)])]), Scalar("gelu_k0", MathF.Sqrt(2f / MathF.PI))]);
        return Op("Mul", [Op("Mul", [x, Scalar("gelu_half", 0.5f)]), Op("Add", [Op("Tanh", [inner]), Scalar("gelu_one", 1f)])]);
    }

    /// <summary>
    /// Multi-head scaled dot-product attention (Vaswani et al. 2017) over [B, H, L, d] queries and [B, H, S, d]
    /// keys/values: softmax(Q·Kᵀ/√d)·V.
    /// </summary>
    public string ScaledDotProductAttention(string q, string k, string v, int headDim)
    {
        string kt = Op("Transpose", [k], OnnxAttribute.IntList("perm", [0, 1, 3, 2]));
        string scores = Op("Mul", [Op("MatMul", [q, kt]), Scalar("attn_scale", 1f / MathF.Sqrt(headDim))]);
        return Op("MatMul", [Op("Softmax", [scores], OnnxAttribute.Int("axis", -1)), v]);
    }

    /// <summary>[B, L, heads·d] → [B, heads, L, d].</summary>
    public string SplitHeads(string x, int heads, int headDim) =>
        Op("Transpose", [Op("Reshape", [x, Int64s("heads_shape", 0, 0, heads, headDim)])], OnnxAttribute.IntList("perm", [0, 2, 1, 3]));

    /// <summary>[B, heads, L, d] → [B, L, heads·d].</summary>
    public string MergeHeads(string x, int heads, int headDim) =>
        Op("Reshape", [Op("Transpose", [x], OnnxAttribute.IntList("perm", [0, 2, 1, 3])), Int64s("merge_shape", 0, 0, heads * headDim)]);

    /// <summary>Nearest-neighbour upsampling by an integer factor, PyTorch's mode="nearest" (source index = floor(dst / factor)).</summary>
    public string UpsampleNearest(string x, int factor) => Op("Resize",
        [x, "", Floats("upsample_scales", [4], [1f, 1f, factor, factor])],
        OnnxAttribute.String("mode", "nearest"),
        OnnxAttribute.String("coordinate_transformation_mode", "asymmetric"),
        OnnxAttribute.String("nearest_mode", "floor"));

    /// <summary>Rows of an embedding table for int64 ids: Gather along axis 0.</summary>
    public string Gather(string table, string ids) => Op("Gather", [table, ids], OnnxAttribute.Int("axis", 0));
}
