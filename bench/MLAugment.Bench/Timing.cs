using System.Diagnostics;

namespace MLAugment.Bench;

public static class Timing
{
    /// <summary>Runs <paramref name="body"/> warm-up times, then returns the median of <paramref name="runs"/> timings in ms.</summary>
    public static double MedianMs(Action body, int warmup = 3, int runs = 7) => Measure(body, warmup, runs).MedianMs;

    /// <summary>Median and minimum of <paramref name="runs"/> timings (ms) after warm-up; min is the low-noise figure
    /// on a shared machine, median is what the results files report.</summary>
    public static (double MedianMs, double MinMs) Measure(Action body, int warmup = 3, int runs = 7)
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
        return (runs % 2 == 1 ? t[runs / 2] : 0.5 * (t[runs / 2 - 1] + t[runs / 2]), t[0]);
    }

    /// <summary>Tuning aid for a loaded machine: minimum process CPU time (ms) per run. With one thread this is close
    /// to the uncontended wall time, because time spent descheduled is not counted.</summary>
    public static double MinCpuMs(Action body, int warmup = 3, int runs = 7)
    {
        for (int i = 0; i < warmup; i++) body();
        var proc = System.Diagnostics.Process.GetCurrentProcess();
        double best = double.MaxValue;
        for (int i = 0; i < runs; i++)
        {
            proc.Refresh();
            var t0 = proc.TotalProcessorTime;
            body();
            proc.Refresh();
            best = Math.Min(best, (proc.TotalProcessorTime - t0).TotalMilliseconds);
        }
        return best;
    }
}
