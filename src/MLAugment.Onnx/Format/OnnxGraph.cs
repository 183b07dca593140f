namespace MLAugment.Onnx.Format;

/// <summary>A <c>NodeProto</c>: one operator application.</summary>
public sealed record OnnxNode(
    string OpType,
    IReadOnlyList<string> Inputs,
    IReadOnlyList<string> Outputs,
    string? Name = null,
    IReadOnlyList<OnnxAttribute>? Attributes = null,
    string Domain = "")
{
    public IReadOnlyList<OnnxAttribute> Attributes { get; init; } = Attributes ?? [];
}

/// <summary>A <c>ValueInfoProto</c> of a tensor: name, element type and declared shape (null shape = rank unknown).</summary>
public sealed record OnnxValueInfo(string Name, OnnxDataType ElementType, IReadOnlyList<OnnxDimension>? Shape)
{
    public override string ToString() =>
        $"{Name}: {ElementType}" + (Shape is null ? "" : $"[{string.Join(", ", Shape)}]");
}

/// <summary>A <c>GraphProto</c>: nodes in topological order, initializers, graph inputs and outputs.</summary>
public sealed record OnnxGraph(
    string Name,
    IReadOnlyList<OnnxNode> Nodes,
    IReadOnlyList<OnnxTensor> Initializers,
    IReadOnlyList<OnnxValueInfo> Inputs,
    IReadOnlyList<OnnxValueInfo> Outputs);

/// <summary>An operator set the model uses, e.g. the default domain "" at version 17.</summary>
public sealed record OnnxOpsetImport(string Domain, long Version);

/// <summary>A <c>ModelProto</c>.</summary>
public sealed record OnnxModel(OnnxGraph Graph)
{
    /// <summary>IR version 8 (ONNX 1.10+) is understood by every ORT release of the last years.</summary>
    public const long DefaultIrVersion = 8;
    public const long DefaultOpset = 17;

    public long IrVersion { get; init; } = DefaultIrVersion;
    public IReadOnlyList<OnnxOpsetImport> OpsetImports { get; init; } = [new("", DefaultOpset)];
    public string ProducerName { get; init; } = "MLAugment";
    public string ProducerVersion { get; init; } = "";
    public string Domain { get; init; } = "";
    public long ModelVersion { get; init; }
    public string DocString { get; init; } = "";
}
