using System.Reflection;

namespace MLAugment.Data;

/// <summary>Binary encoding of <see cref="DataViewType"/>s for saved schemas and model payloads.</summary>
public static class DataViewTypeSerializer
{
    private enum Code : byte
    {
        Number = 1,
        Text = 2,
        Boolean = 3,
        RowId = 4,
        Key = 5,
        Vector = 6,
        Custom = 100,
    }

    public static void Write(BinaryWriter writer, DataViewType type)
    {
        switch (type)
        {
            case NumberDataViewType n:
                writer.Write((byte)Code.Number);
                writer.Write(n.RawType.Name);
                break;
            case TextDataViewType:
                writer.Write((byte)Code.Text);
                break;
            case BooleanDataViewType:
                writer.Write((byte)Code.Boolean);
                break;
            case RowIdDataViewType:
                writer.Write((byte)Code.RowId);
                break;
            case KeyDataViewType k:
                writer.Write((byte)Code.Key);
                writer.Write(k.RawType.Name);
                writer.Write(k.Count);
                break;
            case VectorDataViewType v:
                writer.Write((byte)Code.Vector);
                Write(writer, v.ItemType);
                writer.Write(v.Dimensions.Count);
                foreach (int d in v.Dimensions)
                    writer.Write(d);
                break;
            case ISavableDataViewType custom:
                writer.Write((byte)Code.Custom);
                writer.Write(type.GetType().AssemblyQualifiedName!);
                custom.Save(writer);
                break;
            default:
                throw new NotSupportedException($"Column type {type} ({type.GetType().Name}) cannot be saved; implement ISavableDataViewType.");
        }
    }

    public static DataViewType Read(BinaryReader reader)
    {
        var code = (Code)reader.ReadByte();
        switch (code)
        {
            case Code.Number:
                {
                    string name = reader.ReadString();
                    return NumberDataViewType.FromRawType(NumericType(name))
                        ?? throw new InvalidDataException($"Unknown number type '{name}' in saved schema.");
                }
            case Code.Text:
                return TextDataViewType.Instance;
            case Code.Boolean:
                return BooleanDataViewType.Instance;
            case Code.RowId:
                return RowIdDataViewType.Instance;
            case Code.Key:
                {
                    var raw = NumericType(reader.ReadString());
                    return new KeyDataViewType(raw, reader.ReadUInt64());
                }
            case Code.Vector:
                {
                    var item = Read(reader) as PrimitiveDataViewType
                        ?? throw new InvalidDataException("Saved vector type has a non-primitive item type.");
                    int n = reader.ReadInt32();
                    var dims = new int[n];
                    for (int i = 0; i < n; i++)
                        dims[i] = reader.ReadInt32();
                    return new VectorDataViewType(item, dims);
                }
            case Code.Custom:
                {
                    string typeName = reader.ReadString();
                    var t = Type.GetType(typeName)
                        ?? throw new InvalidDataException($"Saved column type '{typeName}' cannot be found; load its assembly first.");
                    var load = t.GetMethod("Load", BindingFlags.Public | BindingFlags.Static, [typeof(BinaryReader)])
                        ?? throw new InvalidDataException($"Column type '{t.FullName}' has no public static Load(BinaryReader).");
                    return (DataViewType)load.Invoke(null, [reader])!;
                }
            default:
                throw new InvalidDataException($"Unknown column type code {(byte)code} in saved schema.");
        }
    }

    private static Type NumericType(string name) => name switch
    {
        nameof(SByte) => typeof(sbyte),
        nameof(Byte) => typeof(byte),
        nameof(Int16) => typeof(short),
        nameof(UInt16) => typeof(ushort),
        nameof(Int32) => typeof(int),
        nameof(UInt32) => typeof(uint),
        nameof(Int64) => typeof(long),
        nameof(UInt64) => typeof(ulong),
        nameof(Single) => typeof(float),
        nameof(Double) => typeof(double),
        _ => throw new InvalidDataException($"Unknown numeric raw type '{name}' in saved model."),
    };
}
