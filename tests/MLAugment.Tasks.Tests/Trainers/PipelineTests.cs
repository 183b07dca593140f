using MLAugment.Data;
using MLAugment.Tasks.Augmentation;
using MLAugment.Tasks.Trainers;

namespace MLAugment.Tasks.Tests.Trainers;

[TestClass]
public sealed class PipelineTests
{
    [TestMethod]
    public void TrainingOnlyAugmentationFeedsTheTrainerAndIsDroppedForScoring()
    {
        var ml = new MLContext(seed: 1);
        var train = ToyImages.Load(ml, perClass: 20, seed: 11);
        var test = ToyImages.Load(ml, perClass: 20, seed: 12);
        int trainedOn = 0;
        var augment = ml.Transforms.ClassicalAugment(new ClassicalAugmentingEstimator.Options
        {
            // Label-preserving for bars and squares: flips and whole-pixel shifts only.
            NumberOfCopies = 1, HorizontalFlipProbability = 0.5f, VerticalFlipProbability = 0.5f, CropMinimumScale = 1,
            RotationDegrees = 0, TranslateFraction = 0.125f, Brightness = 0.1f, Contrast = 0, Seed = 2,
        });
        var trainer = ml.MulticlassClassification.Trainers.ImageClassification(new ImageClassificationTrainer.Options
        {
            Epoch = 10, BatchSize = 16, LearningRate = 0.01f, Width = 8, Seed = 3, ValidationSetFraction = null,
            MetricsCallback = m => trainedOn = m.TrainingImages,
        });
        var pipeline = new EstimatorChain<ITransformer>()
            .Append(augment, TransformerScope.Training)
            .Append(trainer);
        var model = pipeline.Fit(train);
        Assert.AreEqual(120, trainedOn, "the trainer sees each row and its augmented copy");
        var scoring = model.GetModelFor(TransformerScope.Scoring);
        var scored = scoring.Transform(test);
        Assert.AreEqual(60L, scored.GetRowCount(), "scoring never augments");
        Assert.IsNull(scored.Schema.GetColumnOrNull("IsSynthetic"));
        var metrics = ml.MulticlassClassification.Evaluate(scored);
        Assert.IsGreaterThanOrEqualTo(0.95, metrics.MicroAccuracy, metrics.ConfusionMatrix.GetFormattedConfusionTable());
    }
}
