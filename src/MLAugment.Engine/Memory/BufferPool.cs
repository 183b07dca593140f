using System.Collections.Concurrent;

namespace MLAugment.Engine.Memory;

/// <summary>
/// Exact-length float buffer pool. A training step asks for the same sizes every time, so keying by
/// exact length lets a warmed-up step run without new allocations (ArrayPool rounds up to powers of two
/// and keeps few arrays per bucket, which churns for large tensors).
/// Rented arrays are NOT cleared; callers that need zeros clear them.
/// </summary>
public static class BufferPool
{
    private static readonly ConcurrentDictionary<int, ConcurrentBag<float[]>> Buckets = new();
    private static long _pooledFloats;

    /// <summary>Upper bound on floats kept idle in the pool (default 1 Gi floats = 4 GiB).</summary>
    public static long MaxPooledFloats { get; set; } = 1L << 30;

    public static float[] Rent(int length)
    {
        if (length == 0) return Array.Empty<float>();
        if (Buckets.TryGetValue(length, out var bag) && bag.TryTake(out var arr))
        {
            Interlocked.Add(ref _pooledFloats, -length);
            return arr;
        }
        return GC.AllocateUninitializedArray<float>(length);
    }

    public static void Return(float[] array)
    {
        if (array.Length == 0) return;
        if (Interlocked.Add(ref _pooledFloats, array.Length) > MaxPooledFloats)
        {
            Interlocked.Add(ref _pooledFloats, -array.Length);
            return; // let the GC have it
        }
        Buckets.GetOrAdd(array.Length, _ => new ConcurrentBag<float[]>()).Add(array);
    }

    /// <summary>Drops every pooled array (tests and memory-sensitive hosts).</summary>
    public static void Clear()
    {
        Buckets.Clear();
        Interlocked.Exchange(ref _pooledFloats, 0);
    }
}
