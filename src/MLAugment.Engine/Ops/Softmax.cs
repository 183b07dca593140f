using System.Numerics.Tensors;
using AG = MLAugment.Engine.Autograd.Autograd;

namespace MLAugment.Engine;

/// <summary>
/// Softmax and log-softmax along one dim, stabilized by subtracting the max (softmax(x) = softmax(x − max x)).
/// The dim splits the tensor into (outer, n, inner); each outer block is an [n, inner] matrix reduced over its
/// rows, so the inner loops are whole-row vector ops whether the dim is last (inner = 1) or not.
/// </summary>
public static partial class F
{
    public static Tensor Softmax(Tensor x, int dim) => SoftmaxCore(x, dim, log: false);

    public static Tensor LogSoftmax(Tensor x, int dim) => SoftmaxCore(x, dim, log: true);

    private static Tensor SoftmaxCore(Tensor x, int dim, bool log)
    {
        string op = log ? "LogSoftmax" : "Softmax";
        if (x.Rank == 0) throw new ArgumentException($"{op}: needs a tensor of rank >= 1, got a scalar.");
        int d = ShapeUtil.NormalizeDim(op, dim, x.Shape);
        var (outer, n, inner) = Split3(x.Shape, d);
        var y = Tensor.EmptyLike(x);
        if (x.Length > 0)
        {
            var xs = x.Storage; int xo = x.Offset;
            var ys = y.Storage; int yo = y.Offset;
            ParallelRows(outer, n * inner, a =>
            {
                if (inner == 1) SoftmaxRow(xs.AsSpan(xo + a * n, n), ys.AsSpan(yo + a * n, n), log);
                else SoftmaxBlock(xs.AsSpan(xo + a * n * inner, n * inner), ys.AsSpan(yo + a * n * inner, n * inner), n, inner, log);
            });
        }
        return AG.Record(y, op, x, g =>
        {
            // softmax: dx = y ⊙ (g − Σ g⊙y);  log-softmax: dx = g − softmax ⊙ Σ g.
            var gx = Tensor.EmptyLike(g);
            var gs = g.Storage; int go = g.Offset; var ys2 = y.Storage; int yo2 = y.Offset; var gxs = gx.Storage;
            ParallelRows(outer, n * inner, a =>
            {
                int off = a * n * inner;
                SoftmaxBackwardBlock(gs.AsSpan(go + off, n * inner), ys2.AsSpan(yo2 + off, n * inner), gxs.AsSpan(gx.Offset + off, n * inner), n, inner, log);
            });
            return new[] { gx };
        });
    }

    /// <summary>Runs <paramref name="body"/> for each of <paramref name="count"/> independent blocks, in parallel when the work is large.</summary>
    internal static void ParallelRows(int count, int workPerRow, Action<int> body)
    {
        int threads = EngineOptions.MaxDegreeOfParallelism;
        if (count > 1 && (long)count * workPerRow >= 32768 && threads > 1)
        {
            // Contiguous blocks of rows, a few per thread: tiny rows (e.g. 4x4 norm groups) would otherwise pay
            // one scheduling cost each. Every row is still computed whole by one thread, so results do not
            // depend on the thread count.
            int blocks = Math.Min(count, threads * 4);
            Parallel.For(0, blocks, EngineOptions.ParallelOptions, b =>
            {
                int start = (int)((long)count * b / blocks), end = (int)((long)count * (b + 1) / blocks);
                for (int i = start; i < end; i++) body(i);
            });
        }
        else
            for (int i = 0; i < count; i++) body(i);
    }

    private static void SoftmaxRow(ReadOnlySpan<float> x, Span<float> y, bool log)
    {
        float max = TensorPrimitives.Max(x);
        if (float.IsNegativeInfinity(max)) max = 0f; // an all −inf row stays NaN-free until the division, like torch
        TensorPrimitives.Subtract(x, max, y);
        if (log)
        {
            // y = (x − max) − log Σ exp(x − max)
            var tmp = System.Buffers.ArrayPool<float>.Shared.Rent(x.Length);
            var t = tmp.AsSpan(0, x.Length);
            TensorPrimitives.Exp(y, t);
            float lse = MathF.Log(TensorPrimitives.Sum(t));
            System.Buffers.ArrayPool<float>.Shared.Return(tmp);
            TensorPrimitives.Subtract(y, lse, y);
        }
        else
        {
            TensorPrimitives.Exp(y, y);
            TensorPrimitives.Divide(y, TensorPrimitives.Sum(y), y);
        }
    }

    private static void SoftmaxBlock(ReadOnlySpan<float> x, Span<float> y, int n, int inner, bool log)
    {
        var buf = System.Buffers.ArrayPool<float>.Shared.Rent(3 * inner);
        var max = buf.AsSpan(0, inner); var sum = buf.AsSpan(inner, inner); var tmp = buf.AsSpan(2 * inner, inner);
        x.Slice(0, inner).CopyTo(max);
        for (int k = 1; k < n; k++) TensorPrimitives.Max(max, x.Slice(k * inner, inner), max);
        for (int j = 0; j < inner; j++) if (float.IsNegativeInfinity(max[j])) max[j] = 0f;
        sum.Clear();
        for (int k = 0; k < n; k++)
        {
            var yr = y.Slice(k * inner, inner);
            TensorPrimitives.Subtract(x.Slice(k * inner, inner), max, yr);
            if (log)
            {
                TensorPrimitives.Exp(yr, tmp);
                TensorPrimitives.Add(sum, tmp, sum);
            }
            else
            {
                TensorPrimitives.Exp(yr, yr);
                TensorPrimitives.Add(sum, yr, sum);
            }
        }
        if (log)
        {
            TensorPrimitives.Log(sum, sum);
            for (int k = 0; k < n; k++) TensorPrimitives.Subtract(y.Slice(k * inner, inner), sum, y.Slice(k * inner, inner));
        }
        else
        {
            for (int k = 0; k < n; k++) TensorPrimitives.Divide(y.Slice(k * inner, inner), sum, y.Slice(k * inner, inner));
        }
        System.Buffers.ArrayPool<float>.Shared.Return(buf);
    }

    private static void SoftmaxBackwardBlock(ReadOnlySpan<float> g, ReadOnlySpan<float> y, Span<float> gx, int n, int inner, bool log)
    {
        if (inner == 1)
        {
            // Contiguous row: one reduction and two vector passes.
            if (log)
            {
                float sg = TensorPrimitives.Sum(g);
                TensorPrimitives.Exp(y, gx);
                TensorPrimitives.Multiply(gx, -sg, gx);
                TensorPrimitives.Add(gx, g, gx);
            }
            else
            {
                float dot = TensorPrimitives.Dot(g, y);
                TensorPrimitives.Subtract(g, dot, gx);
                TensorPrimitives.Multiply(gx, y, gx);
            }
            return;
        }
        var buf = System.Buffers.ArrayPool<float>.Shared.Rent(inner);
        var acc = buf.AsSpan(0, inner);
        acc.Clear();
        if (log)
        {
            for (int k = 0; k < n; k++) TensorPrimitives.Add(acc, g.Slice(k * inner, inner), acc);
            for (int k = 0; k < n; k++)
            {
                var dst = gx.Slice(k * inner, inner);
                TensorPrimitives.Exp(y.Slice(k * inner, inner), dst);
                TensorPrimitives.Multiply(dst, acc, dst);
                TensorPrimitives.Subtract(g.Slice(k * inner, inner), dst, dst);
            }
        }
        else
        {
            for (int k = 0; k < n; k++) TensorPrimitives.MultiplyAdd(g.Slice(k * inner, inner), y.Slice(k * inner, inner), acc, acc);
            for (int k = 0; k < n; k++)
            {
                var dst = gx.Slice(k * inner, inner);
                TensorPrimitives.Subtract(g.Slice(k * inner, inner), acc, dst);
                TensorPrimitives.Multiply(dst, y.Slice(k * inner, inner), dst);
            }
        }
        System.Buffers.ArrayPool<float>.Shared.Return(buf);
    }
}
