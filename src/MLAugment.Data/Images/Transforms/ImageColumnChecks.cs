namespace MLAugment.Data.Transforms.Image;

/// <summary>The schema checks the image transforms share, with ML.NET's wording.</summary>
internal static class ImageColumnChecks
{
    /// <summary>The SchemaShape of input <paramref name="name"/>, which must be a scalar image column.</summary>
    public static SchemaShape.Column FindImage(SchemaShape inputSchema, string name)
    {
        if (!inputSchema.TryFindColumn(name, out var col))
            throw SchemaExceptions.ExceptSchemaMismatch(nameof(inputSchema), "input", name);
        if (col.ItemType is not ImageDataViewType || col.Kind != SchemaShape.Column.VectorKind.Scalar)
            throw SchemaExceptions.ExceptSchemaMismatch(nameof(inputSchema), "input", name, new ImageDataViewType().ToString(), col.GetTypeString());
        return col;
    }

    /// <summary>The type of input column <paramref name="srcCol"/>, which must be an image column.</summary>
    public static ImageDataViewType CheckImage(DataViewSchema inputSchema, int srcCol, string name)
    {
        var type = inputSchema[srcCol].Type;
        return type as ImageDataViewType
            ?? throw SchemaExceptions.ExceptSchemaMismatch(nameof(inputSchema), "input", name, new ImageDataViewType().ToString(), type.ToString()!);
    }

    /// <summary>Reads a byte-sized enum value, failing on values the enum does not define.</summary>
    public static TEnum ReadEnum<TEnum>(ModelLoadContext ctx)
        where TEnum : struct, Enum
    {
        byte b = ctx.Reader.ReadByte();
        var value = (TEnum)Enum.ToObject(typeof(TEnum), b);
        if (!Enum.IsDefined(value))
            throw new InvalidDataException($"Model entry '{ctx.Directory}' has {typeof(TEnum).Name} value {b}, which is not defined.");
        return value;
    }
}
