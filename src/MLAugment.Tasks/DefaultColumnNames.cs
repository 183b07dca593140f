namespace MLAugment.Tasks;

/// <summary>ML.NET's conventional column names (<c>Microsoft.ML.DefaultColumnNames</c>).</summary>
public static class DefaultColumnNames
{
    public const string Features = "Features";
    public const string Label = "Label";
    public const string Score = "Score";
    public const string PredictedLabel = "PredictedLabel";
}
