namespace MLAugment.Data;

/// <summary>Reading and writing the common annotations. Mirrors <c>Microsoft.ML.SchemaAnnotationsExtensions</c>.</summary>
public static class SchemaAnnotationsExtensions
{
    /// <summary>Reads the <c>SlotNames</c> annotation; throws when the column has none.</summary>
    public static void GetSlotNames(this DataViewSchema.Column column, ref VBuffer<ReadOnlyMemory<char>> slotNames) =>
        column.Annotations.GetValue(AnnotationUtils.Kinds.SlotNames, ref slotNames);

    /// <summary>Reads the <c>KeyValues</c> annotation; throws when the column has none.</summary>
    public static void GetKeyValues<TValue>(this DataViewSchema.Column column, ref VBuffer<TValue> keyValues) =>
        column.Annotations.GetValue(AnnotationUtils.Kinds.KeyValues, ref keyValues);

    /// <summary>True when the column has a <c>SlotNames</c> text vector of exactly <paramref name="vectorSize"/> items.</summary>
    public static bool HasSlotNames(this DataViewSchema.Column column, int vectorSize)
    {
        var c = column.Annotations.Schema.GetColumnOrNull(AnnotationUtils.Kinds.SlotNames);
        return vectorSize > 0 && c is { Type: VectorDataViewType v } && v.Size == vectorSize && v.ItemType is TextDataViewType;
    }

    /// <summary>True when the key column has a <c>KeyValues</c> vector with one entry per key value.</summary>
    public static bool HasKeyValues(this DataViewSchema.Column column)
    {
        var key = column.Type is VectorDataViewType vec ? vec.ItemType as KeyDataViewType : column.Type as KeyDataViewType;
        var c = column.Annotations.Schema.GetColumnOrNull(AnnotationUtils.Kinds.KeyValues);
        return key is not null && c is { Type: VectorDataViewType v } && (ulong)v.Size == key.Count;
    }

    /// <summary>Adds a <c>KeyValues</c> annotation: <paramref name="size"/> labels of <paramref name="valueType"/>.</summary>
    public static void AddKeyValues<TValue>(this DataViewSchema.Annotations.Builder builder, int size, PrimitiveDataViewType valueType, ValueGetter<VBuffer<TValue>> getter) =>
        builder.Add(AnnotationUtils.Kinds.KeyValues, new VectorDataViewType(valueType, size), getter);

    /// <summary>Adds a <c>SlotNames</c> annotation of <paramref name="size"/> names.</summary>
    public static void AddSlotNames(this DataViewSchema.Annotations.Builder builder, int size, ValueGetter<VBuffer<ReadOnlyMemory<char>>> getter) =>
        builder.Add(AnnotationUtils.Kinds.SlotNames, new VectorDataViewType(TextDataViewType.Instance, size), getter);
}
