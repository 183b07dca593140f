using System.Reflection;
using System.Text;

namespace MLAugment.Data;

/// <summary>
/// The first rows of a view materialised for inspection in a debugger, by column and by row. Values are boxed raw
/// values (vectors as <see cref="VBuffer{T}"/> copies). Mirrors <c>Microsoft.ML.Data.DataDebuggerPreview</c>.
/// </summary>
public sealed class DataDebuggerPreview
{
    internal DataDebuggerPreview(IDataView data, int maxRows)
    {
        ArgumentNullException.ThrowIfNull(data);
        if (maxRows < 0)
            throw new ArgumentOutOfRangeException(nameof(maxRows), maxRows, "Must be non-negative.");
        Schema = data.Schema;
        var values = Schema.Select(_ => new List<object?>()).ToArray();
        using (var cursor = data.GetRowCursor(Schema))
        {
            var readers = Schema.Select(c => MakeReader(cursor, c)).ToArray();
            while (values.Length > 0 ? values[0].Count < maxRows && cursor.MoveNext() : false)
                for (int i = 0; i < readers.Length; i++)
                    values[i].Add(readers[i]());
        }
        ColumnView = Schema.Select((c, i) => new ColumnInfo(c, values[i].ToArray())).ToArray();
        int rows = values.Length == 0 ? 0 : values[0].Count;
        RowView = Enumerable.Range(0, rows)
            .Select(r => new RowInfo(Schema.Select((c, i) => new KeyValuePair<string, object?>(c.Name, values[i][r])).ToArray()))
            .ToArray();
    }

    public DataViewSchema Schema { get; }

    public IReadOnlyList<ColumnInfo> ColumnView { get; }

    public IReadOnlyList<RowInfo> RowView { get; }

    public override string ToString() => $"{ColumnView.Count} columns, {RowView.Count} rows";

    private static Func<object?> MakeReader(DataViewRowCursor cursor, DataViewSchema.Column column)
    {
        var raw = column.Type.RawType;
        var method = raw.IsGenericType && raw.GetGenericTypeDefinition() == typeof(VBuffer<>)
            ? typeof(DataDebuggerPreview).GetMethod(nameof(VectorReader), BindingFlags.NonPublic | BindingFlags.Static)!.MakeGenericMethod(raw.GetGenericArguments()[0])
            : typeof(DataDebuggerPreview).GetMethod(nameof(ScalarReader), BindingFlags.NonPublic | BindingFlags.Static)!.MakeGenericMethod(raw);
        return (Func<object?>)method.Invoke(null, [cursor, column])!;
    }

    private static Func<object?> ScalarReader<T>(DataViewRowCursor cursor, DataViewSchema.Column column)
    {
        var getter = cursor.GetGetter<T>(column);
        return () =>
        {
            T value = default!;
            getter(ref value);
            return value;
        };
    }

    private static Func<object?> VectorReader<T>(DataViewRowCursor cursor, DataViewSchema.Column column)
    {
        var getter = cursor.GetGetter<VBuffer<T>>(column);
        return () =>
        {
            VBuffer<T> value = default;
            getter(ref value);
            return value;
        };
    }

    /// <summary>One column's values over the previewed rows.</summary>
    public sealed class ColumnInfo
    {
        internal ColumnInfo(DataViewSchema.Column column, object?[] values)
        {
            Column = column;
            Values = values;
        }

        public DataViewSchema.Column Column { get; }

        public object?[] Values { get; }

        public override string ToString() => $"{Column.Name}: {Values.Length} values";
    }

    /// <summary>One previewed row as (column name, value) pairs in schema order.</summary>
    public sealed class RowInfo
    {
        internal RowInfo(KeyValuePair<string, object?>[] values)
        {
            Values = values;
        }

        public KeyValuePair<string, object?>[] Values { get; }

        public override string ToString()
        {
            var sb = new StringBuilder();
            foreach (var kv in Values)
                sb.Append(kv.Key).Append(": ").Append(Format(kv.Value)).Append("; ");
            return sb.ToString().TrimEnd(' ', ';');
        }

        private const int MaxItemsShown = 10;

        private static string Format(object? value)
        {
            switch (value)
            {
                case null:
                    return "null";
                case ReadOnlyMemory<char> m:
                    return m.ToString();
            }
            var type = value.GetType();
            if (!type.IsGenericType || type.GetGenericTypeDefinition() != typeof(VBuffer<>))
                return value.ToString() ?? "";
            // Vectors print their first items: "[1, 2, 3]" or "[1, 2, …] (784)".
            var items = ((System.Collections.IEnumerable)type.GetMethod(nameof(VBuffer<int>.DenseValues))!.Invoke(value, null)!).Cast<object?>();
            int length = (int)type.GetProperty(nameof(VBuffer<int>.Length))!.GetValue(value)!;
            var shown = items.Take(MaxItemsShown).Select(Format);
            return length <= MaxItemsShown ? $"[{string.Join(", ", shown)}]" : $"[{string.Join(", ", shown)}, …] ({length})";
        }
    }
}
