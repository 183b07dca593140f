namespace MLAugment.Engine.Kernels;

/// <summary>
/// Geometry of a 2-D convolution over NCHW float tensors: input [N, C, H, W], weight [OutC, C/Groups, KH, KW],
/// output [N, OutC, OutH, OutW] with OutH = floor((H + 2*PadH - DilationH*(KH-1) - 1) / StrideH) + 1 (same for W).
/// The constructor validates every field and throws <see cref="ArgumentException"/> naming the bad one.
/// </summary>
public readonly record struct Conv2dShape
{
    public int N { get; }
    public int C { get; }
    public int H { get; }
    public int W { get; }
    public int OutC { get; }
    public int KH { get; }
    public int KW { get; }
    public int StrideH { get; }
    public int StrideW { get; }
    public int PadH { get; }
    public int PadW { get; }
    public int DilationH { get; }
    public int DilationW { get; }
    public int Groups { get; }

    public Conv2dShape(int n, int c, int h, int w, int outC, int kh, int kw,
        int strideH = 1, int strideW = 1, int padH = 0, int padW = 0, int dilationH = 1, int dilationW = 1, int groups = 1)
    {
        Positive(n, nameof(n)); Positive(c, nameof(c)); Positive(h, nameof(h)); Positive(w, nameof(w));
        Positive(outC, nameof(outC)); Positive(kh, nameof(kh)); Positive(kw, nameof(kw));
        Positive(strideH, nameof(strideH)); Positive(strideW, nameof(strideW));
        Positive(dilationH, nameof(dilationH)); Positive(dilationW, nameof(dilationW)); Positive(groups, nameof(groups));
        if (padH < 0) throw new ArgumentException($"Conv2dShape.padH must be >= 0, got {padH}.", nameof(padH));
        if (padW < 0) throw new ArgumentException($"Conv2dShape.padW must be >= 0, got {padW}.", nameof(padW));
        if (c % groups != 0)
            throw new ArgumentException($"Conv2dShape.c ({c}) must be divisible by groups ({groups}).", nameof(c));
        if (outC % groups != 0)
            throw new ArgumentException($"Conv2dShape.outC ({outC}) must be divisible by groups ({groups}).", nameof(outC));
        long effH = (long)dilationH * (kh - 1) + 1, effW = (long)dilationW * (kw - 1) + 1;
        if (effH > h + 2L * padH)
            throw new ArgumentException($"Conv2dShape.kh: dilated kernel height {effH} exceeds padded input height {h + 2L * padH}.", nameof(kh));
        if (effW > w + 2L * padW)
            throw new ArgumentException($"Conv2dShape.kw: dilated kernel width {effW} exceeds padded input width {w + 2L * padW}.", nameof(kw));
        N = n; C = c; H = h; W = w; OutC = outC; KH = kh; KW = kw;
        StrideH = strideH; StrideW = strideW; PadH = padH; PadW = padW;
        DilationH = dilationH; DilationW = dilationW; Groups = groups;
        // Kernels index with int; reject shapes whose tensors (or one image's im2col matrix) would not fit.
        if ((long)n * c * h * w > int.MaxValue || (long)n * outC * OutH * OutW > int.MaxValue
            || (long)outC * (c / groups) * kh * kw > int.MaxValue || (long)(c / groups) * kh * kw * OutH * OutW > int.MaxValue)
            throw new ArgumentException($"Conv2dShape: a tensor of this convolution would exceed int.MaxValue elements (n={n}, c={c}, h={h}, w={w}, outC={outC}).", nameof(n));
    }

    private static void Positive(int v, string name)
    {
        if (v < 1) throw new ArgumentException($"Conv2dShape.{name} must be >= 1, got {v}.", name);
    }

    public int OutH => (H + 2 * PadH - DilationH * (KH - 1) - 1) / StrideH + 1;
    public int OutW => (W + 2 * PadW - DilationW * (KW - 1) - 1) / StrideW + 1;

    /// <summary>Input channels per group.</summary>
    public int GroupC => C / Groups;
    /// <summary>Output channels per group.</summary>
    public int GroupOutC => OutC / Groups;

    public int InputLength => N * C * H * W;
    public int WeightLength => OutC * GroupC * KH * KW;
    public int OutputLength => N * OutC * OutH * OutW;

    /// <summary>Rows of the im2col matrix of one group: GroupC * KH * KW.</summary>
    public int ColumnRows => GroupC * KH * KW;

    /// <summary>True for 1x1, stride 1, no padding: the convolution is a plain matrix product per image.</summary>
    public bool IsPointwise => KH == 1 && KW == 1 && StrideH == 1 && StrideW == 1 && PadH == 0 && PadW == 0;

    /// <summary>Throws if this is <c>default(Conv2dShape)</c>, which bypassed the validating constructor.</summary>
    internal void EnsureConstructed()
    {
        if (Groups == 0) throw new ArgumentException("Conv2dShape is default; construct it with its constructor.", "s");
    }
}
