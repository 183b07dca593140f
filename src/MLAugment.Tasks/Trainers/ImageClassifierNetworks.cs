using MLAugment.Engine;
using MLAugment.Engine.NN;

namespace MLAugment.Tasks.Trainers;

/// <summary>The network families <see cref="ImageClassificationTrainer"/> can train.</summary>
public enum ImageClassificationArchitecture
{
    /// <summary>Two stages of (conv3x3-BN-ReLU)×2 + 2×2 max pooling, global average pooling, one linear layer.</summary>
    SmallCnn = 0,
    /// <summary>A ResNet (He et al. 2016) stem + three stages of one basic block each (width w, 2w, 4w; stride 1, 2, 2).</summary>
    SmallResNet = 1,
}

/// <summary>
/// A classifier split at its penultimate layer: <see cref="Features"/> maps normalised images [N, C, H, W] to
/// [N, <see cref="FeatureDimension"/>] (after global average pooling), <see cref="Head"/> maps those to logits [N, K].
/// </summary>
internal abstract class ImageClassifierNetwork : Module<Tensor, Tensor>
{
    protected ImageClassifierNetwork(int featureDimension, int classes, Generator generator)
    {
        FeatureDimension = featureDimension;
        Head = new Linear(featureDimension, classes, generator);
    }

    public int FeatureDimension { get; }

    public Linear Head { get; }

    public abstract Tensor Features(Tensor images);

    public override Tensor Forward(Tensor images) => Head.Forward(Features(images));

    public static ImageClassifierNetwork Create(ImageClassificationArchitecture architecture, int channels, int width, int classes, Generator generator) =>
        architecture switch
        {
            ImageClassificationArchitecture.SmallCnn => new SmallCnn(channels, width, classes, generator),
            ImageClassificationArchitecture.SmallResNet => new SmallResNet(channels, width, classes, generator),
            _ => throw new ArgumentOutOfRangeException(nameof(architecture), architecture, "Unknown image classification architecture."),
        };

    /// <summary>Global average pooling: [N, C, H, W] → [N, C].</summary>
    protected static Tensor GlobalAveragePool(Tensor x) => F.AdaptiveAvgPool2d(x, 1, 1).Reshape(x.Shape[0], x.Shape[1]);
}

/// <summary>conv3x3 (no bias: BN follows) → BatchNorm → ReLU.</summary>
internal sealed class ConvBnRelu : Module<Tensor, Tensor>
{
    private readonly Conv2d _conv;
    private readonly BatchNorm2d _bn;

    public ConvBnRelu(int inChannels, int outChannels, Generator generator, int stride = 1)
    {
        _conv = RegisterModule("conv", new Conv2d(inChannels, outChannels, 3, generator, stride: stride, padding: 1, bias: false));
        _bn = RegisterModule("bn", new BatchNorm2d(outChannels));
    }

    public override Tensor Forward(Tensor input) => _bn.Forward(_conv.Forward(input)).Relu();
}

internal sealed class SmallCnn : ImageClassifierNetwork
{
    private readonly ConvBnRelu _c1, _c2, _c3, _c4;

    public SmallCnn(int channels, int width, int classes, Generator generator) : base(2 * width, classes, generator)
    {
        _c1 = RegisterModule("conv1", new ConvBnRelu(channels, width, generator));
        _c2 = RegisterModule("conv2", new ConvBnRelu(width, width, generator));
        _c3 = RegisterModule("conv3", new ConvBnRelu(width, 2 * width, generator));
        _c4 = RegisterModule("conv4", new ConvBnRelu(2 * width, 2 * width, generator));
        RegisterModule("head", Head);
    }

    public override Tensor Features(Tensor images)
    {
        var x = F.MaxPool2d(_c2.Forward(_c1.Forward(images)), 2);   // [N, w, H/2, W/2]
        x = F.MaxPool2d(_c4.Forward(_c3.Forward(x)), 2);             // [N, 2w, H/4, W/4]
        return GlobalAveragePool(x);                                  // [N, 2w]
    }
}

/// <summary>Basic residual block: y = ReLU(BN(conv(ReLU(BN(conv(x))))) + shortcut(x)), shortcut = 1x1 conv + BN when the shape changes.</summary>
internal sealed class BasicBlock : Module<Tensor, Tensor>
{
    private readonly ConvBnRelu _a;
    private readonly Conv2d _conv;
    private readonly BatchNorm2d _bn;
    private readonly Conv2d? _shortcutConv;
    private readonly BatchNorm2d? _shortcutBn;

    public BasicBlock(int inChannels, int outChannels, int stride, Generator generator)
    {
        _a = RegisterModule("a", new ConvBnRelu(inChannels, outChannels, generator, stride));
        _conv = RegisterModule("conv", new Conv2d(outChannels, outChannels, 3, generator, padding: 1, bias: false));
        _bn = RegisterModule("bn", new BatchNorm2d(outChannels));
        if (stride != 1 || inChannels != outChannels)
        {
            _shortcutConv = RegisterModule("shortcut_conv", new Conv2d(inChannels, outChannels, 1, generator, stride: stride, bias: false));
            _shortcutBn = RegisterModule("shortcut_bn", new BatchNorm2d(outChannels));
        }
    }

    public override Tensor Forward(Tensor input)
    {
        var y = _bn.Forward(_conv.Forward(_a.Forward(input)));
        var shortcut = _shortcutConv is null ? input : _shortcutBn!.Forward(_shortcutConv.Forward(input));
        return (y + shortcut).Relu();
    }
}

internal sealed class SmallResNet : ImageClassifierNetwork
{
    private readonly ConvBnRelu _stem;
    private readonly BasicBlock _b1, _b2, _b3;

    public SmallResNet(int channels, int width, int classes, Generator generator) : base(4 * width, classes, generator)
    {
        _stem = RegisterModule("stem", new ConvBnRelu(channels, width, generator));
        _b1 = RegisterModule("block1", new BasicBlock(width, width, 1, generator));
        _b2 = RegisterModule("block2", new BasicBlock(width, 2 * width, 2, generator));
        _b3 = RegisterModule("block3", new BasicBlock(2 * width, 4 * width, 2, generator));
        RegisterModule("head", Head);
    }

    public override Tensor Features(Tensor images)
    {
        var x = _b1.Forward(_stem.Forward(images));   // [N, w, H, W]
        x = _b3.Forward(_b2.Forward(x));              // [N, 4w, H/4, W/4]
        return GlobalAveragePool(x);                  // [N, 4w]
    }
}
