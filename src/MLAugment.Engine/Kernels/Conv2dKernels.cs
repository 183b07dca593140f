using MLAugment.Engine.Memory;

namespace MLAugment.Engine.Kernels;

/// <summary>How a convolution is computed. Both algorithms agree to float rounding; each is deterministic.</summary>
public enum Conv2dAlgorithm
{
    /// <summary>Heuristic: <see cref="Direct"/> when a group has very few output channels or taps (depthwise and
    /// near-depthwise convs, where the GEMM would be a thin matrix-vector product), else <see cref="Im2ColGemm"/>.</summary>
    Auto,
    /// <summary>
    /// im2col + packed SGEMM. The forward pass and the weight gradient pack GEMM panels straight from a zero-padded
    /// copy of the image (implicit im2col, no column matrix); the input gradient builds L2-sized column slabs and
    /// folds them back (col2im). 1x1 stride-1 unpadded convs multiply the image directly.
    /// </summary>
    Im2ColGemm,
    /// <summary>Direct sliding-window loops vectorized along output rows.</summary>
    Direct,
    /// <summary>
    /// Winograd F(4x4, 3x3) for the forward pass of ungrouped 3x3 stride-1 convolutions on AVX2+FMA CPUs: a quarter
    /// of im2col's multiply-adds on whole 4x4 tiles, results equal to float rounding (not bit for bit). Auto picks it
    /// when the tiles at least halve the work and C·OutC/(C + OutC) ≥ 48 (by the image shape, never the batch size);
    /// gradients use <see cref="Im2ColGemm"/>, except that Auto also runs the input gradient of such a conv (itself a
    /// 3x3 conv) by it.
    /// </summary>
    Winograd,
}

/// <summary>
/// 2-D convolution over NCHW float32 (cross-correlation, as in PyTorch): forward and both gradients.
/// Layouts: input [N, C, H, W], weight [OutC, C/Groups, KH, KW], bias [OutC] (empty span = no bias),
/// output [N, OutC, OutH, OutW]. Every method overwrites its output(s).
/// Results are bit-identical for any <see cref="EngineOptions.MaxDegreeOfParallelism"/>: work is split by image,
/// output plane or fixed image chunks whose partial sums are reduced in index order.
/// </summary>
public static unsafe class Conv2dKernels
{
    /// <summary>Images whose weight gradients are summed into one partial buffer; the partials are then summed in
    /// order. The chunk count depends only on N, never on the thread count.</summary>
    private const int MaxWeightGradChunks = 8;

    /// <summary>Target im2col slab size in floats (384 KiB): the slab and its packed copy stay in a 1 MiB L2.</summary>
    private const int SlabFloats = 96 * 1024;

    /// <summary>Output rows per im2col slab: whole image if it fits, else as many rows as fit (at least one).</summary>
    internal static int SlabRows(in Conv2dShape s)
    {
        long perRow = (long)s.ColumnRows * s.OutW;
        return (int)Math.Clamp(SlabFloats / Math.Max(1, perRow), 1, s.OutH);
    }

    /// <summary>Per-worker scratch: one im2col slab, then (if the conv pads) one padded copy of a group's channels.</summary>
    private static int ScratchLength(in Conv2dShape s) => s.IsPointwise ? 0
        : s.ColumnRows * SlabRows(s) * s.OutW + (Im2Col.HasPadding(s) ? Im2Col.PaddedLength(s, s.GroupC) : 0);

    internal static bool UseDirect(in Conv2dShape s, Conv2dAlgorithm algo) => algo switch
    {
        Conv2dAlgorithm.Direct => true,
        Conv2dAlgorithm.Im2ColGemm or Conv2dAlgorithm.Winograd => false,
        _ => s.GroupOutC <= 2 || s.ColumnRows <= 2,
    };

    private static bool UseWinograd(in Conv2dShape s, Conv2dAlgorithm algo) => algo switch
    {
        Conv2dAlgorithm.Winograd => true,
        Conv2dAlgorithm.Auto => Conv2dWinograd.Preferred(s),
        _ => false,
    };

    /// <summary>output = conv(input, weight) + bias.</summary>
    public static void Forward(ReadOnlySpan<float> input, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias,
        Span<float> output, Conv2dShape s, Conv2dAlgorithm algorithm = Conv2dAlgorithm.Auto)
    {
        s.EnsureConstructed();
        CheckLen(input.Length, s.InputLength, nameof(input), "N*C*H*W", s);
        CheckLen(weight.Length, s.WeightLength, nameof(weight), "OutC*(C/Groups)*KH*KW", s);
        if (!bias.IsEmpty) CheckLen(bias.Length, s.OutC, nameof(bias), "OutC", s);
        CheckLen(output.Length, s.OutputLength, nameof(output), "N*OutC*OutH*OutW", s);
        fixed (float* x = input)
        fixed (float* w = weight)
        fixed (float* b = bias)
        fixed (float* y = output)
        {
            float* bp = bias.IsEmpty ? null : b;
            if (UseWinograd(s, algorithm)) Conv2dWinograd.Forward(x, w, bp, y, s);
            else if (UseDirect(s, algorithm)) Conv2dDirect.Forward(x, w, bp, y, s);
            else ForwardGemm(x, w, bp, y, s);
        }
    }

    /// <summary>gradInput = d(loss)/d(input) given gradOutput (the transposed convolution of gradOutput).</summary>
    public static void BackwardInput(ReadOnlySpan<float> gradOutput, ReadOnlySpan<float> weight, Span<float> gradInput,
        Conv2dShape s, Conv2dAlgorithm algorithm = Conv2dAlgorithm.Auto)
    {
        s.EnsureConstructed();
        CheckLen(gradOutput.Length, s.OutputLength, nameof(gradOutput), "N*OutC*OutH*OutW", s);
        CheckLen(weight.Length, s.WeightLength, nameof(weight), "OutC*(C/Groups)*KH*KW", s);
        CheckLen(gradInput.Length, s.InputLength, nameof(gradInput), "N*C*H*W", s);
        fixed (float* gy = gradOutput)
        fixed (float* w = weight)
        fixed (float* gx = gradInput)
        {
            if (UseDirect(s, algorithm)) Conv2dDirect.BackwardInput(gy, w, gx, s);
            else if (AdjointAsConvolution(s, out var adjoint)) BackwardInputAsForward(gy, w, gx, s, adjoint, algorithm == Conv2dAlgorithm.Auto);
            else BackwardInputGemm(gy, w, gx, s);
        }
    }

    /// <summary>
    /// gradWeight = d(loss)/d(weight) and, unless gradBias is empty, gradBias = d(loss)/d(bias).
    /// Both are overwritten (not accumulated); the caller adds them to existing gradients if needed.
    /// </summary>
    public static void BackwardWeight(ReadOnlySpan<float> input, ReadOnlySpan<float> gradOutput, Span<float> gradWeight,
        Span<float> gradBias, Conv2dShape s, Conv2dAlgorithm algorithm = Conv2dAlgorithm.Auto)
    {
        s.EnsureConstructed();
        CheckLen(input.Length, s.InputLength, nameof(input), "N*C*H*W", s);
        CheckLen(gradOutput.Length, s.OutputLength, nameof(gradOutput), "N*OutC*OutH*OutW", s);
        CheckLen(gradWeight.Length, s.WeightLength, nameof(gradWeight), "OutC*(C/Groups)*KH*KW", s);
        if (!gradBias.IsEmpty) CheckLen(gradBias.Length, s.OutC, nameof(gradBias), "OutC", s);
        fixed (float* x = input)
        fixed (float* gy = gradOutput)
        fixed (float* gw = gradWeight)
        {
            if (UseDirect(s, algorithm)) Conv2dDirect.BackwardWeight(x, gy, gw, s);
            else BackwardWeightGemm(x, gy, gw, s);
        }
        if (!gradBias.IsEmpty)
            ChannelOps.SumPerChannel(gradOutput, gradBias, s.N, s.OutC, s.OutH * s.OutW);
    }

    /// <summary>Runs body(0..count-1), in parallel when the total work (in floats touched) is worth a fork.</summary>
    internal static void ParallelRanges(int count, Action<int> body, long work)
    {
        if (EngineOptions.MaxDegreeOfParallelism > 1 && count > 1 && work >= 1 << 15)
            Parallel.For(0, count, EngineOptions.ParallelOptions, body);
        else
            for (int i = 0; i < count; i++) body(i);
    }

    private static void CheckLen(int actual, int expected, string name, string formula, in Conv2dShape s)
    {
        if (actual != expected)
            throw new ArgumentException($"{name} has {actual} elements; {s} needs {formula} = {expected}.", name);
    }

    // Parallel over images when there are enough of them (each image's GEMMs single-threaded), else the GEMM
    // itself is threaded. Either way an output element is written by one thread in a fixed order.
    private static bool ParallelOverImages(int n, out int gemmThreads)
    {
        int threads = EngineOptions.MaxDegreeOfParallelism;
        bool perImage = n >= threads;
        gemmThreads = perImage ? 1 : threads;
        return perImage;
    }

    /// <summary>
    /// Packs each group's weight matrix once per call (W_g, or W_g^T for the input gradient) so the per-image
    /// products only pack their image side. Returns null when the CPU lacks the packed GEMM path.
    /// </summary>
    private static float[]? PackWeights(float* w, in Conv2dShape s, bool transposed, out int perGroup)
    {
        int ocg = s.GroupOutC, rows = s.ColumnRows;
        int m = transposed ? rows : ocg, k = transposed ? ocg : rows;
        perGroup = Sgemm.PackedALength(m, k);
        if (!Sgemm.PackedSupported) return null;
        var packed = BufferPool.Rent(perGroup * s.Groups);
        fixed (float* p0 = packed)
        {
            float* p = p0;
            int groups = s.Groups, pg = perGroup;
            ParallelRanges(groups, g => Sgemm.PackA(transposed, m, k, w + (long)g * ocg * rows, rows, p + (long)g * pg),
                (long)pg * groups);
        }
        return packed;
    }

    private static void ForwardGemm(float* x, float* w, float* bias, float* y, Conv2dShape s)
    {
        int colLen = ScratchLength(s);
        bool perImage = ParallelOverImages(s.N, out int gemmThreads);
        float[]? packed = PackWeights(w, s, false, out int perGroup);
        try
        {
            fixed (float* pw0 = packed)
            {
                float* pw = packed is null ? null : pw0;
                if (pw != null && SharesTilesAcrossImages(s))
                    ForwardImagesSideBySide(x, pw, perGroup, bias, y, s);
                else if (perImage && pw != null && !s.IsPointwise)
                {
                    // Chunks of images share each L2-resident block of packed weights (see MultiplyPrepackedMany).
                    int padLen = Im2Col.HasPadding(s) ? Im2Col.PaddedLength(s, s.GroupC) : 0;
                    int chunk = Math.Clamp(s.N / (4 * EngineOptions.MaxDegreeOfParallelism), 1, ImagesPerChunk);
                    // Large images: keep each worker's padded copies under ~64 Mi floats.
                    if (padLen > 0) chunk = Math.Clamp((1 << 26) / padLen, 1, chunk);
                    int chunks = (s.N + chunk - 1) / chunk;
                    Parallel.For(0, chunks, EngineOptions.ParallelOptions,
                        () => BufferPool.Rent(chunk * padLen),
                        (ci, _, pads) =>
                        {
                            fixed (float* pp = pads)
                                ForwardImages(ci * chunk, Math.Min(s.N, (ci + 1) * chunk), x, pw, perGroup, bias, y, pp, padLen, s);
                            return pads;
                        },
                        BufferPool.Return);
                }
                else if (perImage)
                {
                    Parallel.For(0, s.N, EngineOptions.ParallelOptions,
                        () => BufferPool.Rent(colLen),
                        (n, _, col) => { fixed (float* pc = col) ForwardImage(n, x, w, pw, perGroup, bias, y, pc, s, 1); return col; },
                        BufferPool.Return);
                }
                else
                {
                    float[] col = BufferPool.Rent(colLen);
                    try
                    {
                        fixed (float* pc = col)
                            for (int n = 0; n < s.N; n++) ForwardImage(n, x, w, pw, perGroup, bias, y, pc, s, gemmThreads);
                    }
                    finally { BufferPool.Return(col); }
                }
            }
        }
        finally { if (packed != null) BufferPool.Return(packed); }
    }

    /// <summary>Output columns one side-by-side GEMM covers (a few L2-sized panels of packed B).</summary>
    private const int SideBySideColumns = 512;

    /// <summary>Test and benchmark hook: forces the per-image path so the two paths can be compared.</summary>
    internal static bool PerImageTilesOnly;

    /// <summary>
    /// Whether output planes are so small that per-image GEMMs would leave most of each NR-wide tile empty (a 4x4
    /// plane fills half of a 32-wide tile, and every image repeats the packing and task setup): then several images'
    /// columns share one GEMM. Depends on the shape and the CPU only, never on the thread count.
    /// </summary>
    internal static bool SharesTilesAcrossImages(in Conv2dShape s)
    {
        int ohw = s.OutH * s.OutW;
        return !PerImageTilesOnly && s.N > 1 && ohw % Sgemm.NR != 0 && ohw < 4 * Sgemm.NR;
    }

    /// <summary>
    /// Forward for small planes: per group, C [OCg, count*OHW] = W_g x [cols(image 1) | cols(image 2) | ...] over
    /// chunks of images, then scattered to NCHW. C starts as the bias and accumulates with beta = 1, exactly as the
    /// per-image path does, so each output element sees the same operations in the same order (bit-identical).
    /// </summary>
    private static void ForwardImagesSideBySide(float* x, float* packedW, int perGroup, float* bias, float* y, Conv2dShape s)
    {
        int ohw = s.OutH * s.OutW;
        int chunk = Math.Clamp(SideBySideColumns / ohw, 1, s.N);
        int chunks = (s.N + chunk - 1) / chunk;
        int threads = EngineOptions.MaxDegreeOfParallelism;
        bool parallelChunks = threads > 1 && chunks >= threads;
        int padLen = Im2Col.HasPadding(s) ? Im2Col.PaddedLength(s, s.GroupC) : 0;
        int scratch = chunk * padLen + s.GroupOutC * chunk * ohw;
        void Run(int ci, float[] buf, int gemmThreads)
        {
            fixed (float* pb = buf)
                ForwardChunkSideBySide(ci * chunk, Math.Min(s.N, (ci + 1) * chunk), x, packedW, perGroup, bias, y, pb, padLen, s, gemmThreads);
        }
        if (parallelChunks)
            Parallel.For(0, chunks, EngineOptions.ParallelOptions, () => BufferPool.Rent(scratch),
                (ci, _, buf) => { Run(ci, buf, 1); return buf; }, BufferPool.Return);
        else
        {
            float[] buf = BufferPool.Rent(scratch);
            try { for (int ci = 0; ci < chunks; ci++) Run(ci, buf, threads); }
            finally { BufferPool.Return(buf); }
        }
    }

    private static void ForwardChunkSideBySide(int n0, int n1, float* x, float* packedW, int perGroup, float* bias, float* y,
        float* scratch, int padLen, in Conv2dShape s, int threads)
    {
        int cg = s.GroupC, ocg = s.GroupOutC, count = n1 - n0;
        int hw = s.H * s.W, ohw = s.OutH * s.OutW, cols = count * ohw;
        float* c = scratch + (long)count * padLen;
        float** images = stackalloc float*[count];
        for (int g = 0; g < s.Groups; g++)
        {
            for (int i = 0; i < count; i++)
            {
                float* xg = x + ((long)(n0 + i) * s.C + g * cg) * hw;
                if (padLen > 0) { images[i] = scratch + (long)i * padLen; Im2Col.Pad(xg, cg, s, images[i]); }
                else images[i] = xg;
            }
            if (bias != null)
                for (int o = 0; o < ocg; o++) new Span<float>(c + (long)o * cols, cols).Fill(bias[g * ocg + o]);
            Sgemm.MultiplyPrepacked(ocg, cols, s.ColumnRows, 1f, packedW + (long)g * perGroup, new Im2ColBatchPanel(images, s),
                bias != null ? 1f : 0f, c, cols, threads);
            for (int i = 0; i < count; i++)
                for (int o = 0; o < ocg; o++)
                    Im2Col.Copy(ohw, c + (long)o * cols + (long)i * ohw, y + ((long)(n0 + i) * s.OutC + g * ocg + o) * ohw);
        }
    }

    /// <summary>Images per single-threaded forward task when parallelising over images.</summary>
    private const int ImagesPerChunk = 4;

    /// <summary>Forward of images [n0, n1) on one thread, packed weights required, implicit im2col.</summary>
    private static void ForwardImages(int n0, int n1, float* x, float* packedW, int perGroup, float* bias, float* y,
        float* pads, int padLen, in Conv2dShape s)
    {
        int cg = s.GroupC, ocg = s.GroupOutC, rows = s.ColumnRows;
        int hw = s.H * s.W, ohw = s.OutH * s.OutW, count = n1 - n0;
        if (bias != null)
            for (int n = n0; n < n1; n++)
                for (int oc = 0; oc < s.OutC; oc++) new Span<float>(y + ((long)n * s.OutC + oc) * ohw, ohw).Fill(bias[oc]);
        Span<Im2ColPanel> sources = stackalloc Im2ColPanel[count];
        float** outs = stackalloc float*[count];
        for (int g = 0; g < s.Groups; g++)
        {
            for (int i = 0; i < count; i++)
            {
                float* xg = x + ((long)(n0 + i) * s.C + g * cg) * hw;
                float* src = xg;
                if (padLen > 0) { src = pads + (long)i * padLen; Im2Col.Pad(xg, cg, s, src); }
                sources[i] = new Im2ColPanel(src, s);
                outs[i] = y + ((long)(n0 + i) * s.OutC + g * ocg) * ohw;
            }
            Sgemm.MultiplyPrepackedMany(ocg, ohw, rows, 1f, packedW + (long)g * perGroup, (ReadOnlySpan<Im2ColPanel>)sources,
                outs, ohw, bias != null ? 1f : 0f);
        }
    }

    private static void ForwardImage(int n, float* x, float* w, float* packedW, int perGroup, float* bias, float* y, float* col,
        in Conv2dShape s, int threads)
    {
        int G = s.Groups, cg = s.GroupC, ocg = s.GroupOutC, rows = s.ColumnRows;
        int hw = s.H * s.W, ohw = s.OutH * s.OutW;
        float* xn = x + (long)n * s.C * hw;
        float* yn = y + (long)n * s.OutC * ohw;
        if (bias != null)
            for (int oc = 0; oc < s.OutC; oc++) new Span<float>(yn + (long)oc * ohw, ohw).Fill(bias[oc]);
        float beta = bias != null ? 1f : 0f;
        int slab = s.IsPointwise ? s.OutH : SlabRows(s);
        bool padded = Im2Col.HasPadding(s);
        float* pad = col + (long)rows * slab * s.OutW;
        for (int g = 0; g < G; g++)
        {
            float* xg = xn + (long)g * cg * hw;
            float* wg = packedW != null ? packedW + (long)g * perGroup : w + (long)g * ocg * rows;
            float* src = xg;
            if (padded && !s.IsPointwise) { Im2Col.Pad(xg, cg, s, pad); src = pad; }
            if (packedW != null && !s.IsPointwise)
            {
                // Implicit im2col: GEMM panels are packed straight from the (padded) image.
                Sgemm.MultiplyPrepacked(ocg, ohw, rows, 1f, wg, new Im2ColPanel(src, s), beta, yn + (long)g * ocg * ohw, ohw, threads);
                continue;
            }
            for (int oh0 = 0; oh0 < s.OutH; oh0 += slab)
            {
                int ohc = Math.Min(slab, s.OutH - oh0), px = ohc * s.OutW;
                float* b;
                int ldb;
                if (s.IsPointwise) { b = xg + oh0 * s.OutW; ldb = ohw; }
                else { Im2Col.UnfoldPadded(src, cg, s, col, oh0, ohc); b = col; ldb = px; }
                float* yg = yn + (long)g * ocg * ohw + oh0 * s.OutW;
                if (packedW != null) Sgemm.MultiplyPrepacked(ocg, px, rows, 1f, wg, false, b, ldb, beta, yg, ohw, threads);
                else Sgemm.MultiplyCore(false, false, ocg, px, rows, 1f, wg, rows, b, ldb, beta, yg, ohw, threads);
            }
        }
    }

    /// <summary>
    /// For stride 1 the input gradient is itself a convolution: gradInput = conv(gradOutput, W_rot) with padding
    /// dilation*(K-1) - pad, where W_rot[c, oc, kh, kw] = W[oc, c, KH-1-kh, KW-1-kw] (the adjoint of a correlation
    /// is a correlation with the flipped kernel). That lets it use the implicit-im2col forward path (no column
    /// matrix, no col2im scatter). Needs pad &lt;= dilation*(K-1) so the new padding is not negative.
    /// </summary>
    private static bool AdjointAsConvolution(in Conv2dShape s, out Conv2dShape adjoint)
    {
        adjoint = default;
        // The adjoint GEMM has M = C/groups rows: with fewer than a micro-kernel's height, col2im is cheaper.
        if (s.StrideH != 1 || s.StrideW != 1 || s.IsPointwise || !Sgemm.PackedSupported || s.GroupC < 8) return false;
        int padH = s.DilationH * (s.KH - 1) - s.PadH, padW = s.DilationW * (s.KW - 1) - s.PadW;
        if (padH < 0 || padW < 0) return false;
        adjoint = new Conv2dShape(s.N, s.OutC, s.OutH, s.OutW, s.C, s.KH, s.KW, 1, 1, padH, padW, s.DilationH, s.DilationW, s.Groups);
        return adjoint.OutH == s.H && adjoint.OutW == s.W;
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    private static void BackwardInputAsForward(float* gy, float* w, float* gx, in Conv2dShape s, Conv2dShape adjoint, bool allowWinograd)
    {
        int cg = s.GroupC, ocg = s.GroupOutC, taps = s.KH * s.KW;
        float[] rotated = BufferPool.Rent(s.WeightLength);
        try
        {
            fixed (float* wr = rotated)
            {
                // W_rot[g*Cg + ci, oj, t'] = W[g*OCg + oj, ci, taps-1-t'] (flipping both kernel axes reverses the tap index).
                float* wrp = wr;
                ParallelRanges(s.C, c =>
                {
                    int g = c / cg, ci = c % cg;
                    for (int oj = 0; oj < ocg; oj++)
                    {
                        float* src = w + ((long)(g * ocg + oj) * cg + ci) * taps;
                        float* dst = wrp + ((long)c * ocg + oj) * taps;
                        for (int t = 0; t < taps; t++) dst[t] = src[taps - 1 - t];
                    }
                }, s.WeightLength);
                if (allowWinograd && Conv2dWinograd.Preferred(adjoint)) Conv2dWinograd.Forward(gy, wr, null, gx, adjoint);
                else ForwardGemm(gy, wr, null, gx, adjoint);
            }
        }
        finally { BufferPool.Return(rotated); }
    }

    private static void BackwardInputGemm(float* gy, float* w, float* gx, Conv2dShape s)
    {
        int colLen = ScratchLength(s);
        bool perImage = ParallelOverImages(s.N, out int gemmThreads);
        float[]? packed = PackWeights(w, s, true, out int perGroup);
        try
        {
            fixed (float* pw0 = packed)
            {
                float* pw = packed is null ? null : pw0;
                if (perImage)
                {
                    Parallel.For(0, s.N, EngineOptions.ParallelOptions,
                        () => BufferPool.Rent(colLen),
                        (n, _, col) => { fixed (float* pc = col) BackwardInputImage(n, gy, w, pw, perGroup, gx, pc, s, 1); return col; },
                        BufferPool.Return);
                }
                else
                {
                    float[] col = BufferPool.Rent(colLen);
                    try
                    {
                        fixed (float* pc = col)
                            for (int n = 0; n < s.N; n++) BackwardInputImage(n, gy, w, pw, perGroup, gx, pc, s, gemmThreads);
                    }
                    finally { BufferPool.Return(col); }
                }
            }
        }
        finally { if (packed != null) BufferPool.Return(packed); }
    }

    private static void BackwardInputImage(int n, float* gy, float* w, float* packedW, int perGroup, float* gx, float* col,
        in Conv2dShape s, int threads)
    {
        int G = s.Groups, cg = s.GroupC, ocg = s.GroupOutC, rows = s.ColumnRows;
        int hw = s.H * s.W, ohw = s.OutH * s.OutW;
        float* gyn = gy + (long)n * s.OutC * ohw;
        float* gxn = gx + (long)n * s.C * hw;
        int slab = s.IsPointwise ? s.OutH : SlabRows(s);
        bool padded = Im2Col.HasPadding(s);
        float* pad = col + (long)rows * slab * s.OutW;
        for (int g = 0; g < G; g++)
        {
            float* gxg = gxn + (long)g * cg * hw;
            float* wg = packedW != null ? packedW + (long)g * perGroup : w + (long)g * ocg * rows;
            // Fold into a zeroed padded buffer (or straight into gradInput when the conv has no padding).
            float* acc = padded ? pad : gxg;
            if (!s.IsPointwise) new Span<float>(acc, padded ? Im2Col.PaddedLength(s, cg) : cg * hw).Clear();
            for (int oh0 = 0; oh0 < s.OutH; oh0 += slab)
            {
                int ohc = Math.Min(slab, s.OutH - oh0), px = ohc * s.OutW;
                // columns[rows, px] = W_g^T [rows, ocg] x gradOut_g [ocg, px]; a 1x1 conv writes gradInput directly.
                float* gyg = gyn + (long)g * ocg * ohw + oh0 * s.OutW;
                float* dst = s.IsPointwise ? gxg + oh0 * s.OutW : col;
                int ldd = s.IsPointwise ? ohw : px;
                if (packedW != null) Sgemm.MultiplyPrepacked(rows, px, ocg, 1f, wg, false, gyg, ohw, 0f, dst, ldd, threads);
                else Sgemm.MultiplyCore(true, false, rows, px, ocg, 1f, wg, rows, gyg, ohw, 0f, dst, ldd, threads);
                if (!s.IsPointwise) Im2Col.FoldAddPadded(col, cg, s, acc, oh0, ohc);
            }
            if (padded && !s.IsPointwise) Im2Col.Crop(pad, cg, s, gxg);
        }
    }

    private static void BackwardWeightGemm(float* x, float* gy, float* gw, Conv2dShape s)
    {
        int chunks = Math.Min(s.N, MaxWeightGradChunks);
        int wLen = s.WeightLength;
        int colLen = ScratchLength(s);
        int threads = EngineOptions.MaxDegreeOfParallelism;
        // Partial gradients per chunk (chunk 0 writes straight into gw).
        float[] partials = BufferPool.Rent((chunks - 1) * wLen);
        try
        {
            fixed (float* pp = partials)
            {
                float* parts = pp;
                if (threads > 1 && chunks >= threads)
                {
                    Parallel.For(0, chunks, EngineOptions.ParallelOptions,
                        () => BufferPool.Rent(colLen),
                        (ch, _, col) =>
                        {
                            fixed (float* pc = col)
                                WeightGradChunk(ch, chunks, x, gy, ch == 0 ? gw : parts + (long)(ch - 1) * wLen, pc, s, 1);
                            return col;
                        },
                        BufferPool.Return);
                }
                else
                {
                    float[] col = BufferPool.Rent(colLen);
                    try
                    {
                        fixed (float* pc = col)
                            for (int ch = 0; ch < chunks; ch++)
                                WeightGradChunk(ch, chunks, x, gy, ch == 0 ? gw : parts + (long)(ch - 1) * wLen, pc, s, threads);
                    }
                    finally { BufferPool.Return(col); }
                }
                // Reduce partials in chunk order (element ranges in parallel; each element's order is fixed).
                const int span = 16384;
                ParallelRanges((wLen + span - 1) / span, r =>
                {
                    int i0 = r * span, len = Math.Min(span, wLen - i0);
                    for (int ch = 1; ch < chunks; ch++) Im2Col.Add(len, parts + (long)(ch - 1) * wLen + i0, gw + i0);
                }, (long)wLen * (chunks - 1));
            }
        }
        finally { BufferPool.Return(partials); }
    }

    private static void WeightGradChunk(int ch, int chunks, float* x, float* gy, float* gwOut, float* col, in Conv2dShape s, int threads)
    {
        int n0 = (int)((long)ch * s.N / chunks), n1 = (int)((long)(ch + 1) * s.N / chunks);
        int G = s.Groups, cg = s.GroupC, ocg = s.GroupOutC, rows = s.ColumnRows;
        int hw = s.H * s.W, ohw = s.OutH * s.OutW;
        int slab = s.IsPointwise ? s.OutH : SlabRows(s);
        bool padded = Im2Col.HasPadding(s);
        float* pad = col + (long)rows * slab * s.OutW;
        for (int n = n0; n < n1; n++)
        {
            float* xn = x + (long)n * s.C * hw;
            float* gyn = gy + (long)n * s.OutC * ohw;
            for (int g = 0; g < G; g++)
            {
                float* xg = xn + (long)g * cg * hw;
                float* src = xg;
                if (padded && !s.IsPointwise) { Im2Col.Pad(xg, cg, s, pad); src = pad; }
                if (Sgemm.PackedSupported && !s.IsPointwise)
                {
                    // gW_g [ocg, rows] (+)= gradOut_g [ocg, ohw] x columns^T, the columns packed straight from the image.
                    Sgemm.MultiplyPanelB(ocg, rows, ohw, 1f, gyn + (long)g * ocg * ohw, ohw, new Im2ColTransposedPanel(src, s),
                        n == n0 ? 0f : 1f, gwOut + (long)g * ocg * rows, rows, threads);
                    continue;
                }
                for (int oh0 = 0; oh0 < s.OutH; oh0 += slab)
                {
                    int ohc = Math.Min(slab, s.OutH - oh0), px = ohc * s.OutW;
                    float* b;
                    int ldb;
                    if (s.IsPointwise) { b = xg + oh0 * s.OutW; ldb = hw; }
                    else { Im2Col.UnfoldPadded(src, cg, s, col, oh0, ohc); b = col; ldb = px; }
                    // gW_g [ocg, rows] (+)= gradOut_g [ocg, px] x columns^T [px, rows]
                    bool first = n == n0 && oh0 == 0;
                    Sgemm.MultiplyCore(false, true, ocg, rows, px, 1f, gyn + (long)g * ocg * ohw + oh0 * s.OutW, ohw, b, ldb,
                        first ? 0f : 1f, gwOut + (long)g * ocg * rows, rows, threads);
                }
            }
        }
    }
}
