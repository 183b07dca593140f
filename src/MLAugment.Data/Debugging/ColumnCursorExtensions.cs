using System.Reflection;

namespace MLAugment.Data;

/// <summary>
/// <c>data.GetColumn&lt;T&gt;(name)</c>: the values of one column as a lazy sequence. <typeparamref name="T"/> may be the
/// raw type, <see cref="string"/> for text, or an array (<c>float[]</c>, <c>string[]</c>) for vectors.
/// Mirrors <c>Microsoft.ML.Data.ColumnCursorExtensions</c>.
/// </summary>
public static class ColumnCursorExtensions
{
    public static IEnumerable<T> GetColumn<T>(this IDataView data, string columnName)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(columnName);
        var column = data.Schema.GetColumnOrNull(columnName)
            ?? throw SchemaExceptions.ExceptSchemaMismatch(nameof(columnName), "", columnName);
        return data.GetColumn<T>(column);
    }

    public static IEnumerable<T> GetColumn<T>(this IDataView data, DataViewSchema.Column column)
    {
        ArgumentNullException.ThrowIfNull(data);
        CursorUtils.CheckBelongs(data.Schema, column);
        var raw = column.Type.RawType;
        MethodInfo method;
        if (typeof(T) == raw)
            method = Method(nameof(Raw)).MakeGenericMethod(raw);
        else if (typeof(T) == typeof(string) && column.Type is TextDataViewType)
            method = Method(nameof(Text));
        else if (typeof(T) == typeof(string[]) && column.Type is VectorDataViewType { ItemType: TextDataViewType })
            method = Method(nameof(TextArray));
        else if (typeof(T).IsArray && column.Type is VectorDataViewType v && typeof(T).GetElementType() == v.ItemType.RawType)
            method = Method(nameof(Array)).MakeGenericMethod(v.ItemType.RawType);
        else
            throw new InvalidOperationException($"Could not map a data view column '{column.Name}' of type {column.Type} to {typeof(T).Name}.");
        return (IEnumerable<T>)method.Invoke(null, [data, column])!;
    }

    private static MethodInfo Method(string name) =>
        typeof(ColumnCursorExtensions).GetMethod(name, BindingFlags.NonPublic | BindingFlags.Static)!;

    private static IEnumerable<T> Raw<T>(IDataView data, DataViewSchema.Column column)
    {
        using var cursor = data.GetRowCursor([column]);
        var getter = cursor.GetGetter<T>(column);
        while (cursor.MoveNext())
        {
            // A fresh default each time: vector getters must not reuse a buffer the caller already holds.
            T value = default!;
            getter(ref value);
            yield return value;
        }
    }

    private static IEnumerable<string> Text(IDataView data, DataViewSchema.Column column) =>
        Raw<ReadOnlyMemory<char>>(data, column).Select(m => m.ToString());

    private static IEnumerable<string[]> TextArray(IDataView data, DataViewSchema.Column column) =>
        Raw<VBuffer<ReadOnlyMemory<char>>>(data, column).Select(v => v.DenseValues().Select(m => m.ToString()).ToArray());

    private static IEnumerable<TItem[]> Array<TItem>(IDataView data, DataViewSchema.Column column) =>
        Raw<VBuffer<TItem>>(data, column).Select(v => v.DenseValues().ToArray());
}
