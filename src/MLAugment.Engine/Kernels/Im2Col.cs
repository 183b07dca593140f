using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace MLAugment.Engine.Kernels;

/// <summary>
/// im2col / col2im for one image (Chellapilla et al., "High Performance Convolutional Neural Networks for Document
/// Processing", 2006): the column matrix has rows (c, kh, kw) and columns (oh, ow), so a convolution becomes
/// weight[OutC, C*KH*KW] x columns[C*KH*KW, OutH*OutW].
/// </summary>
public static unsafe class Im2Col
{
    /// <summary>Unfolds one image [C, H, W] (s.C channels) into columns [C*KH*KW, OutH*OutW]; padding reads as 0.</summary>
    public static void Unfold(ReadOnlySpan<float> image, Span<float> columns, Conv2dShape s)
    {
        s.EnsureConstructed();
        int imageLen = s.C * s.H * s.W, colLen = s.C * s.KH * s.KW * s.OutH * s.OutW;
        if (image.Length < imageLen)
            throw new ArgumentException($"image has {image.Length} elements, expected C*H*W = {imageLen}.", nameof(image));
        if (columns.Length < colLen)
            throw new ArgumentException($"columns has {columns.Length} elements, expected C*KH*KW*OutH*OutW = {colLen}.", nameof(columns));
        fixed (float* pi = image)
        fixed (float* pc = columns)
            UnfoldCore(pi, s.C, s, pc, 0, s.OutH);
    }

    /// <summary>Folds columns [C*KH*KW, OutH*OutW] back into one image [C, H, W], summing overlaps (overwrites image).</summary>
    public static void Fold(ReadOnlySpan<float> columns, Span<float> image, Conv2dShape s)
    {
        s.EnsureConstructed();
        int imageLen = s.C * s.H * s.W, colLen = s.C * s.KH * s.KW * s.OutH * s.OutW;
        if (image.Length < imageLen)
            throw new ArgumentException($"image has {image.Length} elements, expected C*H*W = {imageLen}.", nameof(image));
        if (columns.Length < colLen)
            throw new ArgumentException($"columns has {columns.Length} elements, expected C*KH*KW*OutH*OutW = {colLen}.", nameof(columns));
        image[..imageLen].Clear();
        fixed (float* pi = image)
        fixed (float* pc = columns)
            FoldAddCore(pc, s.C, s, pi, 0, s.OutH);
    }

    /// <summary>Valid output-column range [lo, hi) for kernel column kw: those ow whose input column lies inside [0, W).</summary>
    private static void ValidRange(int outLen, int inLen, int stride, int offset, out int lo, out int hi)
    {
        // input index = ow*stride + offset must be in [0, inLen)
        lo = offset >= 0 ? 0 : (-offset + stride - 1) / stride;
        hi = inLen - offset <= 0 ? 0 : Math.Min(outLen, (inLen - offset + stride - 1) / stride);
        if (hi < lo) hi = lo;
    }

    /// <summary>Unfolds output rows [oh0, oh0 + ohCount) only: columns [rows, ohCount*OutW] (a cache-sized slab).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void UnfoldCore(float* image, int channels, in Conv2dShape s, float* col, int oh0, int ohCount)
    {
        int H = s.H, W = s.W, OW = s.OutW, sh = s.StrideH, sw = s.StrideW;
        long plane = (long)ohCount * OW;
        for (int c = 0; c < channels; c++)
        {
            float* src = image + (long)c * H * W;
            for (int kh = 0; kh < s.KH; kh++)
            {
                for (int kw = 0; kw < s.KW; kw++)
                {
                    int offW = kw * s.DilationW - s.PadW;
                    ValidRange(OW, W, sw, offW, out int lo, out int hi);
                    for (int oh = oh0; oh < oh0 + ohCount; oh++)
                    {
                        float* dst = col + (oh - oh0) * OW;
                        int ih = oh * sh - s.PadH + kh * s.DilationH;
                        if ((uint)ih >= (uint)H)
                        {
                            new Span<float>(dst, OW).Clear();
                            continue;
                        }
                        for (int ow = 0; ow < lo; ow++) dst[ow] = 0f;
                        float* row = src + (long)ih * W + offW;
                        if (sw == 1)
                            Buffer.MemoryCopy(row + lo, dst + lo, (hi - lo) * 4L, (hi - lo) * 4L);
                        else
                            for (int ow = lo; ow < hi; ow++) dst[ow] = row[ow * sw];
                        for (int ow = hi; ow < OW; ow++) dst[ow] = 0f;
                    }
                    col += plane;
                }
            }
        }
    }

    /// <summary>image[c, ih, iw] += col[(c,kh,kw), (oh,ow)] for every tap that lands inside the image.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void FoldAddCore(float* col, int channels, in Conv2dShape s, float* image, int oh0, int ohCount)
    {
        int H = s.H, W = s.W, OW = s.OutW, sh = s.StrideH, sw = s.StrideW;
        long plane = (long)ohCount * OW;
        for (int c = 0; c < channels; c++)
        {
            float* dstImg = image + (long)c * H * W;
            for (int kh = 0; kh < s.KH; kh++)
            {
                for (int kw = 0; kw < s.KW; kw++)
                {
                    int offW = kw * s.DilationW - s.PadW;
                    ValidRange(OW, W, sw, offW, out int lo, out int hi);
                    for (int oh = oh0; oh < oh0 + ohCount; oh++)
                    {
                        int ih = oh * sh - s.PadH + kh * s.DilationH;
                        if ((uint)ih >= (uint)H) continue;
                        float* src = col + (oh - oh0) * OW;
                        float* row = dstImg + (long)ih * W + offW;
                        if (sw == 1) Add(hi - lo, src + lo, row + lo);
                        else for (int ow = lo; ow < hi; ow++) row[ow * sw] += src[ow];
                    }
                    col += plane;
                }
            }
        }
    }

    // ---- padded-image variants: the conv kernels copy each image once into a zero-bordered buffer so every tap
    // is an in-bounds read and stride-1 rows become plain vector copies (no per-row edge logic).

    internal static int PaddedLength(in Conv2dShape s, int channels) => channels * (s.H + 2 * s.PadH) * (s.W + 2 * s.PadW);

    internal static bool HasPadding(in Conv2dShape s) => s.PadH != 0 || s.PadW != 0;

    /// <summary>padded[c, PadH + h, PadW + w] = image[c, h, w]; the border is zero.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void Pad(float* image, int channels, in Conv2dShape s, float* padded)
    {
        int H = s.H, W = s.W, Hp = H + 2 * s.PadH, Wp = W + 2 * s.PadW;
        for (int c = 0; c < channels; c++)
        {
            float* dst = padded + (long)c * Hp * Wp;
            float* src = image + (long)c * H * W;
            new Span<float>(dst, s.PadH * Wp).Clear();
            for (int h = 0; h < H; h++)
            {
                float* row = dst + (long)(s.PadH + h) * Wp;
                for (int i = 0; i < s.PadW; i++) { row[i] = 0f; row[s.PadW + W + i] = 0f; }
                Copy(W, src + (long)h * W, row + s.PadW);
            }
            new Span<float>(dst + (long)(s.PadH + H) * Wp, s.PadH * Wp).Clear();
        }
    }

    /// <summary>image[c, h, w] = padded[c, PadH + h, PadW + w] (drops the border).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void Crop(float* padded, int channels, in Conv2dShape s, float* image)
    {
        int H = s.H, W = s.W, Hp = H + 2 * s.PadH, Wp = W + 2 * s.PadW;
        for (int c = 0; c < channels; c++)
            for (int h = 0; h < H; h++)
                Copy(W, padded + ((long)c * Hp + s.PadH + h) * Wp + s.PadW, image + ((long)c * H + h) * W);
    }

    /// <summary>As <see cref="UnfoldCore"/>, reading a padded image (see <see cref="Pad"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void UnfoldPadded(float* padded, int channels, in Conv2dShape s, float* col, int oh0, int ohCount)
    {
        int Hp = s.H + 2 * s.PadH, Wp = s.W + 2 * s.PadW, OW = s.OutW, sh = s.StrideH, sw = s.StrideW;
        for (int c = 0; c < channels; c++)
        {
            float* src = padded + (long)c * Hp * Wp;
            for (int kh = 0; kh < s.KH; kh++)
                for (int kw = 0; kw < s.KW; kw++)
                {
                    float* dst = col;
                    for (int oh = oh0; oh < oh0 + ohCount; oh++, dst += OW)
                    {
                        float* row = src + (long)(oh * sh + kh * s.DilationH) * Wp + kw * s.DilationW;
                        if (sw == 1) Copy(OW, row, dst);
                        else for (int ow = 0; ow < OW; ow++) dst[ow] = row[ow * sw];
                    }
                    col += (long)ohCount * OW;
                }
        }
    }

    /// <summary>As <see cref="FoldAddCore"/>, accumulating into a padded image (crop it afterwards).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void FoldAddPadded(float* col, int channels, in Conv2dShape s, float* padded, int oh0, int ohCount)
    {
        int Hp = s.H + 2 * s.PadH, Wp = s.W + 2 * s.PadW, OW = s.OutW, sh = s.StrideH, sw = s.StrideW;
        for (int c = 0; c < channels; c++)
        {
            float* dstImg = padded + (long)c * Hp * Wp;
            for (int kh = 0; kh < s.KH; kh++)
                for (int kw = 0; kw < s.KW; kw++)
                {
                    float* src = col;
                    for (int oh = oh0; oh < oh0 + ohCount; oh++, src += OW)
                    {
                        float* row = dstImg + (long)(oh * sh + kh * s.DilationH) * Wp + kw * s.DilationW;
                        if (sw == 1) Add(OW, src, row);
                        else for (int ow = 0; ow < OW; ow++) row[ow * sw] += src[ow];
                    }
                    col += (long)ohCount * OW;
                }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void Copy(int n, float* src, float* dst)
    {
        int i = 0;
        if (Vector512.IsHardwareAccelerated)
            for (; i <= n - 16; i += 16) Vector512.Store(Vector512.Load(src + i), dst + i);
        for (; i <= n - 8; i += 8) Vector256.Store(Vector256.Load(src + i), dst + i);
        for (; i < n; i++) dst[i] = src[i];
    }

    /// <summary>y[i] += x[i].</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void Add(int n, float* x, float* y)
    {
        int i = 0;
        if (Vector512.IsHardwareAccelerated)
            for (; i <= n - 16; i += 16) Vector512.Store(Vector512.Load(y + i) + Vector512.Load(x + i), y + i);
        for (; i <= n - 8; i += 8) Vector256.Store(Vector256.Load(y + i) + Vector256.Load(x + i), y + i);
        for (; i < n; i++) y[i] += x[i];
    }
}
