namespace MLAugment.Engine;

/// <summary>
/// A region whose tensors return their storage to <see cref="Memory.BufferPool"/> when it ends.
/// Training and sampling loops wrap each step in one so a warmed-up step allocates (almost) nothing:
/// <code>using (var scope = TensorScope.Begin()) { var loss = model.Forward(x)...; loss.Backward(); }</code>
/// Tensors created outside any scope are ordinary GC-managed objects. A tensor that must outlive the
/// scope is handed out with <see cref="Keep"/> (it then belongs to the enclosing scope, or to the GC).
/// </summary>
public sealed class TensorScope : IDisposable
{
    [ThreadStatic] private static TensorScope? _current;

    private readonly TensorScope? _outer;
    private readonly List<Tensor> _owned = new();
    private bool _disposed;

    private TensorScope(TensorScope? outer) { _outer = outer; }

    internal static TensorScope? Current => _current;

    public static TensorScope Begin()
    {
        var s = new TensorScope(_current);
        _current = s;
        return s;
    }

    /// <summary>Number of tensors whose storage this scope will release.</summary>
    public int Count => _owned.Count;

    internal void Register(Tensor t) => _owned.Add(t);

    /// <summary>Moves <paramref name="t"/> (and its storage) out of this scope, into the enclosing one or to the GC.</summary>
    public Tensor Keep(Tensor t)
    {
        if (t.Base != null) { Keep(t.Base); return t; }
        if (t.OwningScope != this) return t;
        _owned.Remove(t);
        t.OwningScope = _outer;
        _outer?._owned.Add(t);
        return t;
    }

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        if (_current != this)
            throw new InvalidOperationException("TensorScope disposed out of order: inner scopes must be disposed first.");
        _current = _outer;
        foreach (var t in _owned)
            if (t.OwningScope == this) t.ReleaseStorage();
        _owned.Clear();
    }
}
