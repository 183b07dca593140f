namespace MLAugment.Data.Images.Codecs;

/// <summary>
/// Separable 8x8 inverse DCT in single precision (T.81 A.3.3):
/// s(y,x) = 1/4 sum_v sum_u C(u) C(v) S(v,u) cos((2x+1) u pi / 16) cos((2y+1) v pi / 16), C(0) = 1/sqrt(2).
/// Exact to float rounding, so it stays within +-1 of libjpeg's accurate integer IDCT.
/// </summary>
internal static class JpegIdct
{
    /// <summary>Basis[x * 8 + u] = C(u) / 2 * cos((2x+1) u pi / 16).</summary>
    private static readonly float[] Basis = BuildBasis();

    private static float[] BuildBasis()
    {
        var b = new float[64];
        for (int x = 0; x < 8; x++)
            for (int u = 0; u < 8; u++)
            {
                double cu = u == 0 ? Math.Sqrt(0.5) : 1.0;
                b[x * 8 + u] = (float)(cu / 2 * Math.Cos((2 * x + 1) * u * Math.PI / 16));
            }
        return b;
    }

    /// <summary>
    /// Transforms dequantized coefficients (natural order) into 8x8 level-shifted, clamped samples written
    /// to <paramref name="output"/> at <paramref name="offset"/> with row pitch <paramref name="stride"/>.
    /// </summary>
    public static void Transform(Span<float> coef, byte[] output, int offset, int stride)
    {
        bool acZero = true;
        for (int i = 1; i < 64; i++)
            if (coef[i] != 0) { acZero = false; break; }
        if (acZero)
        {
            byte dc = Clamp(coef[0] / 8 + 128);
            for (int y = 0; y < 8; y++) output.AsSpan(offset + y * stride, 8).Fill(dc);
            return;
        }

        Span<float> tmp = stackalloc float[64];
        var basis = Basis;
        // Quantization leaves the high frequencies mostly zero: each sum stops at the last nonzero term.
        int rows = 0;
        for (int v = 0; v < 8; v++)
        {
            var row = coef.Slice(v * 8, 8);
            int last = 7;
            while (last >= 0 && row[last] == 0) last--;
            if (last < 0) { tmp.Slice(v * 8, 8).Clear(); continue; }
            rows = v + 1;
            // Rows: for vertical frequency v, transform along u into x.
            for (int x = 0; x < 8; x++)
            {
                float s = 0;
                for (int u = 0; u <= last; u++) s += basis[x * 8 + u] * row[u];
                tmp[v * 8 + x] = s;
            }
        }
        // Columns: for each x, transform along v into y.
        for (int x = 0; x < 8; x++)
            for (int y = 0; y < 8; y++)
            {
                float s = 0;
                for (int v = 0; v < rows; v++) s += basis[y * 8 + v] * tmp[v * 8 + x];
                output[offset + y * stride + x] = Clamp(s + 128);
            }
    }

    private static byte Clamp(float v)
    {
        int i = (int)MathF.Floor(v + 0.5f);
        return i < 0 ? (byte)0 : i > 255 ? (byte)255 : (byte)i;
    }
}
