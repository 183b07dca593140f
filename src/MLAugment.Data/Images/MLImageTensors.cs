using MLAugment.Data.Transforms.Augmentation;
using MLAugment.Engine;

namespace MLAugment.Data;

/// <summary>
/// A diffusion model's output as images: rows of an NCHW tensor in [−1, 1] (what <c>DiffusionPipeline.Generate</c> and
/// <c>ImageToImage</c> return) as opaque RGBA <see cref="MLImage"/>s, with the byte mapping the augmenters use:
/// round((x + 1)·127.5) clamped to 0..255; one channel is written gray.
/// </summary>
public static class MLImageTensors
{
    /// <summary>Image <paramref name="index"/> of <paramref name="images"/> ([N, C, H, W], C = 1 or 3).</summary>
    /// <exception cref="ArgumentException">The tensor is not [N, 1 or 3, H, W].</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="index"/> is not a row of the tensor.</exception>
    public static MLImage ToMLImage(Tensor images, int index)
    {
        ArgumentNullException.ThrowIfNull(images);
        if (images.Rank != 4 || images.Shape[1] is not (1 or 3) || images.Shape[2] < 1 || images.Shape[3] < 1)
            throw new ArgumentException(
                $"Expected images [N, C, H, W] with C = 1 or 3, got [{string.Join(", ", images.Shape.ToArray())}].", nameof(images));
        if ((uint)index >= (uint)images.Shape[0])
            throw new ArgumentOutOfRangeException(nameof(index), index, $"The tensor holds {images.Shape[0]} images.");
        return ImageTensors.ToImage(images, index, null, null);
    }

    /// <summary>Every image of <paramref name="images"/> ([N, C, H, W], C = 1 or 3), in row order.</summary>
    public static MLImage[] ToMLImages(Tensor images)
    {
        ArgumentNullException.ThrowIfNull(images);
        if (images.Rank != 4)
            throw new ArgumentException($"Expected images [N, C, H, W] with C = 1 or 3, got [{string.Join(", ", images.Shape.ToArray())}].", nameof(images));
        var result = new MLImage[images.Shape[0]];
        for (int i = 0; i < result.Length; i++)
            result[i] = ToMLImage(images, i);
        return result;
    }
}
