using MLAugment.Data;
using MLAugment.Data.Transforms.Augmentation;
using MLAugment.Data.Transforms.Image;
using MLAugment.Diffusion.Sampling;
using MLAugment.Tasks.Augmentation;
using MLAugment.Tasks.Trainers;

namespace MLAugment.Tasks.Experiments;

/// <summary>
/// Each arm as the pipeline a user would write: key the label, size the image, augment (training scope only), extract
/// the gray channel, train the classifier. Scoring a fitted pipeline skips the augmenters.
/// </summary>
public static class ExperimentPipelines
{
    /// <summary>The pipeline of <paramref name="arm"/> for one seed.</summary>
    /// <param name="model">The diffusion model (an in-memory backend; e.g. a loaded model folder).</param>
    /// <param name="classNames">The label values (ClassBalancing's per-class targets name them).</param>
    /// <param name="diffusionPerImage">DiffusionAugment's synthetic rows per real row.</param>
    /// <param name="epochs">Classifier epochs.</param>
    /// <param name="cacheDirectory">The generation cache (null: none).</param>
    public static EstimatorChain<ImageClassificationTransformer> Build(MLContext ml, AugmentationArm arm, ExperimentSettings settings,
        IDiffusionBackend model, IReadOnlyList<string> classNames, int seed, int diffusionPerImage, int epochs, string? cacheDirectory, Action<ImageClassificationMetrics>? onEpoch = null)
    {
        ArgumentNullException.ThrowIfNull(ml);
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(model);
        int w = model.ImageWidth, h = model.ImageHeight;

        var balancing = BalancingOptions(settings, model, classNames, seed, cacheDirectory);
        var img2img = ImageToImageOptions(settings, model, seed, diffusionPerImage, cacheDirectory);
        // Fashion-MNIST is label-preserving under horizontal flips; pixels are 0..255 with a black (0) background.
        var classical = new ClassicalAugmentingEstimator.Options
        {
            OutputColumnName = "Features", NumberOfCopies = settings.ClassicalCopies, Seed = seed, PixelMin = 0, PixelMax = 255,
        };
        var trainer = ml.MulticlassClassification.Trainers.ImageClassification(new ImageClassificationTrainer.Options
        {
            Epoch = epochs, BatchSize = settings.ClassifierBatchSize, LearningRate = settings.LearningRate, CosineDecay = settings.CosineDecay, Width = settings.ClassifierWidth,
            Seed = seed, ValidationSetFraction = null, MetricsCallback = onEpoch,
        });
        var gray = ImagePixelExtractingEstimator.ColorBits.Red;   // R = G = B: one channel

        return arm switch
        {
            AugmentationArm.NoAugmentation => ml.Transforms.Conversion.MapValueToKey("Label")
                .Append(ml.Transforms.ResizeImages("Image", w, h))
                .Append(ml.Transforms.ExtractPixels("Features", "Image", colorsToExtract: gray))
                .Append(trainer),
            AugmentationArm.Classical => ml.Transforms.Conversion.MapValueToKey("Label")
                .Append(ml.Transforms.ResizeImages("Image", w, h))
                .Append(ml.Transforms.ExtractPixels("Features", "Image", colorsToExtract: gray))
                .Append(ml.Transforms.ClassicalAugment(classical), TransformerScope.Training)
                .Append(trainer),
            AugmentationArm.ClassBalancing => ml.Transforms.Conversion.MapValueToKey("Label")
                .Append(ml.Transforms.ResizeImages("Image", w, h))
                .Append(ml.Transforms.ClassBalancing(balancing), TransformerScope.Training)
                .Append(ml.Transforms.ExtractPixels("Features", "Image", colorsToExtract: gray))
                .Append(trainer),
            AugmentationArm.DiffusionAugment => ml.Transforms.Conversion.MapValueToKey("Label")
                .Append(ml.Transforms.ResizeImages("Image", w, h))
                .Append(ml.Transforms.DiffusionAugment(img2img), TransformerScope.Training)
                .Append(ml.Transforms.ExtractPixels("Features", "Image", colorsToExtract: gray))
                .Append(trainer),
            AugmentationArm.ClassBalancingClassical => ml.Transforms.Conversion.MapValueToKey("Label")
                .Append(ml.Transforms.ResizeImages("Image", w, h))
                .Append(ml.Transforms.ClassBalancing(balancing), TransformerScope.Training)
                .Append(ml.Transforms.ExtractPixels("Features", "Image", colorsToExtract: gray))
                .Append(ml.Transforms.ClassicalAugment(classical), TransformerScope.Training)
                .Append(trainer),
            _ => throw new ArgumentOutOfRangeException(nameof(arm), arm, "Unknown arm."),
        };
    }

    /// <summary>ClassBalancing's options for one seed: balanced (or to <see cref="ExperimentSettings.BalanceTo"/>), prompts = class names.</summary>
    public static ClassBalancingOptions BalancingOptions(ExperimentSettings settings, IDiffusionBackend model, IReadOnlyList<string> classNames,
        int seed, string? cacheDirectory) => new()
    {
        Model = model, Mode = settings.BalancingMode, Strength = settings.Strength, Seed = seed, CacheDirectory = cacheDirectory,
        NumInferenceSteps = settings.NumInferenceSteps, GuidanceScale = settings.GuidanceScale, Scheduler = settings.Scheduler,
        BatchSize = settings.GenerationBatchSize, PromptTemplate = "{label}",
        Target = settings.BalanceTo is null ? BalancingTarget.Balanced : BalancingTarget.PerClass,
        PerClassTargets = settings.BalanceTo is int t ? classNames.ToDictionary(c => c, _ => t) : null,
    };

    /// <summary>DiffusionAugment's img2img options for one seed (DA-Fusion at <see cref="ExperimentSettings.Strength"/>).</summary>
    public static DiffusionAugmentOptions ImageToImageOptions(ExperimentSettings settings, IDiffusionBackend model, int seed, int perImage,
        string? cacheDirectory) => new()
    {
        Model = model, Mode = DiffusionAugmentMode.ImageToImage, Strength = settings.Strength, SyntheticPerImage = perImage,
        Seed = seed, CacheDirectory = cacheDirectory, NumInferenceSteps = settings.NumInferenceSteps, GuidanceScale = settings.GuidanceScale,
        Scheduler = settings.Scheduler, BatchSize = settings.GenerationBatchSize, PromptTemplate = "{label}",
    };
}
