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
            UnfoldCore(pi, s.C, s, pc);
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
            FoldAddCore(pc, s.C, s, pi);
    }

    /// <summary>Valid output-column range [lo, hi) for kernel column kw: those ow whose input column lies inside [0, W).</summary>
    private static void ValidRange(int outLen, int inLen, int stride, int offset, out int lo, out int hi)
    {
        // input index = ow*stride + offset must be in [0, inLen)
        lo = offset >= 0 ? 0 : (-offset + stride - 1) / stride;
        hi = inLen - offset <= 0 ? 0 : Math.Min(outLen, (inLen - offset + stride - 1) / stride);
        if (hi < lo) hi = lo;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void UnfoldCore(float* image, int channels, in Conv2dShape s, float* col)
    {
        int H = s.H, W = s.W, OH = s.OutH, OW = s.OutW, sh = s.StrideH, sw = s.StrideW;
        long plane = (long)OH * OW;
        for (int c = 0; c < channels; c++)
        {
            float* src = image + (long)c * H * W;
            for (int kh = 0; kh < s.KH; kh++)
            {
                for (int kw = 0; kw < s.KW; kw++)
                {
                    int offW = kw * s.DilationW - s.PadW;
                    ValidRange(OW, W, sw, offW, out int lo, out int hi);
                    for (int oh = 0; oh < OH; oh++)
                    {
                        float* dst = col + oh * OW;
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
    internal static void FoldAddCore(float* col, int channels, in Conv2dShape s, float* image)
    {
        int H = s.H, W = s.W, OH = s.OutH, OW = s.OutW, sh = s.StrideH, sw = s.StrideW;
        long plane = (long)OH * OW;
        for (int c = 0; c < channels; c++)
        {
            float* dstImg = image + (long)c * H * W;
            for (int kh = 0; kh < s.KH; kh++)
            {
                for (int kw = 0; kw < s.KW; kw++)
                {
                    int offW = kw * s.DilationW - s.PadW;
                    ValidRange(OW, W, sw, offW, out int lo, out int hi);
                    for (int oh = 0; oh < OH; oh++)
                    {
                        int ih = oh * sh - s.PadH + kh * s.DilationH;
                        if ((uint)ih >= (uint)H) continue;
                        float* src = col + oh * OW;
                        float* row = dstImg + (long)ih * W + offW;
                        if (sw == 1) Add(hi - lo, src + lo, row + lo);
                        else for (int ow = lo; ow < hi; ow++) row[ow * sw] += src[ow];
                    }
                    col += plane;
                }
            }
        }
    }

    /// <summary>y[i] += x[i].</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void Add(int n, float* x, float* y)
    {
        int i = 0;
        for (; i <= n - 8; i += 8) Vector256.Store(Vector256.Load(y + i) + Vector256.Load(x + i), y + i);
        for (; i < n; i++) y[i] += x[i];
    }
}
