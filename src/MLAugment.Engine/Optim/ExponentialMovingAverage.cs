using System.Numerics;

namespace MLAugment.Engine.Optim;

/// <summary>
/// Exponential moving average of weights, as diffusers' EMAModel: after each optimizer step
/// s ← s − (1 − d)(s − p) with d = clamp(decay schedule(step), minDecay, decay), where the schedule is
/// (1 + t)/(10 + t) or, with warmup, 1 − (1 + t/γ)^−power (t = step − updateAfterStep − 1; d = 0 while t ≤ 0).
/// Parameters that do not require grad (frozen) are copied rather than averaged.
/// </summary>
public sealed class ExponentialMovingAverage
{
    private readonly List<(string Name, Tensor Parameter, Tensor Shadow)> _entries;
    private Tensor[]? _stored;

    public double Decay { get; }
    public double MinDecay { get; }
    public int UpdateAfterStep { get; }
    public bool UseEmaWarmup { get; }
    public double InvGamma { get; }
    public double Power { get; }

    /// <summary>Updates taken so far (diffusers' optimization_step).</summary>
    public long OptimizationStep { get; private set; }

    /// <summary>The decay used by the last <see cref="Step"/>.</summary>
    public double CurrentDecay { get; private set; }

    public ExponentialMovingAverage(IEnumerable<(string Name, Tensor Parameter)> parameters, double decay = 0.9999, double minDecay = 0.0,
        int updateAfterStep = 0, bool useEmaWarmup = false, double invGamma = 1.0, double power = 2.0 / 3.0)
    {
        if (!(decay >= 0 && decay <= 1)) throw new ArgumentOutOfRangeException(nameof(decay), decay, "ExponentialMovingAverage: decay must be in [0, 1].");
        Decay = decay; MinDecay = minDecay; UpdateAfterStep = updateAfterStep;
        UseEmaWarmup = useEmaWarmup; InvGamma = invGamma; Power = power;
        _entries = parameters.Select(np => (np.Name, np.Parameter, Copy(np.Parameter))).ToList();
        var dup = _entries.GroupBy(e => e.Name).FirstOrDefault(gr => gr.Count() > 1);
        if (dup != null) throw new ArgumentException($"ExponentialMovingAverage: parameter name '{dup.Key}' appears twice.");
    }

    /// <summary>Averaged copies by parameter name (live tensors; copy before mutating).</summary>
    public IEnumerable<(string Name, Tensor Shadow)> ShadowParameters => _entries.Select(e => (e.Name, e.Shadow));

    public double GetDecay(long optimizationStep)
    {
        long step = Math.Max(0, optimizationStep - UpdateAfterStep - 1);
        if (step <= 0) return 0.0;
        double d = UseEmaWarmup ? 1 - Math.Pow(1 + step / InvGamma, -Power) : (1.0 + step) / (10.0 + step);
        return Math.Max(Math.Min(d, Decay), MinDecay);
    }

    public void Step()
    {
        OptimizationStep++;
        CurrentDecay = GetDecay(OptimizationStep);
        float oneMinusDecay = (float)(1 - CurrentDecay);
        foreach (var (_, p, s) in _entries)
        {
            if (p.RequiresGrad) Lerp(s.Span, p.Span, oneMinusDecay);
            else p.Span.CopyTo(s.Span);
        }
    }

    /// <summary>s ← s − w·(s − p), in diffusers' operation order; vector body and scalar tail agree bit for bit.</summary>
    private static void Lerp(Span<float> s, ReadOnlySpan<float> p, float w)
    {
        int i = 0, n = s.Length, width = Vector<float>.Count;
        if (Vector.IsHardwareAccelerated)
        {
            var vw = new Vector<float>(w);
            for (; i <= n - width; i += width)
            {
                var si = new Vector<float>(s.Slice(i));
                (si - vw * (si - new Vector<float>(p.Slice(i)))).CopyTo(s.Slice(i));
            }
        }
        for (; i < n; i++) s[i] -= w * (s[i] - p[i]);
    }

    /// <summary>Writes the averaged weights into the live parameters (e.g. for evaluation or export).</summary>
    public void CopyTo()
    {
        foreach (var (_, p, s) in _entries) s.Span.CopyTo(p.Span);
    }

    /// <summary>Saves the live parameters so <see cref="Restore"/> can bring them back after evaluating with EMA weights.</summary>
    public void Store() => _stored = _entries.Select(e => Copy(e.Parameter)).ToArray();

    public void Restore()
    {
        if (_stored == null) throw new InvalidOperationException("ExponentialMovingAverage.Restore: call Store() first.");
        for (int i = 0; i < _entries.Count; i++) _stored[i].Span.CopyTo(_entries[i].Parameter.Span);
        _stored = null; // like diffusers, free the backup once restored
    }

    /// <summary>"shadow.{name}" → averaged weights (copies) and "optimization_step" (float scalar, exact to 2^24).</summary>
    public OrderedDictionary<string, Tensor> StateDict()
    {
        var dict = new OrderedDictionary<string, Tensor> { ["optimization_step"] = Optimizer.StepTensor(OptimizationStep) };
        foreach (var (name, _, s) in _entries) dict["shadow." + name] = Copy(s);
        return dict;
    }

    public void LoadStateDict(IReadOnlyDictionary<string, Tensor> stateDict)
    {
        var expected = _entries.Select(e => "shadow." + e.Name).Append("optimization_step").ToHashSet();
        var missing = expected.Where(k => !stateDict.ContainsKey(k)).ToList();
        var unexpected = stateDict.Keys.Where(k => !expected.Contains(k)).ToList();
        var errors = new List<string>();
        if (missing.Count > 0) errors.Add("missing keys: " + string.Join(", ", missing));
        if (unexpected.Count > 0) errors.Add("unexpected keys: " + string.Join(", ", unexpected));
        foreach (var (name, _, s) in _entries)
            if (stateDict.TryGetValue("shadow." + name, out var t) && !ShapeUtil.SameShape(t.Shape, s.Shape))
                errors.Add($"shadow.{name}: expected {ShapeUtil.Format(s.Shape)}, got {ShapeUtil.Format(t.Shape)}");
        if (stateDict.TryGetValue("optimization_step", out var st) && (st.Length != 1 || st.Span[0] < 0 || st.Span[0] != MathF.Floor(st.Span[0])))
            errors.Add($"optimization_step must be one non-negative integer value, got {st}");
        if (errors.Count > 0) throw new ArgumentException("ExponentialMovingAverage.LoadStateDict: " + string.Join("; ", errors) + ".");
        foreach (var (name, _, s) in _entries) s.CopyFrom(stateDict["shadow." + name]);
        OptimizationStep = (long)stateDict["optimization_step"].Span[0];
    }

    private static Tensor Copy(Tensor t)
    {
        var c = Tensor.Unscoped(t.Shape.ToArray());
        t.Span.CopyTo(c.Span);
        return c;
    }
}
