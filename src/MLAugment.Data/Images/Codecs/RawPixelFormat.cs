namespace MLAugment.Data.Images.Codecs;

/// <summary>Byte layout of one pixel in a <see cref="RawImage"/>.</summary>
public enum RawPixelFormat
{
    /// <summary>One luma byte per pixel.</summary>
    Gray8,
    /// <summary>Red, green, blue bytes.</summary>
    Rgb24,
    /// <summary>Red, green, blue, alpha bytes (straight, not premultiplied alpha).</summary>
    Rgba32,
    /// <summary>Blue, green, red, alpha bytes (the Windows / BMP order).</summary>
    Bgra32,
}

public static class RawPixelFormatExtensions
{
    public static int BytesPerPixel(this RawPixelFormat format) => format switch
    {
        RawPixelFormat.Gray8 => 1,
        RawPixelFormat.Rgb24 => 3,
        RawPixelFormat.Rgba32 => 4,
        RawPixelFormat.Bgra32 => 4,
        _ => throw new ArgumentOutOfRangeException(nameof(format), format, "Unknown pixel format."),
    };

    public static bool HasAlpha(this RawPixelFormat format) =>
        format is RawPixelFormat.Rgba32 or RawPixelFormat.Bgra32;
}
