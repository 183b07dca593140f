using System.Linq.Expressions;
using System.Reflection;

namespace MLAugment.Data;

/// <summary>
/// One field or property of a row class bound to a column: converts between the member's .NET type and the column's
/// raw type in both directions (string ↔ text, T[] ↔ VBuffer, identity otherwise).
/// </summary>
internal abstract class PocoColumn<TRow>
    where TRow : class
{
    protected PocoColumn(string name, DataViewType type, MemberInfo member)
    {
        Name = name;
        Type = type;
        Member = member;
    }

    public string Name { get; }

    public DataViewType Type { get; }

    public MemberInfo Member { get; }

    public Type MemberType => Member is PropertyInfo p ? p.PropertyType : ((FieldInfo)Member).FieldType;

    public bool CanRead => Member is FieldInfo || ((PropertyInfo)Member).GetMethod?.IsPublic == true;

    public bool CanWrite => Member is FieldInfo f ? !f.IsInitOnly : ((PropertyInfo)Member).SetMethod?.IsPublic == true;

    /// <summary>A <see cref="ValueGetter{TValue}"/> of the column's raw type reading the member of <paramref name="current"/>().</summary>
    public abstract Delegate MakeGetter(Func<TRow> current);

    /// <summary>An action that reads the column from <paramref name="row"/> and stores it in the member.</summary>
    public abstract Action<TRow> MakeSetter(DataViewRow row, DataViewSchema.Column column);

    protected static Func<TRow, TMember> CompileGet<TMember>(MemberInfo member)
    {
        var p = Expression.Parameter(typeof(TRow), "row");
        return Expression.Lambda<Func<TRow, TMember>>(Expression.MakeMemberAccess(p, member), p).Compile();
    }

    protected static Action<TRow, TMember> CompileSet<TMember>(MemberInfo member)
    {
        var p = Expression.Parameter(typeof(TRow), "row");
        var v = Expression.Parameter(typeof(TMember), "value");
        return Expression.Lambda<Action<TRow, TMember>>(Expression.Assign(Expression.MakeMemberAccess(p, member), v), p, v).Compile();
    }

    protected InvalidOperationException SizeMismatch(int actual, int expected) =>
        new($"Member '{Member.Name}' of {typeof(TRow).Name} holds {actual} items, but column '{Name}' is {Type} and needs {expected}.");
}

/// <summary>Members whose type is the column's raw type (numbers, booleans, keys, row ids, custom types).</summary>
internal sealed class IdentityPocoColumn<TRow, T> : PocoColumn<TRow>
    where TRow : class
{
    private readonly Lazy<Func<TRow, T>> _get;
    private readonly Lazy<Action<TRow, T>> _set;

    public IdentityPocoColumn(string name, DataViewType type, MemberInfo member) : base(name, type, member)
    {
        _get = new(() => CompileGet<T>(member));
        _set = new(() => CompileSet<T>(member));
    }

    public override Delegate MakeGetter(Func<TRow> current)
    {
        var get = _get.Value;
        return (ValueGetter<T>)((ref T dst) => dst = get(current()));
    }

    public override Action<TRow> MakeSetter(DataViewRow row, DataViewSchema.Column column)
    {
        var getter = row.GetGetter<T>(column);
        var set = _set.Value;
        return r =>
        {
            T value = default!;
            getter(ref value);
            set(r, value);
        };
    }
}

/// <summary><see cref="string"/> members ↔ text columns (null reads as empty text).</summary>
internal sealed class StringPocoColumn<TRow> : PocoColumn<TRow>
    where TRow : class
{
    private readonly Lazy<Func<TRow, string?>> _get;
    private readonly Lazy<Action<TRow, string?>> _set;

    public StringPocoColumn(string name, MemberInfo member) : base(name, TextDataViewType.Instance, member)
    {
        _get = new(() => CompileGet<string?>(member));
        _set = new(() => CompileSet<string?>(member));
    }

    public override Delegate MakeGetter(Func<TRow> current)
    {
        var get = _get.Value;
        return (ValueGetter<ReadOnlyMemory<char>>)((ref ReadOnlyMemory<char> dst) => dst = (get(current()) ?? "").AsMemory());
    }

    public override Action<TRow> MakeSetter(DataViewRow row, DataViewSchema.Column column)
    {
        var getter = row.GetGetter<ReadOnlyMemory<char>>(column);
        var set = _set.Value;
        return r =>
        {
            ReadOnlyMemory<char> value = default;
            getter(ref value);
            set(r, value.ToString());
        };
    }
}

/// <summary>Array members ↔ vector columns. Items are copied so the data view never shares arrays with user objects.</summary>
internal sealed class ArrayPocoColumn<TRow, TItem, TRaw> : PocoColumn<TRow>
    where TRow : class
{
    private readonly Lazy<Func<TRow, TItem[]?>> _get;
    private readonly Lazy<Action<TRow, TItem[]?>> _set;
    private readonly Func<TItem, TRaw> _toRaw;
    private readonly Func<TRaw, TItem> _fromRaw;
    private readonly int _size;

    public ArrayPocoColumn(string name, VectorDataViewType type, MemberInfo member, Func<TItem, TRaw> toRaw, Func<TRaw, TItem> fromRaw)
        : base(name, type, member)
    {
        _get = new(() => CompileGet<TItem[]?>(member));
        _set = new(() => CompileSet<TItem[]?>(member));
        _toRaw = toRaw;
        _fromRaw = fromRaw;
        _size = type.Size;
    }

    public override Delegate MakeGetter(Func<TRow> current)
    {
        var get = _get.Value;
        return (ValueGetter<VBuffer<TRaw>>)((ref VBuffer<TRaw> dst) =>
        {
            var items = get(current()) ?? [];
            if (_size > 0 && items.Length != _size)
                throw SizeMismatch(items.Length, _size);
            var editor = VBufferEditor.Create(ref dst, items.Length);
            for (int i = 0; i < items.Length; i++)
                editor.Values[i] = _toRaw(items[i]);
            dst = editor.Commit();
        });
    }

    public override Action<TRow> MakeSetter(DataViewRow row, DataViewSchema.Column column)
    {
        var getter = row.GetGetter<VBuffer<TRaw>>(column);
        var set = _set.Value;
        VBuffer<TRaw> buffer = default;
        return r =>
        {
            getter(ref buffer);
            var items = new TItem[buffer.Length];
            int i = 0;
            foreach (var v in buffer.DenseValues())
                items[i++] = _fromRaw(v);
            set(r, items);
        };
    }
}

/// <summary><see cref="VBuffer{T}"/> members ↔ vector columns, copied in both directions.</summary>
internal sealed class VBufferPocoColumn<TRow, T> : PocoColumn<TRow>
    where TRow : class
{
    private readonly Lazy<Func<TRow, VBuffer<T>>> _get;
    private readonly Lazy<Action<TRow, VBuffer<T>>> _set;
    private readonly int _size;

    public VBufferPocoColumn(string name, VectorDataViewType type, MemberInfo member) : base(name, type, member)
    {
        _get = new(() => CompileGet<VBuffer<T>>(member));
        _set = new(() => CompileSet<VBuffer<T>>(member));
        _size = type.Size;
    }

    public override Delegate MakeGetter(Func<TRow> current)
    {
        var get = _get.Value;
        return (ValueGetter<VBuffer<T>>)((ref VBuffer<T> dst) =>
        {
            var value = get(current());
            if (_size > 0 && value.Length != _size)
                throw SizeMismatch(value.Length, _size);
            value.CopyTo(ref dst);
        });
    }

    public override Action<TRow> MakeSetter(DataViewRow row, DataViewSchema.Column column)
    {
        var getter = row.GetGetter<VBuffer<T>>(column);
        var set = _set.Value;
        VBuffer<T> buffer = default;
        return r =>
        {
            getter(ref buffer);
            VBuffer<T> copy = default;
            buffer.CopyTo(ref copy);
            set(r, copy);
        };
    }
}
