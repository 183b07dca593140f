using System.Globalization;
using System.Text;
using MLAugment.Engine.Autograd;
using MLAugment.Engine.Memory;

namespace MLAugment.Engine;

/// <summary>
/// A dense float32 tensor of any rank, row-major and always contiguous over its own elements.
/// Views (<see cref="Reshape"/>, <see cref="Narrow0"/>) share storage with their base without copying;
/// every other re-layout (permute, general slicing) materializes, which keeps every kernel stride-free.
/// Ops live in <c>Tensor.*</c> static partials and as instance methods; they record a
/// <see cref="GradNode"/> when autograd is on and an input requires grad.
/// </summary>
public sealed partial class Tensor
{
    internal float[] Storage;
    internal readonly int Offset;
    private readonly int[] _shape;
    /// <summary>The tensor owning the storage when this is a view; null for owners.</summary>
    internal readonly Tensor? Base;
    internal TensorScope? OwningScope;
    private bool _released;

    /// <summary>Number of elements.</summary>
    public int Length { get; }
    public ReadOnlySpan<int> Shape => _shape;
    public int Rank => _shape.Length;
    public int Size(int dim) => _shape[ShapeUtil.NormalizeDim("Size", dim, _shape)];

    /// <summary>Optional name used in error messages and state dicts.</summary>
    public string? Name { get; set; }

    // ---- autograd state ----
    private bool _requiresGrad;
    /// <summary>Accumulated gradient (leaf tensors that require grad, or tensors with <see cref="RetainGrad"/>).</summary>
    public Tensor? Grad { get; set; }
    internal GradNode? GradFn { get; set; }
    internal bool RetainsGrad { get; private set; }

    /// <summary>True if gradients flow to this tensor. Settable only on leaves (tensors not produced by a recorded op).</summary>
    public bool RequiresGrad
    {
        get => _requiresGrad;
        set
        {
            if (GradFn != null && !value)
                throw new InvalidOperationException("RequiresGrad cannot be turned off on a non-leaf tensor; use Detach().");
            _requiresGrad = value;
        }
    }

    public bool IsLeaf => GradFn == null;

    /// <summary>Keep the gradient of this non-leaf tensor in <see cref="Grad"/> after Backward.</summary>
    public Tensor RetainGrad() { RetainsGrad = true; return this; }

    private Tensor(float[] storage, int offset, int[] shape, Tensor? @base)
    {
        Storage = storage;
        Offset = offset;
        _shape = shape;
        Length = ShapeUtil.Numel(shape);
        Base = @base;
    }

    // ---- construction ----

    /// <summary>Uninitialized tensor; storage is pooled when a <see cref="TensorScope"/> is active.</summary>
    public static Tensor Empty(params int[] shape) => Allocate((int[])shape.Clone(), clear: false);

    public static Tensor Zeros(params int[] shape) => Allocate((int[])shape.Clone(), clear: true);

    public static Tensor Ones(params int[] shape) => Full(1f, shape);

    public static Tensor Full(float value, params int[] shape)
    {
        var t = Allocate((int[])shape.Clone(), clear: false);
        t.Span.Fill(value);
        return t;
    }

    public static Tensor Scalar(float value) => Full(value);

    public static Tensor ZerosLike(Tensor t) => Allocate(t._shape.ToArray(), clear: true);
    public static Tensor EmptyLike(Tensor t) => Allocate(t._shape.ToArray(), clear: false);

    /// <summary>Copies <paramref name="data"/> into a new tensor of the given shape.</summary>
    public static Tensor FromArray(ReadOnlySpan<float> data, params int[] shape)
    {
        int n = ShapeUtil.Numel(shape);
        if (data.Length != n)
            throw new ArgumentException($"FromArray: {data.Length} values do not fill shape {ShapeUtil.Format(shape)} ({n} elements).");
        var t = Allocate((int[])shape.Clone(), clear: false);
        data.CopyTo(t.Span);
        return t;
    }

    /// <summary>Wraps <paramref name="data"/> without copying; the tensor aliases the array.</summary>
    public static Tensor Wrap(float[] data, params int[] shape)
    {
        int n = ShapeUtil.Numel(shape);
        if (data.Length != n)
            throw new ArgumentException($"Wrap: array of {data.Length} values does not match shape {ShapeUtil.Format(shape)} ({n} elements).");
        return new Tensor(data, 0, (int[])shape.Clone(), null);
    }

    /// <summary>0, 1, ..., n-1 as a 1-D tensor.</summary>
    public static Tensor Arange(int n)
    {
        var t = Allocate(new[] { n }, clear: false);
        var s = t.Span;
        for (int i = 0; i < n; i++) s[i] = i;
        return t;
    }

    internal static Tensor Allocate(int[] shape, bool clear)
    {
        int n = ShapeUtil.Numel(shape);
        var scope = TensorScope.Current;
        float[] storage = scope != null ? BufferPool.Rent(n) : (n == 0 ? Array.Empty<float>() : new float[n]);
        if (clear && scope != null) Array.Clear(storage);
        var t = new Tensor(storage, 0, shape, null);
        if (scope != null) { t.OwningScope = scope; scope.Register(t); }
        return t;
    }

    internal void ReleaseStorage()
    {
        if (_released || Base != null) return;
        _released = true;
        var s = Storage;
        Storage = Array.Empty<float>();
        BufferPool.Return(s);
    }

    // ---- data access ----

    /// <summary>The tensor's elements, row-major.</summary>
    public Span<float> Span
    {
        get
        {
            if (_released || (Base != null && Base._released))
                throw new ObjectDisposedException(nameof(Tensor), $"Tensor {Describe()} was used after its TensorScope ended; call scope.Keep(t) to hand it out.");
            return Storage.AsSpan(Offset, Length);
        }
    }

    public float[] ToArray() => Span.ToArray();

    /// <summary>The value of a one-element tensor.</summary>
    public float Item()
    {
        if (Length != 1) throw new InvalidOperationException($"Item() needs a one-element tensor, got shape {ShapeUtil.Format(_shape)}.");
        return Span[0];
    }

    [System.Runtime.CompilerServices.IndexerName("At")]
    public float this[params int[] index]
    {
        get => Span[FlatIndex(index)];
        set => Span[FlatIndex(index)] = value;
    }

    private int FlatIndex(int[] index)
    {
        if (index.Length != _shape.Length)
            throw new ArgumentException($"Index of rank {index.Length} used on tensor of shape {ShapeUtil.Format(_shape)}.");
        int flat = 0;
        for (int i = 0; i < index.Length; i++)
        {
            int ix = index[i] < 0 ? index[i] + _shape[i] : index[i];
            if ((uint)ix >= (uint)_shape[i])
                throw new IndexOutOfRangeException($"Index {index[i]} out of range for dim {i} of shape {ShapeUtil.Format(_shape)}.");
            flat = flat * _shape[i] + ix;
        }
        return flat;
    }

    // ---- views and copies ----

    /// <summary>Same data, new shape (one dim may be -1). Shares storage; gradients flow through.</summary>
    public Tensor Reshape(params int[] shape)
    {
        var resolved = ResolveReshape(shape);
        var view = new Tensor(Storage, Offset, resolved, Base ?? this) { OwningScope = null };
        return Autograd.Autograd.Record(view, "Reshape", this, g => new[] { g.Reshape(_shape.ToArray()) });
    }

    public Tensor Flatten(int startDim = 1)
    {
        int d = ShapeUtil.NormalizeDim("Flatten", startDim, Shape);
        var s = new int[d + 1];
        for (int i = 0; i < d; i++) s[i] = _shape[i];
        s[d] = -1;
        return Reshape(s);
    }

    private int[] ResolveReshape(int[] shape)
    {
        var r = (int[])shape.Clone();
        int infer = -1; long known = 1;
        for (int i = 0; i < r.Length; i++)
        {
            if (r[i] == -1)
            {
                if (infer >= 0) throw new ArgumentException($"Reshape: only one dim may be -1 in {ShapeUtil.Format(shape)}.");
                infer = i;
            }
            else if (r[i] < 0) throw new ArgumentException($"Reshape: invalid dim {r[i]} in {ShapeUtil.Format(shape)}.");
            else known *= r[i];
        }
        if (infer >= 0)
        {
            if (known == 0 || Length % known != 0)
                throw new ArgumentException($"Reshape: cannot reshape {ShapeUtil.Format(_shape)} ({Length} elements) to {ShapeUtil.Format(shape)}.");
            r[infer] = (int)(Length / known);
        }
        else if (known != Length)
            throw new ArgumentException($"Reshape: cannot reshape {ShapeUtil.Format(_shape)} ({Length} elements) to {ShapeUtil.Format(shape)}.");
        return r;
    }

    /// <summary>Rows [start, start+length) of dim 0 as a view sharing storage (contiguous, so free).</summary>
    public Tensor Narrow0(int start, int length)
    {
        if (Rank == 0) throw new ArgumentException("Narrow0: scalar tensor has no dim 0.");
        if (start < 0 || length < 0 || start + length > _shape[0])
            throw new ArgumentOutOfRangeException(nameof(start), $"Narrow0: rows [{start}, {start + length}) out of range for shape {ShapeUtil.Format(_shape)}.");
        var s = _shape.ToArray(); s[0] = length;
        int rowSize = _shape[0] == 0 ? 0 : Length / _shape[0];
        var view = new Tensor(Storage, Offset + start * rowSize, s, Base ?? this);
        var full = _shape.ToArray();
        return Autograd.Autograd.Record(view, "Narrow0", this, g =>
        {
            var gi = Zeros(full);
            g.Span.CopyTo(gi.Span.Slice(start * rowSize, g.Length));
            return new[] { gi };
        });
    }

    /// <summary>A contiguous copy that does not share storage (and records a gradient edge).</summary>
    public Tensor Clone()
    {
        var t = EmptyLike(this);
        Span.CopyTo(t.Span);
        return Autograd.Autograd.Record(t, "Clone", this, g => new[] { g });
    }

    /// <summary>Same storage, cut from the graph: no gradient flows back through the result.</summary>
    public Tensor Detach() => new(Storage, Offset, _shape.ToArray(), Base ?? this);

    /// <summary>Copies values from <paramref name="src"/> (same element count) in place. Not recorded by autograd.</summary>
    public void CopyFrom(Tensor src)
    {
        if (src.Length != Length)
            throw new ArgumentException($"CopyFrom: source shape {ShapeUtil.Format(src._shape)} does not match {ShapeUtil.Format(_shape)}.");
        src.Span.CopyTo(Span);
    }

    public override string ToString() => Describe() + (Length <= 16 ? " " + FormatValues() : "");

    internal string Describe() => (Name != null ? Name + " " : "") + "Tensor" + ShapeUtil.Format(_shape);

    private string FormatValues()
    {
        var sb = new StringBuilder("{");
        var s = Storage.AsSpan(Offset, Length);
        for (int i = 0; i < s.Length; i++)
            sb.Append(i == 0 ? "" : ", ").Append(s[i].ToString("G6", CultureInfo.InvariantCulture));
        return sb.Append('}').ToString();
    }
}

public sealed partial class Tensor
{
    internal void RequiresGradInternal() => _requiresGrad = true;

    /// <summary>A GC-managed tensor regardless of any active scope (parameters, optimizer state, leaf grads).</summary>
    public static Tensor Unscoped(params int[] shape)
    {
        int n = ShapeUtil.Numel(shape);
        return new Tensor(n == 0 ? Array.Empty<float>() : new float[n], 0, (int[])shape.Clone(), null);
    }

    /// <summary>Backpropagates from this tensor; see <see cref="Autograd.Autograd.Backward"/>.</summary>
    public void Backward(Tensor? gradient = null, bool retainGraph = false) => Autograd.Autograd.Backward(this, gradient, retainGraph);

    /// <summary>Zeroes the accumulated gradient in place (keeps the buffer).</summary>
    public void ZeroGrad() => Grad?.Span.Clear();
}
