using System.Buffers;
using System.Runtime.InteropServices;
using MLAugment.Onnx.Format;

namespace MLAugment.Onnx.Runtime;

/// <summary>
/// An ONNX Runtime tensor (<c>OrtValue</c>). Inputs made with <see cref="CreateTensor{T}(T[], ReadOnlySpan{long})"/> wrap the
/// managed buffer in place (pinned until disposal, no copy); outputs returned by <see cref="OrtSession.Run(IReadOnlyList{KeyValuePair{string, OrtValue}}, IReadOnlyList{string}?)"/>
/// own ORT-allocated memory. Supported element types: float, Half, int, long, bool.
/// </summary>
public sealed unsafe class OrtValue : IDisposable
{
    private readonly OrtHandle _handle;
    private MemoryHandle _pin;
    private readonly OnnxRuntimeLibrary _library;

    public OnnxDataType ElementType { get; }
    public IReadOnlyList<long> Shape { get; }
    public long ElementCount { get; }

    internal nint Raw => _handle.Raw;

    private OrtValue(OnnxRuntimeLibrary library, OrtHandle handle, MemoryHandle pin, OnnxDataType type, long[] shape)
    {
        _library = library;
        _handle = handle;
        _pin = pin;
        ElementType = type;
        Shape = shape;
        ElementCount = shape.Aggregate(1L, (a, d) => a * d);
    }

    /// <summary>A tensor over <paramref name="data"/> (row-major) without copying; the array must not be resized or reused while the value lives.</summary>
    public static OrtValue CreateTensor<T>(T[] data, ReadOnlySpan<long> shape) where T : unmanaged =>
        CreateTensor(new Memory<T>(data ?? throw new ArgumentNullException(nameof(data))), shape);

    /// <summary>A tensor over <paramref name="data"/> (row-major) without copying; the memory stays pinned until disposal.</summary>
    public static OrtValue CreateTensor<T>(Memory<T> data, ReadOnlySpan<long> shape, OrtEnvironment? environment = null) where T : unmanaged
    {
        var type = ElementTypeOf<T>();
        long count = 1;
        foreach (var d in shape)
        {
            if (d < 0) throw new ArgumentException($"Tensor shape [{string.Join(", ", shape.ToArray())}] has a negative dimension.", nameof(shape));
            count = checked(count * d);
        }
        if (count != data.Length)
            throw new ArgumentException(
                $"A {type} tensor of shape [{string.Join(", ", shape.ToArray())}] needs {count} elements; the buffer holds {data.Length}.", nameof(data));

        var env = environment ?? OrtEnvironment.Instance;
        var library = env.Library;
        var pin = data.Pin();
        try
        {
            var handle = library.Api.CreateTensorWithData(CpuMemoryInfo(library), pin.Pointer, (long)data.Length * sizeof(T), shape, type);
            return new OrtValue(library, handle, pin, type, shape.ToArray());
        }
        catch
        {
            pin.Dispose();
            throw;
        }
    }

    internal static OrtValue FromOwnedOutput(OnnxRuntimeLibrary library, nint value)
    {
        var handle = new OrtHandle(library.Api, value, OrtApiIndex.ReleaseValue);
        try
        {
            if (!library.Api.IsTensor(value)) throw new NotSupportedException("The model returned a non-tensor output (sequence or map), which this binding does not read.");
            var (type, dims) = library.Api.ValueTypeAndShape(value);
            return new OrtValue(library, handle, default, type, dims);
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    /// <summary>The tensor's elements in place (ORT's buffer for outputs, the pinned managed buffer for inputs).</summary>
    public Span<T> GetTensorData<T>() where T : unmanaged
    {
        var requested = ElementTypeOf<T>();
        if (requested != ElementType)
            throw new InvalidOperationException($"This tensor holds {ElementType} elements; it cannot be read as {typeof(T).Name} ({requested}).");
        void* data = _library.Api.TensorData(Raw);
        GC.KeepAlive(_handle);
        return new Span<T>(data, checked((int)ElementCount));
    }

    /// <summary>A copy of the elements.</summary>
    public T[] ToArray<T>() where T : unmanaged => GetTensorData<T>().ToArray();

    /// <summary>ONNX element type of a supported CLR type.</summary>
    public static OnnxDataType ElementTypeOf<T>() where T : unmanaged =>
        typeof(T) == typeof(float) ? OnnxDataType.Float
        : typeof(T) == typeof(Half) ? OnnxDataType.Float16
        : typeof(T) == typeof(int) ? OnnxDataType.Int32
        : typeof(T) == typeof(long) ? OnnxDataType.Int64
        : typeof(T) == typeof(bool) ? OnnxDataType.Bool
        : throw new NotSupportedException($"Element type {typeof(T).Name} is not supported; use float, Half, int, long or bool.");

    private static readonly Dictionary<OnnxRuntimeLibrary, OrtHandle> MemoryInfos = [];

    // One CPU OrtMemoryInfo per library, kept for the process lifetime like the environment.
    private static OrtHandle CpuMemoryInfo(OnnxRuntimeLibrary library)
    {
        lock (MemoryInfos)
        {
            if (!MemoryInfos.TryGetValue(library, out var info)) MemoryInfos[library] = info = library.Api.CreateCpuMemoryInfo();
            return info;
        }
    }

    public void Dispose()
    {
        _handle.Dispose();
        _pin.Dispose(); // only after ORT let go of the value
        _pin = default;
        GC.SuppressFinalize(this);
    }

    // An undisposed input would otherwise pin its managed buffer forever. The value is unreachable here, so no
    // native code can read the buffer any more; the native OrtValue itself is released by its SafeHandle.
    ~OrtValue() => _pin.Dispose();

    public override string ToString() => $"OrtValue {ElementType}[{string.Join(", ", Shape)}]";
}
