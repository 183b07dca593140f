namespace MLAugment.Data.Transforms.Onnx;

/// <summary>
/// Applies a pre-trained ONNX model to columns (<see cref="OnnxCatalog.ApplyOnnxModel(TransformsCatalog, string, string, string, int?, bool)"/>).
/// </summary>
/// <remarks>
/// <format type="text/markdown"><![CDATA[
/// ### Estimator Characteristics
/// |  |  |
/// | -- | -- |
/// | Does this estimator need to look at the data to train its parameters? | No |
/// | Input column data type | Known-size vector (or scalar) of Single, Int64 or Int32, one row of the ONNX input |
/// | Output column data type | Vector of the ONNX output's element type, shaped like one row of it |
/// ]]></format>
/// Input and output columns carry the names of the model's inputs and outputs. Mirrors
/// <c>Microsoft.ML.Transforms.Onnx.OnnxScoringEstimator</c>.
/// </remarks>
public sealed class OnnxScoringEstimator : TrivialEstimator<OnnxTransformer>
{
    internal OnnxScoringEstimator(OnnxTransformer transformer) : base(transformer)
    {
    }

    public override SchemaShape GetOutputSchema(SchemaShape inputSchema)
    {
        ArgumentNullException.ThrowIfNull(inputSchema);
        var result = inputSchema.ToDictionary(c => c.Name);
        foreach (var input in Transformer.Inputs)
        {
            if (!inputSchema.TryFindColumn(input.Name, out var column))
                throw SchemaExceptions.ExceptSchemaMismatch(nameof(inputSchema), "input", input.Name);
            input.CheckInputColumn(column);
        }
        foreach (var output in Transformer.Outputs)
        {
            var type = output.OutputType();
            result[output.Name] = new SchemaShape.Column(output.Name,
                type.IsKnownSize ? SchemaShape.Column.VectorKind.Vector : SchemaShape.Column.VectorKind.VariableVector, type.ItemType, false);
        }
        return new SchemaShape(result.Values);
    }
}
