namespace MLAugment.Tasks.Trainers;

/// <summary>
/// What <see cref="ImageClassificationTrainer"/> reports after each epoch (through
/// <see cref="ImageClassificationTrainer.Options.MetricsCallback"/> and <see cref="ImageClassificationTrainer.Options.Progress"/>).
/// Named after ML.NET's <c>ImageClassificationMetrics</c>/<c>TrainMetrics</c>; validation fields are null without a validation set.
/// </summary>
public sealed record ImageClassificationMetrics(
    int Epoch,
    int TotalEpochs,
    double TrainLoss,
    double TrainAccuracy,
    double? ValidationLoss,
    double? ValidationAccuracy,
    double ImagesPerSecond,
    TimeSpan Elapsed,
    bool EarlyStopped,
    int TrainingImages,
    int ValidationImages)
{
    public override string ToString() =>
        FormattableString.Invariant($"epoch {Epoch}/{TotalEpochs}: loss {TrainLoss:0.0000}, accuracy {TrainAccuracy:0.0000}") +
        (ValidationAccuracy is double va ? FormattableString.Invariant($", validation loss {ValidationLoss:0.0000}, accuracy {va:0.0000}") : "") +
        FormattableString.Invariant($", {ImagesPerSecond:0} images/s") + (EarlyStopped ? " (early stop)" : "");
}

/// <summary>Which validation metric <see cref="EarlyStopping"/> watches.</summary>
public enum EarlyStoppingMetric
{
    Accuracy = 0,
    Loss = 1,
}

/// <summary>
/// Stops training when the watched metric has not improved by more than <see cref="MinDelta"/> for
/// <see cref="Patience"/> epochs (ML.NET's <c>ImageClassificationTrainer.EarlyStopping</c>; accuracy must increase,
/// loss decrease). The metric is read on the validation set, or on the training epoch when there is none.
/// </summary>
public sealed class EarlyStopping
{
    public EarlyStopping(float minDelta = 0.01f, int patience = 20, EarlyStoppingMetric metric = EarlyStoppingMetric.Accuracy)
    {
        if (!(minDelta >= 0) || !float.IsFinite(minDelta))
            throw new ArgumentOutOfRangeException(nameof(minDelta), minDelta, "EarlyStopping: the minimum improvement must be finite and non-negative.");
        if (patience < 1)
            throw new ArgumentOutOfRangeException(nameof(patience), patience, "EarlyStopping: patience must be at least 1 epoch.");
        if (!Enum.IsDefined(metric))
            throw new ArgumentOutOfRangeException(nameof(metric), metric, "EarlyStopping: unknown metric.");
        MinDelta = minDelta;
        Patience = patience;
        Metric = metric;
    }

    public float MinDelta { get; }
    public int Patience { get; }
    public EarlyStoppingMetric Metric { get; }

    /// <summary>Per-run state: the best value so far and the epochs since it improved.</summary>
    internal sealed class Tracker(EarlyStopping criteria)
    {
        private double? _best;
        private int _stale;

        /// <summary>Records one epoch's metric; true when training should stop.</summary>
        public bool ShouldStop(double accuracy, double loss)
        {
            double value = criteria.Metric == EarlyStoppingMetric.Accuracy ? accuracy : -loss;
            if (_best is null || value - _best.Value > criteria.MinDelta)
            {
                _best = value;
                _stale = 0;
                return false;
            }
            return ++_stale >= criteria.Patience;
        }
    }
}
