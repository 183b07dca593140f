namespace MLAugment.Data;

/// <summary>The checks every cursor in this library applies, so misuse fails the same way everywhere.</summary>
internal static class CursorUtils
{
    /// <summary>Marks which columns of <paramref name="schema"/> are requested.</summary>
    public static bool[] ActiveFlags(DataViewSchema schema, IEnumerable<DataViewSchema.Column> columnsNeeded)
    {
        ArgumentNullException.ThrowIfNull(columnsNeeded);
        var active = new bool[schema.Count];
        foreach (var c in columnsNeeded)
        {
            CheckBelongs(schema, c);
            active[c.Index] = true;
        }
        return active;
    }

    public static void CheckBelongs(DataViewSchema schema, DataViewSchema.Column column)
    {
        if ((uint)column.Index >= (uint)schema.Count || schema[column.Index].Name != column.Name || !schema[column.Index].Type.Equals(column.Type))
            throw new ArgumentOutOfRangeException(nameof(column), $"Column '{column.Name}' (index {column.Index}) does not belong to this schema.");
    }

    public static ValueGetter<T> Cast<T>(Delegate getter, DataViewSchema.Column column) =>
        getter as ValueGetter<T> ?? throw new InvalidOperationException(
            $"Invalid TValue in GetGetter for column '{column.Name}': '{typeof(T).Name}', expected type: '{column.Type.RawType.Name}'.");

    public static InvalidOperationException InactiveColumn(DataViewSchema.Column column) =>
        new($"Column '{column.Name}' is not active in this cursor; include it in columnsNeeded.");

    public static InvalidOperationException NotOnRow() =>
        new("The cursor is not positioned on a row; call MoveNext first and stop when it returns false.");

    /// <summary>The columns of <paramref name="schema"/> whose flag is set.</summary>
    public static IEnumerable<DataViewSchema.Column> Columns(DataViewSchema schema, Func<int, bool> predicate) =>
        schema.Where(c => predicate(c.Index));

    /// <summary>True when both schemas have the same column names and types, in order.</summary>
    public static bool SameColumns(DataViewSchema a, DataViewSchema b)
    {
        if (ReferenceEquals(a, b))
            return true;
        if (a.Count != b.Count)
            return false;
        for (int i = 0; i < a.Count; i++)
            if (a[i].Name != b[i].Name || !a[i].Type.Equals(b[i].Type))
                return false;
        return true;
    }
}
