namespace MLAugment.Data.Transforms.Augmentation;

/// <summary>Column names the augmenters add, and the schema checks they share (ML.NET's error wording).</summary>
public static class AugmentationColumns
{
    public const string IsSynthetic = "IsSynthetic";
    public const string SourceRowId = "SourceRowId";
    public const string Seed = "Seed";
    public const string Strength = "Strength";
    public const string Prompt = "Prompt";
    public const string SourceLabel = "SourceLabel";

    internal const string LabelTypes = "Key<UInt32> with KeyValues, or Text";
    internal const string MaskTypes = "Image, or Vector<Single> of height×width values";

    internal static SchemaShape.Column CheckImage(SchemaShape input, string name)
    {
        if (!input.TryFindColumn(name, out var col))
            throw SchemaExceptions.ExceptSchemaMismatch("inputSchema", "image", name);
        if (col.ItemType is not ImageDataViewType || col.Kind != SchemaShape.Column.VectorKind.Scalar)
            throw SchemaExceptions.ExceptSchemaMismatch("inputSchema", "image", name, new ImageDataViewType().ToString(), col.GetTypeString());
        return col;
    }

    internal static SchemaShape.Column CheckLabel(SchemaShape input, string name)
    {
        if (!input.TryFindColumn(name, out var col))
            throw SchemaExceptions.ExceptSchemaMismatch("inputSchema", "label", name);
        bool ok = col.Kind == SchemaShape.Column.VectorKind.Scalar &&
            (col.IsKey ? col.ItemType == NumberDataViewType.UInt32 : col.ItemType == TextDataViewType.Instance);
        if (!ok)
            throw SchemaExceptions.ExceptSchemaMismatch("inputSchema", "label", name, LabelTypes, col.GetTypeString());
        return col;
    }

    internal static void CheckMask(SchemaShape input, string name)
    {
        if (!input.TryFindColumn(name, out var col))
            throw SchemaExceptions.ExceptSchemaMismatch("inputSchema", "mask", name);
        bool ok = col.Kind == SchemaShape.Column.VectorKind.Scalar ? col.ItemType is ImageDataViewType
            : col.Kind == SchemaShape.Column.VectorKind.Vector && col.ItemType == NumberDataViewType.Single;
        if (!ok)
            throw SchemaExceptions.ExceptSchemaMismatch("inputSchema", "mask", name, MaskTypes, col.GetTypeString());
    }

    /// <summary>The estimator's promise: the input plus the columns every augmenter writes (checking the image column).</summary>
    internal static Dictionary<string, SchemaShape.Column> AddCommon(SchemaShape input, AugmentationSettings settings)
    {
        var image = CheckImage(input, settings.ImageColumnName);
        var result = input.ToDictionary(c => c.Name);
        result[settings.OutputImage] = new SchemaShape.Column(settings.OutputImage, image.Kind, image.ItemType, image.IsKey, image.Annotations);
        void Add(string name, DataViewType type) =>
            result[name] = new SchemaShape.Column(name, SchemaShape.Column.VectorKind.Scalar, type, false);
        Add(IsSynthetic, BooleanDataViewType.Instance);
        Add(SourceRowId, RowIdDataViewType.Instance);
        Add(Seed, NumberDataViewType.Int64);
        Add(Strength, NumberDataViewType.Single);
        Add(Prompt, TextDataViewType.Instance);
        return result;
    }

    // ---- DataViewSchema side ----

    internal static DataViewSchema.Column Image(DataViewSchema schema, string name, Diffusion.Sampling.IDiffusionBackend model)
    {
        var col = schema.GetColumnOrNull(name) ?? throw SchemaExceptions.ExceptSchemaMismatch("inputSchema", "image", name);
        if (col.Type is not ImageDataViewType image)
            throw SchemaExceptions.ExceptSchemaMismatch("inputSchema", "image", name, new ImageDataViewType().ToString(), col.Type.ToString()!);
        if (image.Height > 0 && (image.Height != model.ImageHeight || image.Width != model.ImageWidth))
            throw SchemaExceptions.ExceptSchemaMismatch("inputSchema", "image", name,
                new ImageDataViewType(model.ImageHeight, model.ImageWidth) + " (the model's size; resize with ResizeImages first)", image.ToString());
        return col;
    }

    internal static DataViewSchema.Column Mask(DataViewSchema schema, string name, Diffusion.Sampling.IDiffusionBackend model)
    {
        var col = schema.GetColumnOrNull(name) ?? throw SchemaExceptions.ExceptSchemaMismatch("inputSchema", "mask", name);
        int expected = model.ImageHeight * model.ImageWidth;
        switch (col.Type)
        {
            case ImageDataViewType img:
                if (img.Height > 0 && (img.Height != model.ImageHeight || img.Width != model.ImageWidth))
                    throw SchemaExceptions.ExceptSchemaMismatch("inputSchema", "mask", name,
                        new ImageDataViewType(model.ImageHeight, model.ImageWidth) + " (the image size)", img.ToString());
                return col;
            case VectorDataViewType v when v.ItemType == NumberDataViewType.Single:
                if (v.Size != expected)
                    throw SchemaExceptions.ExceptSchemaMismatch("inputSchema", "mask", name,
                        $"Vector<Single, {expected}> ({model.ImageHeight}x{model.ImageWidth}, the image size)", v.ToString()!);
                return col;
            default:
                throw SchemaExceptions.ExceptSchemaMismatch("inputSchema", "mask", name, MaskTypes, col.Type.ToString()!);
        }
    }
}

/// <summary>Reads a label column (Key&lt;UInt32&gt; with KeyValues, or Text) as text and key index.</summary>
internal sealed class LabelInfo
{
    private LabelInfo(DataViewSchema.Column column, string[]? keyValues)
    {
        Column = column;
        KeyValues = keyValues;
    }

    public DataViewSchema.Column Column { get; }

    /// <summary>The class names of a key label (index = key − 1); null for text labels.</summary>
    public string[]? KeyValues { get; }

    public bool IsKey => KeyValues is not null;

    public static LabelInfo From(DataViewSchema schema, string name)
    {
        var col = schema.GetColumnOrNull(name) ?? throw SchemaExceptions.ExceptSchemaMismatch("inputSchema", "label", name);
        if (col.Type is KeyDataViewType key && key.RawType == typeof(uint))
        {
            if (!col.HasKeyValues())
                throw SchemaExceptions.ExceptSchemaMismatch("inputSchema", "label", name, AugmentationColumns.LabelTypes, col.Type + " without KeyValues");
            VBuffer<ReadOnlyMemory<char>> values = default;
            col.GetKeyValues(ref values);
            return new LabelInfo(col, values.DenseValues().Select(v => v.ToString()).ToArray());
        }
        if (col.Type is TextDataViewType)
            return new LabelInfo(col, null);
        throw SchemaExceptions.ExceptSchemaMismatch("inputSchema", "label", name, AugmentationColumns.LabelTypes, col.Type.ToString()!);
    }

    /// <summary>A reader of (text, 0-based key index or −1) for the current row.</summary>
    public Func<(string Text, int Key)> Reader(DataViewRow row)
    {
        if (IsKey)
        {
            var get = row.GetGetter<uint>(Column);
            uint k = 0;
            return () =>
            {
                get(ref k);
                return k == 0 || k > KeyValues!.Length ? ("", -1) : (KeyValues![k - 1], (int)k - 1);
            };
        }
        var getText = row.GetGetter<ReadOnlyMemory<char>>(Column);
        ReadOnlyMemory<char> t = default;
        return () =>
        {
            getText(ref t);
            return (t.ToString(), -1);
        };
    }

    /// <summary>The 0-based key of <paramref name="text"/> in a key label; throws listing the key values when absent.</summary>
    public int KeyOf(string text, string what)
    {
        int i = Array.IndexOf(KeyValues!, text);
        if (i < 0)
            throw new ArgumentException($"{what} '{text}' is not a value of label column '{Column.Name}'; its values are: {string.Join(", ", KeyValues!)}.");
        return i;
    }
}
