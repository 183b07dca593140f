namespace MLAugment.Onnx.Format;

/// <summary>Attribute kinds, numbered as <c>AttributeProto.AttributeType</c>.</summary>
public enum OnnxAttributeType
{
    Undefined = 0,
    Float = 1,
    Int = 2,
    String = 3,
    Tensor = 4,
    Floats = 6,
    Ints = 7,
}

/// <summary>An operator attribute (<c>AttributeProto</c>) of one of the supported kinds.</summary>
public sealed class OnnxAttribute
{
    public string Name { get; }
    public OnnxAttributeType Type { get; }
    public float FloatValue { get; }
    public long IntValue { get; }
    public string? StringValue { get; }
    public OnnxTensor? TensorValue { get; }
    public IReadOnlyList<float> Floats { get; } = [];
    public IReadOnlyList<long> Ints { get; } = [];

    private OnnxAttribute(string name, OnnxAttributeType type)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        Name = name;
        Type = type;
    }

    private OnnxAttribute(string name, float f) : this(name, OnnxAttributeType.Float) => FloatValue = f;
    private OnnxAttribute(string name, long i) : this(name, OnnxAttributeType.Int) => IntValue = i;
    private OnnxAttribute(string name, string s) : this(name, OnnxAttributeType.String) => StringValue = s;
    private OnnxAttribute(string name, OnnxTensor t) : this(name, OnnxAttributeType.Tensor) => TensorValue = t;
    private OnnxAttribute(string name, float[] fs) : this(name, OnnxAttributeType.Floats) => Floats = fs;
    private OnnxAttribute(string name, long[] @is) : this(name, OnnxAttributeType.Ints) => Ints = @is;

    public static OnnxAttribute Float(string name, float value) => new(name, value);
    public static OnnxAttribute Int(string name, long value) => new(name, value);
    public static OnnxAttribute String(string name, string value) => new(name, value ?? throw new ArgumentNullException(nameof(value)));
    public static OnnxAttribute Tensor(string name, OnnxTensor value) => new(name, value ?? throw new ArgumentNullException(nameof(value)));
    public static OnnxAttribute FloatList(string name, IEnumerable<float> values) => new(name, values.ToArray());
    public static OnnxAttribute IntList(string name, IEnumerable<long> values) => new(name, values.ToArray());

    public override string ToString() => Type switch
    {
        OnnxAttributeType.Float => $"{Name}={FloatValue}",
        OnnxAttributeType.Int => $"{Name}={IntValue}",
        OnnxAttributeType.String => $"{Name}=\"{StringValue}\"",
        OnnxAttributeType.Tensor => $"{Name}={TensorValue}",
        OnnxAttributeType.Floats => $"{Name}=[{string.Join(", ", Floats)}]",
        OnnxAttributeType.Ints => $"{Name}=[{string.Join(", ", Ints)}]",
        _ => Name,
    };
}
