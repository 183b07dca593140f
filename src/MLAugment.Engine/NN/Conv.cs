namespace MLAugment.Engine.NN;

/// <summary>2-D convolution over [N, C, H, W]; weight [out, in/groups, k, k], PyTorch's default init (torch.nn.Conv2d).</summary>
public sealed class Conv2d : Module<Tensor, Tensor>
{
    public int InChannels { get; }
    public int OutChannels { get; }
    public int KernelSize { get; }
    public int Stride { get; }
    public int Padding { get; }
    public int Dilation { get; }
    public int Groups { get; }
    public Tensor Weight { get; }
    public Tensor? Bias { get; }

    public Conv2d(int inChannels, int outChannels, int kernelSize, Generator generator, int stride = 1, int padding = 0,
        int dilation = 1, int groups = 1, bool bias = true)
    {
        ConvChecks.Validate("Conv2d", inChannels, outChannels, kernelSize, stride, padding, dilation, groups);
        InChannels = inChannels; OutChannels = outChannels; KernelSize = kernelSize;
        Stride = stride; Padding = padding; Dilation = dilation; Groups = groups;
        Weight = RegisterParameter("weight", Parameter.Create(outChannels, inChannels / groups, kernelSize, kernelSize));
        if (bias) Bias = RegisterParameter("bias", Parameter.Create(outChannels));
        Init.DefaultLayerInit(Weight, Bias, generator);
    }

    public override Tensor Forward(Tensor input) => F.Conv2d(input, Weight, Bias, Stride, Padding, Dilation, Groups);
}

/// <summary>
/// Transposed 2-D convolution (the adjoint of Conv2d; upsampling); weight [in, out/groups, k, k] as in PyTorch, whose
/// default init this follows, fan-in taken from dim 1 (torch.nn.ConvTranspose2d).
/// </summary>
public sealed class ConvTranspose2d : Module<Tensor, Tensor>
{
    public int InChannels { get; }
    public int OutChannels { get; }
    public int KernelSize { get; }
    public int Stride { get; }
    public int Padding { get; }
    public int OutputPadding { get; }
    public int Dilation { get; }
    public int Groups { get; }
    public Tensor Weight { get; }
    public Tensor? Bias { get; }

    public ConvTranspose2d(int inChannels, int outChannels, int kernelSize, Generator generator, int stride = 1, int padding = 0,
        int outputPadding = 0, int groups = 1, bool bias = true, int dilation = 1)
    {
        ConvChecks.Validate("ConvTranspose2d", inChannels, outChannels, kernelSize, stride, padding, dilation, groups);
        if (outputPadding < 0 || (outputPadding >= stride && outputPadding >= dilation))
            throw new ArgumentOutOfRangeException(nameof(outputPadding), outputPadding, $"ConvTranspose2d: output padding must be smaller than stride ({stride}) or dilation ({dilation}).");
        InChannels = inChannels; OutChannels = outChannels; KernelSize = kernelSize;
        Stride = stride; Padding = padding; OutputPadding = outputPadding; Dilation = dilation; Groups = groups;
        Weight = RegisterParameter("weight", Parameter.Create(inChannels, outChannels / groups, kernelSize, kernelSize));
        if (bias) Bias = RegisterParameter("bias", Parameter.Create(outChannels));
        Init.DefaultLayerInit(Weight, Bias, generator);
    }

    public override Tensor Forward(Tensor input) =>
        F.ConvTranspose2d(input, Weight, Bias, Stride, Padding, OutputPadding, Dilation, Groups);
}

internal static class ConvChecks
{
    public static void Validate(string op, int inChannels, int outChannels, int kernelSize, int stride, int padding, int dilation, int groups)
    {
        if (inChannels <= 0 || outChannels <= 0 || kernelSize <= 0 || stride <= 0 || dilation <= 0 || padding < 0 || groups <= 0)
            throw new ArgumentException($"{op}: invalid configuration in={inChannels}, out={outChannels}, kernel={kernelSize}, stride={stride}, padding={padding}, dilation={dilation}, groups={groups}.");
        if (inChannels % groups != 0 || outChannels % groups != 0)
            throw new ArgumentException($"{op}: in ({inChannels}) and out ({outChannels}) channels must both be divisible by groups ({groups}).");
    }
}
