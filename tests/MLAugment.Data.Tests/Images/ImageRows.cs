using MLAugment.Data;

namespace MLAugment.Data.Tests.Images;

/// <summary>Row classes for the image transform tests.</summary>
public static class ImageRows
{
    public sealed class PathRow
    {
        public string ImagePath { get; set; } = "";
    }

    public sealed class NumericPathRow
    {
        public float ImagePath { get; set; }
    }

    public sealed class AnyImage
    {
        public MLImage? Image { get; set; }
    }

    public sealed class TwoByThreeImage
    {
        [ImageType(2, 3)]
        public MLImage? Image { get; set; }
    }

    public sealed class TextImage
    {
        public string Image { get; set; } = "";
    }

    public sealed class Pixels
    {
        [VectorType(3, 2, 3)]
        public float[] Values { get; set; } = new float[18];
    }

    /// <summary>Images of assorted sizes made from <see cref="TempImageFolder.Pattern"/>.</summary>
    public static AnyImage[] AssortedImages() =>
    [
        new() { Image = MLImage.FromRaw(TempImageFolder.Pattern(4, 3, seed: 1)) },
        new() { Image = MLImage.FromRaw(TempImageFolder.Pattern(2, 5, seed: 2)) },
        new() { Image = MLImage.FromRaw(TempImageFolder.Pattern(3, 2, seed: 3)) },
    ];

    public static TwoByThreeImage[] SmallImages() =>
    [
        new() { Image = MLImage.FromRaw(TempImageFolder.Pattern(3, 2, seed: 4)) },
        new() { Image = MLImage.FromRaw(TempImageFolder.Pattern(3, 2, seed: 5).ToBgra32()) },
    ];
}
