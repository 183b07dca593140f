using AG = MLAugment.Engine.Autograd.Autograd;

namespace MLAugment.Engine;

/// <summary>
/// Re-layout ops: concat/stack, slicing, padding, index select/gather, squeeze/unsqueeze, repeat, chunk/split.
/// Tensors are always contiguous, so every op here except (un)squeeze materializes its result; each splits the
/// shape around one dim into (outer, dim, inner) so copies run over contiguous inner rows.
/// </summary>
public static partial class F
{
    /// <summary>Elements before, along and after <paramref name="dim"/>.</summary>
    internal static (int Outer, int Size, int Inner) Split3(ReadOnlySpan<int> shape, int dim)
    {
        int outer = 1, inner = 1;
        for (int i = 0; i < dim; i++) outer *= shape[i];
        for (int i = dim + 1; i < shape.Length; i++) inner *= shape[i];
        return (outer, shape[dim], inner);
    }

    private static string Shapes(IEnumerable<Tensor> ts) => string.Join(", ", ts.Select(t => ShapeUtil.Format(t.Shape)));

    /// <summary>Joins tensors along an existing dim (torch.cat); all other dims must agree.</summary>
    public static Tensor Concat(IReadOnlyList<Tensor> tensors, int dim)
    {
        if (tensors.Count == 0) throw new ArgumentException("Concat: no tensors given.");
        var first = tensors[0];
        if (first.Rank == 0) throw new ArgumentException("Concat: scalar tensors cannot be concatenated; use Stack.");
        int d = ShapeUtil.NormalizeDim("Concat", dim, first.Shape);
        int total = 0;
        foreach (var t in tensors)
        {
            bool ok = t.Rank == first.Rank;
            for (int i = 0; ok && i < t.Rank; i++) ok = i == d || t.Shape[i] == first.Shape[i];
            if (!ok)
                throw new ArgumentException($"Concat: shapes {Shapes(tensors)} differ outside dim {dim}.");
            total += t.Shape[d];
        }
        var outShape = first.Shape.ToArray(); outShape[d] = total;
        var r = Tensor.Allocate(outShape, clear: false);
        var (outer, _, inner) = Split3(outShape, d);
        var o = r.Span;
        int rowOut = total * inner, at = 0;
        var sizes = new int[tensors.Count];
        for (int k = 0; k < tensors.Count; k++)
        {
            var s = tensors[k].Span;
            int row = tensors[k].Shape[d] * inner;
            sizes[k] = tensors[k].Shape[d];
            for (int a = 0; a < outer; a++) s.Slice(a * row, row).CopyTo(o.Slice(a * rowOut + at, row));
            at += row;
        }
        var inputs = tensors.ToArray();
        return AG.Record(r, "Concat", inputs, g =>
        {
            var grads = new Tensor?[inputs.Length];
            int start = 0;
            for (int k = 0; k < inputs.Length; k++)
            {
                if (AG.Needs(inputs[k])) grads[k] = Slice(g, d, start, sizes[k]);
                start += sizes[k];
            }
            return grads;
        });
    }

    /// <summary>Joins same-shaped tensors along a new dim (torch.stack); dim may be in [-(rank+1), rank].</summary>
    public static Tensor Stack(IReadOnlyList<Tensor> tensors, int dim = 0)
    {
        if (tensors.Count == 0) throw new ArgumentException("Stack: no tensors given.");
        foreach (var t in tensors)
            if (!ShapeUtil.SameShape(t.Shape, tensors[0].Shape))
                throw new ArgumentException($"Stack: all tensors must have the same shape, got {Shapes(tensors)}.");
        int d = InsertionDim("Stack", dim, tensors[0].Shape);
        return Concat(tensors.Select(t => t.Unsqueeze(d)).ToArray(), d);
    }

    /// <summary>Resolves a dim at which a new axis is inserted: [-(rank+1), rank].</summary>
    internal static int InsertionDim(string op, int dim, ReadOnlySpan<int> shape)
    {
        int r = shape.Length, d = dim < 0 ? dim + r + 1 : dim;
        if (d < 0 || d > r)
            throw new ArgumentOutOfRangeException(nameof(dim), $"{op}: dim {dim} is out of range [{-(r + 1)}, {r}] for a new axis in shape {ShapeUtil.Format(shape)}.");
        return d;
    }

    /// <summary>Elements [start, start+length) of <paramref name="dim"/> as a new tensor (torch.narrow, materialized).</summary>
    public static Tensor Slice(Tensor x, int dim, int start, int length)
    {
        int d = ShapeUtil.NormalizeDim("Slice", dim, x.Shape);
        int n = x.Shape[d];
        if (start < 0) start += n;
        if (start < 0 || length < 0 || start + length > n)
            throw new ArgumentOutOfRangeException(nameof(start),
                $"Slice: [{start}, {start + length}) is out of range for dim {dim} of shape {ShapeUtil.Format(x.Shape)}.");
        var outShape = x.Shape.ToArray(); outShape[d] = length;
        var r = Tensor.Allocate(outShape, clear: false);
        var (outer, _, inner) = Split3(x.Shape, d);
        var s = x.Span; var o = r.Span;
        int row = length * inner, rowIn = n * inner;
        for (int a = 0; a < outer; a++) s.Slice(a * rowIn + start * inner, row).CopyTo(o.Slice(a * row, row));
        var inShape = x.Shape.ToArray();
        return AG.Record(r, "Slice", x, g =>
        {
            var gi = Tensor.Zeros(inShape);
            var gs = g.Span; var gd = gi.Span;
            for (int a = 0; a < outer; a++) gs.Slice(a * row, row).CopyTo(gd.Slice(a * rowIn + start * inner, row));
            return new[] { gi };
        });
    }

    /// <summary>Splits into pieces of <paramref name="splitSize"/> along dim (the last may be smaller), like torch.split.</summary>
    public static Tensor[] Split(Tensor x, int splitSize, int dim = 0)
    {
        int d = ShapeUtil.NormalizeDim("Split", dim, x.Shape);
        if (splitSize <= 0) throw new ArgumentOutOfRangeException(nameof(splitSize), $"Split: split size {splitSize} must be positive (shape {ShapeUtil.Format(x.Shape)}).");
        int n = x.Shape[d];
        var parts = new List<Tensor>();
        for (int s = 0; s < n; s += splitSize) parts.Add(Slice(x, d, s, Math.Min(splitSize, n - s)));
        return parts.ToArray();
    }

    /// <summary>Splits into pieces of the given sizes along dim; the sizes must add up to the dim's length.</summary>
    public static Tensor[] Split(Tensor x, int[] sizes, int dim = 0)
    {
        int d = ShapeUtil.NormalizeDim("Split", dim, x.Shape);
        if (sizes.Any(s => s < 0) || sizes.Sum() != x.Shape[d])
            throw new ArgumentException($"Split: sizes [{string.Join(", ", sizes)}] do not add up to dim {dim} (= {x.Shape[d]}) of shape {ShapeUtil.Format(x.Shape)}.");
        var parts = new Tensor[sizes.Length];
        int at = 0;
        for (int i = 0; i < sizes.Length; i++) { parts[i] = Slice(x, d, at, sizes[i]); at += sizes[i]; }
        return parts;
    }

    /// <summary>torch.chunk: ceil(n/chunks)-sized pieces (so possibly fewer than <paramref name="chunks"/>).</summary>
    public static Tensor[] Chunk(Tensor x, int chunks, int dim = 0)
    {
        int d = ShapeUtil.NormalizeDim("Chunk", dim, x.Shape);
        if (chunks <= 0) throw new ArgumentOutOfRangeException(nameof(chunks), $"Chunk: chunks {chunks} must be positive (shape {ShapeUtil.Format(x.Shape)}).");
        int n = x.Shape[d];
        return n == 0 ? new[] { Slice(x, d, 0, 0) } : Split(x, (n + chunks - 1) / chunks, d);
    }

    /// <summary>Padding modes of <see cref="Pad"/> (torch.nn.functional.pad's mode=).</summary>
    public enum PadMode { Constant, Reflect, Replicate }

    /// <summary>
    /// Pads trailing dims; <paramref name="pads"/> is in torch order (last dim left, last dim right, then the dim
    /// before it, ...). Constant mode accepts negative pads (cropping); reflect needs each pad &lt; the dim's size.
    /// </summary>
    public static Tensor Pad(Tensor x, int[] pads, float value = 0f, PadMode mode = PadMode.Constant)
    {
        if (pads.Length % 2 != 0 || pads.Length / 2 > x.Rank)
            throw new ArgumentException($"Pad: pads [{string.Join(", ", pads)}] must be pairs for at most {x.Rank} trailing dims of {ShapeUtil.Format(x.Shape)}.");
        int rank = x.Rank;
        var outShape = x.Shape.ToArray();
        // map[d][o] = input index along dim d for output index o, or -1 for the constant value.
        var map = new int[rank][];
        for (int d = 0; d < rank; d++)
        {
            int k = rank - 1 - d, n = x.Shape[d];
            int before = 2 * k < pads.Length ? pads[2 * k] : 0, after = 2 * k + 1 < pads.Length ? pads[2 * k + 1] : 0;
            int m = n + before + after;
            if (m < 0 || (mode != PadMode.Constant && (before < 0 || after < 0)))
                throw new ArgumentException($"Pad: pads [{string.Join(", ", pads)}] are invalid for shape {ShapeUtil.Format(x.Shape)} in {mode} mode.");
            if (mode == PadMode.Reflect && (before >= n || after >= n) && (before | after) != 0)
                throw new ArgumentException($"Pad: reflect padding ({before}, {after}) must be smaller than dim {d} (= {n}) of {ShapeUtil.Format(x.Shape)}.");
            if (mode == PadMode.Replicate && n == 0 && m > 0)
                throw new ArgumentException($"Pad: cannot replicate-pad empty dim {d} of {ShapeUtil.Format(x.Shape)}.");
            outShape[d] = m;
            map[d] = new int[m];
            for (int o = 0; o < m; o++)
            {
                int i = o - before;
                map[d][o] = mode switch
                {
                    PadMode.Constant => i >= 0 && i < n ? i : -1,
                    PadMode.Replicate => Math.Clamp(i, 0, n - 1),
                    _ => i < 0 ? -i : i >= n ? 2 * (n - 1) - i : i,
                };
            }
        }
        var r = Tensor.Allocate(outShape, clear: false);
        var inShape = x.Shape.ToArray();
        var plan = new PadPlan(inShape, outShape, map);
        plan.Forward(x.Span, r.Span, value);
        return AG.Record(r, "Pad", x, g =>
        {
            var gi = Tensor.Zeros(inShape);
            plan.Backward(g.Span, gi.Span);
            return new[] { gi };
        });
    }

    /// <summary>Source row offset of every output row of a padded tensor (-1: whole row is the constant).</summary>
    private sealed class PadPlan
    {
        private readonly int[] _rowSrc;
        private readonly int[] _last;

        public PadPlan(int[] inShape, int[] outShape, int[][] map)
        {
            int rank = outShape.Length;
            var inStr = ShapeUtil.Strides(inShape);
            _last = rank == 0 ? new[] { 0 } : map[rank - 1];
            int rowLen = rank == 0 ? 1 : outShape[rank - 1];
            int rows = rowLen == 0 ? 0 : ShapeUtil.Numel(outShape) / rowLen;
            _rowSrc = new int[rows];
            var idx = new int[rank];
            for (int r = 0; r < rows; r++)
            {
                int src = 0;
                for (int d = 0; d < rank - 1 && src >= 0; d++)
                {
                    int m = map[d][idx[d]];
                    src = m < 0 ? -1 : src + m * inStr[d];
                }
                _rowSrc[r] = src;
                for (int d = rank - 2; d >= 0; d--) { if (++idx[d] < outShape[d]) break; idx[d] = 0; }
            }
        }

        public void Forward(ReadOnlySpan<float> x, Span<float> y, float value)
        {
            int w = _last.Length;
            for (int r = 0; r < _rowSrc.Length; r++)
            {
                int src = _rowSrc[r];
                var dst = y.Slice(r * w, w);
                if (src < 0) { dst.Fill(value); continue; }
                for (int j = 0; j < w; j++) dst[j] = _last[j] < 0 ? value : x[src + _last[j]];
            }
        }

        public void Backward(ReadOnlySpan<float> g, Span<float> gx)
        {
            int w = _last.Length;
            for (int r = 0; r < _rowSrc.Length; r++)
            {
                int src = _rowSrc[r];
                if (src < 0) continue;
                for (int j = 0; j < w; j++) if (_last[j] >= 0) gx[src + _last[j]] += g[r * w + j];
            }
        }
    }

    /// <summary>Picks entries <paramref name="index"/> along <paramref name="dim"/> (torch.index_select); repeats allowed.</summary>
    public static Tensor IndexSelect(Tensor x, int dim, int[] index)
    {
        int d = ShapeUtil.NormalizeDim("IndexSelect", dim, x.Shape);
        var (outer, n, inner) = Split3(x.Shape, d);
        for (int i = 0; i < index.Length; i++)
            if ((uint)index[i] >= (uint)n)
                throw new ArgumentOutOfRangeException(nameof(index), $"IndexSelect: index {index[i]} (position {i}) is out of range for dim {dim} (size {n}) of {ShapeUtil.Format(x.Shape)}.");
        var idx = (int[])index.Clone();
        var outShape = x.Shape.ToArray(); outShape[d] = idx.Length;
        var r = Tensor.Allocate(outShape, clear: false);
        var s = x.Span; var o = r.Span;
        for (int a = 0; a < outer; a++)
            for (int k = 0; k < idx.Length; k++)
                s.Slice((a * n + idx[k]) * inner, inner).CopyTo(o.Slice((a * idx.Length + k) * inner, inner));
        var inShape = x.Shape.ToArray();
        return AG.Record(r, "IndexSelect", x, g =>
        {
            var gi = Tensor.Zeros(inShape);
            var gs = g.Span; var gd = gi.Span;
            for (int a = 0; a < outer; a++)
                for (int k = 0; k < idx.Length; k++)
                {
                    var dst = gd.Slice((a * n + idx[k]) * inner, inner);
                    System.Numerics.Tensors.TensorPrimitives.Add(dst, gs.Slice((a * idx.Length + k) * inner, inner), dst);
                }
            return new[] { gi };
        });
    }

    /// <summary>
    /// torch.gather: out[i..., j, k...] = x[i..., index[i..., j, k...], k...] along <paramref name="dim"/>.
    /// The index has x's rank and is no larger than x in every other dim; the output has the index's shape.
    /// </summary>
    public static Tensor Gather(Tensor x, int dim, int[] index, params int[] indexShape)
    {
        int d = ShapeUtil.NormalizeDim("Gather", dim, x.Shape);
        if (indexShape.Length != x.Rank || ShapeUtil.Numel(indexShape) != index.Length)
            throw new ArgumentException($"Gather: index shape {ShapeUtil.Format(indexShape)} ({index.Length} values) must have the rank of input {ShapeUtil.Format(x.Shape)} and match the value count.");
        for (int i = 0; i < x.Rank; i++)
            if (i != d && indexShape[i] > x.Shape[i])
                throw new ArgumentException($"Gather: index shape {ShapeUtil.Format(indexShape)} exceeds input {ShapeUtil.Format(x.Shape)} in dim {i}.");
        int n = x.Shape[d];
        for (int i = 0; i < index.Length; i++)
            if ((uint)index[i] >= (uint)n)
                throw new ArgumentOutOfRangeException(nameof(index), $"Gather: index {index[i]} (position {i}) is out of range for dim {dim} (size {n}) of {ShapeUtil.Format(x.Shape)}.");
        var shape = (int[])indexShape.Clone();
        var src = GatherOffsets(x.Shape, d, index, shape);
        var r = Tensor.Allocate(shape, clear: false);
        var s = x.Span; var o = r.Span;
        for (int i = 0; i < src.Length; i++) o[i] = s[src[i]];
        var inShape = x.Shape.ToArray();
        return AG.Record(r, "Gather", x, g =>
        {
            var gi = Tensor.Zeros(inShape);
            var gs = g.Span; var gd = gi.Span;
            for (int i = 0; i < src.Length; i++) gd[src[i]] += gs[i];
            return new[] { gi };
        });
    }

    /// <summary>Flat input offset for every element of a gather's output.</summary>
    private static int[] GatherOffsets(ReadOnlySpan<int> xShape, int dim, int[] index, int[] indexShape)
    {
        var xStr = ShapeUtil.Strides(xShape);
        int rank = indexShape.Length;
        var offsets = new int[index.Length];
        var idx = new int[rank];
        for (int i = 0; i < index.Length; i++)
        {
            int off = 0;
            for (int d = 0; d < rank; d++) off += (d == dim ? index[i] : idx[d]) * xStr[d];
            offsets[i] = off;
            for (int d = rank - 1; d >= 0; d--) { if (++idx[d] < indexShape[d]) break; idx[d] = 0; }
        }
        return offsets;
    }

    /// <summary>torch.Tensor.repeat: tiles the tensor reps[i] times along dim i (extra leading reps add dims).</summary>
    public static Tensor Repeat(Tensor x, params int[] reps)
    {
        if (reps.Length < x.Rank || reps.Any(r => r < 0))
            throw new ArgumentException($"Repeat: reps [{string.Join(", ", reps)}] must be non-negative and at least as many as the dims of {ShapeUtil.Format(x.Shape)}.");
        // Interleave a broadcast dim before each input dim: [1, s0, 1, s1, ...] expanded to [r0, s0, r1, s1, ...].
        int lead = reps.Length - x.Rank;
        var inter = new int[2 * reps.Length];
        var expanded = new int[2 * reps.Length];
        var final = new int[reps.Length];
        for (int i = 0; i < reps.Length; i++)
        {
            int s = i < lead ? 1 : x.Shape[i - lead];
            inter[2 * i] = 1; inter[2 * i + 1] = s;
            expanded[2 * i] = reps[i]; expanded[2 * i + 1] = s;
            final[i] = reps[i] * s;
        }
        return x.Reshape(inter).ExpandTo(expanded).Reshape(final);
    }
}

public sealed partial class Tensor
{
    /// <summary>Inserts a size-1 dim at <paramref name="dim"/> (in [-(rank+1), rank]); a view.</summary>
    public Tensor Unsqueeze(int dim)
    {
        int d = F.InsertionDim("Unsqueeze", dim, Shape);
        var s = new List<int>(_shape);
        s.Insert(d, 1);
        return Reshape(s.ToArray());
    }

    /// <summary>Removes <paramref name="dim"/> if it has size 1 (like torch, a no-op otherwise); a view.</summary>
    public Tensor Squeeze(int dim)
    {
        int d = ShapeUtil.NormalizeDim("Squeeze", dim, Shape);
        if (_shape[d] != 1) return this;
        return Reshape(_shape.Where((_, i) => i != d).ToArray());
    }

    /// <summary>Removes every size-1 dim; a view.</summary>
    public Tensor Squeeze() => Reshape(_shape.Where(s => s != 1).ToArray());
}
