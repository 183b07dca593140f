namespace MLAugment.Data;

/// <summary>
/// ML.NET's schema-error wording (from its <c>Contracts.ExceptSchemaMismatch</c>), so users see the messages they
/// know: "Could not find input column 'X'" and "Schema mismatch for input column 'X': expected Y, got Z".
/// </summary>
public static class SchemaExceptions
{
    public static ArgumentOutOfRangeException ExceptSchemaMismatch(string paramName, string columnRole, string columnName) =>
        new(paramName, $"Could not find {Role(columnRole)}column '{columnName}'");

    public static ArgumentOutOfRangeException ExceptSchemaMismatch(string paramName, string columnRole, string columnName, string expectedType, string actualType) =>
        new(paramName, $"Schema mismatch for {Role(columnRole)}column '{columnName}': expected {expectedType}, got {actualType}");

    private static string Role(string role) => string.IsNullOrEmpty(role) ? "" : role + " ";
}
