namespace MLAugment.Data;

/// <summary>
/// A 128-bit row identifier. Ids are stable across every cursoring of one view (serial, parallel or shuffled) and
/// need only be collision-improbable. Views that derive rows from other rows derive ids with <see cref="Fork"/>,
/// <see cref="Next"/> and <see cref="Combine"/>. Mirrors <c>Microsoft.ML.Data.DataViewRowId</c>.
/// </summary>
public readonly struct DataViewRowId : IEquatable<DataViewRowId>, IComparable<DataViewRowId>
{
    // Multiplicative constants of Murmur3's 128-bit finalizer (Appleby); the mixing below is our own composition.
    private const ulong C1 = 0x87c37b91114253d5UL;
    private const ulong C2 = 0x4cf5ad432745937fUL;

    public DataViewRowId(ulong low, ulong high)
    {
        Low = low;
        High = high;
    }

    public ulong Low { get; }

    public ulong High { get; }

    /// <summary>A well-mixed id distinct from this one, for a child row that is "the next" after this one.</summary>
    public DataViewRowId Next() => Mix(Low + 1, High ^ C1);

    /// <summary>A well-mixed id for the first child of this row; use <see cref="Next"/> for further siblings.</summary>
    public DataViewRowId Fork() => Mix(Low ^ C2, High + C1);

    /// <summary>Mixes another id into this one: the id of a row that depends on both.</summary>
    public DataViewRowId Combine(DataViewRowId other)
    {
        var a = Mix(Low ^ RotateLeft(other.High, 31), High ^ RotateLeft(other.Low, 33));
        return Mix(a.Low + other.Low * C1, a.High + other.High * C2);
    }

    private static DataViewRowId Mix(ulong low, ulong high)
    {
        // Offsets keep (0, 0) from being a fixed point of the mix.
        low ^= 0x9E3779B97F4A7C15UL;
        high ^= 0xC2B2AE3D27D4EB4FUL;
        low *= C1; low = RotateLeft(low, 31); low *= C2;
        high *= C2; high = RotateLeft(high, 33); high *= C1;
        low += high; high += low;
        low = FMix(low); high = FMix(high);
        low += high; high += low;
        return new DataViewRowId(low, high);
    }

    // Murmur3 64-bit avalanche finalizer.
    private static ulong FMix(ulong k)
    {
        k ^= k >> 33;
        k *= 0xff51afd7ed558ccdUL;
        k ^= k >> 33;
        k *= 0xc4ceb9fe1a85ec53UL;
        k ^= k >> 33;
        return k;
    }

    private static ulong RotateLeft(ulong x, int r) => (x << r) | (x >> (64 - r));

    public bool Equals(DataViewRowId other) => Low == other.Low && High == other.High;

    public override bool Equals(object? obj) => obj is DataViewRowId other && Equals(other);

    public override int GetHashCode() => HashCode.Combine(Low, High);

    public int CompareTo(DataViewRowId other) => High != other.High ? High.CompareTo(other.High) : Low.CompareTo(other.Low);

    public static bool operator ==(DataViewRowId a, DataViewRowId b) => a.Equals(b);

    public static bool operator !=(DataViewRowId a, DataViewRowId b) => !a.Equals(b);

    public override string ToString() => $"0x{High:x16}{Low:x16}";
}
