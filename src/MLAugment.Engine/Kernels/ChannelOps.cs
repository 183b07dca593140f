using System.Numerics.Tensors;

namespace MLAugment.Engine.Kernels;

/// <summary>Per-channel helpers over NCHW tensors (bias add and its gradient).</summary>
public static class ChannelOps
{
    /// <summary>x[n, c, :] += bias[c] for x laid out as [n, c, spatial].</summary>
    public static void AddBias(Span<float> x, ReadOnlySpan<float> bias, int n, int c, int spatial)
    {
        Check(x.Length, bias.Length, n, c, spatial, nameof(x), nameof(bias));
        for (int i = 0; i < n; i++)
            for (int ch = 0; ch < c; ch++)
            {
                var plane = x.Slice((i * c + ch) * spatial, spatial);
                TensorPrimitives.Add(plane, bias[ch], plane);
            }
    }

    /// <summary>sums[c] = sum over n and spatial of x[n, c, :] (overwrites sums; the bias gradient of NCHW).</summary>
    /// <remarks>Channels run in parallel; each is summed per image plane, then across images in index order, so the
    /// result is thread-count independent.</remarks>
    public static void SumPerChannel(ReadOnlySpan<float> x, Span<float> sums, int n, int c, int spatial)
    {
        Check(x.Length, sums.Length, n, c, spatial, nameof(x), nameof(sums));
        unsafe
        {
            fixed (float* px0 = x)
            fixed (float* ps0 = sums)
            {
                float* px = px0, ps = ps0;
                void Channel(int ch)
                {
                    double s = 0;
                    for (int i = 0; i < n; i++) s += Sum(px + ((long)i * c + ch) * spatial, spatial);
                    ps[ch] = (float)s;
                }
                if (EngineOptions.MaxDegreeOfParallelism > 1 && c > 1 && (long)n * c * spatial >= 1 << 16)
                    Parallel.For(0, c, EngineOptions.ParallelOptions, Channel);
                else
                    for (int ch = 0; ch < c; ch++) Channel(ch);
            }
        }
    }

    /// <summary>Plane sum with a fixed lane-wise order (deterministic for a given length), fully optimized from the
    /// first call: this runs once per (image, channel) in every backward pass.</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    internal static unsafe float Sum(float* x, int n)
    {
        int i = 0;
        var acc0 = System.Runtime.Intrinsics.Vector256<float>.Zero;
        var acc1 = System.Runtime.Intrinsics.Vector256<float>.Zero;
        for (; i <= n - 16; i += 16)
        {
            acc0 += System.Runtime.Intrinsics.Vector256.Load(x + i);
            acc1 += System.Runtime.Intrinsics.Vector256.Load(x + i + 8);
        }
        float s = System.Runtime.Intrinsics.Vector256.Sum(acc0 + acc1);
        for (; i < n; i++) s += x[i];
        return s;
    }

    private static void Check(int xLen, int cLen, int n, int c, int spatial, string xName, string cName)
    {
        if (n < 0 || c < 0 || spatial < 0)
            throw new ArgumentException($"n, c, spatial must be >= 0 (got {n}, {c}, {spatial}).", n < 0 ? nameof(n) : c < 0 ? nameof(c) : nameof(spatial));
        if (xLen < (long)n * c * spatial)
            throw new ArgumentException($"{xName} has {xLen} elements, expected n*c*spatial = {(long)n * c * spatial}.", xName);
        if (cLen < c)
            throw new ArgumentException($"{cName} has {cLen} elements, expected c = {c}.", cName);
    }
}
