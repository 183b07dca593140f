using MLAugment.Data.Transforms.Onnx;

namespace MLAugment.Data;

/// <summary>ONNX scoring on <c>mlContext.Transforms</c>. Mirrors <c>Microsoft.ML.OnnxCatalog</c>.</summary>
/// <example>
/// <code>
/// var pipeline = mlContext.Transforms.ExtractPixels("input", "Image", scaleImage: 1f / 255)
///     .Append(mlContext.Transforms.ApplyOnnxModel("output", "input", "classifier.onnx"));
/// </code>
/// </example>
public static class OnnxCatalog
{
    /// <summary>Scores with every input and output of <paramref name="modelFile"/>, columns named as the model names them.</summary>
    public static OnnxScoringEstimator ApplyOnnxModel(this TransformsCatalog catalog, string modelFile, int? gpuDeviceId = null, bool fallbackToCpu = false)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        return new OnnxScoringEstimator(new OnnxTransformer(null, null, modelFile, gpuDeviceId, fallbackToCpu));
    }

    /// <summary>
    /// Feeds column <paramref name="inputColumnName"/> to the model input of that name and writes the model output
    /// <paramref name="outputColumnName"/> to a column of that name. <paramref name="gpuDeviceId"/> runs on that CUDA
    /// device; with <paramref name="fallbackToCpu"/> a missing or failing CUDA provider falls back to the CPU.
    /// </summary>
    public static OnnxScoringEstimator ApplyOnnxModel(this TransformsCatalog catalog, string outputColumnName, string inputColumnName, string modelFile,
        int? gpuDeviceId = null, bool fallbackToCpu = false)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        return new OnnxScoringEstimator(new OnnxTransformer([outputColumnName], [inputColumnName], modelFile, gpuDeviceId, fallbackToCpu));
    }

    /// <summary>As the single-column overload, for models with several inputs and outputs.</summary>
    public static OnnxScoringEstimator ApplyOnnxModel(this TransformsCatalog catalog, string[] outputColumnNames, string[] inputColumnNames, string modelFile,
        int? gpuDeviceId = null, bool fallbackToCpu = false)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        ArgumentNullException.ThrowIfNull(outputColumnNames);
        ArgumentNullException.ThrowIfNull(inputColumnNames);
        return new OnnxScoringEstimator(new OnnxTransformer(outputColumnNames, inputColumnNames, modelFile, gpuDeviceId, fallbackToCpu));
    }
}
