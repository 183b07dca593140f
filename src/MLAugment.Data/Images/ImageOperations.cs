using MLAugment.Data.Images.Codecs;
using MLAugment.Data.Transforms.Image;

namespace MLAugment.Data;

/// <summary>The pixel work behind the image transforms: resizing and grayscale on 32-bit images.</summary>
internal static class ImageOperations
{
    /// <summary>
    /// Where the whole source lands in a <paramref name="width"/> × <paramref name="height"/> output, following ML.NET:
    /// IsoPad scales by the smaller ratio and centres (the rest is padding); IsoCrop scales by the larger ratio and places
    /// the overflow by <paramref name="anchor"/> (Top/Left keep the top/left edge, Bottom/Right the other one, anything
    /// else centres); Fill stretches. Offsets and sizes are truncated to integers as ML.NET does.
    /// </summary>
    public static (int X, int Y, int W, int H) DestinationRectangle(int srcWidth, int srcHeight, int width, int height,
        ImageResizingEstimator.ResizingKind resizing, ImageResizingEstimator.Anchor anchor)
    {
        if (resizing == ImageResizingEstimator.ResizingKind.Fill)
            return (0, 0, width, height);
        float widthAspect = (float)width / srcWidth;
        float heightAspect = (float)height / srcHeight;
        int x = 0, y = 0;
        float aspect;
        if (resizing == ImageResizingEstimator.ResizingKind.IsoPad)
        {
            if (heightAspect < widthAspect)
            {
                aspect = heightAspect;
                x = (int)((width - srcWidth * aspect) / 2);
            }
            else
            {
                aspect = widthAspect;
                y = (int)((height - srcHeight * aspect) / 2);
            }
        }
        else if (heightAspect < widthAspect)
        {
            aspect = widthAspect;
            y = anchor switch
            {
                ImageResizingEstimator.Anchor.Top => 0,
                ImageResizingEstimator.Anchor.Bottom => (int)(height - srcHeight * aspect),
                _ => (int)((height - srcHeight * aspect) / 2),
            };
        }
        else
        {
            aspect = heightAspect;
            x = anchor switch
            {
                ImageResizingEstimator.Anchor.Left => 0,
                ImageResizingEstimator.Anchor.Right => (int)(width - srcWidth * aspect),
                _ => (int)((width - srcWidth * aspect) / 2),
            };
        }
        return (x, y, Math.Max(1, (int)(srcWidth * aspect)), Math.Max(1, (int)(srcHeight * aspect)));
    }

    /// <summary>
    /// Resizes to <paramref name="width"/> × <paramref name="height"/>, drawing the source into the destination rectangle
    /// with bilinear interpolation (half-pixel centres, edge clamped: torch's <c>interpolate(mode="bilinear",
    /// align_corners=False)</c> map, src = (dst + ½)·(in/out) − ½). Pixels outside the rectangle (IsoPad's bars) are opaque black,
    /// as in ML.NET's Skia backend. Channels are interpolated independently (straight alpha).
    /// </summary>
    public static RawImage Resize(RawImage src, int width, int height, ImageResizingEstimator.ResizingKind resizing, ImageResizingEstimator.Anchor anchor)
    {
        var (dx, dy, dw, dh) = DestinationRectangle(src.Width, src.Height, width, height, resizing, anchor);
        var xTaps = Taps(src.Width, dw, dx, width);
        var yTaps = Taps(src.Height, dh, dy, height);
        var dst = new byte[width * height * 4];
        byte[] sp = src.Pixels;
        int stride = src.Width * 4;
        // Opaque black in both byte orders: zero colour bytes, alpha (byte 3) at 255.
        for (int y = 0; y < height; y++)
        {
            var (y0, y1, wy) = yTaps[y];
            int row = y * width * 4;
            for (int x = 0; x < width; x++)
            {
                int o = row + x * 4;
                var (x0, x1, wx) = xTaps[x];
                if (y0 < 0 || x0 < 0)
                {
                    dst[o + 3] = 255;
                    continue;
                }
                int a = y0 * stride + x0 * 4, b = y0 * stride + x1 * 4, c = y1 * stride + x0 * 4, d = y1 * stride + x1 * 4;
                for (int ch = 0; ch < 4; ch++)
                {
                    float top = sp[a + ch] + (sp[b + ch] - sp[a + ch]) * wx;
                    float bottom = sp[c + ch] + (sp[d + ch] - sp[c + ch]) * wx;
                    float v = top + (bottom - top) * wy;
                    dst[o + ch] = (byte)Math.Clamp((int)MathF.Round(v, MidpointRounding.AwayFromZero), 0, 255);
                }
            }
        }
        return new RawImage(width, height, src.Format, dst);
    }

    /// <summary>For each output coordinate: the two source taps and the weight of the second (x0 = -1 outside the rectangle).</summary>
    private static (int I0, int I1, float W)[] Taps(int srcSize, int rectSize, int rectOffset, int outSize)
    {
        var taps = new (int, int, float)[outSize];
        double ratio = (double)srcSize / rectSize;
        for (int o = 0; o < outSize; o++)
        {
            int local = o - rectOffset;
            if (local < 0 || local >= rectSize)
            {
                taps[o] = (-1, -1, 0);
                continue;
            }
            double s = Math.Max(0, (local + 0.5) * ratio - 0.5);
            int i0 = Math.Min((int)s, srcSize - 1);
            int i1 = Math.Min(i0 + 1, srcSize - 1);
            taps[o] = (i0, i1, (float)(s - i0));
        }
        return taps;
    }

    /// <summary>
    /// Gray = 0.3 R + 0.59 G + 0.11 B (ML.NET's colour matrix), rounded, written to all three colour channels of an opaque
    /// image of the same size and byte order.
    /// </summary>
    public static RawImage Grayscale(RawImage src)
    {
        var sp = src.Pixels;
        var dst = new byte[sp.Length];
        bool bgra = src.Format == RawPixelFormat.Bgra32;
        for (int i = 0; i < sp.Length; i += 4)
        {
            int r = bgra ? sp[i + 2] : sp[i], g = sp[i + 1], b = bgra ? sp[i] : sp[i + 2];
            byte gray = (byte)Math.Min(255, (int)MathF.Round(0.3f * r + 0.59f * g + 0.11f * b, MidpointRounding.AwayFromZero));
            dst[i] = dst[i + 1] = dst[i + 2] = gray;
            dst[i + 3] = 255;
        }
        return new RawImage(src.Width, src.Height, src.Format, dst);
    }
}
