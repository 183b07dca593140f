using System.Text;
using Google.Protobuf;
using F = MLAugment.Onnx.Format.OnnxProtoFields;

namespace MLAugment.Onnx.Format;

/// <summary>
/// Serializes <see cref="OnnxModel"/> to the protobuf wire format of onnx.proto's <c>ModelProto</c>, field by field
/// (no generated classes), optionally moving large initializers to an external weights file.
/// </summary>
public static class OnnxModelWriter
{
    // protobuf's hard limit is 2 GiB per message; leave headroom for the graph's other fields.
    private const long MaxInlineBytes = int.MaxValue - (64L << 20);

    /// <summary>The model as ModelProto bytes, every tensor inline.</summary>
    public static byte[] ToBytes(OnnxModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        return Serialize(model, externalize: null);
    }

    /// <summary>
    /// Writes the model to <paramref name="path"/>. With <paramref name="externalData"/>, initializers of at least
    /// <see cref="OnnxExternalDataOptions.SizeThreshold"/> bytes go to <see cref="OnnxExternalDataOptions.FileName"/>
    /// beside it and the model keeps only their location/offset/length.
    /// </summary>
    public static void Save(OnnxModel model, string path, OnnxExternalDataOptions? externalData = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentException.ThrowIfNullOrEmpty(path);
        string directory = Path.GetDirectoryName(Path.GetFullPath(path))!;
        Directory.CreateDirectory(directory);

        if (externalData is null)
        {
            File.WriteAllBytes(path, Serialize(model, null));
            return;
        }
        if (string.IsNullOrEmpty(externalData.FileName) || Path.GetFileName(externalData.FileName) != externalData.FileName)
            throw new ArgumentException($"External data file name '{externalData.FileName}' must be a plain file name (it is stored relative to the model).", nameof(externalData));
        if (externalData.Alignment < 1) throw new ArgumentOutOfRangeException(nameof(externalData), externalData.Alignment, "Alignment must be >= 1.");

        string weightsPath = Path.Combine(directory, externalData.FileName);
        if (string.Equals(Path.GetFullPath(weightsPath), Path.GetFullPath(path), StringComparison.Ordinal))
            throw new ArgumentException($"External data file '{weightsPath}' would overwrite the model file.", nameof(externalData));

        byte[] bytes;
        using (var weights = new FileStream(weightsPath, FileMode.Create, FileAccess.Write))
        {
            OnnxTensor Externalize(OnnxTensor t)
            {
                if (t.ExternalData is not null || t.RawData.Length < externalData.SizeThreshold) return t;
                long padding = (externalData.Alignment - weights.Position % externalData.Alignment) % externalData.Alignment;
                for (long i = 0; i < padding; i++) weights.WriteByte(0);
                long offset = weights.Position;
                weights.Write(t.RawData.Span);
                return new OnnxTensor(t.Name, t.DataType, t.Dims, new OnnxExternalData(externalData.FileName, offset, t.RawData.Length));
            }
            bytes = Serialize(model, Externalize);
        }
        File.WriteAllBytes(path, bytes);
    }

    private static byte[] Serialize(OnnxModel model, Func<OnnxTensor, OnnxTensor>? externalize)
    {
        var w = new ProtoWriter();
        w.Int64(F.Model.IrVersion, model.IrVersion);
        w.String(F.Model.ProducerName, model.ProducerName);
        w.String(F.Model.ProducerVersion, model.ProducerVersion);
        w.String(F.Model.Domain, model.Domain);
        if (model.ModelVersion != 0) w.Int64(F.Model.ModelVersion, model.ModelVersion);
        w.String(F.Model.DocString, model.DocString);
        w.Message(F.Model.Graph, g => WriteGraph(g, model.Graph, externalize));
        foreach (var opset in model.OpsetImports)
            w.Message(F.Model.OpsetImport, o =>
            {
                o.String(F.OperatorSetId.Domain, opset.Domain, always: true);
                o.Int64(F.OperatorSetId.Version, opset.Version);
            });
        return w.ToArray();
    }

    private static void WriteGraph(ProtoWriter w, OnnxGraph graph, Func<OnnxTensor, OnnxTensor>? externalize)
    {
        foreach (var node in graph.Nodes) w.Message(F.Graph.Node, n => WriteNode(n, node));
        w.String(F.Graph.Name, graph.Name);
        long inlineBytes = 0;
        foreach (var init in graph.Initializers)
        {
            var stored = externalize is null ? init : externalize(init);
            inlineBytes += stored.RawData.Length;
            if (inlineBytes > MaxInlineBytes)
                throw new InvalidOperationException(
                    $"Graph '{graph.Name}' has more than {MaxInlineBytes >> 20} MiB of inline initializers (at '{init.Name}'); protobuf messages are limited to 2 GiB. " +
                    "Save with OnnxExternalDataOptions to keep weights in a separate file.");
            w.Message(F.Graph.Initializer, t => WriteTensor(t, stored));
        }
        foreach (var input in graph.Inputs) w.Message(F.Graph.Input, v => WriteValueInfo(v, input));
        foreach (var output in graph.Outputs) w.Message(F.Graph.Output, v => WriteValueInfo(v, output));
    }

    private static void WriteNode(ProtoWriter w, OnnxNode node)
    {
        // An empty input name is meaningful (an omitted optional input), so every entry is written.
        foreach (var input in node.Inputs) w.String(F.Node.Input, input, always: true);
        foreach (var output in node.Outputs) w.String(F.Node.Output, output, always: true);
        w.String(F.Node.Name, node.Name ?? "");
        w.String(F.Node.OpType, node.OpType, always: true);
        foreach (var attribute in node.Attributes) w.Message(F.Node.Attribute, a => WriteAttribute(a, attribute));
        w.String(F.Node.Domain, node.Domain);
    }

    private static void WriteAttribute(ProtoWriter w, OnnxAttribute a)
    {
        w.String(F.Attribute.Name, a.Name, always: true);
        switch (a.Type)
        {
            case OnnxAttributeType.Float: w.Float(F.Attribute.F, a.FloatValue); break;
            case OnnxAttributeType.Int: w.Int64(F.Attribute.I, a.IntValue, always: true); break;
            case OnnxAttributeType.String: w.String(F.Attribute.S, a.StringValue!, always: true); break;
            case OnnxAttributeType.Tensor: w.Message(F.Attribute.T, t => WriteTensor(t, a.TensorValue!)); break;
            case OnnxAttributeType.Floats: foreach (var f in a.Floats) w.Float(F.Attribute.Floats, f); break;
            case OnnxAttributeType.Ints: foreach (var i in a.Ints) w.Int64(F.Attribute.Ints, i, always: true); break;
            default: throw new NotSupportedException($"Attribute '{a.Name}' has unsupported type {a.Type}.");
        }
        w.Int64(F.Attribute.Type, (long)a.Type, always: true);
    }

    private static void WriteTensor(ProtoWriter w, OnnxTensor t)
    {
        foreach (var d in t.Dims) w.Int64(F.Tensor.Dims, d, always: true);
        w.Int64(F.Tensor.DataType, (long)t.DataType, always: true);
        w.String(F.Tensor.Name, t.Name);
        if (t.ExternalData is { } ext)
        {
            void Entry(string key, string value) => w.Message(F.Tensor.ExternalData, e =>
            {
                e.String(F.StringStringEntry.Key, key, always: true);
                e.String(F.StringStringEntry.Value, value, always: true);
            });
            Entry("location", ext.Location);
            Entry("offset", ext.Offset.ToString(System.Globalization.CultureInfo.InvariantCulture));
            if (ext.Length is { } length) Entry("length", length.ToString(System.Globalization.CultureInfo.InvariantCulture));
            w.Int64(F.Tensor.DataLocation, F.Tensor.DataLocationExternal, always: true);
        }
        else
        {
            w.Bytes(F.Tensor.RawData, t.RawData);
        }
    }

    private static void WriteValueInfo(ProtoWriter w, OnnxValueInfo v)
    {
        w.String(F.ValueInfo.Name, v.Name, always: true);
        w.Message(F.ValueInfo.Type, type => type.Message(F.TypeProto.TensorType, tensor =>
        {
            tensor.Int64(F.TypeProtoTensor.ElemType, (long)v.ElementType, always: true);
            if (v.Shape is null) return;
            tensor.Message(F.TypeProtoTensor.Shape, shape =>
            {
                foreach (var dim in v.Shape)
                    shape.Message(F.TensorShape.Dim, d =>
                    {
                        if (dim.Value is { } value) d.Int64(F.Dimension.DimValue, value, always: true);
                        else if (dim.Param is { } param) d.String(F.Dimension.DimParam, param, always: true);
                    });
            }, always: true);
        }, always: true), always: true);
    }

    /// <summary>Builds one message; nested messages are serialized first so their length prefix is known.</summary>
    private sealed class ProtoWriter
    {
        private readonly MemoryStream _buffer = new();
        private readonly CodedOutputStream _out;

        public ProtoWriter() => _out = new CodedOutputStream(_buffer, leaveOpen: true);

        public void Int64(int field, long value, bool always = false)
        {
            if (value == 0 && !always) return;
            _out.WriteTag(field, WireFormat.WireType.Varint);
            _out.WriteInt64(value);
        }

        public void Float(int field, float value)
        {
            _out.WriteTag(field, WireFormat.WireType.Fixed32);
            _out.WriteFloat(value);
        }

        public void String(int field, string value, bool always = false)
        {
            if (string.IsNullOrEmpty(value) && !always) return;
            _out.WriteTag(field, WireFormat.WireType.LengthDelimited);
            _out.WriteString(value ?? "");
        }

        public void Bytes(int field, ReadOnlyMemory<byte> value)
        {
            _out.WriteTag(field, WireFormat.WireType.LengthDelimited);
            _out.WriteBytes(UnsafeByteOperations.UnsafeWrap(value));
        }

        public void Message(int field, Action<ProtoWriter> body, bool always = true)
        {
            var child = new ProtoWriter();
            body(child);
            var bytes = child.ToArray();
            if (bytes.Length == 0 && !always) return;
            _out.WriteTag(field, WireFormat.WireType.LengthDelimited);
            _out.WriteBytes(UnsafeByteOperations.UnsafeWrap(bytes));
        }

        public byte[] ToArray()
        {
            _out.Flush();
            return _buffer.ToArray();
        }
    }
}
