using System.Numerics.Tensors;

namespace MLAugment.Engine.Kernels;

/// <summary>Span-level elementwise helpers (vectorized by System.Numerics.Tensors).</summary>
internal static class Elementwise
{
    public static void Add(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> dst) => TensorPrimitives.Add(a, b, dst);
    public static void AddInPlace(Span<float> acc, ReadOnlySpan<float> x) => TensorPrimitives.Add(acc, x, acc);
}

/// <summary>
/// Walks an output shape in blocks where each broadcast input is either a contiguous run or a single
/// repeated value, so binary ops and their reductions run vectorized inner loops instead of per-element
/// index arithmetic.
/// </summary>
internal readonly struct BroadcastPlan
{
    public readonly int[] OutShape;
    public readonly int Block;          // elements per inner block
    public readonly bool AFull, BFull;  // input is a contiguous run inside a block (else one repeated value)
    private readonly int[] _outer;      // outer dims (collapsed shape before the block)
    private readonly int[] _aStr, _bStr;

    public int Blocks { get; }

    public BroadcastPlan(ReadOnlySpan<int> aShape, ReadOnlySpan<int> bShape, int[] outShape)
    {
        OutShape = outShape;
        var sa = ShapeUtil.BroadcastStrides(aShape, outShape);
        var sb = ShapeUtil.BroadcastStrides(bShape, outShape);
        int r = outShape.Length;
        // Grow the inner block from the last dim while each input keeps one pattern (full or repeated).
        int block = 1, d = r - 1;
        bool? aFull = null, bFull = null;
        while (d >= 0)
        {
            if (outShape[d] == 1) { d--; continue; }
            bool af = sa[d] != 0, bf = sb[d] != 0;
            if (aFull == null) { aFull = af; bFull = bf; }
            else if (aFull != af || bFull != bf) break;
            block *= outShape[d];
            d--;
        }
        Block = block;
        AFull = aFull ?? true;
        BFull = bFull ?? true;
        _outer = outShape.AsSpan(0, d + 1).ToArray();
        _aStr = sa.AsSpan(0, d + 1).ToArray();
        _bStr = sb.AsSpan(0, d + 1).ToArray();
        int blocks = 1;
        foreach (var x in _outer) blocks *= x;
        Blocks = ShapeUtil.Numel(outShape) == 0 ? 0 : blocks;
    }

    /// <summary>Input offsets of outer block <paramref name="blockIndex"/>.</summary>
    public void Offsets(int blockIndex, out int aOff, out int bOff)
    {
        aOff = 0; bOff = 0;
        for (int d = _outer.Length - 1; d >= 0; d--)
        {
            int i = blockIndex % _outer[d];
            blockIndex /= _outer[d];
            aOff += i * _aStr[d];
            bOff += i * _bStr[d];
        }
    }
}
