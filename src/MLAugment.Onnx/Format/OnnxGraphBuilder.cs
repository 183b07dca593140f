namespace MLAugment.Onnx.Format;

/// <summary>
/// Fluent construction of small ONNX graphs in code:
/// <code>
/// var model = new OnnxGraphBuilder("add")
///     .Input("x", OnnxDataType.Float, ["batch", 3])
///     .Initializer(OnnxTensor.FromFloats("b", [3], [1f, 2f, 3f]))
///     .Node("Add", ["x", "b"], ["y"])
///     .Output("y", OnnxDataType.Float, ["batch", 3])
///     .BuildModel();
/// </code>
/// </summary>
public sealed class OnnxGraphBuilder
{
    private readonly string _name;
    private readonly List<OnnxNode> _nodes = [];
    private readonly List<OnnxTensor> _initializers = [];
    private readonly List<OnnxValueInfo> _inputs = [];
    private readonly List<OnnxValueInfo> _outputs = [];
    private readonly HashSet<string> _producedNames = new(StringComparer.Ordinal);
    private int _autoNodeIndex;

    public OnnxGraphBuilder(string graphName)
    {
        ArgumentException.ThrowIfNullOrEmpty(graphName);
        _name = graphName;
    }

    /// <summary>Declares a graph input; a null shape leaves even the rank unknown.</summary>
    public OnnxGraphBuilder Input(string name, OnnxDataType elementType, IReadOnlyList<OnnxDimension>? shape)
    {
        Produce(name, "graph input");
        _inputs.Add(new OnnxValueInfo(name, elementType, shape?.ToArray()));
        return this;
    }

    public OnnxGraphBuilder Output(string name, OnnxDataType elementType, IReadOnlyList<OnnxDimension>? shape)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        if (_outputs.Any(o => o.Name == name)) throw new ArgumentException($"Graph output '{name}' is declared twice.", nameof(name));
        _outputs.Add(new OnnxValueInfo(name, elementType, shape?.ToArray()));
        return this;
    }

    public OnnxGraphBuilder Initializer(OnnxTensor tensor)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        Produce(tensor.Name, "initializer");
        _initializers.Add(tensor);
        return this;
    }

    /// <summary>Adds a node; unnamed nodes get "{op_type}_{index}".</summary>
    public OnnxGraphBuilder Node(string opType, IReadOnlyList<string> inputs, IReadOnlyList<string> outputs,
        string? name = null, params OnnxAttribute[] attributes)
    {
        ArgumentException.ThrowIfNullOrEmpty(opType);
        ArgumentNullException.ThrowIfNull(inputs);
        ArgumentNullException.ThrowIfNull(outputs);
        foreach (var input in inputs)
            if (input.Length > 0 && !_producedNames.Contains(input))
                throw new ArgumentException(
                    $"Node {name ?? opType} reads '{input}', which no earlier input, initializer or node produces (nodes must be added in topological order).",
                    nameof(inputs));
        foreach (var output in outputs) Produce(output, $"output of node {name ?? opType}");
        _nodes.Add(new OnnxNode(opType, inputs.ToArray(), outputs.ToArray(), name ?? $"{opType}_{_autoNodeIndex}", attributes));
        _autoNodeIndex++;
        return this;
    }

    public OnnxGraph BuildGraph()
    {
        foreach (var output in _outputs)
            if (!_producedNames.Contains(output.Name))
                throw new InvalidOperationException($"Graph output '{output.Name}' is produced by no node, input or initializer.");
        if (_outputs.Count == 0) throw new InvalidOperationException($"Graph '{_name}' declares no outputs.");
        return new OnnxGraph(_name, _nodes.ToArray(), _initializers.ToArray(), _inputs.ToArray(), _outputs.ToArray());
    }

    /// <summary>Wraps the graph in a model importing the default operator set at <paramref name="opset"/>.</summary>
    public OnnxModel BuildModel(long opset = OnnxModel.DefaultOpset, long irVersion = OnnxModel.DefaultIrVersion) =>
        new(BuildGraph()) { OpsetImports = [new OnnxOpsetImport("", opset)], IrVersion = irVersion };

    private void Produce(string name, string what)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        if (!_producedNames.Add(name))
            throw new ArgumentException($"Value name '{name}' ({what}) is already defined; ONNX graphs are in SSA form.", nameof(name));
    }
}
