namespace MLAugment.Data;

/// <summary>
/// Reads a view back into row objects (<c>mlContext.Data.CreateEnumerable</c>). Binding is checked up front:
/// a missing column or an incompatible member type fails before the first row is read.
/// </summary>
internal static class TypedRowReader<TRow>
    where TRow : class, new()
{
    public static IEnumerable<TRow> Read(IDataView data, bool reuseRowObject, bool ignoreMissingColumns)
    {
        ArgumentNullException.ThrowIfNull(data);
        return Enumerate(data, Bind(data.Schema, ignoreMissingColumns, nameof(data)), reuseRowObject);
    }

    /// <summary>Pairs each writable member with its column of <paramref name="schema"/>, failing on missing or incompatible columns.</summary>
    public static List<(PocoColumn<TRow> Member, DataViewSchema.Column Column)> Bind(DataViewSchema schema, bool ignoreMissingColumns, string paramName)
    {
        var bound = new List<(PocoColumn<TRow> Member, DataViewSchema.Column Column)>();
        foreach (var member in PocoSchema<TRow>.Columns.Where(c => c.CanWrite))
        {
            var column = schema.GetColumnOrNull(member.Name);
            if (column is null)
            {
                if (ignoreMissingColumns)
                    continue;
                throw SchemaExceptions.ExceptSchemaMismatch(paramName, "", member.Name);
            }
            if (!PocoSchema<TRow>.IsCompatible(column.Value.Type, member.Type))
                throw new InvalidOperationException(
                    $"Can't bind the IDataView column '{member.Name}' of type '{column.Value.Type}' to field or property '{member.Member.Name}' of type '{member.MemberType.FullName}'.");
            bound.Add((member, column.Value));
        }
        return bound;
    }

    private static IEnumerable<TRow> Enumerate(IDataView data, List<(PocoColumn<TRow> Member, DataViewSchema.Column Column)> bound, bool reuseRowObject)
    {
        using var cursor = data.GetRowCursor(bound.Select(b => b.Column));
        var setters = bound.Select(b => b.Member.MakeSetter(cursor, b.Column)).ToArray();
        TRow? reused = null;
        while (cursor.MoveNext())
        {
            var row = reuseRowObject ? reused ??= new TRow() : new TRow();
            foreach (var set in setters)
                set(row);
            yield return row;
        }
    }
}
