namespace MLAugment.Data;

/// <summary>
/// The canonical annotation kind names. In ML.NET these strings live in the internal <c>AnnotationUtils.Kinds</c>;
/// they are stable, so porting code uses the same literals.
/// </summary>
public static class AnnotationUtils
{
    public static class Kinds
    {
        /// <summary>Names of a vector column's slots: a text vector of the column's size.</summary>
        public const string SlotNames = "SlotNames";

        /// <summary>Labels of a key column's values: a vector of <c>Count</c> items; entry k−1 names key k.</summary>
        public const string KeyValues = "KeyValues";

        public const string ScoreColumnSetId = "ScoreColumnSetId";
        public const string ScoreColumnKind = "ScoreColumnKind";
        public const string ScoreValueKind = "ScoreValueKind";
        public const string IsNormalized = "IsNormalized";
        public const string IsUserVisible = "IsUserVisible";
        public const string TrainingLabelValues = "TrainingLabelValues";
        public const string CategoricalSlotRanges = "CategoricalSlotRanges";
    }
}
