using MLAugment.Data;
using MLAugment.Tasks.Metrics;
using MLAugment.Tasks.Trainers;

namespace MLAugment.Tasks.Evaluation;

/// <summary>
/// Reads a scored view (a key label, a <c>Vector&lt;Single, K&gt;</c> of class scores, a key predicted label) into
/// <see cref="MulticlassClassificationMetrics"/>. Rows whose label is missing (key 0) are skipped, as ML.NET does.
/// Class names come from the label's KeyValues.
/// </summary>
internal static class MulticlassClassificationEvaluator
{
    public static MulticlassClassificationMetrics Evaluate(IDataView data, string labelColumnName, string scoreColumnName,
        string predictedLabelColumnName, int topKPredictionCount)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentException.ThrowIfNullOrWhiteSpace(labelColumnName);
        ArgumentException.ThrowIfNullOrWhiteSpace(scoreColumnName);
        ArgumentException.ThrowIfNullOrWhiteSpace(predictedLabelColumnName);
        if (topKPredictionCount < 0)
            throw new ArgumentOutOfRangeException(nameof(topKPredictionCount), topKPredictionCount, "Evaluate: the top-K prediction count must be non-negative.");
        var schema = data.Schema;
        var labelType = ImageColumns.CheckLabel(schema, labelColumnName);
        int classes = (int)labelType.Count;
        var score = schema.GetColumnOrNull(scoreColumnName) ?? throw SchemaExceptions.ExceptSchemaMismatch(nameof(data), "score", scoreColumnName);
        if (score.Type is not VectorDataViewType { ItemType: NumberDataViewType s } sv || s != NumberDataViewType.Single || sv.Size != classes)
            throw SchemaExceptions.ExceptSchemaMismatch(nameof(data), "score", scoreColumnName, $"Vector<Single, {classes}>", score.Type is VectorDataViewType ? score.Type.ToString()! : ImageColumns.TypeString(score.Type));
        var predicted = schema.GetColumnOrNull(predictedLabelColumnName) ?? throw SchemaExceptions.ExceptSchemaMismatch(nameof(data), "predicted label", predictedLabelColumnName);
        if (predicted.Type is not KeyDataViewType pk || pk.RawType != typeof(uint) || pk.Count != labelType.Count)
            throw SchemaExceptions.ExceptSchemaMismatch(nameof(data), "predicted label", predictedLabelColumnName, labelType.ToString(), ImageColumns.TypeString(predicted.Type));
        if (topKPredictionCount > classes)
            throw new ArgumentOutOfRangeException(nameof(topKPredictionCount), topKPredictionCount, $"Evaluate: the top-K prediction count exceeds the {classes} classes.");

        var labels = new List<int>();
        var scores = new List<float>();
        var label = schema[labelColumnName];
        using (var cursor = data.GetRowCursor([label, score]))
        {
            var getLabel = cursor.GetGetter<uint>(label);
            var getScore = cursor.GetGetter<VBuffer<float>>(score);
            uint key = 0;
            var buffer = default(VBuffer<float>);
            var dense = new float[classes];
            while (cursor.MoveNext())
            {
                getLabel(ref key);
                if (key == 0) continue;
                getScore(ref buffer);
                buffer.CopyTo(dense);
                labels.Add((int)key - 1);
                scores.AddRange(dense);
            }
        }
        return MulticlassClassificationMetrics.Compute(labels.ToArray(), scores.ToArray(), classes, topKPredictionCount,
            ImageColumns.KeyNames(label));
    }
}
