namespace MLAugment.Engine.Autograd;

/// <summary>
/// Reverse-mode automatic differentiation over the tape of <see cref="GradNode"/>s that ops record.
/// Backward walks the graph from the output in reverse topological order, so each node runs once with
/// its fully accumulated output gradient.
/// </summary>
public static class Autograd
{
    [ThreadStatic] private static int _noGradDepth;
    [ThreadStatic] private static bool _anomalyDetection;

    /// <summary>False inside a <see cref="NoGrad"/> scope: ops then record nothing.</summary>
    public static bool IsGradEnabled => _noGradDepth == 0;

    /// <summary>Disables recording until disposed (sampling, evaluation, optimizer updates).</summary>
    public static IDisposable NoGrad() { _noGradDepth++; return new NoGradScope(); }

    /// <summary>Re-enables recording inside a NoGrad region (e.g. gradient guidance during sampling) until disposed.</summary>
    public static IDisposable EnableGrad()
    {
        int saved = _noGradDepth;
        _noGradDepth = 0;
        return new RestoreScope(saved);
    }

    private sealed class RestoreScope : IDisposable
    {
        private readonly int _saved;
        private bool _done;
        public RestoreScope(int saved) { _saved = saved; }
        public void Dispose() { if (!_done) { _done = true; _noGradDepth = _saved; } }
    }

    private sealed class NoGradScope : IDisposable
    {
        private bool _done;
        public void Dispose() { if (!_done) { _done = true; _noGradDepth--; } }
    }

    /// <summary>
    /// When on, every op checks its output (and backward its gradients) for NaN/Inf and throws
    /// <see cref="AnomalyException"/> naming the first op that produced one. Slow; for debugging.
    /// </summary>
    public static bool AnomalyDetection { get => _anomalyDetection; set => _anomalyDetection = value; }

    /// <summary>Attaches a backward closure to <paramref name="output"/> if any input requires grad.</summary>
    internal static Tensor Record(Tensor output, string op, Tensor input, Func<Tensor, Tensor?[]> backward)
    {
        if (_anomalyDetection) CheckFinite(op, output, "forward output");
        if (_noGradDepth == 0 && input.RequiresGrad)
        {
            output.GradFn = new GradNode(op, new[] { input }, backward);
            output.RequiresGradInternal();
        }
        return output;
    }

    internal static Tensor Record(Tensor output, string op, Tensor[] inputs, Func<Tensor, Tensor?[]> backward)
    {
        if (_anomalyDetection) CheckFinite(op, output, "forward output");
        if (_noGradDepth != 0) return output;
        foreach (var x in inputs)
        {
            if (!x.RequiresGrad) continue;
            output.GradFn = new GradNode(op, inputs, backward);
            output.RequiresGradInternal();
            break;
        }
        return output;
    }

    /// <summary>Whether an op must compute grads for input i (saves work on frozen inputs).</summary>
    internal static bool Needs(Tensor t) => t.RequiresGrad;

    /// <summary>
    /// Backpropagates from <paramref name="root"/> (seed gradient <paramref name="gradient"/>, default ones
    /// for a scalar) and accumulates into <see cref="Tensor.Grad"/> of leaves that require grad.
    /// </summary>
    public static void Backward(Tensor root, Tensor? gradient = null, bool retainGraph = false)
    {
        var grads = Run(root, gradient, retainGraph, targets: null);
        foreach (var (t, g) in grads) Accumulate(t, g);
    }

    /// <summary>
    /// Gradients of <paramref name="output"/> with respect to <paramref name="inputs"/>, returned rather than
    /// accumulated (torch.autograd.grad). Inputs that do not influence the output get zeros.
    /// </summary>
    public static Tensor[] Grad(Tensor output, Tensor[] inputs, Tensor? gradOutput = null, bool retainGraph = false)
    {
        var targets = new HashSet<Tensor>(inputs, ReferenceEqualityComparer.Instance);
        foreach (var x in inputs)
            if (!x.RequiresGrad) throw new ArgumentException($"Grad: input {x.Describe()} does not require grad.");
        var grads = Run(output, gradOutput, retainGraph, targets);
        var result = new Tensor[inputs.Length];
        for (int i = 0; i < inputs.Length; i++)
        {
            var g = grads.FirstOrDefault(p => ReferenceEquals(p.Item1, inputs[i])).Item2;
            result[i] = g ?? Tensor.ZerosLike(inputs[i]);
        }
        return result;
    }

    private static void Accumulate(Tensor t, Tensor g)
    {
        if (t.Grad == null)
        {
            // Leaf gradients outlive any step scope: allocate them on the GC heap once and reuse.
            var ng = Tensor.Unscoped(t.Shape.ToArray());
            g.Span.CopyTo(ng.Span);
            t.Grad = ng;
        }
        else
        {
            Kernels.Elementwise.AddInPlace(t.Grad.Span, g.Span);
        }
    }

    private static List<(Tensor, Tensor)> Run(Tensor root, Tensor? seed, bool retainGraph, HashSet<Tensor>? targets)
    {
        if (!root.RequiresGrad)
            throw new InvalidOperationException($"Backward: {root.Describe()} does not require grad (no input with RequiresGrad=true, or it was computed under NoGrad).");
        if (seed == null)
        {
            if (root.Length != 1)
                throw new ArgumentException($"Backward: a gradient must be given for non-scalar output {root.Describe()}.");
            seed = Tensor.Ones(root.Shape.ToArray());
        }
        else if (!ShapeUtil.SameShape(seed.Shape, root.Shape))
            throw new ArgumentException($"Backward: gradient shape {ShapeUtil.Format(seed.Shape)} does not match output shape {ShapeUtil.Format(root.Shape)}.");

        var order = TopologicalOrder(root);
        var pending = new Dictionary<Tensor, Tensor>(ReferenceEqualityComparer.Instance) { [root] = seed };
        var leafGrads = new List<(Tensor, Tensor)>();
        using var _ = NoGrad();
        for (int i = order.Count - 1; i >= 0; i--)
        {
            var t = order[i];
            if (!pending.Remove(t, out var g)) continue;
            if (targets == null)
            {
                if (t.GradFn == null) { leafGrads.Add((t, g)); continue; }
                if (t.RetainsGrad) leafGrads.Add((t, g));
            }
            else
            {
                if (targets.Contains(t)) leafGrads.Add((t, g));
                if (t.GradFn == null) continue;
            }
            var node = t.GradFn!;
            if (node.Backward == null)
                throw new InvalidOperationException($"Backward: the graph through '{node.OpName}' was already freed; pass retainGraph: true to backpropagate twice.");
            var inGrads = node.Backward(g);
            for (int k = 0; k < node.Inputs.Length; k++)
            {
                var x = node.Inputs[k];
                var gx = inGrads[k];
                if (gx == null || !x.RequiresGrad) continue;
                if (!ShapeUtil.SameShape(gx.Shape, x.Shape))
                    throw new InvalidOperationException($"Backward of '{node.OpName}' produced gradient {ShapeUtil.Format(gx.Shape)} for input {ShapeUtil.Format(x.Shape)} (engine bug).");
                if (_anomalyDetection) CheckFinite(node.OpName, gx, "backward gradient");
                if (pending.TryGetValue(x, out var acc))
                {
                    // Copy before accumulating: gx may alias a tensor the op still uses (e.g. identity backward).
                    var sum = Tensor.EmptyLike(acc);
                    Kernels.Elementwise.Add(acc.Span, gx.Span, sum.Span);
                    pending[x] = sum;
                }
                else pending[x] = gx;
            }
            if (!retainGraph) node.Release();
        }
        return leafGrads;
    }

    private static List<Tensor> TopologicalOrder(Tensor root)
    {
        var order = new List<Tensor>();
        var visited = new HashSet<Tensor>(ReferenceEqualityComparer.Instance);
        var stack = new Stack<(Tensor t, int next)>();
        stack.Push((root, 0));
        visited.Add(root);
        while (stack.Count > 0)
        {
            var (t, next) = stack.Pop();
            var inputs = t.GradFn?.Inputs ?? Array.Empty<Tensor>();
            if (next < inputs.Length)
            {
                stack.Push((t, next + 1));
                var x = inputs[next];
                if (x.RequiresGrad && visited.Add(x)) stack.Push((x, 0));
            }
            else order.Add(t); // post-order: inputs before outputs
        }
        return order;
    }

    internal static void CheckFinite(string op, Tensor t, string what)
    {
        foreach (var v in t.Span)
            if (!float.IsFinite(v))
                throw new AnomalyException($"Anomaly: op '{op}' produced {(float.IsNaN(v) ? "NaN" : "Inf")} in its {what} {t.Describe()}.");
    }
}

/// <summary>Thrown by <see cref="Autograd.AnomalyDetection"/> at the first op producing NaN or Inf.</summary>
public sealed class AnomalyException : ArithmeticException
{
    public AnomalyException(string message) : base(message) { }
}
