namespace MLAugment.Engine;

/// <summary>
/// Seeded random numbers (xoshiro256** seeded by SplitMix64; normals by Box–Muller). Tensors are filled
/// sequentially from one stream, so the numbers for a seed never depend on the thread count.
/// <see cref="Fork"/> derives independent child streams (e.g. one per sample: seed, row id, index).
/// </summary>
public sealed class Generator
{
    private ulong _s0, _s1, _s2, _s3;
    private float? _spareNormal;

    public ulong Seed { get; }

    public Generator(ulong seed)
    {
        Seed = seed;
        ulong x = seed;
        _s0 = SplitMix(ref x); _s1 = SplitMix(ref x); _s2 = SplitMix(ref x); _s3 = SplitMix(ref x);
    }

    public Generator(int seed) : this(unchecked((ulong)(long)seed)) { }

    public Generator(long seed) : this(unchecked((ulong)seed)) { }

    /// <summary>A stream determined only by this generator's seed and the given keys (not by draws so far).</summary>
    public Generator Fork(params long[] keys)
    {
        ulong h = Seed ^ 0x9E3779B97F4A7C15UL;
        foreach (var k in keys)
        {
            ulong x = h ^ unchecked((ulong)k);
            h = SplitMix(ref x) ^ (h << 1);
        }
        return new Generator(h);
    }

    private static ulong SplitMix(ref ulong x)
    {
        ulong z = x += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    public ulong NextUInt64()
    {
        ulong result = ulong.RotateLeft(_s1 * 5, 7) * 9;
        ulong t = _s1 << 17;
        _s2 ^= _s0; _s3 ^= _s1; _s1 ^= _s2; _s0 ^= _s3;
        _s2 ^= t;
        _s3 = ulong.RotateLeft(_s3, 45);
        return result;
    }

    /// <summary>Uniform in [0, 1) with 53 random bits.</summary>
    public double NextDouble() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));

    /// <summary>Uniform integer in [0, n).</summary>
    public int NextInt(int n)
    {
        if (n <= 0) throw new ArgumentOutOfRangeException(nameof(n), n, "NextInt: n must be positive.");
        return (int)((NextUInt64() >> 33) % (ulong)n);
    }

    public float NextUniform() => (float)NextDouble();

    /// <summary>Standard normal (Box–Muller in double, pairs cached).</summary>
    public float NextNormal()
    {
        if (_spareNormal is float s) { _spareNormal = null; return s; }
        double u1 = 1.0 - NextDouble(); // (0, 1]
        double u2 = NextDouble();
        double r = Math.Sqrt(-2.0 * Math.Log(u1));
        _spareNormal = (float)(r * Math.Sin(2 * Math.PI * u2));
        return (float)(r * Math.Cos(2 * Math.PI * u2));
    }

    public void FillUniform(Span<float> dst, float low = 0f, float high = 1f)
    {
        for (int i = 0; i < dst.Length; i++) dst[i] = low + (high - low) * NextUniform();
    }

    public void FillNormal(Span<float> dst, float mean = 0f, float std = 1f)
    {
        for (int i = 0; i < dst.Length; i++) dst[i] = mean + std * NextNormal();
    }

    /// <summary>A random permutation of 0..n-1 (Fisher–Yates).</summary>
    public int[] Permutation(int n)
    {
        var p = Enumerable.Range(0, n).ToArray();
        for (int i = n - 1; i > 0; i--) { int j = NextInt(i + 1); (p[i], p[j]) = (p[j], p[i]); }
        return p;
    }
}

public sealed partial class Tensor
{
    public static Tensor Randn(Generator g, params int[] shape)
    {
        var t = Allocate((int[])shape.Clone(), clear: false);
        g.FillNormal(t.Span);
        return t;
    }

    public static Tensor Rand(Generator g, params int[] shape)
    {
        var t = Allocate((int[])shape.Clone(), clear: false);
        g.FillUniform(t.Span);
        return t;
    }
}
