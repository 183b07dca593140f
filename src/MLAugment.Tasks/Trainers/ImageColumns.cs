using MLAugment.Data;

namespace MLAugment.Tasks.Trainers;

/// <summary>
/// Schema checks and bulk reads shared by the image trainer, its transformer and the classical augmenter: an image
/// column is a known-size <c>Vector&lt;Single, C, H, W&gt;</c> of planar pixels (what ExtractPixels emits), or
/// <c>Vector&lt;Single, H, W&gt;</c> read as one channel (what LoadFromIdx emits); a label is a key.
/// </summary>
internal static class ImageColumns
{
    public const string ExpectedImageType = "Vector<Single, C, H, W> or Vector<Single, H, W>";

    /// <summary>(channels, height, width) of image column <paramref name="name"/>, or ML.NET's schema error.</summary>
    public static (int Channels, int Height, int Width) CheckImage(DataViewSchema schema, string name, string role)
    {
        var col = schema.GetColumnOrNull(name) ?? throw SchemaExceptions.ExceptSchemaMismatch("inputSchema", role, name);
        return ImageShape(col.Type, name, role);
    }

    public static (int Channels, int Height, int Width) ImageShape(DataViewType type, string name, string role)
    {
        if (type is not VectorDataViewType v || v.ItemType != NumberDataViewType.Single || !v.IsKnownSize
            || v.Dimensions.Count is not (2 or 3))
            throw SchemaExceptions.ExceptSchemaMismatch("inputSchema", role, name, ExpectedImageType, TypeString(type));
        var d = v.Dimensions;
        return d.Count == 2 ? (1, d[0], d[1]) : (d[0], d[1], d[2]);
    }

    /// <summary>A type as the SchemaShape checks print it ("Key&lt;UInt32&gt;", "Vector&lt;Single&gt;"), so both checks word errors alike.</summary>
    public static string TypeString(DataViewType type)
    {
        SchemaShape.GetColumnTypeShape(type, out var kind, out var item, out bool isKey);
        return new SchemaShape.Column("x", kind, item, isKey).GetTypeString();
    }

    /// <summary>The class count of key label column <paramref name="name"/>, or ML.NET's schema error.</summary>
    public static KeyDataViewType CheckLabel(DataViewSchema schema, string name)
    {
        var col = schema.GetColumnOrNull(name) ?? throw SchemaExceptions.ExceptSchemaMismatch("inputSchema", "label", name);
        if (col.Type is not KeyDataViewType key || key.RawType != typeof(uint))
            throw SchemaExceptions.ExceptSchemaMismatch("inputSchema", "label", name, "Key<UInt32>", TypeString(col.Type));
        if (key.Count < 2 || key.Count > int.MaxValue)
            throw SchemaExceptions.ExceptSchemaMismatch("inputSchema", "label", name, "a key with at least 2 classes", col.Type.ToString()!);
        return key;
    }

    public static void CheckImageShape(SchemaShape shape, string name, string role)
    {
        if (!shape.TryFindColumn(name, out var c))
            throw SchemaExceptions.ExceptSchemaMismatch("inputSchema", role, name);
        if (c.Kind != SchemaShape.Column.VectorKind.Vector || c.IsKey || !c.ItemType.Equals(NumberDataViewType.Single))
            throw SchemaExceptions.ExceptSchemaMismatch("inputSchema", role, name, ExpectedImageType, c.GetTypeString());
    }

    public static SchemaShape.Column CheckLabelShape(SchemaShape shape, string name)
    {
        if (!shape.TryFindColumn(name, out var c))
            throw SchemaExceptions.ExceptSchemaMismatch("inputSchema", "label", name);
        if (c.Kind != SchemaShape.Column.VectorKind.Scalar || !c.IsKey || !c.ItemType.Equals(NumberDataViewType.UInt32))
            throw SchemaExceptions.ExceptSchemaMismatch("inputSchema", "label", name, "Key<UInt32>", c.GetTypeString());
        return c;
    }

    /// <summary>The label's KeyValues as strings, or null when it has none (or they are not text).</summary>
    public static string[]? KeyNames(DataViewSchema.Column label)
    {
        var kv = label.Annotations.Schema.GetColumnOrNull(AnnotationUtils.Kinds.KeyValues);
        if (kv is null || kv.Value.Type is not VectorDataViewType { ItemType: TextDataViewType })
            return null;
        var values = default(VBuffer<ReadOnlyMemory<char>>);
        label.GetKeyValues(ref values);
        var names = new string[values.Length];
        for (int i = 0; i < names.Length; i++) names[i] = values.GetItemOrDefault(i).ToString();
        return names;
    }

    /// <summary>
    /// Reads every row with a label: pixels [N, C·H·W] and 0-based class ids. Rows with a missing label (key 0) are
    /// skipped, as ML.NET trainers skip rows with missing labels.
    /// </summary>
    public static (float[] Pixels, int[] Labels) ReadLabeled(IDataView data, string featureColumn, string labelColumn, int pixelsPerImage)
    {
        var f = data.Schema[featureColumn];
        var l = data.Schema[labelColumn];
        // Pre-sized when the count is known: Fashion-MNIST is 47M floats, and doubling growth would copy them repeatedly.
        long known = Math.Min(data.GetRowCount() ?? 0, int.MaxValue / Math.Max(pixelsPerImage, 1));
        var pixels = new List<float>((int)(known * pixelsPerImage));
        var labels = new List<int>((int)known);
        using var cursor = data.GetRowCursor([f, l]);
        var getF = cursor.GetGetter<VBuffer<float>>(f);
        var getL = cursor.GetGetter<uint>(l);
        var buffer = default(VBuffer<float>);
        var dense = new float[pixelsPerImage];
        uint key = 0;
        while (cursor.MoveNext())
        {
            getL(ref key);
            if (key == 0) continue;
            getF(ref buffer);
            if (buffer.Length != pixelsPerImage)
                throw new InvalidOperationException($"Column '{featureColumn}' row {cursor.Position} has {buffer.Length} values; its type promises {pixelsPerImage}.");
            buffer.CopyTo(dense);
            pixels.AddRange(dense);
            labels.Add((int)key - 1);
        }
        return (pixels.ToArray(), labels.ToArray());
    }

    /// <summary>Reads every row's pixels [N, C·H·W] (no label needed).</summary>
    public static float[] ReadImages(IDataView data, string featureColumn, int pixelsPerImage, out int count)
    {
        var f = data.Schema[featureColumn];
        long known = Math.Min(data.GetRowCount() ?? 0, int.MaxValue / Math.Max(pixelsPerImage, 1));
        var pixels = new List<float>((int)(known * pixelsPerImage));
        using var cursor = data.GetRowCursor([f]);
        var getF = cursor.GetGetter<VBuffer<float>>(f);
        var buffer = default(VBuffer<float>);
        var dense = new float[pixelsPerImage];
        count = 0;
        while (cursor.MoveNext())
        {
            getF(ref buffer);
            if (buffer.Length != pixelsPerImage)
                throw new InvalidOperationException($"Column '{featureColumn}' row {cursor.Position} has {buffer.Length} values; its type promises {pixelsPerImage}.");
            buffer.CopyTo(dense);
            pixels.AddRange(dense);
            count++;
        }
        return pixels.ToArray();
    }
}
