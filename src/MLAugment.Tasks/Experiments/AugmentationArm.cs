namespace MLAugment.Tasks.Experiments;

/// <summary>The training-set treatments an augmentation experiment compares.</summary>
public enum AugmentationArm
{
    /// <summary>The subset as drawn.</summary>
    NoAugmentation = 0,
    /// <summary>Flips, crops, small rotations/translations, brightness/contrast jitter (<c>ClassicalAugment</c>).</summary>
    Classical = 1,
    /// <summary><c>ClassBalancing</c>: generate from the label until every class has the head class's count.</summary>
    ClassBalancing = 2,
    /// <summary><c>DiffusionAugment</c> img2img (DA-Fusion) at the same generation budget as ClassBalancing.</summary>
    DiffusionAugment = 3,
    /// <summary>ClassBalancing, then classical augmentation of every (real and synthetic) row.</summary>
    ClassBalancingClassical = 4,
}

/// <summary>Names and properties of <see cref="AugmentationArm"/> used by the runner and the report.</summary>
public static class AugmentationArms
{
    public static IReadOnlyList<AugmentationArm> All { get; } = Enum.GetValues<AugmentationArm>();

    /// <summary>A file-safe id ("class-balancing").</summary>
    public static string Id(this AugmentationArm arm) => arm switch
    {
        AugmentationArm.NoAugmentation => "no-augmentation",
        AugmentationArm.Classical => "classical",
        AugmentationArm.ClassBalancing => "class-balancing",
        AugmentationArm.DiffusionAugment => "diffusion-augment",
        AugmentationArm.ClassBalancingClassical => "class-balancing-classical",
        _ => throw new ArgumentOutOfRangeException(nameof(arm), arm, "Unknown arm."),
    };

    /// <summary>The name in tables.</summary>
    public static string DisplayName(this AugmentationArm arm) => arm switch
    {
        AugmentationArm.NoAugmentation => "no augmentation",
        AugmentationArm.Classical => "classical",
        AugmentationArm.ClassBalancing => "ClassBalancing",
        AugmentationArm.DiffusionAugment => "DiffusionAugment img2img",
        AugmentationArm.ClassBalancingClassical => "ClassBalancing + classical",
        _ => throw new ArgumentOutOfRangeException(nameof(arm), arm, "Unknown arm."),
    };

    /// <summary>A short upper-case label for the chart's bitmap font.</summary>
    public static string ChartLabel(this AugmentationArm arm) => arm switch
    {
        AugmentationArm.NoAugmentation => "NO AUG",
        AugmentationArm.Classical => "CLASSICAL",
        AugmentationArm.ClassBalancing => "CLASSBAL",
        AugmentationArm.DiffusionAugment => "IMG2IMG",
        AugmentationArm.ClassBalancingClassical => "CLASSBAL+CL",
        _ => throw new ArgumentOutOfRangeException(nameof(arm), arm, "Unknown arm."),
    };

    /// <summary>The arm with this <see cref="Id"/> (case-insensitive).</summary>
    public static AugmentationArm Parse(string id)
    {
        ArgumentNullException.ThrowIfNull(id);
        foreach (var a in All)
            if (string.Equals(a.Id(), id.Trim(), StringComparison.OrdinalIgnoreCase))
                return a;
        throw new ArgumentException($"Unknown arm '{id}'; the arms are: {string.Join(", ", All.Select(x => x.Id()))}.");
    }

    public static bool UsesClassBalancing(this AugmentationArm arm) => arm is AugmentationArm.ClassBalancing or AugmentationArm.ClassBalancingClassical;

    public static bool UsesClassical(this AugmentationArm arm) => arm is AugmentationArm.Classical or AugmentationArm.ClassBalancingClassical;

    public static bool UsesDiffusion(this AugmentationArm arm) => arm.UsesClassBalancing() || arm == AugmentationArm.DiffusionAugment;
}
