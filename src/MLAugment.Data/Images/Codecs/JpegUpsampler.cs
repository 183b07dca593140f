namespace MLAugment.Data.Images.Codecs;

/// <summary>
/// Brings a subsampled JPEG component plane to full image size. 2x horizontal and/or 2x vertical ratios
/// use libjpeg's "fancy" triangle filter (each output sample weighs its nearer input 3/4 and the farther
/// 1/4, with libjpeg's alternating rounding biases); other integral ratios replicate samples. Edges
/// replicate the last real row / column, as libjpeg's context rows do.
/// </summary>
internal static class JpegUpsampler
{
    /// <param name="plane">Decoded samples with row pitch <paramref name="stride"/>.</param>
    /// <param name="cw">Component width that covers the image (samples beyond it are block padding).</param>
    /// <param name="ch">Component height that covers the image.</param>
    /// <param name="hx">Horizontal ratio max H / H.</param>
    /// <param name="vy">Vertical ratio max V / V.</param>
    public static byte[] Upsample(byte[] plane, int stride, int cw, int ch, int hx, int vy, int width, int height)
    {
        var outp = new byte[(long)width * height];
        if (hx == 1 && vy == 1)
        {
            for (int y = 0; y < height; y++) Buffer.BlockCopy(plane, y * stride, outp, y * width, width);
            return outp;
        }
        if (hx == 2 && vy == 1 && cw > 2)
        {
            for (int y = 0; y < height; y++)
            {
                int row = y * stride;
                for (int x = 0; x < width; x++)
                {
                    int i = x >> 1;
                    int near = plane[row + i];
                    int far = (x & 1) == 0 ? plane[row + Math.Max(i - 1, 0)] : plane[row + Math.Min(i + 1, cw - 1)];
                    outp[y * width + x] = (byte)((3 * near + far + 1 + (x & 1)) >> 2);
                }
            }
            return outp;
        }
        if (hx == 1 && vy == 2)
        {
            for (int y = 0; y < height; y++)
            {
                int r = y >> 1;
                int rf = (y & 1) == 0 ? Math.Max(r - 1, 0) : Math.Min(r + 1, ch - 1);
                int bias = 1 + (y & 1);
                for (int x = 0; x < width; x++)
                    outp[y * width + x] = (byte)((3 * plane[r * stride + x] + plane[rf * stride + x] + bias) >> 2);
            }
            return outp;
        }
        if (hx == 2 && vy == 2 && cw > 2)
        {
            var colsum = new int[cw];
            for (int y = 0; y < height; y++)
            {
                int r = y >> 1;
                int rf = (y & 1) == 0 ? Math.Max(r - 1, 0) : Math.Min(r + 1, ch - 1);
                for (int i = 0; i < cw; i++) colsum[i] = 3 * plane[r * stride + i] + plane[rf * stride + i];
                for (int x = 0; x < width; x++)
                {
                    int i = x >> 1;
                    int far = (x & 1) == 0 ? colsum[Math.Max(i - 1, 0)] : colsum[Math.Min(i + 1, cw - 1)];
                    outp[y * width + x] = (byte)((3 * colsum[i] + far + 8 - (x & 1)) >> 4);
                }
            }
            return outp;
        }
        for (int y = 0; y < height; y++)
        {
            int row = (y / vy) * stride;
            for (int x = 0; x < width; x++) outp[y * width + x] = plane[row + x / hx];
        }
        return outp;
    }
}
