namespace MLAugment.Data;

/// <summary>The byte order of an <see cref="MLImage"/>'s 32-bit pixels. Mirrors <c>Microsoft.ML.Data.MLPixelFormat</c>.</summary>
public enum MLPixelFormat
{
    /// <summary>Not known; never the format of a live image.</summary>
    Unknown,

    /// <summary>Blue, green, red, alpha bytes.</summary>
    Bgra32,

    /// <summary>Red, green, blue, alpha bytes.</summary>
    Rgba32,
}
