using AG = MLAugment.Engine.Autograd.Autograd;

namespace MLAugment.Engine.NN;

/// <summary>
/// Base of every layer, like torch.nn.Module: holds named parameters, buffers (non-trained state such as
/// BatchNorm running statistics) and submodules, registered explicitly in the constructor. Names compose
/// with dots exactly like PyTorch's state_dict keys ("down.0.conv1.weight"), so checkpoints map one to one.
/// </summary>
public abstract partial class Module
{
    private readonly List<KeyValuePair<string, Tensor>> _parameters = new();
    private readonly List<KeyValuePair<string, Tensor>> _buffers = new();
    private readonly HashSet<string> _nonPersistent = new();
    private readonly List<KeyValuePair<string, Module>> _modules = new();

    /// <summary>True in training mode (the default); Dropout and BatchNorm behave differently in eval mode.</summary>
    public bool Training { get; private set; } = true;

    // ---- registration ----

    /// <summary>Registers a trainable tensor under <paramref name="name"/>; it must be unscoped and require grad.</summary>
    protected Tensor RegisterParameter(string name, Tensor parameter)
    {
        CheckName(name);
        if (parameter.OwningScope != null)
            throw new ArgumentException($"{GetType().Name}.RegisterParameter('{name}'): the tensor lives in a TensorScope and would be reclaimed; create it with Parameter.Create/From.");
        if (!parameter.IsLeaf)
            throw new ArgumentException($"{GetType().Name}.RegisterParameter('{name}'): a parameter must be a leaf tensor, not the output of an op.");
        parameter.RequiresGrad = true;
        _parameters.Add(new(name, parameter));
        return parameter;
    }

    /// <summary>
    /// Registers state that is saved and loaded with the module but not trained. Non-persistent buffers
    /// (<paramref name="persistent"/> = false) are kept out of the state dict, as in PyTorch.
    /// </summary>
    protected Tensor RegisterBuffer(string name, Tensor buffer, bool persistent = true)
    {
        CheckName(name);
        if (buffer.OwningScope != null)
            throw new ArgumentException($"{GetType().Name}.RegisterBuffer('{name}'): the tensor lives in a TensorScope and would be reclaimed; use Tensor.Unscoped.");
        _buffers.Add(new(name, buffer));
        if (!persistent) _nonPersistent.Add(name);
        return buffer;
    }

    protected T RegisterModule<T>(string name, T module) where T : Module
    {
        CheckName(name);
        ArgumentNullException.ThrowIfNull(module);
        _modules.Add(new(name, module));
        return module;
    }

    private void CheckName(string name)
    {
        if (string.IsNullOrEmpty(name) || name.Contains('.'))
            throw new ArgumentException($"{GetType().Name}: '{name}' is not a valid member name (non-empty, no dots).");
        if (_parameters.Any(p => p.Key == name) || _buffers.Any(b => b.Key == name) || _modules.Any(m => m.Key == name))
            throw new ArgumentException($"{GetType().Name}: '{name}' is already registered.");
    }

    // ---- enumeration ----

    /// <summary>Direct submodules in registration order.</summary>
    public IEnumerable<(string Name, Module Module)> NamedChildren() => _modules.Select(m => (m.Key, m.Value));

    /// <summary>This module (name "") and all descendants, depth first, with dotted names.</summary>
    public IEnumerable<(string Name, Module Module)> NamedModules(string prefix = "")
    {
        yield return (prefix, this);
        foreach (var (name, child) in _modules)
            foreach (var m in child.NamedModules(Join(prefix, name)))
                yield return m;
    }

    /// <summary>All parameters with dotted names; a parameter shared by two modules is listed once (first name).</summary>
    public IEnumerable<(string Name, Tensor Parameter)> NamedParameters()
    {
        var seen = new HashSet<Tensor>(ReferenceEqualityComparer.Instance);
        foreach (var (prefix, m) in NamedModules())
            foreach (var (name, p) in m._parameters)
                if (seen.Add(p)) yield return (Join(prefix, name), p);
    }

    public IEnumerable<Tensor> Parameters() => NamedParameters().Select(p => p.Parameter);

    public IEnumerable<(string Name, Tensor Buffer)> NamedBuffers()
    {
        foreach (var (prefix, m) in NamedModules())
            foreach (var (name, b) in m._buffers)
                yield return (Join(prefix, name), b);
    }

    /// <summary>Total number of trainable scalars.</summary>
    public long ParameterCount => NamedParameters().Sum(p => (long)p.Parameter.Length);

    private static string Join(string prefix, string name) => prefix.Length == 0 ? name : prefix + "." + name;

    // ---- state dict ----

    /// <summary>
    /// Parameters and persistent buffers by dotted name, in PyTorch's order (each module's parameters, then its
    /// buffers, then its children). Values share storage with the module (detached), as torch's state_dict does.
    /// </summary>
    public OrderedDictionary<string, Tensor> StateDict()
    {
        var dict = new OrderedDictionary<string, Tensor>();
        AddState(dict, "");
        return dict;
    }

    private void AddState(OrderedDictionary<string, Tensor> dict, string prefix)
    {
        foreach (var (name, p) in _parameters) dict[Join(prefix, name)] = p.Detach();
        foreach (var (name, b) in _buffers)
            if (!_nonPersistent.Contains(name)) dict[Join(prefix, name)] = b.Detach();
        foreach (var (name, child) in _modules) child.AddState(dict, Join(prefix, name));
    }

    /// <summary>
    /// Copies values from <paramref name="stateDict"/> into this module's parameters and buffers. Shape
    /// mismatches always fail; with <paramref name="strict"/> so do missing and unexpected keys. Everything is
    /// validated before anything is copied, so a failed load leaves the module unchanged.
    /// </summary>
    public LoadStateDictResult LoadStateDict(IReadOnlyDictionary<string, Tensor> stateDict, bool strict = true)
    {
        ArgumentNullException.ThrowIfNull(stateDict);
        var own = StateDict();
        var result = CheckLoad(own, stateDict.Select(kv => (kv.Key, kv.Value.Shape.ToArray())), strict);
        using (AG.NoGrad())
            foreach (var (key, target) in own)
                if (stateDict.TryGetValue(key, out var src)) target.CopyFrom(src);
        return result;
    }

    /// <summary>
    /// Compares a source's (key, shape) list with <paramref name="own"/> state and throws one error listing every
    /// shape mismatch and, when strict, every missing and unexpected key.
    /// </summary>
    private protected LoadStateDictResult CheckLoad(OrderedDictionary<string, Tensor> own, IEnumerable<(string Key, int[] Shape)> source, bool strict)
    {
        var sourceShapes = new Dictionary<string, int[]>();
        foreach (var (key, shape) in source) sourceShapes[key] = shape;
        var missing = own.Keys.Where(k => !sourceShapes.ContainsKey(k)).ToList();
        var unexpected = sourceShapes.Keys.Where(k => !own.ContainsKey(k)).ToList();
        var mismatched = new List<string>();
        foreach (var (key, target) in own)
            if (sourceShapes.TryGetValue(key, out var shape) && !ShapeUtil.SameShape(shape, target.Shape))
                mismatched.Add($"{key}: expected {ShapeUtil.Format(target.Shape)}, got {ShapeUtil.Format(shape)}");

        var errors = new List<string>();
        if (mismatched.Count > 0) errors.Add("size mismatch for " + string.Join("; ", mismatched));
        if (strict && missing.Count > 0) errors.Add("missing keys: " + string.Join(", ", missing));
        if (strict && unexpected.Count > 0) errors.Add("unexpected keys: " + string.Join(", ", unexpected));
        if (errors.Count > 0)
            throw new ArgumentException($"LoadStateDict into {GetType().Name}: " + string.Join(". ", errors) + ".");
        return new LoadStateDictResult(missing, unexpected);
    }

    // ---- modes and gradients ----

    /// <summary>Sets training mode on this module and every descendant.</summary>
    public Module Train(bool mode = true)
    {
        foreach (var (_, m) in NamedModules()) m.Training = mode;
        return this;
    }

    /// <summary>Evaluation mode: dropout off, BatchNorm uses its running statistics.</summary>
    public Module Eval() => Train(false);

    /// <summary>Zeroes every parameter's gradient in place (keeping the buffers for reuse).</summary>
    public void ZeroGrad()
    {
        foreach (var p in Parameters()) p.ZeroGrad();
    }

    /// <summary>Freezes (false) or unfreezes (true) every parameter.</summary>
    public Module SetRequiresGrad(bool requiresGrad)
    {
        foreach (var p in Parameters()) p.RequiresGrad = requiresGrad;
        return this;
    }
}

/// <summary>A module with a single forward signature, which lets containers such as <see cref="Sequential"/> chain it.</summary>
public abstract class Module<TIn, TOut> : Module
{
    public abstract TOut Forward(TIn input);
}

/// <summary>Keys that a non-strict <see cref="Module.LoadStateDict"/> skipped.</summary>
public sealed record LoadStateDictResult(IReadOnlyList<string> MissingKeys, IReadOnlyList<string> UnexpectedKeys);
