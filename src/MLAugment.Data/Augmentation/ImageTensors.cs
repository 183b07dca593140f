using MLAugment.Data.Images.Codecs;
using MLAugment.Diffusion.Sampling;
using MLAugment.Engine;

namespace MLAugment.Data.Transforms.Augmentation;

/// <summary>
/// MLImage ↔ the model's NCHW [−1, 1] tensors. One channel reads the BT.601 luma (x = 2·Y/255 − 1) and writes gray;
/// three channels read and write R, G, B. Output alpha is opaque; bytes are round((x + 1)·127.5) clamped to 0..255.
/// </summary>
internal static class ImageTensors
{
    public static void CheckSize(IDiffusionBackend model, MLImage image, string column)
    {
        if (image.Width != model.ImageWidth || image.Height != model.ImageHeight)
            throw new InvalidOperationException(
                $"Column '{column}': image {image.Width}x{image.Height} does not match the model's {model.ImageWidth}x{model.ImageHeight}; resize with ResizeImages first.");
    }

    /// <summary>Writes <paramref name="image"/> into <paramref name="dst"/> (C·H·W floats).</summary>
    public static void Fill(MLImage image, int channels, Span<float> dst)
    {
        var raw = image.Raw;
        int n = raw.Width * raw.Height;
        var p = raw.Pixels;
        bool bgra = raw.Format == RawPixelFormat.Bgra32;
        for (int i = 0; i < n; i++)
        {
            byte r = p[i * 4 + (bgra ? 2 : 0)], g = p[i * 4 + 1], b = p[i * 4 + (bgra ? 0 : 2)];
            if (channels == 1)
            {
                dst[i] = (0.299f * r + 0.587f * g + 0.114f * b) / 127.5f - 1f;
            }
            else
            {
                dst[i] = r / 127.5f - 1f;
                dst[n + i] = g / 127.5f - 1f;
                dst[2 * n + i] = b / 127.5f - 1f;
            }
        }
    }

    /// <summary>
    /// An image from row <paramref name="index"/> of <paramref name="images"/>. Where <paramref name="keep"/> is true the
    /// source's pixel bytes are copied unchanged (the exact-background guarantee survives the byte round trip).
    /// </summary>
    public static MLImage ToImage(Tensor images, int index, MLImage? source, bool[]? keep)
    {
        int c = images.Shape[1], h = images.Shape[2], w = images.Shape[3], n = h * w;
        var span = images.Span.Slice(index * c * n, c * n);
        var format = source?.Raw.Format ?? RawPixelFormat.Rgba32;
        bool bgra = format == RawPixelFormat.Bgra32;
        var px = new byte[n * 4];
        for (int i = 0; i < n; i++)
        {
            if (keep is not null && keep[i])
            {
                source!.Raw.Pixels.AsSpan(i * 4, 4).CopyTo(px.AsSpan(i * 4, 4));
                continue;
            }
            byte r = ToByte(span[i]), g = c == 1 ? r : ToByte(span[n + i]), b = c == 1 ? r : ToByte(span[2 * n + i]);
            px[i * 4 + (bgra ? 2 : 0)] = r;
            px[i * 4 + 1] = g;
            px[i * 4 + (bgra ? 0 : 2)] = b;
            px[i * 4 + 3] = 255;
        }
        var image = MLImage.FromRaw(new RawImage(w, h, format, px));
        image.Tag = source?.Tag;
        return image;
    }

    private static byte ToByte(float x)
    {
        float v = MathF.Round((x + 1f) * 127.5f);
        return v <= 0 ? (byte)0 : v >= 255 ? (byte)255 : (byte)v;
    }
}
