using System.Reflection;

namespace MLAugment.Data;

/// <summary>
/// The columns of a row class: public instance fields and properties, named by <see cref="ColumnNameAttribute"/> or
/// the member name, typed from the member type plus <see cref="VectorTypeAttribute"/> / <see cref="KeyTypeAttribute"/>
/// or a custom <see cref="DataViewTypeAttribute"/>; <see cref="NoColumnAttribute"/> members are skipped.
/// </summary>
internal static class PocoSchema<TRow>
    where TRow : class
{
    private static readonly Lazy<PocoColumn<TRow>[]> LazyColumns = new(Build);

    public static PocoColumn<TRow>[] Columns => LazyColumns.Value;

    private static PocoColumn<TRow>[] Build()
    {
        var members = new List<MemberInfo>();
        members.AddRange(typeof(TRow).GetFields(BindingFlags.Public | BindingFlags.Instance));
        members.AddRange(typeof(TRow).GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.GetIndexParameters().Length == 0));
        var columns = new List<PocoColumn<TRow>>();
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var m in members.OrderBy(m => m.MetadataToken))
        {
            if (m.GetCustomAttribute<NoColumnAttribute>() is not null)
                continue;
            var name = m.GetCustomAttribute<ColumnNameAttribute>()?.Name ?? m.Name;
            if (!names.Add(name))
                throw new InvalidOperationException($"{typeof(TRow).Name} maps two members to the column name '{name}'.");
            columns.Add(Create(name, m));
        }
        return columns.ToArray();
    }

    private static PocoColumn<TRow> Create(string name, MemberInfo member)
    {
        var memberType = member is PropertyInfo p ? p.PropertyType : ((FieldInfo)member).FieldType;
        var vectorAttr = member.GetCustomAttribute<VectorTypeAttribute>();
        var keyAttr = member.GetCustomAttribute<KeyTypeAttribute>();

        if (memberType.IsArray && memberType.GetArrayRank() == 1)
        {
            var item = memberType.GetElementType()!;
            var itemType = ItemType(item, keyAttr, member);
            var vecType = new VectorDataViewType(itemType, vectorAttr?.Dims ?? []);
            if (item == typeof(string))
                return new ArrayPocoColumn<TRow, string?, ReadOnlyMemory<char>>(name, vecType, member, s => (s ?? "").AsMemory(), m => m.ToString());
            var t = typeof(ArrayPocoColumn<,,>).MakeGenericType(typeof(TRow), item, item);
            var identity = typeof(PocoSchema<TRow>).GetMethod(nameof(Identity), BindingFlags.NonPublic | BindingFlags.Static)!.MakeGenericMethod(item).Invoke(null, null)!;
            return (PocoColumn<TRow>)Activator.CreateInstance(t, name, vecType, member, identity, identity)!;
        }
        if (memberType.IsGenericType && memberType.GetGenericTypeDefinition() == typeof(VBuffer<>))
        {
            var item = memberType.GetGenericArguments()[0];
            var vecType = new VectorDataViewType(ItemType(item, keyAttr, member), vectorAttr?.Dims ?? []);
            var t = typeof(VBufferPocoColumn<,>).MakeGenericType(typeof(TRow), item);
            return (PocoColumn<TRow>)Activator.CreateInstance(t, name, vecType, member)!;
        }
        if (vectorAttr is not null)
            throw new InvalidOperationException($"Member '{member.Name}' of {typeof(TRow).Name} has [VectorType] but its type {memberType.Name} is not an array or VBuffer.");
        if (memberType == typeof(string))
            return new StringPocoColumn<TRow>(name, member);

        DataViewType type;
        if (keyAttr is not null || IsBuiltInScalar(memberType))
            type = ItemType(memberType, keyAttr, member);
        else
            type = DataViewTypeManager.GetDataViewTypeOrNull(memberType, member.GetCustomAttributes())
                ?? throw new InvalidOperationException(
                    $"Could not determine an IDataView type and registered custom types for member '{member.Name}' of type {memberType.Name} in {typeof(TRow).Name}.");
        var identityType = typeof(IdentityPocoColumn<,>).MakeGenericType(typeof(TRow), memberType);
        return (PocoColumn<TRow>)Activator.CreateInstance(identityType, name, type, member)!;
    }

    private static bool IsBuiltInScalar(Type t) =>
        NumberDataViewType.FromRawType(t) is not null || t == typeof(bool) || t == typeof(ReadOnlyMemory<char>) || t == typeof(DataViewRowId);

    private static PrimitiveDataViewType ItemType(Type t, KeyTypeAttribute? keyAttr, MemberInfo member)
    {
        if (keyAttr is not null)
        {
            if (!KeyDataViewType.IsValidDataType(t))
                throw new InvalidOperationException($"Member '{member.Name}' of {typeof(TRow).Name} has [KeyType] but {t.Name} is not Byte, UInt16, UInt32 or UInt64.");
            return new KeyDataViewType(t, keyAttr.Count);
        }
        if (NumberDataViewType.FromRawType(t) is { } n)
            return n;
        if (t == typeof(bool))
            return BooleanDataViewType.Instance;
        if (t == typeof(string) || t == typeof(ReadOnlyMemory<char>))
            return TextDataViewType.Instance;
        if (t == typeof(DataViewRowId))
            return RowIdDataViewType.Instance;
        throw new InvalidOperationException($"Member '{member.Name}' of {typeof(TRow).Name}: items of type {t.Name} cannot form a vector column.");
    }

    private static Func<T, T> Identity<T>() => static x => x;

    /// <summary>Whether a column of <paramref name="actual"/> type can fill a member declared as <paramref name="declared"/>.</summary>
    public static bool IsCompatible(DataViewType actual, DataViewType declared)
    {
        if (actual.Equals(declared))
            return true;
        // Keys read into members of their raw type, with or without [KeyType].
        if (actual is KeyDataViewType ak && declared is KeyDataViewType or NumberDataViewType)
            return ak.RawType == declared.RawType;
        if (actual is VectorDataViewType av && declared is VectorDataViewType dv)
            return IsCompatible(av.ItemType, dv.ItemType) && (dv.Size == 0 || dv.Size == av.Size);
        return false;
    }
}
