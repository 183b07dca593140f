using MLAugment.Engine;
using MLAugment.Tasks.Trainers;

namespace MLAugment.Tasks.Recipes;

/// <summary>
/// <see cref="IImageJudge"/> over a trained <see cref="ImageClassificationTransformer"/>: probabilities from its softmax
/// head and features from its penultimate layer (after global average pooling), both from one forward pass. Images
/// must already be at the scale and size the classifier was trained on (the Fashion judge: [N, 1, 32, 32] in [−1, 1]).
/// </summary>
public sealed class ImageClassifierJudge : IImageJudge
{
    private readonly ImageClassificationTransformer _classifier;

    public ImageClassifierJudge(ImageClassificationTransformer classifier)
    {
        _classifier = classifier ?? throw new ArgumentNullException(nameof(classifier));
        ClassNames = classifier.ClassNames
            ?? throw new ArgumentException("ImageClassifierJudge: the classifier has no class names (its label column had no KeyValues); a judge must know which class each probability is.", nameof(classifier));
    }

    public IReadOnlyList<string> ClassNames { get; }

    public int FeatureDimension => _classifier.FeatureDimension;

    public ImageClassificationTransformer Classifier => _classifier;

    public (float[] Probabilities, float[] Features) Score(Tensor images)
    {
        ArgumentNullException.ThrowIfNull(images);
        var (c, h, w) = _classifier.ImageShape;
        if (images.Rank != 4 || images.Shape[1] != c || images.Shape[2] != h || images.Shape[3] != w)
            throw new ArgumentException($"ImageClassifierJudge: images {ShapeUtil.Format(images.Shape)} do not match the classifier's input [N, {c}, {h}, {w}].", nameof(images));
        return _classifier.PredictProbabilitiesAndFeatures(images.Span, images.Shape[0]);
    }
}
