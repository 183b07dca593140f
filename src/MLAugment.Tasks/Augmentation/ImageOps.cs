namespace MLAugment.Tasks.Augmentation;

/// <summary>
/// The classical augmentations on one planar float image [C, H, W] whose pixel values live in [<c>min</c>, <c>max</c>]
/// (0..255 for IDX rows, 0..1 or −1..1 after ExtractPixels' scale/offset). Geometry is resampled by inverse mapping
/// with nearest-neighbour lookup and constant fill (torchvision's defaults for RandomAffine and RandAugment); crops are
/// resized bilinearly (half-pixel centres, like torchvision's RandomResizedCrop). Colour operations follow PIL's
/// ImageEnhance formulas, blending with a degenerate image: out = factor·x + (1 − factor)·degenerate (exact at
/// factor 1), then clamp.
/// </summary>
internal static class ImageOps
{
    public static void FlipHorizontal(ReadOnlySpan<float> src, Span<float> dst, int c, int h, int w)
    {
        for (int p = 0; p < c * h; p++)
            for (int x = 0; x < w; x++)
                dst[p * w + x] = src[p * w + w - 1 - x];
    }

    public static void FlipVertical(ReadOnlySpan<float> src, Span<float> dst, int c, int h, int w)
    {
        for (int k = 0; k < c; k++)
            for (int y = 0; y < h; y++)
                src.Slice((k * h + h - 1 - y) * w, w).CopyTo(dst.Slice((k * h + y) * w, w));
    }

    /// <summary>
    /// Affine warp about the image centre: rotation by <paramref name="degrees"/> (counter-clockwise, as torchvision),
    /// shear angles in degrees, then translation by (<paramref name="tx"/>, <paramref name="ty"/>) pixels. Each output pixel
    /// takes the nearest source pixel of the inverse map; pixels mapped from outside the image get <paramref name="fill"/>.
    /// </summary>
    public static void Affine(ReadOnlySpan<float> src, Span<float> dst, int c, int h, int w, double degrees, double tx, double ty,
        double shearXDegrees, double shearYDegrees, float fill)
    {
        // Forward map M = T · C · R · Sh · C⁻¹ (torchvision's _get_inverse_affine_matrix); the image y axis points down,
        // so a counter-clockwise rotation on screen is a negative angle in pixel coordinates.
        double a = -degrees * Math.PI / 180, sx = shearXDegrees * Math.PI / 180, sy = shearYDegrees * Math.PI / 180;
        double cos = Math.Cos(a), sin = Math.Sin(a);
        // R · Sh with Sh = [[1, tan sx], [tan sy, 1]]
        double m00 = cos + (-sin) * Math.Tan(sy), m01 = cos * Math.Tan(sx) - sin;
        double m10 = sin + cos * Math.Tan(sy), m11 = sin * Math.Tan(sx) + cos;
        double det = m00 * m11 - m01 * m10;
        if (Math.Abs(det) < 1e-12)
            throw new ArgumentException($"Affine: the shear ({shearXDegrees}°, {shearYDegrees}°) makes the map singular.");
        double i00 = m11 / det, i01 = -m01 / det, i10 = -m10 / det, i11 = m00 / det;
        double cx = (w - 1) * 0.5, cy = (h - 1) * 0.5;
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
            {
                double u = x - cx - tx, v = y - cy - ty;
                double xs = i00 * u + i01 * v + cx, ys = i10 * u + i11 * v + cy;
                int xi = (int)Math.Round(xs, MidpointRounding.ToEven), yi = (int)Math.Round(ys, MidpointRounding.ToEven);
                bool inside = xi >= 0 && xi < w && yi >= 0 && yi < h;
                for (int k = 0; k < c; k++)
                    dst[(k * h + y) * w + x] = inside ? src[(k * h + yi) * w + xi] : fill;
            }
    }

    /// <summary>Crops [top, top+ch) × [left, left+cw) and resizes it bilinearly to the full h × w.</summary>
    public static void ResizedCrop(ReadOnlySpan<float> src, Span<float> dst, int c, int h, int w, int top, int left, int ch, int cw)
    {
        if (ch < 1 || cw < 1 || top < 0 || left < 0 || top + ch > h || left + cw > w)
            throw new ArgumentOutOfRangeException(nameof(top), $"ResizedCrop: crop [{top}, {left}, {ch}, {cw}] is outside the {h}x{w} image.");
        double sy = (double)ch / h, sx = (double)cw / w;
        for (int y = 0; y < h; y++)
        {
            double fy = Math.Clamp((y + 0.5) * sy - 0.5, 0, ch - 1);
            int y0 = (int)fy, y1 = Math.Min(y0 + 1, ch - 1);
            double wy = fy - y0;
            for (int x = 0; x < w; x++)
            {
                double fx = Math.Clamp((x + 0.5) * sx - 0.5, 0, cw - 1);
                int x0 = (int)fx, x1 = Math.Min(x0 + 1, cw - 1);
                double wx = fx - x0;
                for (int k = 0; k < c; k++)
                {
                    int b = k * h * w;
                    double v00 = src[b + (top + y0) * w + left + x0], v01 = src[b + (top + y0) * w + left + x1];
                    double v10 = src[b + (top + y1) * w + left + x0], v11 = src[b + (top + y1) * w + left + x1];
                    dst[b + y * w + x] = (float)((v00 * (1 - wx) + v01 * wx) * (1 - wy) + (v10 * (1 - wx) + v11 * wx) * wy);
                }
            }
        }
    }

    /// <summary>PIL Brightness: blend with black (<paramref name="min"/>).</summary>
    public static void Brightness(Span<float> x, float factor, float min, float max)
    {
        for (int i = 0; i < x.Length; i++) x[i] = Math.Clamp(factor * x[i] + (1 - factor) * min, min, max);
    }

    /// <summary>PIL Contrast: blend with the image's mean grey level.</summary>
    public static void Contrast(Span<float> x, int c, int h, int w, float factor, float min, float max)
    {
        var grey = Grey(x, c, h, w);
        double mean = 0;
        foreach (var g in grey) mean += g;
        float m = (float)(mean / grey.Length);
        for (int i = 0; i < x.Length; i++) x[i] = Math.Clamp(factor * x[i] + (1 - factor) * m, min, max);
    }

    /// <summary>PIL Color (saturation): blend with the grey image; a one-channel image is unchanged.</summary>
    public static void Color(Span<float> x, int c, int h, int w, float factor, float min, float max)
    {
        if (c != 3) return;
        var grey = Grey(x, c, h, w);
        int plane = h * w;
        for (int k = 0; k < 3; k++)
            for (int p = 0; p < plane; p++)
                x[k * plane + p] = Math.Clamp(factor * x[k * plane + p] + (1 - factor) * grey[p], min, max);
    }

    /// <summary>PIL Sharpness: blend with the image smoothed by [[1,1,1],[1,5,1],[1,1,1]]/13; border pixels stay.</summary>
    public static void Sharpness(Span<float> x, int c, int h, int w, float factor, float min, float max)
    {
        if (h < 3 || w < 3) return;
        var smooth = x.ToArray();
        for (int k = 0; k < c; k++)
            for (int y = 1; y < h - 1; y++)
                for (int xx = 1; xx < w - 1; xx++)
                {
                    int b = k * h * w;
                    float s = 4 * x[b + y * w + xx];
                    for (int dy = -1; dy <= 1; dy++)
                        for (int dx = -1; dx <= 1; dx++)
                            s += x[b + (y + dy) * w + xx + dx];
                    smooth[b + y * w + xx] = s / 13f;
                }
        for (int i = 0; i < x.Length; i++) x[i] = Math.Clamp(factor * x[i] + (1 - factor) * smooth[i], min, max);
    }

    /// <summary>Inverts every pixel at or above <paramref name="threshold"/>.</summary>
    public static void Solarize(Span<float> x, float threshold, float min, float max)
    {
        for (int i = 0; i < x.Length; i++) if (x[i] >= threshold) x[i] = max - (x[i] - min);
    }

    /// <summary>Keeps the top <paramref name="bits"/> bits of each pixel's 8-bit level.</summary>
    public static void Posterize(Span<float> x, int bits, float min, float max)
    {
        int mask = ~((1 << (8 - bits)) - 1) & 0xFF;
        float range = max - min;
        for (int i = 0; i < x.Length; i++)
        {
            int level = (int)Math.Clamp(MathF.Floor((x[i] - min) / range * 255f + 0.5f), 0, 255);
            x[i] = min + (level & mask) / 255f * range;
        }
    }

    /// <summary>Stretches each channel so its darkest pixel is <paramref name="min"/> and brightest <paramref name="max"/>.</summary>
    public static void AutoContrast(Span<float> x, int c, int h, int w, float min, float max)
    {
        int plane = h * w;
        for (int k = 0; k < c; k++)
        {
            var p = x.Slice(k * plane, plane);
            float lo = float.MaxValue, hi = float.MinValue;
            foreach (var v in p) { lo = Math.Min(lo, v); hi = Math.Max(hi, v); }
            if (hi <= lo) continue;
            float scale = (max - min) / (hi - lo);
            for (int i = 0; i < p.Length; i++) p[i] = min + (p[i] - lo) * scale;
        }
    }

    /// <summary>Histogram equalisation of each channel over 256 levels (PIL ImageOps.equalize).</summary>
    public static void Equalize(Span<float> x, int c, int h, int w, float min, float max)
    {
        int plane = h * w;
        float range = max - min;
        var levels = new int[plane];
        for (int k = 0; k < c; k++)
        {
            var p = x.Slice(k * plane, plane);
            var hist = new int[256];
            for (int i = 0; i < plane; i++)
            {
                levels[i] = (int)Math.Clamp(MathF.Floor((p[i] - min) / range * 255f + 0.5f), 0, 255);
                hist[levels[i]]++;
            }
            // PIL: step = (count of all but the last non-empty level) / 255; identity when step is 0.
            int last = 255;
            while (last > 0 && hist[last] == 0) last--;
            int step = (plane - hist[last]) / 255;
            if (step == 0) continue;
            var lut = new int[256];
            int n = step / 2;
            for (int i = 0; i < 256; i++)
            {
                lut[i] = Math.Min(n / step, 255);
                n += hist[i];
            }
            for (int i = 0; i < plane; i++) p[i] = min + lut[levels[i]] / 255f * range;
        }
    }

    /// <summary>ITU-R 601 luma for three channels, the channel mean otherwise.</summary>
    private static float[] Grey(ReadOnlySpan<float> x, int c, int h, int w)
    {
        int plane = h * w;
        var g = new float[plane];
        for (int p = 0; p < plane; p++)
        {
            if (c == 3) g[p] = 0.299f * x[p] + 0.587f * x[plane + p] + 0.114f * x[2 * plane + p];
            else
            {
                float s = 0;
                for (int k = 0; k < c; k++) s += x[k * plane + p];
                g[p] = s / c;
            }
        }
        return g;
    }
}
