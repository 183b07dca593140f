using MLAugment.Data.Images.Codecs;

namespace MLAugment.Tasks.Experiments;

/// <summary>An RGB drawing surface for report figures: filled rectangles, lines along the axes, pasted images.</summary>
internal sealed class Canvas
{
    public Canvas(int width, int height, (byte R, byte G, byte B) background)
    {
        if (width < 1 || height < 1) throw new ArgumentOutOfRangeException(nameof(width), $"Canvas: {width}x{height} is not a valid size.");
        Image = new RawImage(width, height, RawPixelFormat.Rgb24);
        FillRect(0, 0, width, height, background);
    }

    public RawImage Image { get; }
    public int Width => Image.Width;
    public int Height => Image.Height;

    /// <summary>Fills the rectangle clipped to the canvas.</summary>
    public void FillRect(int x, int y, int w, int h, (byte R, byte G, byte B) c)
    {
        int x0 = Math.Max(0, x), y0 = Math.Max(0, y), x1 = Math.Min(Width, x + w), y1 = Math.Min(Height, y + h);
        var px = Image.Pixels;
        for (int yy = y0; yy < y1; yy++)
            for (int xx = x0; xx < x1; xx++)
            {
                int o = (yy * Width + xx) * 3;
                px[o] = c.R; px[o + 1] = c.G; px[o + 2] = c.B;
            }
    }

    public void HLine(int x0, int x1, int y, (byte R, byte G, byte B) c, int thickness = 1) =>
        FillRect(Math.Min(x0, x1), y - thickness / 2, Math.Abs(x1 - x0) + 1, thickness, c);

    public void VLine(int x, int y0, int y1, (byte R, byte G, byte B) c, int thickness = 1) =>
        FillRect(x - thickness / 2, Math.Min(y0, y1), thickness, Math.Abs(y1 - y0) + 1, c);

    /// <summary>Pastes an RGBA/BGRA/gray image at (x, y), each pixel as a <paramref name="scale"/>² block (alpha ignored).</summary>
    public void Paste(RawImage src, int x, int y, int scale = 1)
    {
        var rgb = src.Format == RawPixelFormat.Rgb24 ? src : src.ToRgb24();
        for (int yy = 0; yy < rgb.Height; yy++)
            for (int xx = 0; xx < rgb.Width; xx++)
            {
                int o = (yy * rgb.Width + xx) * 3;
                FillRect(x + xx * scale, y + yy * scale, scale, scale, (rgb.Pixels[o], rgb.Pixels[o + 1], rgb.Pixels[o + 2]));
            }
    }

    public void SavePng(string path)
    {
        using var f = File.Create(path);
        PngEncoder.Encode(Image, f);
    }
}
