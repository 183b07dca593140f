using MLAugment.Data;
using MLAugment.Tasks.Augmentation;
using MLAugment.Tasks.Evaluation;
using MLAugment.Tasks.Metrics;
using MLAugment.Tasks.Trainers;

namespace MLAugment.Tasks;

/// <summary>The task layer's catalog entries: the image classifier, multiclass evaluation and the classical augmenter.</summary>
public static class TasksCatalog
{
    /// <summary>
    /// A small CNN trained from scratch on planar pixel vectors. Mirrors
    /// <c>mlContext.MulticlassClassification.Trainers.ImageClassification(labelColumnName, featureColumnName, scoreColumnName, predictedLabelColumnName, validationSet)</c>.
    /// </summary>
    public static ImageClassificationTrainer ImageClassification(this MulticlassClassificationCatalog.MulticlassClassificationTrainers catalog,
        string labelColumnName = DefaultColumnNames.Label, string featureColumnName = DefaultColumnNames.Features,
        string scoreColumnName = DefaultColumnNames.Score, string predictedLabelColumnName = DefaultColumnNames.PredictedLabel,
        IDataView? validationSet = null)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        return new ImageClassificationTrainer(catalog.Context, new ImageClassificationTrainer.Options
        {
            LabelColumnName = labelColumnName,
            FeatureColumnName = featureColumnName,
            ScoreColumnName = scoreColumnName,
            PredictedLabelColumnName = predictedLabelColumnName,
            ValidationSet = validationSet,
        });
    }

    /// <summary>The image classifier with every option.</summary>
    public static ImageClassificationTrainer ImageClassification(this MulticlassClassificationCatalog.MulticlassClassificationTrainers catalog,
        ImageClassificationTrainer.Options options)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        return new ImageClassificationTrainer(catalog.Context, options);
    }

    /// <summary>
    /// Multiclass metrics of a scored view: label (key), score (<c>Vector&lt;Single, K&gt;</c> probabilities) and
    /// predicted label (key) columns. Mirrors <c>mlContext.MulticlassClassification.Evaluate</c>.
    /// </summary>
    public static MulticlassClassificationMetrics Evaluate(this MulticlassClassificationCatalog catalog, IDataView data,
        string labelColumnName = DefaultColumnNames.Label, string scoreColumnName = DefaultColumnNames.Score,
        string predictedLabelColumnName = DefaultColumnNames.PredictedLabel, int topKPredictionCount = 0)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        return MulticlassClassificationEvaluator.Evaluate(data, labelColumnName, scoreColumnName, predictedLabelColumnName, topKPredictionCount);
    }

    /// <summary>
    /// The classical augmentation baseline on a planar float image column: emits each row (when
    /// <paramref name="keepOriginal"/>) followed by <paramref name="numberOfCopies"/> copies with a random resized crop,
    /// horizontal flip, small rotation/translation and brightness/contrast jitter (the defaults of
    /// <see cref="ClassicalAugmentingEstimator.Options"/>), marked by <c>IsSynthetic</c> and grouped by <c>SourceRowId</c>.
    /// Training only: append it with <c>TransformerScope.Training</c>.
    /// </summary>
    public static ClassicalAugmentingEstimator ClassicalAugment(this TransformsCatalog catalog, string outputColumnName,
        string? inputColumnName = null, int numberOfCopies = 1, bool keepOriginal = true, int? seed = null)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        return new ClassicalAugmentingEstimator(catalog.Context, new ClassicalAugmentingEstimator.Options
        {
            OutputColumnName = outputColumnName,
            InputColumnName = inputColumnName,
            NumberOfCopies = numberOfCopies,
            KeepOriginal = keepOriginal,
            Seed = seed,
        });
    }

    /// <summary>The classical augmentation baseline with every option (RandAugment, pixel range, probabilities).</summary>
    public static ClassicalAugmentingEstimator ClassicalAugment(this TransformsCatalog catalog, ClassicalAugmentingEstimator.Options options)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        return new ClassicalAugmentingEstimator(catalog.Context, options);
    }
}
