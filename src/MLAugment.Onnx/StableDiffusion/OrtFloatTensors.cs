using MLAugment.Onnx.Format;
using MLAugment.Onnx.Runtime;

namespace MLAugment.Onnx.StableDiffusion;

/// <summary>float32 data in and out of ORT tensors whose declared type is float or float16 (fp16 exports without kept I/O types).</summary>
internal static class OrtFloatTensors
{
    public static OrtValue Create(float[] data, long[] shape, OnnxDataType type, OrtEnvironment? environment) => type switch
    {
        OnnxDataType.Float => OrtValue.CreateTensor(new Memory<float>(data), shape, environment),
        OnnxDataType.Float16 => OrtValue.CreateTensor(new Memory<Half>(data.Select(v => (Half)v).ToArray()), shape, environment),
        _ => throw new NotSupportedException($"Floating-point data cannot be fed as {type}; only float and float16 inputs are supported."),
    };

    public static void CopyTo(OrtValue value, Span<float> destination, string what)
    {
        if (value.ElementCount != destination.Length)
            throw new InvalidOperationException($"{what} returned {value} ({value.ElementCount} values); expected {destination.Length}.");
        switch (value.ElementType)
        {
            case OnnxDataType.Float:
                value.GetTensorData<float>().CopyTo(destination);
                break;
            case OnnxDataType.Float16:
                var halves = value.GetTensorData<Half>();
                for (int i = 0; i < halves.Length; i++) destination[i] = (float)halves[i];
                break;
            default:
                throw new NotSupportedException($"{what} returned {value.ElementType} values; expected float or float16.");
        }
    }
}
