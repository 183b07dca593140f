using MLAugment.Onnx.Format;
using MLAugment.Onnx.Runtime;

namespace MLAugment.Data.Transforms.Onnx;

/// <summary>
/// How one ONNX tensor maps to one column: the item type, and the per-row shape (the tensor's shape without its leading
/// batch dimension). Rows are stacked along dimension 0, which must be free or 1.
/// </summary>
internal sealed class OnnxColumnBinding
{
    public string Name { get; }
    public OrtTensorInfo Info { get; }
    public NumberDataViewType ItemType { get; }

    /// <summary>Per-row dimensions; −1 where the model leaves a dimension free (outputs only).</summary>
    public long[] RowShape { get; }

    /// <summary>Values per row, or 0 when a free dimension makes it vary.</summary>
    public int RowSize { get; }

    /// <summary>True when the model's leading dimension is fixed to 1 (one row per run).</summary>
    public bool SingleRow { get; }

    private OnnxColumnBinding(string name, OrtTensorInfo info, NumberDataViewType itemType, long[] rowShape, bool singleRow)
    {
        Name = name;
        Info = info;
        ItemType = itemType;
        RowShape = rowShape;
        SingleRow = singleRow;
        RowSize = rowShape.Any(d => d < 0) ? 0 : checked((int)rowShape.Aggregate(1L, (a, d) => a * d));
    }

    public static OnnxColumnBinding Create(OrtTensorInfo info, bool input, string modelFile)
    {
        string role = input ? "input" : "output";
        var item = info.ElementType switch
        {
            OnnxDataType.Float => NumberDataViewType.Single,
            OnnxDataType.Int64 => NumberDataViewType.Int64,
            OnnxDataType.Int32 => NumberDataViewType.Int32,
            _ => throw new NotSupportedException(
                $"ApplyOnnxModel: ONNX {role} {info} of '{modelFile}' has element type {info.ElementType?.ToString() ?? "non-tensor"}; supported are Float, Int64 and Int32."),
        };
        if (info.Shape.Count == 0)
            throw new NotSupportedException($"ApplyOnnxModel: ONNX {role} {info} of '{modelFile}' is a scalar; rows are fed along a leading batch dimension.");
        long leading = info.Shape[0];
        if (leading > 1)
            throw new NotSupportedException(
                $"ApplyOnnxModel: ONNX {role} {info} of '{modelFile}' has a fixed leading dimension {leading}; rows are stacked along dimension 0, which must be free or 1.");
        var rowShape = info.Shape.Skip(1).ToArray();
        if (input && rowShape.Any(d => d < 0))
            throw new NotSupportedException(
                $"ApplyOnnxModel: ONNX input {info} of '{modelFile}' leaves a dimension other than the batch free; a column cannot say its shape.");
        return new OnnxColumnBinding(info.Name, info, item, rowShape, singleRow: leading == 1);
    }

    /// <summary>The column type of an output: a vector shaped like one row (variable-size when a dimension is free).</summary>
    public VectorDataViewType OutputType() => RowSize == 0
        ? new VectorDataViewType(ItemType)
        : new VectorDataViewType(ItemType, RowShape.Length == 0 ? [1] : RowShape.Select(d => (int)d).ToArray());

    public string ShapeText => $"[batch{string.Concat(RowShape.Select(d => ", " + (d < 0 ? "?" : d.ToString())))}]";

    /// <summary>Checks the column feeding this input; the error names the column, the ONNX input and both shapes.</summary>
    public void CheckInputColumn(DataViewSchema.Column column)
    {
        string expected = $"{(RowSize == 1 ? $"{ItemType} or " : "")}Vector<{ItemType}, {RowSize}> (ONNX input '{Name}' {Info.ElementType}{ShapeText})";
        bool ok = column.Type switch
        {
            VectorDataViewType v => v.ItemType.Equals(ItemType) && (v.Size == RowSize || v.Size == 0),
            NumberDataViewType n => n.Equals(ItemType) && RowSize == 1,
            _ => false,
        };
        if (!ok)
            throw SchemaExceptions.ExceptSchemaMismatch("inputSchema", "input", column.Name, expected, column.Type.ToString() ?? "?");
    }

    /// <summary>The same check on a schema shape (only kinds and item types are known there).</summary>
    public void CheckInputColumn(SchemaShape.Column column)
    {
        bool ok = column.ItemType.Equals(ItemType) && !column.IsKey
            && (column.Kind != SchemaShape.Column.VectorKind.Scalar || RowSize == 1);
        if (!ok)
            throw SchemaExceptions.ExceptSchemaMismatch("inputSchema", "input", column.Name,
                $"Vector<{ItemType}, {RowSize}> (ONNX input '{Name}' {Info.ElementType}{ShapeText})", column.GetTypeString());
    }
}
