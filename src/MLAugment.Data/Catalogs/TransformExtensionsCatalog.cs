using MLAugment.Data.Transforms;

namespace MLAugment.Data;

/// <summary>Column plumbing on <c>mlContext.Transforms</c>. Mirrors <c>Microsoft.ML.TransformExtensionsCatalog</c>.</summary>
public static class TransformExtensionsCatalog
{
    /// <summary>Copies <paramref name="inputColumnName"/> to <paramref name="outputColumnName"/>.</summary>
    public static ColumnCopyingEstimator CopyColumns(this TransformsCatalog catalog, string outputColumnName, string inputColumnName)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        return new ColumnCopyingEstimator(outputColumnName, inputColumnName);
    }

    /// <summary>Concatenates scalar and vector columns of one item type into the vector <paramref name="outputColumnName"/>.</summary>
    /// <example>
    /// <code>
    /// var pipeline = mlContext.Transforms.Concatenate("Features", "Pixels", "Extra");
    /// </code>
    /// </example>
    public static ColumnConcatenatingEstimator Concatenate(this TransformsCatalog catalog, string outputColumnName, params string[] inputColumnNames)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        return new ColumnConcatenatingEstimator(outputColumnName, inputColumnNames);
    }

    /// <summary>Removes the named columns (and any hidden columns).</summary>
    public static ColumnSelectingEstimator DropColumns(this TransformsCatalog catalog, params string[] columnNames)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        return new ColumnSelectingEstimator(null, columnNames);
    }

    /// <summary>Keeps only the named columns, in the order given.</summary>
    public static ColumnSelectingEstimator SelectColumns(this TransformsCatalog catalog, params string[] columnNames)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        return new ColumnSelectingEstimator(columnNames, null);
    }

    /// <summary>Keeps only the named columns; with <paramref name="keepHidden"/> their hidden predecessors are kept too.</summary>
    public static ColumnSelectingEstimator SelectColumns(this TransformsCatalog catalog, string[] columnNames, bool keepHidden)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        return new ColumnSelectingEstimator(columnNames, null, keepHidden);
    }
}
