using System.Globalization;

namespace MLAugment.Engine.Optim;

/// <summary>
/// Base of the optimizers (torch.optim.Optimizer). Updates run in place under NoGrad on each parameter that has
/// a gradient; per-parameter state is allocated once on first use (unscoped), so a warmed-up step allocates
/// nothing. State is saved and restored by parameter name, so a resumed run continues bit for bit.
/// </summary>
public abstract class Optimizer
{
    private readonly List<ParamGroup> _groups;

    public IReadOnlyList<ParamGroup> ParamGroups => _groups;

    protected Optimizer(IEnumerable<ParamGroup> groups, double lr, double weightDecay)
    {
        if (!(lr >= 0)) throw new ArgumentOutOfRangeException(nameof(lr), lr, $"{GetType().Name}: learning rate must be >= 0.");
        if (!(weightDecay >= 0)) throw new ArgumentOutOfRangeException(nameof(weightDecay), weightDecay, $"{GetType().Name}: weight decay must be >= 0.");
        _groups = groups.ToList();
        if (_groups.Count == 0) throw new ArgumentException($"{GetType().Name}: no parameter groups given.");
        var names = new HashSet<string>();
        var tensors = new HashSet<Tensor>(ReferenceEqualityComparer.Instance);
        foreach (var g in _groups)
        {
            g.Lr = g.RequestedLr ?? lr;
            g.InitialLr = g.Lr;
            g.WeightDecay = g.RequestedWeightDecay ?? weightDecay;
            foreach (var (name, p) in g.Parameters)
            {
                if (!names.Add(name)) throw new ArgumentException($"{GetType().Name}: parameter name '{name}' appears twice.");
                if (!tensors.Add(p)) throw new ArgumentException($"{GetType().Name}: parameter '{name}' is the same tensor as an earlier one.");
                if (!p.IsLeaf) throw new ArgumentException($"{GetType().Name}: '{name}' {ShapeUtil.Format(p.Shape)} is not a leaf tensor and cannot be optimized.");
            }
        }
    }

    /// <summary>
    /// One update of every parameter that has a gradient (parameters without one are skipped, as in PyTorch).
    /// Kernels write spans directly, so nothing is recorded by autograd and a warmed-up step allocates nothing.
    /// </summary>
    public void Step()
    {
        for (int gi = 0; gi < _groups.Count; gi++)
        {
            var g = _groups[gi];
            for (int i = 0; i < g.Items.Count; i++)
            {
                var (name, p) = g.Items[i];
                if (p.Grad != null) Update(g, name, p, p.Grad);
            }
        }
    }

    protected abstract void Update(ParamGroup group, string name, Tensor parameter, Tensor grad);

    /// <summary>Zeroes every parameter's gradient in place.</summary>
    public void ZeroGrad()
    {
        foreach (var g in _groups)
            foreach (var (_, p) in g.Parameters) p.ZeroGrad();
    }

    // ---- state ----

    /// <summary>Per-parameter state tensors by short key ("step", "exp_avg", …); absent until the first update.</summary>
    protected abstract IEnumerable<(string Key, Tensor Value)> StateOf(Tensor parameter);

    /// <summary>Forgets all per-parameter state.</summary>
    protected abstract void ResetState();

    /// <summary>
    /// Validates one parameter's saved state (key → tensor) and returns the action that installs it; nothing is
    /// installed until every parameter's state has validated, so a failed load changes nothing.
    /// </summary>
    protected abstract Action PrepareLoad(string name, Tensor parameter, IReadOnlyDictionary<string, Tensor> entries);

    /// <summary>
    /// Optimizer state as "state.{parameter name}.{key}" → tensor (copies). Step counts are stored as float
    /// scalars, exact up to 2^24 steps. Hyperparameters are configuration, not state: rebuild the optimizer
    /// with them and let the LR scheduler's step restore the learning rate.
    /// </summary>
    public OrderedDictionary<string, Tensor> StateDict()
    {
        var dict = new OrderedDictionary<string, Tensor>();
        foreach (var g in _groups)
            foreach (var (name, p) in g.Parameters)
                foreach (var (key, value) in StateOf(p))
                {
                    var copy = Tensor.Unscoped(value.Shape.ToArray());
                    value.Span.CopyTo(copy.Span);
                    dict[$"state.{name}.{key}"] = copy;
                }
        return dict;
    }

    /// <summary>Loads state saved by <see cref="StateDict"/>; every key must belong to a known parameter.</summary>
    public void LoadStateDict(IReadOnlyDictionary<string, Tensor> stateDict)
    {
        var byName = new Dictionary<string, Tensor>();
        foreach (var g in _groups)
            foreach (var (name, p) in g.Parameters) byName[name] = p;
        var perParam = new Dictionary<string, Dictionary<string, Tensor>>();
        var unknown = new List<string>();
        foreach (var (key, value) in stateDict)
        {
            // Parameter names contain dots, so split off the state key from the end.
            int last = key.LastIndexOf('.');
            string? name = key.StartsWith("state.", StringComparison.Ordinal) && last > 6 ? key[6..last] : null;
            if (name == null || !byName.ContainsKey(name)) { unknown.Add(key); continue; }
            if (!perParam.TryGetValue(name, out var entries)) perParam[name] = entries = new Dictionary<string, Tensor>();
            entries[key[(last + 1)..]] = value;
        }
        if (unknown.Count > 0)
            throw new ArgumentException($"{GetType().Name}.LoadStateDict: keys that match no parameter: {string.Join(", ", unknown)}.");
        var installs = perParam.Select(kv => PrepareLoad(kv.Key, byName[kv.Key], kv.Value)).ToList();
        ResetState(); // parameters absent from the saved state start fresh, as in torch
        foreach (var install in installs) install();
    }

    // ---- helpers for derived optimizers ----

    internal static Tensor StepTensor(long step)
    {
        if (step > (1L << 24))
            throw new InvalidOperationException($"Optimizer state: step {step} exceeds 2^24 and cannot be stored exactly as float32.");
        var t = Tensor.Unscoped();
        t.Span[0] = step;
        return t;
    }

    internal long ReadStep(string name, IReadOnlyDictionary<string, Tensor> entries)
    {
        var t = Require(name, entries, "step", Array.Empty<int>());
        float v = t.Span[0];
        if (v < 0 || v != MathF.Floor(v))
            throw new ArgumentException($"{GetType().Name}.LoadStateDict: state.{name}.step = {v.ToString(CultureInfo.InvariantCulture)} is not a step count.");
        return (long)v;
    }

    /// <summary>The entry <paramref name="key"/> with the expected shape, or a clear error.</summary>
    internal Tensor Require(string name, IReadOnlyDictionary<string, Tensor> entries, string key, ReadOnlySpan<int> shape)
    {
        if (!entries.TryGetValue(key, out var t))
            throw new ArgumentException($"{GetType().Name}.LoadStateDict: state.{name}.{key} is missing.");
        if (!ShapeUtil.SameShape(t.Shape, shape))
            throw new ArgumentException($"{GetType().Name}.LoadStateDict: state.{name}.{key}: expected {ShapeUtil.Format(shape)}, got {ShapeUtil.Format(t.Shape)}.");
        return t;
    }

    internal void RejectExtra(string name, IReadOnlyDictionary<string, Tensor> entries, params string[] allowed)
    {
        var extra = entries.Keys.Where(k => !allowed.Contains(k)).ToList();
        if (extra.Count > 0)
            throw new ArgumentException($"{GetType().Name}.LoadStateDict: unexpected state for '{name}': {string.Join(", ", extra.Select(k => $"state.{name}.{k}"))}.");
    }

    internal static Tensor UnscopedCopy(Tensor src)
    {
        var t = Tensor.Unscoped(src.Shape.ToArray());
        src.Span.CopyTo(t.Span);
        return t;
    }

    internal static void CheckGrad(string op, string name, Tensor p, Tensor g)
    {
        if (!ShapeUtil.SameShape(p.Shape, g.Shape))
            throw new InvalidOperationException($"{op}: gradient of '{name}' has shape {ShapeUtil.Format(g.Shape)}, parameter is {ShapeUtil.Format(p.Shape)}.");
    }
}
