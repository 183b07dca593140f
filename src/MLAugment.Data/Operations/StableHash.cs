namespace MLAugment.Data;

/// <summary>
/// Process-independent hashing of column values (string.GetHashCode is randomised per process and would break
/// repeatable splits). Used to place rows by sampling key.
/// </summary>
internal static class StableHash
{
    /// <summary>
    /// Builds a function hashing the current value of <paramref name="column"/> in <paramref name="row"/>;
    /// throws ML.NET's schema mismatch for types that cannot serve as a sampling key.
    /// </summary>
    public static Func<ulong> MakeValueHasher(DataViewRow row, DataViewSchema.Column column, string paramName)
    {
        var raw = column.Type.RawType;
        if (column.Type is TextDataViewType)
        {
            var g = row.GetGetter<ReadOnlyMemory<char>>(column);
            ReadOnlyMemory<char> v = default;
            return () => { g(ref v); return HashChars(v.Span); };
        }
        if (column.Type is RowIdDataViewType)
        {
            var g = row.GetGetter<DataViewRowId>(column);
            DataViewRowId v = default;
            return () => { g(ref v); return v.Low ^ Mix(v.High); };
        }
        if (raw == typeof(float))
        {
            var g = row.GetGetter<float>(column);
            float v = 0;
            // -0 and 0 are the same key; all NaNs are one key.
            return () => { g(ref v); return (ulong)BitConverter.SingleToInt32Bits(v == 0 ? 0f : float.IsNaN(v) ? float.NaN : v); };
        }
        if (raw == typeof(double))
        {
            var g = row.GetGetter<double>(column);
            double v = 0;
            return () => { g(ref v); return (ulong)BitConverter.DoubleToInt64Bits(v == 0 ? 0d : double.IsNaN(v) ? double.NaN : v); };
        }
        if (raw == typeof(bool)) return Integral<bool>(row, column, b => b ? 1UL : 0UL);
        if (raw == typeof(sbyte)) return Integral<sbyte>(row, column, x => (ulong)x);
        if (raw == typeof(byte)) return Integral<byte>(row, column, x => x);
        if (raw == typeof(short)) return Integral<short>(row, column, x => (ulong)x);
        if (raw == typeof(ushort)) return Integral<ushort>(row, column, x => x);
        if (raw == typeof(int)) return Integral<int>(row, column, x => (ulong)x);
        if (raw == typeof(uint)) return Integral<uint>(row, column, x => x);
        if (raw == typeof(long)) return Integral<long>(row, column, x => (ulong)x);
        if (raw == typeof(ulong)) return Integral<ulong>(row, column, x => x);
        throw SchemaExceptions.ExceptSchemaMismatch(paramName, "sampling key", column.Name, "scalar number, key, text, boolean or row id", column.Type.ToString()!);
    }

    private static Func<ulong> Integral<T>(DataViewRow row, DataViewSchema.Column column, Func<T, ulong> bits)
    {
        var g = row.GetGetter<T>(column);
        T v = default!;
        return () => { g(ref v); return bits(v); };
    }

    /// <summary>FNV-1a over UTF-16 code units.</summary>
    public static ulong HashChars(ReadOnlySpan<char> s)
    {
        ulong h = 14695981039346656037UL;
        foreach (char c in s)
        {
            h ^= c;
            h *= 1099511628211UL;
        }
        return h;
    }

    /// <summary>Murmur3's 64-bit finalizer.</summary>
    public static ulong Mix(ulong k)
    {
        k ^= k >> 33;
        k *= 0xff51afd7ed558ccdUL;
        k ^= k >> 33;
        k *= 0xc4ceb9fe1a85ec53UL;
        k ^= k >> 33;
        return k;
    }

    /// <summary>A uniform fraction in [0, 1) from a value hash and a seed.</summary>
    public static double ToUnitInterval(ulong hash, int seed) =>
        (Mix(hash ^ Mix((ulong)(uint)seed + 0x9E3779B97F4A7C15UL)) >> 11) * (1.0 / (1UL << 53));
}
