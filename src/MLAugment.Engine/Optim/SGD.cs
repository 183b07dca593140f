using System.Numerics;

namespace MLAugment.Engine.Optim;

/// <summary>
/// Stochastic gradient descent with momentum, PyTorch's rule: d = g + λp; b ← d on the first step, else
/// b ← μb + (1−τ)d (λ = 0 adds nothing, so non-finite weights do not leak into d); d = Nesterov ? d + μb : b; p ← p − lr·d (Sutskever et al. 2013 form of Nesterov momentum).
/// </summary>
public sealed class SGD : Optimizer
{
    private readonly Dictionary<Tensor, Tensor> _momentumBuffers = new(ReferenceEqualityComparer.Instance);

    public double Momentum { get; }
    public double Dampening { get; }
    public bool Nesterov { get; }

    public SGD(IEnumerable<(string Name, Tensor Parameter)> parameters, double lr, double momentum = 0, double dampening = 0,
        double weightDecay = 0, bool nesterov = false)
        : this(new[] { new ParamGroup(parameters) }, lr, momentum, dampening, weightDecay, nesterov) { }

    public SGD(IEnumerable<ParamGroup> groups, double lr, double momentum = 0, double dampening = 0,
        double weightDecay = 0, bool nesterov = false)
        : base(groups, lr, weightDecay)
    {
        if (!(momentum >= 0)) throw new ArgumentOutOfRangeException(nameof(momentum), momentum, "SGD: momentum must be >= 0.");
        if (nesterov && (momentum <= 0 || dampening != 0))
            throw new ArgumentException("SGD: Nesterov momentum requires momentum > 0 and dampening = 0.");
        Momentum = momentum; Dampening = dampening; Nesterov = nesterov;
    }

    protected override void Update(ParamGroup group, string name, Tensor p, Tensor g)
    {
        CheckGrad("SGD", name, p, g);
        float wd = (float)group.WeightDecay, negLr = (float)-group.Lr;
        if (Momentum == 0) { Plain(p.Span, g.Span, wd, negLr); return; }
        bool first = !_momentumBuffers.TryGetValue(p, out var buf);
        if (first) _momentumBuffers[p] = buf = Tensor.Unscoped(p.Shape.ToArray());
        WithMomentum(p.Span, g.Span, buf!.Span, first, wd, (float)Momentum, (float)(1 - Dampening), Nesterov, negLr);
    }

    // Each "a + alpha·b" is a fused multiply-add, as in ATen's vectorized add_(b, alpha=...), so trajectories
    // match torch's bit for bit; vector body and scalar tail perform identical operations.
    private static void Plain(Span<float> p, ReadOnlySpan<float> g, float wd, float negLr)
    {
        int i = 0, n = p.Length, w = Vector<float>.Count;
        if (Vector.IsHardwareAccelerated)
        {
            var vwd = new Vector<float>(wd); var vlr = new Vector<float>(negLr);
            for (; i <= n - w; i += w)
            {
                var pi = new Vector<float>(p.Slice(i));
                var d = wd == 0f ? new Vector<float>(g.Slice(i)) : Vector.FusedMultiplyAdd(pi, vwd, new Vector<float>(g.Slice(i)));
                Vector.FusedMultiplyAdd(d, vlr, pi).CopyTo(p.Slice(i));
            }
        }
        for (; i < n; i++)
        {
            float d = wd == 0f ? g[i] : MathF.FusedMultiplyAdd(p[i], wd, g[i]);
            p[i] = MathF.FusedMultiplyAdd(d, negLr, p[i]);
        }
    }

    private static void WithMomentum(Span<float> p, ReadOnlySpan<float> g, Span<float> buf, bool first, float wd,
        float momentum, float oneMinusDampening, bool nesterov, float negLr)
    {
        int i = 0, n = p.Length, w = Vector<float>.Count;
        if (Vector.IsHardwareAccelerated)
        {
            var vwd = new Vector<float>(wd); var vmu = new Vector<float>(momentum);
            var vdamp = new Vector<float>(oneMinusDampening); var vlr = new Vector<float>(negLr);
            for (; i <= n - w; i += w)
            {
                var pi = new Vector<float>(p.Slice(i));
                var d = wd == 0f ? new Vector<float>(g.Slice(i)) : Vector.FusedMultiplyAdd(pi, vwd, new Vector<float>(g.Slice(i)));
                var b = first ? d : Vector.FusedMultiplyAdd(d, vdamp, new Vector<float>(buf.Slice(i)) * vmu);
                b.CopyTo(buf.Slice(i));
                d = nesterov ? Vector.FusedMultiplyAdd(b, vmu, d) : b;
                Vector.FusedMultiplyAdd(d, vlr, pi).CopyTo(p.Slice(i));
            }
        }
        for (; i < n; i++)
        {
            float pi = p[i];
            float d = wd == 0f ? g[i] : MathF.FusedMultiplyAdd(pi, wd, g[i]);
            float b = first ? d : MathF.FusedMultiplyAdd(d, oneMinusDampening, buf[i] * momentum);
            buf[i] = b;
            d = nesterov ? MathF.FusedMultiplyAdd(b, momentum, d) : b;
            p[i] = MathF.FusedMultiplyAdd(d, negLr, pi);
        }
    }

    protected override IEnumerable<(string Key, Tensor Value)> StateOf(Tensor p)
    {
        if (_momentumBuffers.TryGetValue(p, out var b)) yield return ("momentum_buffer", b);
    }

    protected override void ResetState() => _momentumBuffers.Clear();

    protected override Action PrepareLoad(string name, Tensor p, IReadOnlyDictionary<string, Tensor> entries)
    {
        var b = Require(name, entries, "momentum_buffer", p.Shape);
        RejectExtra(name, entries, "momentum_buffer");
        return () => _momentumBuffers[p] = UnscopedCopy(b);
    }
}
