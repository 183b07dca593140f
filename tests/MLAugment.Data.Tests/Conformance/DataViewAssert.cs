using System.Reflection;
using MLAugment.Data;

namespace MLAugment.Data.Tests.Conformance;

/// <summary>Reads whole views into comparable rows and compares schemas exactly.</summary>
public static class DataViewAssert
{
    /// <summary>Every row of <paramref name="data"/> (all columns, hidden included, plus the row id) as comparable values.</summary>
    public static List<object?[]> ReadAll(IDataView data, Random? rand = null)
    {
        var rows = new List<object?[]>();
        using var cursor = data.GetRowCursor(data.Schema, rand);
        var readers = data.Schema.Select(c => Reader(cursor, c)).ToArray();
        var id = cursor.GetIdGetter();
        while (cursor.MoveNext())
        {
            var row = new object?[readers.Length + 1];
            for (int i = 0; i < readers.Length; i++)
                row[i] = readers[i]();
            DataViewRowId rid = default;
            id(ref rid);
            row[^1] = rid;
            rows.Add(row);
        }
        return rows;
    }

    /// <summary>Reads through a row-to-row mapper applied to each input row.</summary>
    public static List<object?[]> ReadThroughMapper(IRowToRowMapper mapper, IDataView input)
    {
        var rows = new List<object?[]>();
        var deps = mapper.GetDependencies(mapper.OutputSchema).ToArray();
        using var cursor = input.GetRowCursor(deps);
        using var row = mapper.GetRow(cursor, mapper.OutputSchema);
        var readers = mapper.OutputSchema.Select(c => Reader(row, c)).ToArray();
        var id = row.GetIdGetter();
        while (cursor.MoveNext())
        {
            var values = new object?[readers.Length + 1];
            for (int i = 0; i < readers.Length; i++)
                values[i] = readers[i]();
            DataViewRowId rid = default;
            id(ref rid);
            values[^1] = rid;
            rows.Add(values);
        }
        return rows;
    }

    public static void AreEqual(List<object?[]> expected, List<object?[]> actual, string what)
    {
        Assert.AreEqual(expected.Count, actual.Count, $"{what}: row count");
        for (int r = 0; r < expected.Count; r++)
        {
            Assert.AreEqual(expected[r].Length, actual[r].Length, $"{what}: column count in row {r}");
            for (int c = 0; c < expected[r].Length; c++)
                Assert.IsTrue(Equals(expected[r][c], actual[r][c]) || SequenceEqual(expected[r][c], actual[r][c]),
                    $"{what}: row {r}, column {c}: expected {Show(expected[r][c])}, got {Show(actual[r][c])}");
        }
    }

    /// <summary>Same names, types (key counts and vector sizes included), hidden flags and annotation kinds, in order.</summary>
    public static void SchemasEqual(DataViewSchema expected, DataViewSchema actual, string what)
    {
        Assert.AreEqual(expected.Count, actual.Count, $"{what}: column count ({string.Join(", ", expected.Select(c => c.Name))} vs {string.Join(", ", actual.Select(c => c.Name))})");
        for (int i = 0; i < expected.Count; i++)
        {
            var e = expected[i];
            var a = actual[i];
            Assert.AreEqual(e.Name, a.Name, $"{what}: name of column {i}");
            Assert.AreEqual(e.Type, a.Type, $"{what}: type of column '{e.Name}'");
            Assert.AreEqual(e.IsHidden, a.IsHidden, $"{what}: hidden flag of column '{e.Name}'");
            CollectionAssert.AreEqual(
                e.Annotations.Schema.Select(c => $"{c.Name}:{c.Type}").ToArray(),
                a.Annotations.Schema.Select(c => $"{c.Name}:{c.Type}").ToArray(),
                $"{what}: annotations of column '{e.Name}'");
        }
    }

    private static bool SequenceEqual(object? a, object? b) =>
        a is object?[] x && b is object?[] y && x.Length == y.Length && x.Zip(y).All(p => Equals(p.First, p.Second));

    private static string Show(object? v) => v is object?[] arr ? "[" + string.Join(", ", arr) + "]" : v?.ToString() ?? "null";

    private static Func<object?> Reader(DataViewRow row, DataViewSchema.Column column)
    {
        var raw = column.Type.RawType;
        var method = raw.IsGenericType && raw.GetGenericTypeDefinition() == typeof(VBuffer<>)
            ? typeof(DataViewAssert).GetMethod(nameof(VectorReader), BindingFlags.NonPublic | BindingFlags.Static)!.MakeGenericMethod(raw.GetGenericArguments()[0])
            : typeof(DataViewAssert).GetMethod(nameof(ScalarReader), BindingFlags.NonPublic | BindingFlags.Static)!.MakeGenericMethod(raw);
        return (Func<object?>)method.Invoke(null, [row, column])!;
    }

    private static Func<object?> ScalarReader<T>(DataViewRow row, DataViewSchema.Column column)
    {
        var getter = row.GetGetter<T>(column);
        T value = default!;
        return () =>
        {
            getter(ref value);
            return value is ReadOnlyMemory<char> m ? m.ToString() : value;
        };
    }

    // Reuses one buffer across rows on purpose: getters must overwrite it fully every time.
    private static Func<object?> VectorReader<T>(DataViewRow row, DataViewSchema.Column column)
    {
        var getter = row.GetGetter<VBuffer<T>>(column);
        VBuffer<T> value = default;
        return () =>
        {
            getter(ref value);
            return value.DenseValues().Select(v => v is ReadOnlyMemory<char> m ? (object?)m.ToString() : v).ToArray();
        };
    }
}
