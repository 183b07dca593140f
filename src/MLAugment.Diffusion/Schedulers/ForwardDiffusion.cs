namespace MLAugment.Diffusion.Schedulers;

/// <summary>The forward (noising) process and the v-prediction target, shared by the alpha_bar-indexed schedulers.</summary>
internal static class ForwardDiffusion
{
    /// <summary>x_t = sqrt(alpha_bar_t) x_0 + sqrt(1 - alpha_bar_t) eps (Ho et al. 2020, eq. 4).</summary>
    public static void AddNoise(float[] alphasCumprod, ReadOnlySpan<float> original, ReadOnlySpan<float> noise,
        float timestep, Span<float> destination)
    {
        Check(original, noise, destination, nameof(original));
        int t = SchedulerGuard.TrainTimestep(timestep, alphasCumprod.Length, nameof(timestep));
        float a = alphasCumprod[t];
        float sqrtAlpha = MathF.Sqrt(a), sqrtOneMinus = MathF.Sqrt(1f - a);
        for (int i = 0; i < destination.Length; i++)
            destination[i] = sqrtAlpha * original[i] + sqrtOneMinus * noise[i];
    }

    /// <summary>v = sqrt(alpha_bar_t) eps - sqrt(1 - alpha_bar_t) x_0 (Salimans &amp; Ho 2022, "Progressive Distillation", sec. 4).</summary>
    public static void GetVelocity(float[] alphasCumprod, ReadOnlySpan<float> sample, ReadOnlySpan<float> noise,
        float timestep, Span<float> destination)
    {
        Check(sample, noise, destination, nameof(sample));
        int t = SchedulerGuard.TrainTimestep(timestep, alphasCumprod.Length, nameof(timestep));
        float a = alphasCumprod[t];
        float sqrtAlpha = MathF.Sqrt(a), sqrtOneMinus = MathF.Sqrt(1f - a);
        for (int i = 0; i < destination.Length; i++)
            destination[i] = sqrtAlpha * noise[i] - sqrtOneMinus * sample[i];
    }

    public static void Check(ReadOnlySpan<float> x, ReadOnlySpan<float> noise, Span<float> destination, string xName)
    {
        SchedulerGuard.SameLength(x.Length, noise.Length, nameof(noise), xName);
        SchedulerGuard.SameLength(x.Length, destination.Length, nameof(destination), xName);
        SchedulerGuard.NoPartialOverlap(x, destination, xName, nameof(destination));
        SchedulerGuard.NoPartialOverlap(noise, destination, nameof(noise), nameof(destination));
    }
}
