using MLAugment.Engine.Memory;

namespace MLAugment.Engine.Kernels;

/// <summary>How a convolution is computed. Both algorithms agree to float rounding; each is deterministic.</summary>
public enum Conv2dAlgorithm
{
    /// <summary>Heuristic: <see cref="Direct"/> when a group has very few output channels or taps (depthwise and
    /// near-depthwise convs, where the GEMM would be a thin matrix-vector product), else <see cref="Im2ColGemm"/>.</summary>
    Auto,
    /// <summary>im2col + packed SGEMM; 1x1 stride-1 unpadded convs skip im2col and multiply the image directly.</summary>
    Im2ColGemm,
    /// <summary>Direct sliding-window loops vectorized along output rows.</summary>
    Direct,
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

    internal static bool UseDirect(in Conv2dShape s, Conv2dAlgorithm algo) => algo switch
    {
        Conv2dAlgorithm.Direct => true,
        Conv2dAlgorithm.Im2ColGemm => false,
        _ => s.GroupOutC <= 2 || s.ColumnRows <= 2,
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
            if (UseDirect(s, algorithm)) Conv2dDirect.Forward(x, w, bp, y, s);
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
        bool perImage = threads > 1 && n >= threads;
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
        fixed (float* p = packed)
            for (int g = 0; g < s.Groups; g++)
                Sgemm.PackA(transposed, m, k, w + (long)g * ocg * rows, rows, p + (long)g * perGroup);
        return packed;
    }

    private static void ForwardGemm(float* x, float* w, float* bias, float* y, Conv2dShape s)
    {
        int colLen = s.IsPointwise ? 0 : s.ColumnRows * s.OutH * s.OutW;
        bool perImage = ParallelOverImages(s.N, out int gemmThreads);
        float[]? packed = PackWeights(w, s, false, out int perGroup);
        try
        {
            fixed (float* pw0 = packed)
            {
                float* pw = packed is null ? null : pw0;
                if (perImage)
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
        for (int g = 0; g < G; g++)
        {
            float* xg = xn + (long)g * cg * hw;
            float* b;
            if (s.IsPointwise) b = xg;
            else { Im2Col.UnfoldCore(xg, cg, s, col); b = col; }
            if (packedW != null)
                Sgemm.MultiplyPrepacked(ocg, ohw, rows, 1f, packedW + (long)g * perGroup, false, b, ohw,
                    beta, yn + (long)g * ocg * ohw, ohw, threads);
            else
                Sgemm.MultiplyCore(false, false, ocg, ohw, rows, 1f, w + (long)g * ocg * rows, rows, b, ohw,
                    beta, yn + (long)g * ocg * ohw, ohw, threads);
        }
    }

    private static void BackwardInputGemm(float* gy, float* w, float* gx, Conv2dShape s)
    {
        int colLen = s.IsPointwise ? 0 : s.ColumnRows * s.OutH * s.OutW;
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
        for (int g = 0; g < G; g++)
        {
            float* gxg = gxn + (long)g * cg * hw;
            // columns[rows, ohw] = W_g^T [rows, ocg] x gradOut_g [ocg, ohw]
            float* dst = s.IsPointwise ? gxg : col;
            if (packedW != null)
                Sgemm.MultiplyPrepacked(rows, ohw, ocg, 1f, packedW + (long)g * perGroup, false,
                    gyn + (long)g * ocg * ohw, ohw, 0f, dst, ohw, threads);
            else
                Sgemm.MultiplyCore(true, false, rows, ohw, ocg, 1f, w + (long)g * ocg * rows, rows,
                    gyn + (long)g * ocg * ohw, ohw, 0f, dst, ohw, threads);
            if (!s.IsPointwise)
            {
                new Span<float>(gxg, cg * hw).Clear();
                Im2Col.FoldAddCore(col, cg, s, gxg);
            }
        }
    }

    private static void BackwardWeightGemm(float* x, float* gy, float* gw, Conv2dShape s)
    {
        int chunks = Math.Min(s.N, MaxWeightGradChunks);
        int wLen = s.WeightLength;
        int colLen = s.IsPointwise ? 0 : s.ColumnRows * s.OutH * s.OutW;
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
                // Reduce partials in chunk order.
                for (int ch = 1; ch < chunks; ch++) Im2Col.Add(wLen, parts + (long)(ch - 1) * wLen, gw);
            }
        }
        finally { BufferPool.Return(partials); }
    }

    private static void WeightGradChunk(int ch, int chunks, float* x, float* gy, float* gwOut, float* col, in Conv2dShape s, int threads)
    {
        int n0 = (int)((long)ch * s.N / chunks), n1 = (int)((long)(ch + 1) * s.N / chunks);
        int G = s.Groups, cg = s.GroupC, ocg = s.GroupOutC, rows = s.ColumnRows;
        int hw = s.H * s.W, ohw = s.OutH * s.OutW;
        for (int n = n0; n < n1; n++)
        {
            float* xn = x + (long)n * s.C * hw;
            float* gyn = gy + (long)n * s.OutC * ohw;
            for (int g = 0; g < G; g++)
            {
                float* xg = xn + (long)g * cg * hw;
                float* b;
                if (s.IsPointwise) b = xg;
                else { Im2Col.UnfoldCore(xg, cg, s, col); b = col; }
                // gW_g [ocg, rows] (+)= gradOut_g [ocg, ohw] x columns^T [ohw, rows]
                Sgemm.MultiplyCore(false, true, ocg, rows, ohw, 1f, gyn + (long)g * ocg * ohw, ohw, b, ohw,
                    n == n0 ? 0f : 1f, gwOut + (long)g * ocg * rows, rows, threads);
            }
        }
    }
}
