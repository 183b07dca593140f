using System.Globalization;
using System.Runtime.InteropServices;
using Google.Protobuf;
using F = MLAugment.Onnx.Format.OnnxProtoFields;

namespace MLAugment.Onnx.Format;

/// <summary>
/// Parses the parts of a <c>ModelProto</c> that <see cref="OnnxModelWriter"/> writes (graph, nodes with the supported
/// attribute kinds, tensor initializers inline or external, tensor-typed inputs/outputs); other fields are skipped.
/// </summary>
public static class OnnxModelReader
{
    public static OnnxModel Load(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (!File.Exists(path)) throw new FileNotFoundException($"ONNX model '{path}' does not exist.", path);
        try
        {
            return Parse(File.ReadAllBytes(path));
        }
        catch (InvalidDataException e)
        {
            throw new InvalidDataException($"'{path}' is not a readable ONNX ModelProto: {e.Message}", e);
        }
    }

    public static OnnxModel Parse(ReadOnlySpan<byte> bytes)
    {
        try
        {
            return ReadModel(bytes.ToArray());
        }
        catch (InvalidProtocolBufferException e)
        {
            throw new InvalidDataException($"Malformed protobuf: {e.Message}", e);
        }
    }

    /// <summary>Reads the bytes of an initializer whose data lives in an external file next to the model.</summary>
    public static byte[] ReadExternalData(OnnxTensor tensor, string modelDirectory)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        var ext = tensor.ExternalData ?? throw new ArgumentException($"Tensor '{tensor.Name}' has its data inline.", nameof(tensor));
        string file = Path.Combine(modelDirectory, ext.Location);
        if (!File.Exists(file))
            throw new FileNotFoundException($"External data '{ext.Location}' of tensor '{tensor.Name}' not found at '{file}'.", file);
        using var stream = File.OpenRead(file);
        long length = ext.Length ?? stream.Length - ext.Offset;
        long expected = tensor.ElementCount * tensor.DataType.ElementSize();
        if (length != expected || ext.Offset < 0 || ext.Offset + length > stream.Length)
            throw new InvalidDataException(
                $"External data of tensor '{tensor.Name}' ({tensor.DataType} [{string.Join(", ", tensor.Dims)}], {expected} bytes) " +
                $"at offset {ext.Offset}, length {length} does not fit '{file}' ({stream.Length} bytes).");
        var data = new byte[length];
        stream.Position = ext.Offset;
        stream.ReadExactly(data);
        return data;
    }

    private static OnnxModel ReadModel(byte[] bytes)
    {
        var input = new CodedInputStream(bytes);
        long irVersion = 0, modelVersion = 0;
        string producer = "", producerVersion = "", domain = "", doc = "";
        OnnxGraph? graph = null;
        var opsets = new List<OnnxOpsetImport>();
        uint tag;
        while ((tag = input.ReadTag()) != 0)
        {
            switch (WireFormat.GetTagFieldNumber(tag))
            {
                case F.Model.IrVersion: irVersion = input.ReadInt64(); break;
                case F.Model.ProducerName: producer = input.ReadString(); break;
                case F.Model.ProducerVersion: producerVersion = input.ReadString(); break;
                case F.Model.Domain: domain = input.ReadString(); break;
                case F.Model.ModelVersion: modelVersion = input.ReadInt64(); break;
                case F.Model.DocString: doc = input.ReadString(); break;
                case F.Model.Graph: graph = ReadGraph(input.ReadBytes().ToByteArray()); break;
                case F.Model.OpsetImport: opsets.Add(ReadOpset(input.ReadBytes().ToByteArray())); break;
                default: input.SkipLastField(); break;
            }
        }
        if (graph is null) throw new InvalidDataException("ModelProto has no graph.");
        return new OnnxModel(graph)
        {
            IrVersion = irVersion, OpsetImports = opsets, ProducerName = producer, ProducerVersion = producerVersion,
            Domain = domain, ModelVersion = modelVersion, DocString = doc,
        };
    }

    private static OnnxOpsetImport ReadOpset(byte[] bytes)
    {
        var input = new CodedInputStream(bytes);
        string domain = "";
        long version = 0;
        uint tag;
        while ((tag = input.ReadTag()) != 0)
        {
            switch (WireFormat.GetTagFieldNumber(tag))
            {
                case F.OperatorSetId.Domain: domain = input.ReadString(); break;
                case F.OperatorSetId.Version: version = input.ReadInt64(); break;
                default: input.SkipLastField(); break;
            }
        }
        return new OnnxOpsetImport(domain, version);
    }

    private static OnnxGraph ReadGraph(byte[] bytes)
    {
        var input = new CodedInputStream(bytes);
        string name = "";
        var nodes = new List<OnnxNode>();
        var initializers = new List<OnnxTensor>();
        var inputs = new List<OnnxValueInfo>();
        var outputs = new List<OnnxValueInfo>();
        uint tag;
        while ((tag = input.ReadTag()) != 0)
        {
            switch (WireFormat.GetTagFieldNumber(tag))
            {
                case F.Graph.Node: nodes.Add(ReadNode(input.ReadBytes().ToByteArray())); break;
                case F.Graph.Name: name = input.ReadString(); break;
                case F.Graph.Initializer: initializers.Add(ReadTensor(input.ReadBytes().ToByteArray())); break;
                case F.Graph.Input: inputs.Add(ReadValueInfo(input.ReadBytes().ToByteArray())); break;
                case F.Graph.Output: outputs.Add(ReadValueInfo(input.ReadBytes().ToByteArray())); break;
                default: input.SkipLastField(); break;
            }
        }
        return new OnnxGraph(name, nodes, initializers, inputs, outputs);
    }

    private static OnnxNode ReadNode(byte[] bytes)
    {
        var input = new CodedInputStream(bytes);
        var inputs = new List<string>();
        var outputs = new List<string>();
        var attributes = new List<OnnxAttribute>();
        string name = "", opType = "", domain = "";
        uint tag;
        while ((tag = input.ReadTag()) != 0)
        {
            switch (WireFormat.GetTagFieldNumber(tag))
            {
                case F.Node.Input: inputs.Add(input.ReadString()); break;
                case F.Node.Output: outputs.Add(input.ReadString()); break;
                case F.Node.Name: name = input.ReadString(); break;
                case F.Node.OpType: opType = input.ReadString(); break;
                case F.Node.Domain: domain = input.ReadString(); break;
                case F.Node.Attribute:
                    if (ReadAttribute(input.ReadBytes().ToByteArray()) is { } a) attributes.Add(a);
                    break;
                default: input.SkipLastField(); break;
            }
        }
        return new OnnxNode(opType, inputs, outputs, name.Length == 0 ? null : name, attributes, domain);
    }

    // Attributes of kinds this package does not model (graphs, sparse tensors, lists of strings/tensors) read as null.
    private static OnnxAttribute? ReadAttribute(byte[] bytes)
    {
        var input = new CodedInputStream(bytes);
        string name = "";
        var type = OnnxAttributeType.Undefined;
        float f = 0;
        long i = 0;
        string s = "";
        OnnxTensor? t = null;
        var floats = new List<float>();
        var ints = new List<long>();
        uint tag;
        while ((tag = input.ReadTag()) != 0)
        {
            switch (WireFormat.GetTagFieldNumber(tag))
            {
                case F.Attribute.Name: name = input.ReadString(); break;
                case F.Attribute.Type: type = (OnnxAttributeType)input.ReadInt32(); break;
                case F.Attribute.F: f = input.ReadFloat(); break;
                case F.Attribute.I: i = input.ReadInt64(); break;
                case F.Attribute.S: s = input.ReadString(); break;
                case F.Attribute.T: t = ReadTensor(input.ReadBytes().ToByteArray()); break;
                case F.Attribute.Floats: ReadRepeated(input, tag, floats, static c => c.ReadFloat()); break;
                case F.Attribute.Ints: ReadRepeated(input, tag, ints, static c => c.ReadInt64()); break;
                default: input.SkipLastField(); break;
            }
        }
        return type switch
        {
            OnnxAttributeType.Float => OnnxAttribute.Float(name, f),
            OnnxAttributeType.Int => OnnxAttribute.Int(name, i),
            OnnxAttributeType.String => OnnxAttribute.String(name, s),
            OnnxAttributeType.Tensor when t is not null => OnnxAttribute.Tensor(name, t),
            OnnxAttributeType.Floats => OnnxAttribute.FloatList(name, floats),
            OnnxAttributeType.Ints => OnnxAttribute.IntList(name, ints),
            _ => null,
        };
    }

    private static OnnxTensor ReadTensor(byte[] bytes)
    {
        var input = new CodedInputStream(bytes);
        var dims = new List<long>();
        var dataType = OnnxDataType.Undefined;
        string name = "";
        byte[]? raw = null;
        var floatData = new List<float>();
        var int32Data = new List<int>();
        var int64Data = new List<long>();
        var doubleData = new List<double>();
        var uint64Data = new List<ulong>();
        var external = new Dictionary<string, string>();
        bool isExternal = false;
        uint tag;
        while ((tag = input.ReadTag()) != 0)
        {
            switch (WireFormat.GetTagFieldNumber(tag))
            {
                case F.Tensor.Dims: ReadRepeated(input, tag, dims, static c => c.ReadInt64()); break;
                case F.Tensor.DataType: dataType = (OnnxDataType)input.ReadInt32(); break;
                case F.Tensor.Name: name = input.ReadString(); break;
                case F.Tensor.RawData: raw = input.ReadBytes().ToByteArray(); break;
                case F.Tensor.FloatData: ReadRepeated(input, tag, floatData, static c => c.ReadFloat()); break;
                case F.Tensor.Int32Data: ReadRepeated(input, tag, int32Data, static c => c.ReadInt32()); break;
                case F.Tensor.Int64Data: ReadRepeated(input, tag, int64Data, static c => c.ReadInt64()); break;
                case F.Tensor.DoubleData: ReadRepeated(input, tag, doubleData, static c => c.ReadDouble()); break;
                case F.Tensor.UInt64Data: ReadRepeated(input, tag, uint64Data, static c => c.ReadUInt64()); break;
                case F.Tensor.DataLocation: isExternal = input.ReadInt32() == F.Tensor.DataLocationExternal; break;
                case F.Tensor.ExternalData:
                {
                    var (key, value) = ReadEntry(input.ReadBytes().ToByteArray());
                    external[key] = value;
                    break;
                }
                default: input.SkipLastField(); break;
            }
        }

        if (isExternal)
        {
            if (!external.TryGetValue("location", out var location))
                throw new InvalidDataException($"Tensor '{name}' is marked EXTERNAL but has no 'location' entry.");
            long offset = external.TryGetValue("offset", out var o) ? ParseLong(o, name, "offset") : 0;
            long? length = external.TryGetValue("length", out var l) ? ParseLong(l, name, "length") : null;
            return new OnnxTensor(name, dataType, dims, new OnnxExternalData(location, offset, length));
        }

        // Typed fields hold the data when raw_data is absent; int32_data also carries bool/int8/int16/uint8/uint16/float16 values.
        byte[] data = raw ?? dataType switch
        {
            OnnxDataType.Float => MemoryMarshal.AsBytes(CollectionsMarshal.AsSpan(floatData)).ToArray(),
            OnnxDataType.Int64 => MemoryMarshal.AsBytes(CollectionsMarshal.AsSpan(int64Data)).ToArray(),
            OnnxDataType.Int32 => MemoryMarshal.AsBytes(CollectionsMarshal.AsSpan(int32Data)).ToArray(),
            OnnxDataType.Double => MemoryMarshal.AsBytes(CollectionsMarshal.AsSpan(doubleData)).ToArray(),
            OnnxDataType.UInt64 => MemoryMarshal.AsBytes(CollectionsMarshal.AsSpan(uint64Data)).ToArray(),
            OnnxDataType.UInt32 => uint64Data.SelectMany(v => BitConverter.GetBytes((uint)v)).ToArray(),
            OnnxDataType.Bool or OnnxDataType.Int8 or OnnxDataType.UInt8 => int32Data.Select(v => (byte)v).ToArray(),
            OnnxDataType.Int16 or OnnxDataType.UInt16 or OnnxDataType.Float16 or OnnxDataType.BFloat16 =>
                MemoryMarshal.AsBytes(int32Data.Select(v => (ushort)v).ToArray().AsSpan()).ToArray(),
            _ => [],
        };
        try
        {
            return new OnnxTensor(name, dataType, dims, data);
        }
        catch (Exception e) when (e is ArgumentException or NotSupportedException)
        {
            throw new InvalidDataException($"Initializer '{name}': {e.Message}", e);
        }
    }

    private static long ParseLong(string text, string tensor, string key) =>
        long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out long v)
            ? v
            : throw new InvalidDataException($"Tensor '{tensor}' has external data {key} '{text}', not a non-negative integer.");

    private static (string Key, string Value) ReadEntry(byte[] bytes)
    {
        var input = new CodedInputStream(bytes);
        string key = "", value = "";
        uint tag;
        while ((tag = input.ReadTag()) != 0)
        {
            switch (WireFormat.GetTagFieldNumber(tag))
            {
                case F.StringStringEntry.Key: key = input.ReadString(); break;
                case F.StringStringEntry.Value: value = input.ReadString(); break;
                default: input.SkipLastField(); break;
            }
        }
        return (key, value);
    }

    private static OnnxValueInfo ReadValueInfo(byte[] bytes)
    {
        var input = new CodedInputStream(bytes);
        string name = "";
        var elemType = OnnxDataType.Undefined;
        List<OnnxDimension>? shape = null;
        uint tag;
        while ((tag = input.ReadTag()) != 0)
        {
            switch (WireFormat.GetTagFieldNumber(tag))
            {
                case F.ValueInfo.Name: name = input.ReadString(); break;
                case F.ValueInfo.Type: (elemType, shape) = ReadTensorType(input.ReadBytes().ToByteArray()); break;
                default: input.SkipLastField(); break;
            }
        }
        return new OnnxValueInfo(name, elemType, shape);
    }

    // TypeProto → its tensor_type; other kinds (sequence, map, …) leave the type undefined.
    private static (OnnxDataType, List<OnnxDimension>?) ReadTensorType(byte[] typeProto)
    {
        var input = new CodedInputStream(typeProto);
        var elemType = OnnxDataType.Undefined;
        List<OnnxDimension>? shape = null;
        uint tag;
        while ((tag = input.ReadTag()) != 0)
        {
            if (WireFormat.GetTagFieldNumber(tag) != F.TypeProto.TensorType) { input.SkipLastField(); continue; }
            var tensor = new CodedInputStream(input.ReadBytes().ToByteArray());
            uint t;
            while ((t = tensor.ReadTag()) != 0)
            {
                switch (WireFormat.GetTagFieldNumber(t))
                {
                    case F.TypeProtoTensor.ElemType: elemType = (OnnxDataType)tensor.ReadInt32(); break;
                    case F.TypeProtoTensor.Shape: shape = ReadShape(tensor.ReadBytes().ToByteArray()); break;
                    default: tensor.SkipLastField(); break;
                }
            }
        }
        return (elemType, shape);
    }

    private static List<OnnxDimension> ReadShape(byte[] bytes)
    {
        var input = new CodedInputStream(bytes);
        var dims = new List<OnnxDimension>();
        uint tag;
        while ((tag = input.ReadTag()) != 0)
        {
            if (WireFormat.GetTagFieldNumber(tag) != F.TensorShape.Dim) { input.SkipLastField(); continue; }
            var dim = new CodedInputStream(input.ReadBytes().ToByteArray());
            var value = OnnxDimension.Unknown;
            uint t;
            while ((t = dim.ReadTag()) != 0)
            {
                switch (WireFormat.GetTagFieldNumber(t))
                {
                    case F.Dimension.DimValue: value = new OnnxDimension(dim.ReadInt64()); break;
                    case F.Dimension.DimParam: value = new OnnxDimension(dim.ReadString()); break;
                    default: dim.SkipLastField(); break;
                }
            }
            dims.Add(value);
        }
        return dims;
    }

    // Repeated scalars may arrive packed (one length-delimited run) or one per tag; proto parsers must accept both.
    private static void ReadRepeated<T>(CodedInputStream input, uint tag, List<T> into, Func<CodedInputStream, T> readOne)
    {
        if (WireFormat.GetTagWireType(tag) != WireFormat.WireType.LengthDelimited)
        {
            into.Add(readOne(input));
            return;
        }
        var packed = new CodedInputStream(input.ReadBytes().ToByteArray());
        while (!packed.IsAtEnd) into.Add(readOne(packed));
    }
}
