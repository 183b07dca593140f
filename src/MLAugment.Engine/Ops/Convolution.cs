using MLAugment.Engine.Kernels;
using AG = MLAugment.Engine.Autograd.Autograd;

namespace MLAugment.Engine;

/// <summary>2-D convolution and transposed convolution (NCHW), on the packed-GEMM / direct kernels.</summary>
public static partial class F
{
    /// <summary>
    /// Cross-correlation as torch.nn.functional.conv2d: x [N, C, H, W], weight [OutC, C/groups, KH, KW], bias [OutC].
    /// </summary>
    public static Tensor Conv2d(Tensor x, Tensor weight, Tensor? bias = null, int stride = 1, int padding = 0, int dilation = 1, int groups = 1)
    {
        if (x.Rank != 4) throw new ArgumentException($"Conv2d: input {ShapeUtil.Format(x.Shape)} must be 4-D [N, C, H, W].");
        if (weight.Rank != 4) throw new ArgumentException($"Conv2d: weight {ShapeUtil.Format(weight.Shape)} must be 4-D [OutC, C/groups, KH, KW].");
        if (groups < 1 || x.Shape[1] % groups != 0 || weight.Shape[0] % groups != 0 || weight.Shape[1] * groups != x.Shape[1])
            throw new ArgumentException($"Conv2d: input {ShapeUtil.Format(x.Shape)} has {x.Shape[1]} channels, weight {ShapeUtil.Format(weight.Shape)} expects {weight.Shape[1] * groups} (groups={groups}).");
        if (bias != null && (bias.Rank != 1 || bias.Shape[0] != weight.Shape[0]))
            throw new ArgumentException($"Conv2d: bias {ShapeUtil.Format(bias.Shape)} must be [{weight.Shape[0]}].");
        Conv2dShape s;
        try
        {
            s = new Conv2dShape(x.Shape[0], x.Shape[1], x.Shape[2], x.Shape[3], weight.Shape[0], weight.Shape[2], weight.Shape[3],
                stride, stride, padding, padding, dilation, dilation, groups);
        }
        catch (ArgumentException e)
        {
            throw new ArgumentException($"Conv2d: input {ShapeUtil.Format(x.Shape)}, weight {ShapeUtil.Format(weight.Shape)}, stride {stride}, padding {padding}, dilation {dilation}: {e.Message}", e);
        }
        var y = Tensor.Allocate(new[] { s.N, s.OutC, s.OutH, s.OutW }, clear: false);
        Conv2dKernels.Forward(x.Span, weight.Span, bias != null ? bias.Span : Span<float>.Empty, y.Span, s);
        var inputs = bias != null ? new[] { x, weight, bias } : new[] { x, weight };
        return AG.Record(y, "Conv2d", inputs, g =>
        {
            Tensor? gx = null, gw = null, gb = null;
            if (AG.Needs(x))
            {
                gx = Tensor.Allocate(x.Shape.ToArray(), clear: false);
                Conv2dKernels.BackwardInput(g.Span, weight.Span, gx.Span, s);
            }
            bool needW = AG.Needs(weight), needB = bias != null && AG.Needs(bias);
            if (needW || needB)
            {
                gw = Tensor.Allocate(weight.Shape.ToArray(), clear: false);
                if (needB) gb = Tensor.Allocate(new[] { s.OutC }, clear: false);
                Conv2dKernels.BackwardWeight(x.Span, g.Span, gw.Span, needB ? gb!.Span : Span<float>.Empty, s);
                if (!needW) gw = null;
            }
            return bias != null ? new[] { gx, gw, gb } : new[] { gx, gw };
        });
    }

    /// <summary>
    /// Transposed convolution as torch.nn.functional.conv_transpose2d: x [N, InC, H, W], weight [InC, OutC/groups, KH, KW];
    /// output size (H − 1)·stride − 2·padding + dilation·(K − 1) + outputPadding + 1. It is the adjoint of Conv2d.
    /// </summary>
    public static Tensor ConvTranspose2d(Tensor x, Tensor weight, Tensor? bias = null, int stride = 1, int padding = 0, int outputPadding = 0,
        int dilation = 1, int groups = 1)
    {
        if (x.Rank != 4) throw new ArgumentException($"ConvTranspose2d: input {ShapeUtil.Format(x.Shape)} must be 4-D [N, C, H, W].");
        if (weight.Rank != 4 || weight.Shape[0] != x.Shape[1] || groups < 1 || x.Shape[1] % groups != 0)
            throw new ArgumentException($"ConvTranspose2d: input {ShapeUtil.Format(x.Shape)} has {x.Shape[1]} channels, weight {ShapeUtil.Format(weight.Shape)} must be [{x.Shape[1]}, OutC/groups, KH, KW] (groups={groups}).");
        int outC = weight.Shape[1] * groups;
        if (bias != null && (bias.Rank != 1 || bias.Shape[0] != outC))
            throw new ArgumentException($"ConvTranspose2d: bias {ShapeUtil.Format(bias.Shape)} must be [{outC}].");
        Conv2dShape s;
        try
        {
            s = ConvTranspose2dKernels.Shape(x.Shape[0], x.Shape[1], x.Shape[2], x.Shape[3], outC, weight.Shape[2], weight.Shape[3],
                stride, stride, padding, padding, outputPadding, outputPadding, dilation, dilation, groups);
        }
        catch (ArgumentException e)
        {
            throw new ArgumentException($"ConvTranspose2d: input {ShapeUtil.Format(x.Shape)}, weight {ShapeUtil.Format(weight.Shape)}: {e.Message}", e);
        }
        var y = Tensor.Allocate(new[] { s.N, s.C, s.H, s.W }, clear: false);
        ConvTranspose2dKernels.Forward(x.Span, weight.Span, bias != null ? bias.Span : Span<float>.Empty, y.Span, s);
        var inputs = bias != null ? new[] { x, weight, bias } : new[] { x, weight };
        return AG.Record(y, "ConvTranspose2d", inputs, g =>
        {
            Tensor? gx = null, gw = null, gb = null;
            if (AG.Needs(x))
            {
                gx = Tensor.Allocate(x.Shape.ToArray(), clear: false);
                ConvTranspose2dKernels.BackwardInput(g.Span, weight.Span, gx.Span, s);
            }
            bool needW = AG.Needs(weight), needB = bias != null && AG.Needs(bias);
            if (needW || needB)
            {
                gw = Tensor.Allocate(weight.Shape.ToArray(), clear: false);
                if (needB) gb = Tensor.Allocate(new[] { s.C }, clear: false);
                ConvTranspose2dKernels.BackwardWeight(x.Span, g.Span, gw.Span, needB ? gb!.Span : Span<float>.Empty, s);
                if (!needW) gw = null;
            }
            return bias != null ? new[] { gx, gw, gb } : new[] { gx, gw };
        });
    }
}
