namespace MLAugment.Diffusion.Schedulers;

/// <summary>Creates schedulers from diffusers configs by class name (diffusers' <c>SchedulerMixin.from_config</c>).</summary>
public static class SchedulerFactory
{
    /// <summary>The diffusers class names this library implements.</summary>
    public static IReadOnlyList<string> SupportedClassNames { get; } =
    [
        DdpmScheduler.ClassName, DdimScheduler.ClassName, DdimInverseScheduler.ClassName,
        EulerDiscreteScheduler.ClassName, EulerAncestralDiscreteScheduler.ClassName, DpmSolverMultistepScheduler.ClassName,
    ];

    /// <summary>The scheduler named by the config's <c>_class_name</c>.</summary>
    public static IScheduler FromConfig(SchedulerConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        if (string.IsNullOrEmpty(config.ClassName))
            throw new ArgumentException("The scheduler config has no _class_name; use Create(className, config) to choose the scheduler.", nameof(config));
        return Create(config.ClassName, config);
    }

    /// <summary>
    /// The scheduler <paramref name="className"/> configured from <paramref name="config"/>, whatever class the config was
    /// written for (e.g. an SD 1.5 PNDMScheduler config used for EulerDiscreteScheduler); fields the config leaves out
    /// take the new class's defaults.
    /// </summary>
    public static IScheduler Create(string className, SchedulerConfig? config = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(className);
        config ??= new SchedulerConfig();
        return className switch
        {
            DdpmScheduler.ClassName => new DdpmScheduler(config),
            DdimScheduler.ClassName => new DdimScheduler(config),
            DdimInverseScheduler.ClassName => new DdimInverseScheduler(config),
            EulerDiscreteScheduler.ClassName => new EulerDiscreteScheduler(config),
            EulerAncestralDiscreteScheduler.ClassName => new EulerAncestralDiscreteScheduler(config),
            DpmSolverMultistepScheduler.ClassName => new DpmSolverMultistepScheduler(config),
            _ => throw new NotSupportedException(
                $"Scheduler class '{className}' is not supported; expected one of {string.Join(", ", SupportedClassNames)}."),
        };
    }
}

public static class SchedulerExtensions
{
    /// <summary>
    /// img2img / inpainting start: keeps the last <c>int(steps * strength)</c> timesteps of the schedule set by
    /// <see cref="IScheduler.SetTimesteps"/> and sets the begin index there, exactly as diffusers' img2img pipelines'
    /// <c>get_timesteps</c>: init_timestep = min(int(steps * strength), steps), t_start = max(steps - init_timestep, 0).
    /// Noise the init latents with <see cref="IScheduler.AddNoise"/> at the first returned timestep, then loop over them.
    /// </summary>
    public static float[] GetImg2ImgTimesteps(this IScheduler scheduler, double strength)
    {
        ArgumentNullException.ThrowIfNull(scheduler);
        if (!(strength >= 0 && strength <= 1))
            throw new ArgumentOutOfRangeException(nameof(strength), strength, "strength must be in [0, 1].");
        if (scheduler.NumInferenceSteps is not int steps)
            throw new InvalidOperationException("Call SetTimesteps before GetImg2ImgTimesteps.");
        int initTimestep = Math.Min((int)(steps * strength), steps);
        int tStart = Math.Max(steps - initTimestep, 0);
        int begin = Math.Min(tStart * scheduler.Order, scheduler.Timesteps.Count);
        var result = new float[scheduler.Timesteps.Count - begin];
        for (int i = 0; i < result.Length; i++) result[i] = scheduler.Timesteps[begin + i];
        scheduler.SetBeginIndex(begin);
        return result;
    }
}
