namespace MLAugment.Data;

/// <summary><c>data.Preview()</c>. Mirrors <c>Microsoft.ML.DebuggerExtensions</c>.</summary>
public static class DebuggerExtensions
{
    /// <summary>Materialises up to <paramref name="maxRows"/> rows for inspection.</summary>
    public static DataDebuggerPreview Preview(this IDataView data, int maxRows = 100) => new(data, maxRows);
}
