using MLAugment.Engine;
using MLAugment.Engine.NN;
using MLAugment.Onnx.Format;
using AG = MLAugment.Engine.Autograd.Autograd;

namespace MLAugment.Onnx.Export;

/// <summary>
/// Exports an engine <see cref="Module{TIn, TOut}"/> (a classifier, a feature extractor: any tree of layers that
/// <see cref="OnnxModuleEmitters"/> knows) as a standard ONNX model at opset 17, weights as initializers.
/// Save it with <see cref="OnnxModelWriter.Save"/> (pass <see cref="OnnxExternalDataOptions"/> to keep the weights
/// in a file beside the graph).
/// </summary>
public static class OnnxModuleExporter
{
    /// <summary>
    /// The module as an ONNX model with one float input and one float output. <paramref name="exampleInputShape"/> is a
    /// concrete input shape (e.g. [1, 1, 28, 28]); the module runs once on zeros of that shape to learn the output
    /// shape. With <see cref="OnnxExportOptions.DynamicBatch"/> dimension 0 of both is declared "batch".
    /// </summary>
    public static OnnxModel Export(Module<Tensor, Tensor> module, IReadOnlyList<int> exampleInputShape, OnnxExportOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(module);
        ArgumentNullException.ThrowIfNull(exampleInputShape);
        options ??= new OnnxExportOptions();
        if (exampleInputShape.Count == 0 || exampleInputShape.Any(d => d <= 0))
            throw new ArgumentException($"ONNX export: the example input shape [{string.Join(", ", exampleInputShape)}] must have positive dimensions.", nameof(exampleInputShape));

        int[] outputShape;
        using (AG.NoGrad())
        using (TensorScope.Begin())
            outputShape = module.Forward(Tensor.Zeros(exampleInputShape.ToArray())).Shape.ToArray();

        var context = new OnnxExportContext(options.GraphName, options.Emitters ?? OnnxModuleEmitters.CreateDefault());
        context.Builder.Input(options.InputName, OnnxDataType.Float, Dims(exampleInputShape, options.DynamicBatch));
        string result = context.Emitters.Emit(context, module, "", options.InputName);
        context.Builder.Node("Identity", [result], [options.OutputName]);
        context.Builder.Output(options.OutputName, OnnxDataType.Float, Dims(outputShape, options.DynamicBatch));
        return context.Builder.BuildModel();
    }

    internal static OnnxDimension[] Dims(IReadOnlyList<int> shape, bool dynamicBatch) =>
        shape.Select((d, i) => i == 0 && dynamicBatch ? new OnnxDimension("batch") : new OnnxDimension(d)).ToArray();
}
