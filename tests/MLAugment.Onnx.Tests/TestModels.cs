using MLAugment.Onnx.Format;

namespace MLAugment.Onnx.Tests;

/// <summary>Tiny models built with <see cref="OnnxGraphBuilder"/>, shared by the format and runtime tests.</summary>
internal static class TestModels
{
    /// <summary>y = x + b, x: float [batch, 3] (symbolic batch), b = [1, 2, 3].</summary>
    public static OnnxModel AddBias() => new OnnxGraphBuilder("add_bias")
        .Input("x", OnnxDataType.Float, ["batch", 3])
        .Initializer(OnnxTensor.FromFloats("b", [3], [1f, 2f, 3f]))
        .Node("Add", ["x", "b"], ["y"])
        .Output("y", OnnxDataType.Float, ["batch", 3])
        .BuildModel();

    /// <summary>y = x·W + c with x: [2, 3], W: [3, 2], c: [2].</summary>
    public static OnnxModel Linear(float[] w, float[] c) => new OnnxGraphBuilder("linear")
        .Input("x", OnnxDataType.Float, [2, 3])
        .Initializer(OnnxTensor.FromFloats("W", [3, 2], w))
        .Initializer(OnnxTensor.FromFloats("c", [2], c))
        .Node("MatMul", ["x", "W"], ["xw"])
        .Node("Add", ["xw", "c"], ["y"])
        .Output("y", OnnxDataType.Float, [2, 2])
        .BuildModel();

    /// <summary>y = Relu(Conv(x, k) + bias), x: [1, 1, 4, 4], one 3x3 kernel, padding 1, stride 1.</summary>
    public static OnnxModel ConvRelu(float[] kernel, float bias) => new OnnxGraphBuilder("conv_relu")
        .Input("x", OnnxDataType.Float, [1, 1, 4, 4])
        .Initializer(OnnxTensor.FromFloats("k", [1, 1, 3, 3], kernel))
        .Initializer(OnnxTensor.FromFloats("kb", [1], [bias]))
        .Node("Conv", ["x", "k", "kb"], ["conv"], "conv0",
            OnnxAttribute.IntList("kernel_shape", [3, 3]),
            OnnxAttribute.IntList("pads", [1, 1, 1, 1]),
            OnnxAttribute.IntList("strides", [1, 1]))
        .Node("Relu", ["conv"], ["y"])
        .Output("y", OnnxDataType.Float, [1, 1, 4, 4])
        .BuildModel();

    /// <summary>y = x·W, x: [batch, n], W an [n, m] initializer large enough to go to external data.</summary>
    public static OnnxModel BigMatMul(float[] w, int n, int m) => new OnnxGraphBuilder("big_matmul")
        .Input("x", OnnxDataType.Float, ["batch", n])
        .Initializer(OnnxTensor.FromFloats("W", [n, m], w))
        .Initializer(OnnxTensor.FromFloats("tiny", [1], [0f]))
        .Node("MatMul", ["x", "W"], ["xw"])
        .Node("Add", ["xw", "tiny"], ["y"])
        .Output("y", OnnxDataType.Float, ["batch", m])
        .BuildModel();

    public static string TempDirectory()
    {
        string dir = Path.Combine(Path.GetTempPath(), "mlaugment-onnx-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        return dir;
    }
}
