namespace MLAugment.Engine;

/// <summary>Process-wide engine settings. Kernels read these at call time.</summary>
public static class EngineOptions
{
    private static int _maxDegreeOfParallelism = Environment.ProcessorCount;

    /// <summary>Threads a single kernel may use (default: all cores). Results never depend on it.</summary>
    public static int MaxDegreeOfParallelism
    {
        get => _maxDegreeOfParallelism;
        set => _maxDegreeOfParallelism = value >= 1 ? value
            : throw new ArgumentOutOfRangeException(nameof(value), value, "MaxDegreeOfParallelism must be >= 1.");
    }

    internal static ParallelOptions ParallelOptions => new() { MaxDegreeOfParallelism = _maxDegreeOfParallelism };
}
