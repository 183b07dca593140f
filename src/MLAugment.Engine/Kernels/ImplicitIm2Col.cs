using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace MLAugment.Engine.Kernels;

/// <summary>
/// Implicit im2col: packs GEMM panels of the column matrix straight from a padded image (see <see cref="Im2Col.Pad"/>),
/// so a forward conv never materialises its columns. Row p = (c, kh, kw), column j = (oh, ow).
/// </summary>
internal readonly unsafe struct Im2ColPanel : Sgemm.IPanelB
{
    private readonly float* _padded;
    private readonly int _hp, _wp, _ow, _kh, _kw, _sh, _sw, _dh, _dw;

    public Im2ColPanel(float* padded, in Conv2dShape s)
    {
        _padded = padded;
        _hp = s.H + 2 * s.PadH; _wp = s.W + 2 * s.PadW; _ow = s.OutW;
        _kh = s.KH; _kw = s.KW; _sh = s.StrideH; _sw = s.StrideW; _dh = s.DilationH; _dw = s.DilationW;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Pack(int j0, int cols, int p0, int kc, float* dst)
    {
        int nr = Sgemm.NR;
        // Offset of each column's window origin, and runs of columns on the same output row (contiguous when sw == 1).
        int* off = stackalloc int[nr];
        int* segStart = stackalloc int[nr + 1];
        int segments = 0;
        int oh = j0 / _ow, ow = j0 % _ow;
        for (int jj = 0; jj < cols; jj++)
        {
            if (jj == 0 || ow == 0) segStart[segments++] = jj;
            off[jj] = oh * _sh * _wp + ow * _sw;
            if (++ow == _ow) { ow = 0; oh++; }
        }
        segStart[segments] = cols;

        int kw = p0 % _kw, kh = p0 / _kw % _kh, c = p0 / (_kw * _kh);
        long plane = (long)_hp * _wp;
        bool full = _sw == 1 && cols == 32 && nr == 32 && Vector512.IsHardwareAccelerated;
        bool wholeRow32 = full && segments == 1;
        // Two runs of 16 or four runs of 8 (OutW = 16 or 8, rows aligned to the sliver).
        bool uniform16 = full && segments == 2 && segStart[1] == 16;
        bool uniform8 = full && segments == 4 && segStart[1] == 8 && segStart[2] == 16 && segStart[3] == 24;
        if (wholeRow32 || uniform16 || uniform8)
        {
            PackUniform(kc, dst, _padded + c * plane + (long)kh * _dh * _wp + kw * _dw, kw, kh, plane, off,
                wholeRow32 ? 32 : uniform16 ? 16 : 8);
            return;
        }
        for (int p = 0; p < kc; p++, dst += nr)
        {
            float* src = _padded + c * plane + (long)kh * _dh * _wp + kw * _dw;
            if (wholeRow32)
            {
                // Common case (OutW a multiple of 32): the sliver is one contiguous run of 32 pixels.
                float* run = src + off[0];
                Vector512.Store(Vector512.Load(run), dst);
                Vector512.Store(Vector512.Load(run + 16), dst + 16);
            }
            else if (uniform16)
            {
                Vector512.Store(Vector512.Load(src + off[0]), dst);
                Vector512.Store(Vector512.Load(src + off[16]), dst + 16);
            }
            else if (uniform8)
            {
                Vector256.Store(Vector256.Load(src + off[0]), dst);
                Vector256.Store(Vector256.Load(src + off[8]), dst + 8);
                Vector256.Store(Vector256.Load(src + off[16]), dst + 16);
                Vector256.Store(Vector256.Load(src + off[24]), dst + 24);
            }
            else if (_sw == 1)
            {
                for (int sgi = 0; sgi < segments; sgi++)
                {
                    int a = segStart[sgi];
                    Im2Col.Copy(segStart[sgi + 1] - a, src + off[a], dst + a);
                }
            }
            else
            {
                for (int jj = 0; jj < cols; jj++) dst[jj] = src[off[jj]];
            }
            for (int jj = cols; jj < nr; jj++) dst[jj] = 0f;
            if (++kw == _kw) { kw = 0; if (++kh == _kh) { kh = 0; c++; } }
        }
    }

    /// <summary>Full 32-wide slivers made of equal runs (32, 16 or 8 contiguous pixels): straight-line vector copies,
    /// with the source pointer advanced incrementally through (c, kh, kw).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void PackUniform(int kc, float* dst, float* src, int kw, int kh, long plane, int* off, int run)
    {
        long rowStep = (long)_dh * _wp - (long)_kw * _dw, planeStep = plane - (long)_kh * _dh * _wp;
        long o0 = off[0], o1 = off[run == 32 ? 0 : run], o2 = off[run == 8 ? 16 : 0], o3 = off[run == 8 ? 24 : 0];
        for (int p = 0; p < kc; p++, dst += 32)
        {
            if (run == 32)
            {
                Vector512.Store(Vector512.Load(src + o0), dst);
                Vector512.Store(Vector512.Load(src + o0 + 16), dst + 16);
            }
            else if (run == 16)
            {
                Vector512.Store(Vector512.Load(src + o0), dst);
                Vector512.Store(Vector512.Load(src + o1), dst + 16);
            }
            else
            {
                Vector256.Store(Vector256.Load(src + o0), dst);
                Vector256.Store(Vector256.Load(src + o1), dst + 8);
                Vector256.Store(Vector256.Load(src + o2), dst + 16);
                Vector256.Store(Vector256.Load(src + o3), dst + 24);
            }
            src += _dw;
            if (++kw == _kw)
            {
                kw = 0;
                src += rowStep;
                if (++kh == _kh) { kh = 0; src += planeStep; }
            }
        }
    }
}

/// <summary>
/// Implicit transposed im2col for the weight gradient: op(B) = columns^T, i.e. row p = output pixel (oh, ow),
/// column j = (c, kh, kw), packed straight from a padded image. For stride 1 each column is a contiguous run of
/// pixels, so 8 columns x 8 pixels move as one in-register 8x8 transpose.
/// </summary>
internal readonly unsafe struct Im2ColTransposedPanel : Sgemm.IPanelB
{
    private readonly float* _padded;
    private readonly int _hp, _wp, _ow, _kh, _kw, _sh, _sw, _dh, _dw;

    public Im2ColTransposedPanel(float* padded, in Conv2dShape s)
    {
        _padded = padded;
        _hp = s.H + 2 * s.PadH; _wp = s.W + 2 * s.PadW; _ow = s.OutW;
        _kh = s.KH; _kw = s.KW; _sh = s.StrideH; _sw = s.StrideW; _dh = s.DilationH; _dw = s.DilationW;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Pack(int j0, int cols, int p0, int kc, float* dst)
    {
        int nr = Sgemm.NR;
        float** bases = stackalloc float*[nr];
        int kw = j0 % _kw, kh = j0 / _kw % _kh, c = j0 / (_kw * _kh);
        long plane = (long)_hp * _wp;
        for (int jj = 0; jj < cols; jj++)
        {
            bases[jj] = _padded + c * plane + (long)kh * _dh * _wp + kw * _dw;
            if (++kw == _kw) { kw = 0; if (++kh == _kh) { kh = 0; c++; } }
        }
        // Whole groups of 8 columns move by 8x8 transposes (stride 1), one group at a time so its 8 source
        // pointers stay in registers across all kc pixels; the rest element by element.
        int vecCols = _sw == 1 && System.Runtime.Intrinsics.X86.Avx.IsSupported ? cols & ~7 : 0;
        for (int jg = 0; jg < vecCols; jg += 8)
            PackGroup8(bases + jg, p0, kc, dst + jg);
        if (vecCols == nr) return;
        int oh = p0 / _ow, ow = p0 % _ow;
        int p = 0;
        while (p < kc)
        {
            int run = Math.Min(_ow - ow, kc - p);
            long o = (long)oh * _sh * _wp + (long)ow * _sw;
            for (int t = 0; t < run; t++)
            {
                float* d = dst + (long)(p + t) * nr;
                long ot = o + (long)t * _sw;
                for (int jj = vecCols; jj < cols; jj++) d[jj] = bases[jj][ot];
                for (int jj = cols; jj < nr; jj++) d[jj] = 0f;
            }
            p += run;
            ow += run;
            if (ow == _ow) { ow = 0; oh++; }
        }
    }

    /// <summary>Columns [jg, jg+8) of the sliver for pixels [p0, p0+kc): stride 1, so each column's pixels on one
    /// output row are contiguous; full runs of 8 go through an in-register transpose.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void PackGroup8(float** bases, int p0, int kc, float* dst)
    {
        int nr = Sgemm.NR;
        float* b0 = bases[0], b1 = bases[1], b2 = bases[2], b3 = bases[3];
        float* b4 = bases[4], b5 = bases[5], b6 = bases[6], b7 = bases[7];
        int oh = p0 / _ow, ow = p0 % _ow;
        int p = 0;
        while (p < kc)
        {
            int run = Math.Min(_ow - ow, kc - p);
            long o = (long)oh * _sh * _wp + ow;
            int t = 0;
            for (; t <= run - 8; t += 8)
            {
                long q = o + t;
                Sgemm.Transpose8x8(Vector256.Load(b0 + q), Vector256.Load(b1 + q), Vector256.Load(b2 + q), Vector256.Load(b3 + q),
                    Vector256.Load(b4 + q), Vector256.Load(b5 + q), Vector256.Load(b6 + q), Vector256.Load(b7 + q),
                    dst + (long)(p + t) * nr, nr);
            }
            for (; t < run; t++)
            {
                float* d = dst + (long)(p + t) * nr;
                long q = o + t;
                d[0] = b0[q]; d[1] = b1[q]; d[2] = b2[q]; d[3] = b3[q];
                d[4] = b4[q]; d[5] = b5[q]; d[6] = b6[q]; d[7] = b7[q];
            }
            p += run;
            ow += run;
            if (ow == _ow) { ow = 0; oh++; }
        }
    }
}

/// <summary>
/// Implicit im2col over several images side by side: column j = (image j / OutH*OutW, output pixel), so a conv whose
/// output planes are narrower than a micro-kernel tile still fills whole tiles. Row p = (c, kh, kw) as in
/// <see cref="Im2ColPanel"/>. Each image is read from its own (padded) copy.
/// </summary>
internal readonly unsafe struct Im2ColBatchPanel : Sgemm.IPanelB
{
    private readonly float** _images;
    private readonly int _hp, _wp, _oh, _ow, _kh, _kw, _sh, _sw, _dh, _dw;

    public Im2ColBatchPanel(float** images, in Conv2dShape s)
    {
        _images = images;
        _hp = s.H + 2 * s.PadH; _wp = s.W + 2 * s.PadW; _oh = s.OutH; _ow = s.OutW;
        _kh = s.KH; _kw = s.KW; _sh = s.StrideH; _sw = s.StrideW; _dh = s.DilationH; _dw = s.DilationW;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Pack(int j0, int cols, int p0, int kc, float* dst)
    {
        int nr = Sgemm.NR, ohw = _oh * _ow;
        // The sliver as runs of columns on one output row of one image: with stride 1 each run is contiguous in the source.
        float** runSrc = stackalloc float*[nr];
        int* runStart = stackalloc int[nr + 1];
        int runs = 0;
        int img = j0 / ohw, q = j0 % ohw, oh = q / _ow, ow = q % _ow;
        for (int jj = 0; jj < cols; jj++)
        {
            if (jj == 0 || ow == 0 || _sw != 1)
            {
                runStart[runs] = jj;
                runSrc[runs++] = _images[img] + (long)oh * _sh * _wp + (long)ow * _sw;
            }
            if (++ow == _ow) { ow = 0; if (++oh == _oh) { oh = 0; img++; } }
        }
        runStart[runs] = cols;
        int run = runStart[1] - runStart[0];
        bool uniform = _sw == 1 && cols == nr && nr % run == 0 && (run == 4 || run == 8 || run == 16);
        for (int r = 1; uniform && r < runs; r++) uniform = runStart[r + 1] - runStart[r] == run;

        int kw = p0 % _kw, kh = p0 / _kw % _kh, c = p0 / (_kw * _kh);
        long plane = (long)_hp * _wp;
        long off = c * plane + (long)kh * _dh * _wp + (long)kw * _dw;
        long rowStep = (long)_dh * _wp - (long)_kw * _dw, planeStep = plane - (long)_kh * _dh * _wp;
        for (int p = 0; p < kc; p++, dst += nr)
        {
            if (uniform && run == 4)
                for (int r = 0; r < runs; r++) Vector128.Store(Vector128.Load(runSrc[r] + off), dst + 4 * r);
            else if (uniform && run == 8)
                for (int r = 0; r < runs; r++) Vector256.Store(Vector256.Load(runSrc[r] + off), dst + 8 * r);
            else if (uniform && run == 16 && Vector512.IsHardwareAccelerated)
                for (int r = 0; r < runs; r++) Vector512.Store(Vector512.Load(runSrc[r] + off), dst + 16 * r);
            else if (_sw == 1)
                for (int r = 0; r < runs; r++) Im2Col.Copy(runStart[r + 1] - runStart[r], runSrc[r] + off, dst + runStart[r]);
            else
                for (int r = 0; r < runs; r++) dst[r] = runSrc[r][off];   // stride > 1: one column per run
            for (int jj = cols; jj < nr; jj++) dst[jj] = 0f;
            off += _dw;
            if (++kw == _kw)
            {
                kw = 0;
                off += rowStep;
                if (++kh == _kh) { kh = 0; off += planeStep; }
            }
        }
    }
}
