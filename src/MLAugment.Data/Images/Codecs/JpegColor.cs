namespace MLAugment.Data.Images.Codecs;

internal enum JpegColorTransform { Gray, YCbCr, Rgb, Cmyk, Ycck }

/// <summary>
/// JPEG color conversion. YCbCr -> RGB per JFIF (R = Y + 1.402 Cr', G = Y - 0.34414 Cb' - 0.71414 Cr',
/// B = Y + 1.772 Cb', Cx' = Cx - 128) in libjpeg's 16-bit fixed point so results round identically.
/// CMYK/YCCK are composited to RGB as R = (1 - C)(1 - K); Adobe files store CMYK inverted.
/// </summary>
internal static class JpegColor
{
    private const int ScaleBits = 16;
    private const int Half = 1 << (ScaleBits - 1);
    private static int Fix(double x) => (int)(x * (1 << ScaleBits) + 0.5);

    private static readonly int[] CrR = new int[256], CbB = new int[256], CrG = new int[256], CbG = new int[256];

    static JpegColor()
    {
        for (int i = 0; i < 256; i++)
        {
            int x = i - 128;
            CrR[i] = (Fix(1.40200) * x + Half) >> ScaleBits;
            CbB[i] = (Fix(1.77200) * x + Half) >> ScaleBits;
            CrG[i] = -Fix(0.71414) * x;
            CbG[i] = -Fix(0.34414) * x + Half;
        }
    }

    private static byte Clamp(int v) => v < 0 ? (byte)0 : v > 255 ? (byte)255 : (byte)v;

    public static RawImage ToImage(byte[][] comps, int width, int height, JpegColorTransform transform, bool adobe, string? file)
    {
        int n = width * height;
        if (transform == JpegColorTransform.Gray) return new RawImage(width, height, RawPixelFormat.Gray8, comps[0]);
        var outp = new byte[n * 3];
        byte[] c0 = comps[0], c1 = comps[1], c2 = comps[2];
        for (int i = 0, o = 0; i < n; i++, o += 3)
        {
            int r, g, b;
            if (transform == JpegColorTransform.Rgb || transform == JpegColorTransform.Cmyk)
            {
                r = c0[i]; g = c1[i]; b = c2[i];
            }
            else
            {
                int y = c0[i], cb = c1[i], cr = c2[i];
                r = y + CrR[cr];
                g = y + ((CbG[cb] + CrG[cr]) >> ScaleBits);
                b = y + CbB[cb];
            }
            if (transform is JpegColorTransform.Cmyk or JpegColorTransform.Ycck)
            {
                int k = comps[3][i];
                int cc = Clamp(r), mm = Clamp(g), yy = Clamp(b);
                // YCCK's YCbCr part decodes to 255 - C (libjpeg: C = 255 - R), and Adobe writers store
                // CMYK inverted (255 = no ink); without an Adobe marker CMYK is taken as plain ink amounts.
                if (transform == JpegColorTransform.Ycck) { cc = 255 - cc; mm = 255 - mm; yy = 255 - yy; }
                if (!adobe) { cc = 255 - cc; mm = 255 - mm; yy = 255 - yy; k = 255 - k; }
                r = (cc * k + 127) / 255; g = (mm * k + 127) / 255; b = (yy * k + 127) / 255;
            }
            outp[o] = Clamp(r); outp[o + 1] = Clamp(g); outp[o + 2] = Clamp(b);
        }
        return new RawImage(width, height, RawPixelFormat.Rgb24, outp);
    }
}
