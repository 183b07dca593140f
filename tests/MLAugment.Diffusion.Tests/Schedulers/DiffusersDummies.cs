namespace MLAugment.Diffusion.Tests.Schedulers;

/// <summary>
/// The deterministic fixtures of diffusers' tests/schedulers/test_schedulers.py (SchedulerCommonTest), laid out
/// contiguously in logical (batch, channel, height, width) = (4, 3, 8, 8) order, the order torch.randn fills.
/// </summary>
internal static class DiffusersDummies
{
    public const int Batch = 4, Channels = 3, Height = 8, Width = 8;
    public const int Count = Batch * Channels * Height * Width;

    /// <summary>
    /// dummy_sample_deter: arange(768).reshape(3, 8, 8, 4) / 768, permuted to (4, 3, 8, 8); so element [b, c, h, w]
    /// is (((c * 8 + h) * 8 + w) * 4 + b) / 768.
    /// </summary>
    public static float[] SampleDeter() => Build(k => k / (float)Count);

    /// <summary>dummy_noise_deter: the same construction on arange(768) flipped, i.e. (767 - k) / 768.</summary>
    public static float[] NoiseDeter() => Build(k => (Count - 1 - k) / (float)Count);

    private static float[] Build(Func<int, float> value)
    {
        var x = new float[Count];
        for (int b = 0; b < Batch; b++)
        for (int c = 0; c < Channels; c++)
        for (int h = 0; h < Height; h++)
        for (int w = 0; w < Width; w++)
        {
            int k = ((c * Height + h) * Width + w) * Batch + b;
            x[((b * Channels + c) * Height + h) * Width + w] = value(k);
        }
        return x;
    }

    /// <summary>dummy_model: sample * t / (t + 1), in float32 like the torch original.</summary>
    public static float[] Model(ReadOnlySpan<float> sample, float t)
    {
        var r = new float[sample.Length];
        for (int i = 0; i < r.Length; i++) r[i] = sample[i] * t / (t + 1f);
        return r;
    }

    public static double SumAbs(ReadOnlySpan<float> x)
    {
        double s = 0;
        foreach (float v in x) s += Math.Abs(v);
        return s;
    }

    public static double MeanAbs(ReadOnlySpan<float> x) => SumAbs(x) / x.Length;

    /// <summary>diffusers' assertion form: abs(result - expected) &lt; tolerance.</summary>
    public static void Near(double expected, double actual, double tolerance, string what)
    {
        Assert.IsTrue(Math.Abs(actual - expected) < tolerance,
            $"{what}: expected {expected} within {tolerance}, got {actual}.");
    }
}
