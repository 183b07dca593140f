using System.Diagnostics;

namespace MLAugment.Bench;

public static class Timing
{
    /// <summary>Runs <paramref name="body"/> warm-up times, then returns the median of <paramref name="runs"/> timings in ms.</summary>
    public static double MedianMs(Action body, int warmup = 3, int runs = 7)
    {
        for (int i = 0; i < warmup; i++) body();
        var t = new double[runs];
        for (int i = 0; i < runs; i++)
        {
            long start = Stopwatch.GetTimestamp();
            body();
            t[i] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
        }
        Array.Sort(t);
        return runs % 2 == 1 ? t[runs / 2] : 0.5 * (t[runs / 2 - 1] + t[runs / 2]);
    }
}
