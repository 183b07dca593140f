using System.Text;

namespace MLAugment.Data.Images.Codecs;

/// <summary>Netpbm encoder: Gray8 as PGM (P5 or plain P2), Rgb24 as PPM (P6 or plain P3), maxval 255.</summary>
public static class PnmEncoder
{
    /// <summary>
    /// Writes Gray8 as PGM and Rgb24 as PPM. Formats with alpha are refused because Netpbm cannot store
    /// alpha: convert explicitly (e.g. <see cref="RawImage.ToRgb24"/>) if dropping it is intended.
    /// </summary>
    public static void Encode(RawImage image, Stream output, bool plain = false)
    {
        ArgumentNullException.ThrowIfNull(image);
        ArgumentNullException.ThrowIfNull(output);
        if (image.Format.HasAlpha())
            throw new ArgumentException($"Netpbm cannot store the alpha channel of a {image.Format} image; convert to Rgb24 or Gray8 first.", nameof(image));
        bool gray = image.Format == RawPixelFormat.Gray8;
        string magic = gray ? (plain ? "P2" : "P5") : (plain ? "P3" : "P6");
        output.Write(Encoding.ASCII.GetBytes($"{magic}\n{image.Width} {image.Height}\n255\n"));
        if (!plain)
        {
            output.Write(image.Pixels);
            return;
        }
        var sb = new StringBuilder();
        int perRow = image.Width * (gray ? 1 : 3);
        for (int y = 0; y < image.Height; y++)
        {
            for (int i = 0; i < perRow; i++)
            {
                if (i > 0) sb.Append(i % 16 == 0 ? '\n' : ' '); // keep lines under 70 characters
                sb.Append(image.Pixels[y * perRow + i]);
            }
            sb.Append('\n');
        }
        output.Write(Encoding.ASCII.GetBytes(sb.ToString()));
    }

    public static byte[] Encode(RawImage image, bool plain = false)
    {
        var ms = new MemoryStream();
        Encode(image, ms, plain);
        return ms.ToArray();
    }
}
