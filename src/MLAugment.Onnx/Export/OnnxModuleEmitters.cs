using MLAugment.Diffusion.Models;
using MLAugment.Engine.NN;
using MLAugment.Onnx.Format;

namespace MLAugment.Onnx.Export;

/// <summary>
/// Writes the ONNX nodes computing one module's forward pass on <paramref name="input"/> and returns the output value
/// name. <paramref name="path"/> is the module's state-dict prefix ("down_blocks.0.0.conv1"), used to name its weights.
/// </summary>
public delegate string OnnxModuleEmitter(OnnxExportContext context, Module module, string path, string input);

/// <summary>
/// The per-module-type emitters the exporter walks a module tree with. <see cref="CreateDefault"/> knows the engine's
/// layers (Linear, Conv2d, ConvTranspose2d, GroupNorm, LayerNorm, BatchNorm2d in eval mode, activations, Dropout in eval
/// mode, Sequential, self-attention MultiheadAttention) and the UNet's Downsample/Upsample; callers add their own
/// module types with <see cref="Register{TModule}"/>.
/// </summary>
public sealed class OnnxModuleEmitters
{
    private readonly Dictionary<Type, OnnxModuleEmitter> _emitters = [];

    /// <summary>A registry with every built-in emitter.</summary>
    public static OnnxModuleEmitters CreateDefault()
    {
        var r = new OnnxModuleEmitters();
        r.Register<Identity>((c, m, p, x) => x);
        r.Register<ReLU>((c, m, p, x) => c.Op("Relu", [x]));
        r.Register<SiLU>((c, m, p, x) => c.Silu(x));
        r.Register<GELU>((c, m, p, x) => m.TanhApproximation ? c.GeluTanh(x) : c.GeluErf(x));
        r.Register<Dropout>((c, m, p, x) => m.Training && m.P > 0
            ? throw new NotSupportedException($"Dropout '{p}' is in training mode; call Eval() on the model before exporting it.")
            : x);
        r.Register<Linear>(EmitLinear);
        r.Register<Conv2d>(EmitConv2d);
        r.Register<ConvTranspose2d>(EmitConvTranspose2d);
        r.Register<GroupNorm>(EmitGroupNorm);
        r.Register<LayerNorm>(EmitLayerNorm);
        r.Register<BatchNorm2d>(EmitBatchNorm2d);
        r.Register<MultiheadAttention>(EmitSelfAttention);
        r.Register<Sequential>((c, m, p, x) =>
        {
            for (int i = 0; i < m.Count; i++) x = c.Emitters.Emit(c, m[i], Join(p, i.ToString(System.Globalization.CultureInfo.InvariantCulture)), x);
            return x;
        });
        r.Register<Downsample>((c, m, p, x) => c.Emitters.Emit(c, Child(m, "conv"), Join(p, "conv"), x));
        r.Register<Upsample>((c, m, p, x) => c.Emitters.Emit(c, Child(m, "conv"), Join(p, "conv"), c.UpsampleNearest(x, 2)));
        return r;
    }

    /// <summary>Adds or replaces the emitter of modules of exactly type <typeparamref name="TModule"/>.</summary>
    public OnnxModuleEmitters Register<TModule>(Func<OnnxExportContext, TModule, string, string, string> emitter) where TModule : Module
    {
        ArgumentNullException.ThrowIfNull(emitter);
        _emitters[typeof(TModule)] = (c, m, p, x) => emitter(c, (TModule)m, p, x);
        return this;
    }

    public bool CanEmit(Type moduleType) => _emitters.ContainsKey(moduleType);

    /// <summary>Emits <paramref name="module"/>; throws naming the module and its path when its type has no emitter.</summary>
    public string Emit(OnnxExportContext context, Module module, string path, string input)
    {
        ArgumentNullException.ThrowIfNull(module);
        if (!_emitters.TryGetValue(module.GetType(), out var emitter))
            throw new NotSupportedException(
                $"ONNX export: module '{(path.Length == 0 ? "<root>" : path)}' is a {module.GetType().Name}, which has no ONNX emitter " +
                $"(supported: {string.Join(", ", _emitters.Keys.Select(t => t.Name).Order())}); register one with OnnxModuleEmitters.Register.");
        return emitter(context, module, path, input);
    }

    internal static string Join(string prefix, string name) => prefix.Length == 0 ? name : prefix + "." + name;

    /// <summary>The registered child <paramref name="name"/> of <paramref name="module"/>; throws when absent.</summary>
    public static Module Child(Module module, string name) =>
        module.NamedChildren().FirstOrDefault(c => c.Name == name).Module
        ?? throw new InvalidOperationException($"ONNX export: {module.GetType().Name} has no submodule '{name}' (it has: {string.Join(", ", module.NamedChildren().Select(c => c.Name))}).");

    /// <summary>The registered child <paramref name="name"/>, or null.</summary>
    public static Module? ChildOrNull(Module module, string name) => module.NamedChildren().FirstOrDefault(c => c.Name == name).Module;

    // y = x·Wᵀ + b over the last axis; the weight is stored transposed so one MatMul serves any input rank.
    private static string EmitLinear(OnnxExportContext c, Linear m, string p, string x)
    {
        string y = c.Op("MatMul", [x, c.Weight(Join(p, "weight"), m.Weight, transpose2D: true)]);
        return m.Bias is null ? y : c.Op("Add", [y, c.Weight(Join(p, "bias"), m.Bias)]);
    }

    private static string EmitConv2d(OnnxExportContext c, Conv2d m, string p, string x)
    {
        var inputs = new List<string> { x, c.Weight(Join(p, "weight"), m.Weight) };
        if (m.Bias is not null) inputs.Add(c.Weight(Join(p, "bias"), m.Bias));
        return c.Op("Conv", inputs.ToArray(),
            OnnxAttribute.IntList("kernel_shape", [m.KernelSize, m.KernelSize]),
            OnnxAttribute.IntList("strides", [m.Stride, m.Stride]),
            OnnxAttribute.IntList("pads", [m.Padding, m.Padding, m.Padding, m.Padding]),
            OnnxAttribute.IntList("dilations", [m.Dilation, m.Dilation]),
            OnnxAttribute.Int("group", m.Groups));
    }

    // ONNX ConvTranspose takes PyTorch's weight layout [in, out/groups, k, k] and output size rule as is.
    private static string EmitConvTranspose2d(OnnxExportContext c, ConvTranspose2d m, string p, string x)
    {
        var inputs = new List<string> { x, c.Weight(Join(p, "weight"), m.Weight) };
        if (m.Bias is not null) inputs.Add(c.Weight(Join(p, "bias"), m.Bias));
        return c.Op("ConvTranspose", inputs.ToArray(),
            OnnxAttribute.IntList("kernel_shape", [m.KernelSize, m.KernelSize]),
            OnnxAttribute.IntList("strides", [m.Stride, m.Stride]),
            OnnxAttribute.IntList("pads", [m.Padding, m.Padding, m.Padding, m.Padding]),
            OnnxAttribute.IntList("output_padding", [m.OutputPadding, m.OutputPadding]),
            OnnxAttribute.IntList("dilations", [m.Dilation, m.Dilation]),
            OnnxAttribute.Int("group", m.Groups));
    }

    /// <summary>
    /// GroupNorm (Wu &amp; He 2018) without opset 18's GroupNormalization: [N, C, *] → [N, G, C/G·*], InstanceNormalization
    /// with unit scale normalizes each group, then the per-channel affine is applied on [N, C, ∏*] and the input's shape
    /// restored (so any rank ≥ 2 works).
    /// </summary>
    private static string EmitGroupNorm(OnnxExportContext c, GroupNorm m, string p, string x)
    {
        int g = m.NumGroups;
        string grouped = c.Op("Reshape", [x, c.Int64s("gn_groups_shape", 0, g, -1)]);
        string normed = c.Op("InstanceNormalization",
            [grouped, c.Floats("gn_unit_scale", [g], Enumerable.Repeat(1f, g).ToArray()), c.Floats("gn_zero_bias", [g], new float[g])],
            OnnxAttribute.Float("epsilon", m.Eps));
        if (m.Weight is null && m.Bias is null) return c.Op("Reshape", [normed, c.Op("Shape", [x])]);
        string y = c.Op("Reshape", [normed, c.Int64s("gn_channels_shape", 0, m.NumChannels, -1)]);
        var affineDims = new long[] { m.NumChannels, 1 };
        if (m.Weight is not null) y = c.Op("Mul", [y, c.Floats(Join(p, "weight"), affineDims, m.Weight.Span.ToArray())]);
        if (m.Bias is not null) y = c.Op("Add", [y, c.Floats(Join(p, "bias"), affineDims, m.Bias.Span.ToArray())]);
        return c.Op("Reshape", [y, c.Op("Shape", [x])]);
    }

    private static string EmitLayerNorm(OnnxExportContext c, LayerNorm m, string p, string x)
    {
        var shape = m.NormalizedShape.ToArray();
        long[] dims = shape.Select(d => (long)d).ToArray();
        int count = shape.Aggregate(1, (a, d) => a * d);
        string scale = m.Weight is null ? c.Floats(Join(p, "unit_weight"), dims, Enumerable.Repeat(1f, count).ToArray()) : c.Weight(Join(p, "weight"), m.Weight);
        var inputs = new List<string> { x, scale };
        if (m.Bias is not null) inputs.Add(c.Weight(Join(p, "bias"), m.Bias));
        return c.Op("LayerNormalization", inputs.ToArray(),
            OnnxAttribute.Int("axis", -shape.Length), OnnxAttribute.Float("epsilon", m.Eps));
    }

    private static string EmitBatchNorm2d(OnnxExportContext c, BatchNorm2d m, string p, string x)
    {
        if (m.Training)
            throw new NotSupportedException($"BatchNorm2d '{p}' is in training mode (batch statistics); call Eval() on the model before exporting it.");
        if (m.RunningMean is null || m.RunningVar is null)
            throw new NotSupportedException($"BatchNorm2d '{p}' tracks no running statistics, so it normalizes by batch statistics even in eval mode; ONNX BatchNormalization cannot express that.");
        int n = m.NumFeatures;
        string scale = m.Weight is null ? c.Floats(Join(p, "unit_weight"), [n], Enumerable.Repeat(1f, n).ToArray()) : c.Weight(Join(p, "weight"), m.Weight);
        string bias = m.Bias is null ? c.Floats(Join(p, "zero_bias"), [n], new float[n]) : c.Weight(Join(p, "bias"), m.Bias);
        return c.Op("BatchNormalization",
            [x, scale, bias, c.Weight(Join(p, "running_mean"), m.RunningMean), c.Weight(Join(p, "running_var"), m.RunningVar)],
            OnnxAttribute.Float("epsilon", m.Eps));
    }

    // MultiheadAttention.Forward(input): self-attention, no masks.
    private static string EmitSelfAttention(OnnxExportContext c, MultiheadAttention m, string p, string x)
    {
        string Project(Linear proj, string name, string v) => EmitLinear(c, proj, Join(p, name), v);
        string q = c.SplitHeads(Project(m.QProj, "q_proj", x), m.NumHeads, m.HeadDim);
        string k = c.SplitHeads(Project(m.KProj, "k_proj", x), m.NumHeads, m.HeadDim);
        string v = c.SplitHeads(Project(m.VProj, "v_proj", x), m.NumHeads, m.HeadDim);
        string o = c.MergeHeads(c.ScaledDotProductAttention(q, k, v, m.HeadDim), m.NumHeads, m.HeadDim);
        return Project(m.OutProj, "out_proj", o);
    }
}
