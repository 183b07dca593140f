namespace MLAugment.Data.Images.Codecs;

/// <summary>
/// A PNG decoded at full 16-bit precision: row-major interleaved samples, <see cref="Channels"/> per pixel
/// (1 gray, 2 gray+alpha, 3 RGB, 4 RGBA). Palettes are expanded, tRNS becomes an alpha channel, and
/// samples of lower bit depth are scaled to the full 0..65535 range (v * 65535 / (2^depth - 1)).
/// </summary>
public sealed record PngImage16(int Width, int Height, int Channels, ushort[] Samples);
