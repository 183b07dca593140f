namespace MLAugment.Data;

/// <summary>
/// An attribute that maps a member of a custom .NET type to a custom column type (e.g. <c>[ImageType(h, w)]</c> for
/// <c>MLImage</c>). <see cref="Register"/> registers the pair with <see cref="DataViewTypeManager"/>.
/// Mirrors <c>Microsoft.ML.Data.DataViewTypeAttribute</c>.
/// </summary>
public abstract class DataViewTypeAttribute : Attribute, IEquatable<DataViewTypeAttribute>
{
    public abstract bool Equals(DataViewTypeAttribute? other);

    public abstract void Register();

    public override bool Equals(object? obj) => obj is DataViewTypeAttribute other && Equals(other);

    public override int GetHashCode() => GetType().GetHashCode();
}

/// <summary>
/// The registry of custom column types usable in POCO classes: a .NET type (optionally qualified by an attribute)
/// maps to a <see cref="DataViewType"/> whose raw type it is. Mirrors <c>Microsoft.ML.Data.DataViewTypeManager</c>.
/// </summary>
public static class DataViewTypeManager
{
    private static readonly object Gate = new();
    private static readonly List<(Type RawType, DataViewTypeAttribute? Attribute, DataViewType Type)> Registered = [];

    public static void Register(DataViewType dataViewType, Type type, DataViewTypeAttribute? typeAttribute = null)
    {
        ArgumentNullException.ThrowIfNull(dataViewType);
        ArgumentNullException.ThrowIfNull(type);
        if (dataViewType.RawType != type)
            throw new ArgumentException($"Column type {dataViewType} has raw type {dataViewType.RawType.Name}, not {type.Name}.", nameof(type));
        lock (Gate)
        {
            foreach (var r in Registered)
            {
                if (r.RawType == type && Equals(r.Attribute, typeAttribute))
                {
                    if (!r.Type.Equals(dataViewType))
                        throw new InvalidOperationException($"{type.Name} with attribute {typeAttribute} is already registered as {r.Type}.");
                    return;
                }
            }
            Registered.Add((type, typeAttribute, dataViewType));
        }
    }

    /// <summary>The registered column type for <paramref name="type"/> with the given member attributes, or null.</summary>
    public static DataViewType? GetDataViewTypeOrNull(Type type, IEnumerable<Attribute>? typeAttributes = null)
    {
        var attr = typeAttributes?.OfType<DataViewTypeAttribute>().FirstOrDefault();
        attr?.Register();
        lock (Gate)
        {
            foreach (var r in Registered)
                if (r.RawType == type && Equals(r.Attribute, attr))
                    return r.Type;
        }
        return null;
    }
}
