namespace MLAugment.Data;

/// <summary>
/// Binary encoding of single values of primitive and vector column types (annotation values, learned vocabularies).
/// </summary>
public static class ValueSerializer
{
    public static bool CanSerialize(DataViewType type) =>
        type is PrimitiveDataViewType || type is VectorDataViewType;

    public static void Write<T>(BinaryWriter writer, DataViewType type, in T value)
    {
        if (type.RawType != typeof(T))
            throw new ArgumentException($"Value of {typeof(T).Name} does not match type {type}.", nameof(value));
        if (type is VectorDataViewType v)
        {
            WriteVectorBoxed(writer, v, value!);
            return;
        }
        WriteScalar(writer, value!);
    }

    public static T Read<T>(BinaryReader reader, DataViewType type)
    {
        if (type.RawType != typeof(T))
            throw new ArgumentException($"Requested {typeof(T).Name} does not match type {type}.", nameof(type));
        if (type is VectorDataViewType v)
            return (T)ReadVectorBoxed(reader, v);
        return (T)ReadScalar(reader, typeof(T));
    }

    /// <summary>Writes a value given as an object (used for annotation copies whose type is known only at run time).</summary>
    internal static void WriteBoxed(BinaryWriter writer, DataViewType type, object value)
    {
        if (type is VectorDataViewType v)
            WriteVectorBoxed(writer, v, value);
        else
            WriteScalar(writer, value);
    }

    internal static object ReadBoxed(BinaryReader reader, DataViewType type) =>
        type is VectorDataViewType v ? ReadVectorBoxed(reader, v) : ReadScalar(reader, type.RawType);

    private static void WriteVectorBoxed(BinaryWriter writer, VectorDataViewType type, object value)
    {
        var method = typeof(ValueSerializer).GetMethod(nameof(WriteVector), System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Static)!
            .MakeGenericMethod(type.ItemType.RawType);
        method.Invoke(null, [writer, value]);
    }

    private static object ReadVectorBoxed(BinaryReader reader, VectorDataViewType type)
    {
        var method = typeof(ValueSerializer).GetMethod(nameof(ReadVector), System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Static)!
            .MakeGenericMethod(type.ItemType.RawType);
        return method.Invoke(null, [reader])!;
    }

    private static void WriteVector<TItem>(BinaryWriter writer, VBuffer<TItem> value)
    {
        var values = value.GetValues();
        writer.Write(value.Length);
        writer.Write(values.Length);
        foreach (var item in values)
            WriteScalar(writer, item!);
        if (!value.IsDense)
            foreach (int i in value.GetIndices())
                writer.Write(i);
    }

    private static VBuffer<TItem> ReadVector<TItem>(BinaryReader reader)
    {
        int length = reader.ReadInt32();
        int count = reader.ReadInt32();
        if (length < 0 || count < 0 || count > length)
            throw new InvalidDataException($"Saved vector has length {length} and count {count}.");
        var values = new TItem[count];
        for (int i = 0; i < count; i++)
            values[i] = (TItem)ReadScalar(reader, typeof(TItem));
        if (count == length)
            return new VBuffer<TItem>(length, values);
        var indices = new int[count];
        for (int i = 0; i < count; i++)
            indices[i] = reader.ReadInt32();
        return new VBuffer<TItem>(length, count, values, indices);
    }

    private static void WriteScalar(BinaryWriter w, object value)
    {
        switch (value)
        {
            case sbyte x: w.Write(x); break;
            case byte x: w.Write(x); break;
            case short x: w.Write(x); break;
            case ushort x: w.Write(x); break;
            case int x: w.Write(x); break;
            case uint x: w.Write(x); break;
            case long x: w.Write(x); break;
            case ulong x: w.Write(x); break;
            case float x: w.Write(x); break;
            case double x: w.Write(x); break;
            case bool x: w.Write(x); break;
            case ReadOnlyMemory<char> x: w.Write(x.ToString()); break;
            case DataViewRowId x: w.Write(x.Low); w.Write(x.High); break;
            default: throw new NotSupportedException($"Values of type {value.GetType().Name} cannot be saved.");
        }
    }

    private static object ReadScalar(BinaryReader r, Type t)
    {
        if (t == typeof(sbyte)) return r.ReadSByte();
        if (t == typeof(byte)) return r.ReadByte();
        if (t == typeof(short)) return r.ReadInt16();
        if (t == typeof(ushort)) return r.ReadUInt16();
        if (t == typeof(int)) return r.ReadInt32();
        if (t == typeof(uint)) return r.ReadUInt32();
        if (t == typeof(long)) return r.ReadInt64();
        if (t == typeof(ulong)) return r.ReadUInt64();
        if (t == typeof(float)) return r.ReadSingle();
        if (t == typeof(double)) return r.ReadDouble();
        if (t == typeof(bool)) return r.ReadBoolean();
        if (t == typeof(ReadOnlyMemory<char>)) return r.ReadString().AsMemory();
        if (t == typeof(DataViewRowId)) return new DataViewRowId(r.ReadUInt64(), r.ReadUInt64());
        throw new NotSupportedException($"Values of type {t.Name} cannot be loaded.");
    }
}
