using System.Reflection;

namespace MLAugment.Data;

/// <summary>
/// Binary encoding of a <see cref="DataViewSchema"/> with its annotations (model input schemas). Annotation values of
/// primitive or vector types are kept; annotations of other types and annotations of annotations are not saved.
/// </summary>
public static class SchemaSerializer
{
    public static void Write(BinaryWriter writer, DataViewSchema schema)
    {
        writer.Write(schema.Count);
        foreach (var column in schema)
        {
            writer.Write(column.Name);
            DataViewTypeSerializer.Write(writer, column.Type);
            WriteAnnotations(writer, column.Annotations);
        }
    }

    public static DataViewSchema Read(BinaryReader reader)
    {
        int n = reader.ReadInt32();
        if (n < 0)
            throw new InvalidDataException($"Saved schema has {n} columns.");
        var builder = new DataViewSchema.Builder();
        for (int i = 0; i < n; i++)
        {
            string name = reader.ReadString();
            var type = DataViewTypeSerializer.Read(reader);
            builder.AddColumn(name, type, ReadAnnotations(reader));
        }
        return builder.ToSchema();
    }

    public static void WriteAnnotations(BinaryWriter writer, DataViewSchema.Annotations annotations)
    {
        var kept = annotations.Schema.Where(c => ValueSerializer.CanSerialize(c.Type)).ToArray();
        writer.Write(kept.Length);
        foreach (var a in kept)
        {
            writer.Write(a.Name);
            DataViewTypeSerializer.Write(writer, a.Type);
            var value = typeof(SchemaSerializer).GetMethod(nameof(GetValue), BindingFlags.NonPublic | BindingFlags.Static)!
                .MakeGenericMethod(a.Type.RawType).Invoke(null, [annotations, a])!;
            ValueSerializer.WriteBoxed(writer, a.Type, value);
        }
    }

    public static DataViewSchema.Annotations ReadAnnotations(BinaryReader reader)
    {
        int n = reader.ReadInt32();
        if (n == 0)
            return DataViewSchema.Annotations.Empty;
        var builder = new DataViewSchema.Annotations.Builder();
        for (int i = 0; i < n; i++)
        {
            string name = reader.ReadString();
            var type = DataViewTypeSerializer.Read(reader);
            var value = ValueSerializer.ReadBoxed(reader, type);
            typeof(SchemaSerializer).GetMethod(nameof(AddValue), BindingFlags.NonPublic | BindingFlags.Static)!
                .MakeGenericMethod(type.RawType).Invoke(null, [builder, name, type, value]);
        }
        return builder.ToAnnotations();
    }

    private static object? GetValue<T>(DataViewSchema.Annotations annotations, DataViewSchema.Column column)
    {
        T value = default!;
        annotations.GetGetter<T>(column)(ref value);
        return value;
    }

    private static void AddValue<T>(DataViewSchema.Annotations.Builder builder, string name, DataViewType type, object value)
    {
        if (type is VectorDataViewType v)
        {
            typeof(SchemaSerializer).GetMethod(nameof(AddVector), BindingFlags.NonPublic | BindingFlags.Static)!
                .MakeGenericMethod(v.ItemType.RawType).Invoke(null, [builder, name, type, value]);
            return;
        }
        var scalar = (T)value;
        builder.Add(name, type, (ref T dst) => dst = scalar);
    }

    // A getter must hand out a copy: callers own (and may edit) the buffer they receive.
    private static void AddVector<TItem>(DataViewSchema.Annotations.Builder builder, string name, DataViewType type, object value)
    {
        var stored = (VBuffer<TItem>)value;
        builder.Add(name, type, (ref VBuffer<TItem> dst) => stored.CopyTo(ref dst));
    }
}
