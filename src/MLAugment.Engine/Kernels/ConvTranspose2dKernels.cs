namespace MLAugment.Engine.Kernels;

/// <summary>
/// Transposed 2-D convolution (a.k.a. fractionally strided / "deconvolution"), defined as the adjoint of the
/// convolution described by a <see cref="Conv2dShape"/> <c>s</c>:
/// input [N, s.OutC, s.OutH, s.OutW], weight [s.OutC, s.C/Groups, KH, KW] (PyTorch's ConvTranspose2d layout
/// [in_channels, out_channels/groups, kH, kW]), bias [s.C], output [N, s.C, s.H, s.W].
/// Build <c>s</c> with <see cref="Shape"/> from the transposed layer's parameters. Every method overwrites its outputs.
/// </summary>
public static class ConvTranspose2dKernels
{
    /// <summary>
    /// The convolution whose adjoint is ConvTranspose2d(inChannels -> outChannels) on an inH x inW input:
    /// output size = (in - 1)*stride - 2*pad + dilation*(k - 1) + outputPadding + 1 (PyTorch's formula).
    /// </summary>
    public static Conv2dShape Shape(int n, int inChannels, int inH, int inW, int outChannels, int kh, int kw,
        int strideH = 1, int strideW = 1, int padH = 0, int padW = 0, int outputPaddingH = 0, int outputPaddingW = 0,
        int dilationH = 1, int dilationW = 1, int groups = 1)
    {
        if (outputPaddingH < 0 || (outputPaddingH >= strideH && outputPaddingH >= dilationH))
            throw new ArgumentException($"outputPaddingH ({outputPaddingH}) must be >= 0 and smaller than strideH ({strideH}) or dilationH ({dilationH}).", nameof(outputPaddingH));
        if (outputPaddingW < 0 || (outputPaddingW >= strideW && outputPaddingW >= dilationW))
            throw new ArgumentException($"outputPaddingW ({outputPaddingW}) must be >= 0 and smaller than strideW ({strideW}) or dilationW ({dilationW}).", nameof(outputPaddingW));
        int outH = (inH - 1) * strideH - 2 * padH + dilationH * (kh - 1) + outputPaddingH + 1;
        int outW = (inW - 1) * strideW - 2 * padW + dilationW * (kw - 1) + outputPaddingW + 1;
        if (outH < 1) throw new ArgumentException($"ConvTranspose2d output height would be {outH}; check inH/kh/strideH/padH.", nameof(inH));
        if (outW < 1) throw new ArgumentException($"ConvTranspose2d output width would be {outW}; check inW/kw/strideW/padW.", nameof(inW));
        var s = new Conv2dShape(n, outChannels, outH, outW, inChannels, kh, kw, strideH, strideW, padH, padW, dilationH, dilationW, groups);
        if (s.OutH != inH || s.OutW != inW)
            throw new ArgumentException($"Transposed-conv parameters are inconsistent: adjoint conv maps {outH}x{outW} to {s.OutH}x{s.OutW}, not {inH}x{inW}.", nameof(inH));
        return s;
    }

    /// <summary>output = conv_transpose(input, weight) + bias; equals Conv2d's input gradient of <paramref name="input"/>.</summary>
    public static void Forward(ReadOnlySpan<float> input, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias,
        Span<float> output, Conv2dShape s, Conv2dAlgorithm algorithm = Conv2dAlgorithm.Auto)
    {
        s.EnsureConstructed();
        if (!bias.IsEmpty && bias.Length != s.C)
            throw new ArgumentException($"bias has {bias.Length} elements; transposed conv with {s.C} output channels needs {s.C}.", nameof(bias));
        CheckLengths(input.Length, nameof(input), weight.Length, output.Length, nameof(output), s);
        Conv2dKernels.BackwardInput(input, weight, output, s, algorithm);
        if (!bias.IsEmpty) ChannelOps.AddBias(output, bias, s.N, s.C, s.H * s.W);
    }

    /// <summary>gradInput = d(loss)/d(input): a plain convolution of gradOutput (no bias).</summary>
    public static void BackwardInput(ReadOnlySpan<float> gradOutput, ReadOnlySpan<float> weight, Span<float> gradInput,
        Conv2dShape s, Conv2dAlgorithm algorithm = Conv2dAlgorithm.Auto)
    {
        s.EnsureConstructed();
        CheckLengths(gradInput.Length, nameof(gradInput), weight.Length, gradOutput.Length, nameof(gradOutput), s);
        Conv2dKernels.Forward(gradOutput, weight, ReadOnlySpan<float>.Empty, gradInput, s, algorithm);
    }

    /// <summary>gradWeight (and gradBias unless empty), overwritten. The weight gradient is Conv2d's with the roles of
    /// "input" and "output gradient" swapped; the bias gradient is the per-channel sum of gradOutput.</summary>
    public static void BackwardWeight(ReadOnlySpan<float> input, ReadOnlySpan<float> gradOutput, Span<float> gradWeight,
        Span<float> gradBias, Conv2dShape s, Conv2dAlgorithm algorithm = Conv2dAlgorithm.Auto)
    {
        s.EnsureConstructed();
        if (!gradBias.IsEmpty && gradBias.Length != s.C)
            throw new ArgumentException($"gradBias has {gradBias.Length} elements; transposed conv with {s.C} output channels needs {s.C}.", nameof(gradBias));
        CheckLengths(input.Length, nameof(input), gradWeight.Length, gradOutput.Length, nameof(gradOutput), s);
        Conv2dKernels.BackwardWeight(gradOutput, input, gradWeight, Span<float>.Empty, s, algorithm);
        if (!gradBias.IsEmpty) ChannelOps.SumPerChannel(gradOutput, gradBias, s.N, s.C, s.H * s.W);
    }

    // Names the transposed layer's own tensors: its input is the adjoint conv's output and vice versa.
    private static void CheckLengths(int inLen, string inName, int wLen, int outLen, string outName, in Conv2dShape s)
    {
        int inNeed = s.N * s.OutC * s.OutH * s.OutW, outNeed = s.N * s.C * s.H * s.W;
        if (inLen != inNeed)
            throw new ArgumentException($"{inName} has {inLen} elements; transposed conv input [N={s.N}, {s.OutC}, {s.OutH}, {s.OutW}] needs {inNeed}.", inName);
        if (wLen != s.WeightLength)
            throw new ArgumentException($"weight has {wLen} elements; [{s.OutC}, {s.GroupC}, {s.KH}, {s.KW}] needs {s.WeightLength}.", "weight");
        if (outLen != outNeed)
            throw new ArgumentException($"{outName} has {outLen} elements; transposed conv output [N={s.N}, {s.C}, {s.H}, {s.W}] needs {outNeed}.", outName);
    }
}
