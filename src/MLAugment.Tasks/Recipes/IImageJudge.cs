using MLAugment.Engine;

namespace MLAugment.Tasks.Recipes;

/// <summary>
/// A frozen image classifier used as the judge of generated images: class probabilities and penultimate-layer
/// features (the space the Fréchet distance is measured in) for images [N, C, H, W] in [−1, 1] at the model's size.
/// </summary>
public interface IImageJudge
{
    /// <summary>The classes in the order of the probability columns; must match the diffusion model's class order.</summary>
    IReadOnlyList<string> ClassNames { get; }

    int FeatureDimension { get; }

    /// <summary>Row-major probabilities [N, K] and features [N, D]; every image is scored independently of its batch.</summary>
    (float[] Probabilities, float[] Features) Score(Tensor images);
}
