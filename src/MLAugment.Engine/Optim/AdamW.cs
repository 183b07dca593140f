using System.Numerics;

namespace MLAugment.Engine.Optim;

/// <summary>
/// Adam with decoupled weight decay (Loshchilov &amp; Hutter 2019), PyTorch's update rule step for step:
/// p ← p·(1 − lr·λ); m ← β₁m + (1−β₁)g; v ← β₂v + (1−β₂)g²; (AMSGrad: v̂ ← max(v̂, v));
/// p ← p − lr/(1−β₁ᵗ) · m / (√v / √(1−β₂ᵗ) + ε).
/// </summary>
public sealed class AdamW : Optimizer
{
    private sealed class State
    {
        public long Step;
        public required Tensor ExpAvg, ExpAvgSq;
        public Tensor? MaxExpAvgSq;
    }

    private readonly Dictionary<Tensor, State> _state = new(ReferenceEqualityComparer.Instance);

    public double Beta1 { get; }
    public double Beta2 { get; }
    public double Eps { get; }
    public bool AmsGrad { get; }

    public AdamW(IEnumerable<(string Name, Tensor Parameter)> parameters, double lr = 1e-3, double beta1 = 0.9, double beta2 = 0.999,
        double eps = 1e-8, double weightDecay = 1e-2, bool amsGrad = false)
        : this(new[] { new ParamGroup(parameters) }, lr, beta1, beta2, eps, weightDecay, amsGrad) { }

    public AdamW(IEnumerable<ParamGroup> groups, double lr = 1e-3, double beta1 = 0.9, double beta2 = 0.999,
        double eps = 1e-8, double weightDecay = 1e-2, bool amsGrad = false)
        : base(groups, lr, weightDecay)
    {
        if (!(beta1 >= 0 && beta1 < 1)) throw new ArgumentOutOfRangeException(nameof(beta1), beta1, "AdamW: beta1 must be in [0, 1).");
        if (!(beta2 >= 0 && beta2 < 1)) throw new ArgumentOutOfRangeException(nameof(beta2), beta2, "AdamW: beta2 must be in [0, 1).");
        if (!(eps >= 0)) throw new ArgumentOutOfRangeException(nameof(eps), eps, "AdamW: eps must be >= 0.");
        Beta1 = beta1; Beta2 = beta2; Eps = eps; AmsGrad = amsGrad;
    }

    protected override void Update(ParamGroup group, string name, Tensor p, Tensor g)
    {
        CheckGrad("AdamW", name, p, g);
        if (!_state.TryGetValue(p, out var s))
        {
            s = new State { ExpAvg = Tensor.Unscoped(p.Shape.ToArray()), ExpAvgSq = Tensor.Unscoped(p.Shape.ToArray()) };
            if (AmsGrad) s.MaxExpAvgSq = Tensor.Unscoped(p.Shape.ToArray());
            _state[p] = s;
        }
        s.Step++;
        // Scalars in double, as Python computes them, then rounded once to float like torch's scalar arguments.
        double lr = group.Lr;
        double biasCorrection1 = 1 - Math.Pow(Beta1, s.Step);
        double biasCorrection2 = 1 - Math.Pow(Beta2, s.Step);
        var k = new Coefficients
        {
            Decay = (float)(1 - lr * group.WeightDecay),
            Beta1 = (float)Beta1, OneMinusBeta1 = (float)(1 - Beta1),
            Beta2 = (float)Beta2, OneMinusBeta2 = (float)(1 - Beta2),
            Bc2Sqrt = (float)Math.Sqrt(biasCorrection2),
            Eps = (float)Eps,
            NegStepSize = (float)-(lr / biasCorrection1),
        };
        Kernel(p.Span, g.Span, s.ExpAvg.Span, s.ExpAvgSq.Span, AmsGrad ? s.MaxExpAvgSq!.Span : Span<float>.Empty, k);
    }

    private struct Coefficients
    {
        public float Decay, Beta1, OneMinusBeta1, Beta2, OneMinusBeta2, Bc2Sqrt, Eps, NegStepSize;
    }

    /// <summary>
    /// One pass over the parameter. Float operations follow torch's kernels in order and rounding, including the
    /// fused multiply-add of ATen's add_(x, alpha); the vector body and the scalar tail agree bit for bit.
    /// </summary>
    private static void Kernel(Span<float> p, ReadOnlySpan<float> g, Span<float> m, Span<float> v, Span<float> vMax, Coefficients k)
    {
        bool ams = !vMax.IsEmpty;
        int i = 0, n = p.Length, w = Vector<float>.Count;
        if (Vector.IsHardwareAccelerated)
        {
            var decay = new Vector<float>(k.Decay);
            var b1 = new Vector<float>(k.Beta1); var c1 = new Vector<float>(k.OneMinusBeta1);
            var b2 = new Vector<float>(k.Beta2); var c2 = new Vector<float>(k.OneMinusBeta2);
            var bc2 = new Vector<float>(k.Bc2Sqrt); var eps = new Vector<float>(k.Eps); var step = new Vector<float>(k.NegStepSize);
            for (; i <= n - w; i += w)
            {
                var gi = new Vector<float>(g.Slice(i));
                var pi = new Vector<float>(p.Slice(i)) * decay;
                var mi = Vector.FusedMultiplyAdd(gi, c1, new Vector<float>(m.Slice(i)) * b1);
                var vi = new Vector<float>(v.Slice(i)) * b2 + c2 * gi * gi;
                mi.CopyTo(m.Slice(i));
                vi.CopyTo(v.Slice(i));
                if (ams) { vi = Vector.Max(new Vector<float>(vMax.Slice(i)), vi); vi.CopyTo(vMax.Slice(i)); }
                var denom = Vector.SquareRoot(vi) / bc2 + eps;
                (pi + step * mi / denom).CopyTo(p.Slice(i));
            }
        }
        for (; i < n; i++)
        {
            float gi = g[i];
            float pi = p[i] * k.Decay;
            float mi = MathF.FusedMultiplyAdd(gi, k.OneMinusBeta1, m[i] * k.Beta1);
            float vi = v[i] * k.Beta2 + k.OneMinusBeta2 * gi * gi;
            m[i] = mi;
            v[i] = vi;
            if (ams) { vi = MathF.Max(vMax[i], vi); vMax[i] = vi; }
            float denom = MathF.Sqrt(vi) / k.Bc2Sqrt + k.Eps;
            p[i] = pi + k.NegStepSize * mi / denom;
        }
    }

    protected override IEnumerable<(string Key, Tensor Value)> StateOf(Tensor p)
    {
        if (!_state.TryGetValue(p, out var s)) yield break;
        yield return ("step", StepTensor(s.Step));
        yield return ("exp_avg", s.ExpAvg);
        yield return ("exp_avg_sq", s.ExpAvgSq);
        if (s.MaxExpAvgSq != null) yield return ("max_exp_avg_sq", s.MaxExpAvgSq);
    }

    protected override void ResetState() => _state.Clear();

    protected override Action PrepareLoad(string name, Tensor p, IReadOnlyDictionary<string, Tensor> entries)
    {
        var shape = p.Shape.ToArray();
        long step = ReadStep(name, entries);
        var m = Require(name, entries, "exp_avg", shape);
        var v = Require(name, entries, "exp_avg_sq", shape);
        var vMax = AmsGrad ? Require(name, entries, "max_exp_avg_sq", shape) : null;
        RejectExtra(name, entries, AmsGrad ? new[] { "step", "exp_avg", "exp_avg_sq", "max_exp_avg_sq" } : new[] { "step", "exp_avg", "exp_avg_sq" });
        return () => _state[p] = new State
        {
            Step = step, ExpAvg = UnscopedCopy(m), ExpAvgSq = UnscopedCopy(v), MaxExpAvgSq = vMax == null ? null : UnscopedCopy(vMax),
        };
    }
}
