namespace MLAugment.Tasks.Augmentation;

/// <summary>
/// RandAugment (Cubuk et al. 2020, "RandAugment: Practical automated data augmentation with a reduced search space"):
/// N operations drawn uniformly from a fixed list, all at one magnitude M. The list and the magnitude scales are
/// torchvision's (31 bins): shear up to 0.3, translation up to 150/331 of the side, rotation up to 30°, enhance
/// factors 1 ± 0.9, posterize 8 → 4 bits, solarize threshold from the top of the range down to the bottom.
/// </summary>
internal static class RandAugment
{
    public const int MagnitudeBins = 31;

    public enum Operation
    {
        Identity, ShearX, ShearY, TranslateX, TranslateY, Rotate, Brightness, Color, Contrast, Sharpness,
        Posterize, Solarize, AutoContrast, Equalize,
    }

    public static readonly int OperationCount = Enum.GetValues<Operation>().Length;

    /// <summary>linspace(0, top, bins)[magnitude].</summary>
    private static double Scale(double top, int magnitude) => top * magnitude / (MagnitudeBins - 1);

    public static void Apply(Operation op, int magnitude, bool negate, Span<float> image, Span<float> scratch, int c, int h, int w,
        float min, float max)
    {
        double sign = negate ? -1 : 1;
        switch (op)
        {
            case Operation.Identity:
                return;
            case Operation.ShearX or Operation.ShearY:
            {
                // torchvision passes shear as an angle: atan of the shear factor, in degrees.
                double angle = Math.Atan(sign * Scale(0.3, magnitude)) * 180 / Math.PI;
                ImageOps.Affine(image, scratch, c, h, w, 0, 0, 0, op == Operation.ShearX ? angle : 0, op == Operation.ShearY ? angle : 0, min);
                scratch.CopyTo(image);
                return;
            }
            case Operation.TranslateX or Operation.TranslateY:
            {
                double t = Math.Round(sign * Scale(150.0 / 331 * (op == Operation.TranslateX ? w : h), magnitude));
                ImageOps.Affine(image, scratch, c, h, w, 0, op == Operation.TranslateX ? t : 0, op == Operation.TranslateY ? t : 0, 0, 0, min);
                scratch.CopyTo(image);
                return;
            }
            case Operation.Rotate:
                ImageOps.Affine(image, scratch, c, h, w, sign * Scale(30, magnitude), 0, 0, 0, 0, min);
                scratch.CopyTo(image);
                return;
            case Operation.Brightness:
                ImageOps.Brightness(image, (float)(1 + sign * Scale(0.9, magnitude)), min, max);
                return;
            case Operation.Color:
                ImageOps.Color(image, c, h, w, (float)(1 + sign * Scale(0.9, magnitude)), min, max);
                return;
            case Operation.Contrast:
                ImageOps.Contrast(image, c, h, w, (float)(1 + sign * Scale(0.9, magnitude)), min, max);
                return;
            case Operation.Sharpness:
                ImageOps.Sharpness(image, c, h, w, (float)(1 + sign * Scale(0.9, magnitude)), min, max);
                return;
            case Operation.Posterize:
                // 8 − round(m / ((bins − 1) / 4)): 8 bits at magnitude 0, 4 at the top.
                ImageOps.Posterize(image, 8 - (int)Math.Round(magnitude / ((MagnitudeBins - 1) / 4.0), MidpointRounding.ToEven), min, max);
                return;
            case Operation.Solarize:
                ImageOps.Solarize(image, (float)(max - Scale(max - min, magnitude)), min, max);
                return;
            case Operation.AutoContrast:
                ImageOps.AutoContrast(image, c, h, w, min, max);
                return;
            case Operation.Equalize:
                ImageOps.Equalize(image, c, h, w, min, max);
                return;
            default:
                throw new ArgumentOutOfRangeException(nameof(op), op, "RandAugment: unknown operation.");
        }
    }
}
