namespace MLAugment.Tasks.Metrics;

/// <summary>Full-reference image quality: PSNR and SSIM on single-channel planes (apply per channel and average for colour).</summary>
public static class ImageQuality
{
    /// <summary>Peak signal-to-noise ratio in dB; +∞ for identical images.</summary>
    public static double Psnr(ReadOnlySpan<float> a, ReadOnlySpan<float> b, double dataRange = 1.0)
    {
        if (a.Length != b.Length) throw new ArgumentException($"Psnr: images of {a.Length} and {b.Length} values differ in size.");
        if (a.Length == 0) throw new ArgumentException("Psnr: empty images.");
        double mse = 0;
        for (int i = 0; i < a.Length; i++) { double d = a[i] - b[i]; mse += d * d; }
        mse /= a.Length;
        return mse == 0 ? double.PositiveInfinity : 10 * Math.Log10(dataRange * dataRange / mse);
    }

    /// <summary>
    /// Structural similarity (Wang et al. 2004) with an 11×11 Gaussian window, σ = 1.5, K1 = 0.01, K2 = 0.03,
    /// population covariances, valid-region averaging — the settings of skimage's structural_similarity(gaussian_weights=True).
    /// </summary>
    public static double Ssim(ReadOnlySpan<float> a, ReadOnlySpan<float> b, int height, int width, double dataRange = 1.0)
    {
        if (a.Length != height * width || b.Length != height * width)
            throw new ArgumentException($"Ssim: images must both be {height}×{width} ({height * width} values), got {a.Length} and {b.Length}.");
        const int win = 11; const double sigma = 1.5;
        if (height < win || width < win) throw new ArgumentException($"Ssim: images {height}×{width} are smaller than the {win}×{win} window.");
        var g = new double[win];
        double gs = 0;
        for (int i = 0; i < win; i++) { g[i] = Math.Exp(-((i - 5) * (i - 5)) / (2 * sigma * sigma)); gs += g[i]; }
        for (int i = 0; i < win; i++) g[i] /= gs;
        double c1 = (0.01 * dataRange) * (0.01 * dataRange), c2 = (0.03 * dataRange) * (0.03 * dataRange);
        double total = 0; int count = 0;
        for (int y = 0; y + win <= height; y++)
            for (int x = 0; x + win <= width; x++)
            {
                double ma = 0, mb = 0, aa = 0, bb = 0, ab = 0;
                for (int i = 0; i < win; i++)
                    for (int j = 0; j < win; j++)
                    {
                        double w = g[i] * g[j];
                        double va = a[(y + i) * width + x + j], vb = b[(y + i) * width + x + j];
                        ma += w * va; mb += w * vb; aa += w * va * va; bb += w * vb * vb; ab += w * va * vb;
                    }
                double va2 = aa - ma * ma, vb2 = bb - mb * mb, cov = ab - ma * mb;
                total += (2 * ma * mb + c1) * (2 * cov + c2) / ((ma * ma + mb * mb + c1) * (va2 + vb2 + c2));
                count++;
            }
        return total / count;
    }
}
