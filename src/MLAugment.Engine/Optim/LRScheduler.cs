namespace MLAugment.Engine.Optim;

/// <summary>
/// Scales each param group's initial learning rate by a factor of the step count (PyTorch's LambdaLR model):
/// construction applies factor(0); each <see cref="Step"/> advances by one. Call it after optimizer.Step().
/// To resume, set <see cref="LastStep"/> to the saved value; the learning rates follow.
/// </summary>
public abstract class LRScheduler
{
    public Optimizer Optimizer { get; }
    private int _lastStep;

    protected LRScheduler(Optimizer optimizer)
    {
        Optimizer = optimizer;
    }

    /// <summary>Must be called by derived constructors once their fields are set.</summary>
    protected void Apply() => LastStep = _lastStep;

    /// <summary>The multiplier of the initial learning rate at <paramref name="step"/>.</summary>
    public abstract double Factor(int step);

    /// <summary>Steps taken so far; setting it rewrites the learning rates (used when resuming).</summary>
    public int LastStep
    {
        get => _lastStep;
        set
        {
            if (value < 0) throw new ArgumentOutOfRangeException(nameof(value), value, $"{GetType().Name}: step must be >= 0.");
            _lastStep = value;
            double f = Factor(value);
            foreach (var g in Optimizer.ParamGroups) g.Lr = g.InitialLr * f;
        }
    }

    public void Step() => LastStep = _lastStep + 1;

    /// <summary>The current learning rate of each param group.</summary>
    public IReadOnlyList<double> LearningRates => Optimizer.ParamGroups.Select(g => g.Lr).ToList();
}

/// <summary>
/// Linear warmup from 0, then a cosine decay to 0 over the remaining steps (diffusers'
/// get_cosine_schedule_with_warmup; SGDR, Loshchilov &amp; Hutter 2017): during warmup step/warmup, then
/// max(0, ½(1 + cos(π · 2 · cycles · progress))), progress = (step − warmup)/(total − warmup).
/// </summary>
public sealed class CosineWithWarmupScheduler : LRScheduler
{
    public int WarmupSteps { get; }
    public int TotalSteps { get; }
    public double Cycles { get; }

    public CosineWithWarmupScheduler(Optimizer optimizer, int warmupSteps, int totalSteps, double cycles = 0.5) : base(optimizer)
    {
        if (warmupSteps < 0 || totalSteps < 0)
            throw new ArgumentOutOfRangeException(nameof(warmupSteps), $"CosineWithWarmupScheduler: warmup ({warmupSteps}) and total ({totalSteps}) steps must be >= 0.");
        WarmupSteps = warmupSteps; TotalSteps = totalSteps; Cycles = cycles;
        Apply();
    }

    public override double Factor(int step)
    {
        if (step < WarmupSteps) return (double)step / Math.Max(1, WarmupSteps);
        double progress = (double)(step - WarmupSteps) / Math.Max(1, TotalSteps - WarmupSteps);
        return Math.Max(0.0, 0.5 * (1.0 + Math.Cos(Math.PI * Cycles * 2.0 * progress)));
    }
}

/// <summary>Linear warmup from 0, then constant (diffusers' get_constant_schedule_with_warmup).</summary>
public sealed class ConstantWithWarmupScheduler : LRScheduler
{
    public int WarmupSteps { get; }

    public ConstantWithWarmupScheduler(Optimizer optimizer, int warmupSteps) : base(optimizer)
    {
        if (warmupSteps < 0) throw new ArgumentOutOfRangeException(nameof(warmupSteps), warmupSteps, "ConstantWithWarmupScheduler: warmup steps must be >= 0.");
        WarmupSteps = warmupSteps;
        Apply();
    }

    public override double Factor(int step) => step < WarmupSteps ? (double)step / Math.Max(1, WarmupSteps) : 1.0;
}

/// <summary>Linear warmup from 0, then linear decay to 0 at <see cref="TotalSteps"/> (diffusers' get_linear_schedule_with_warmup).</summary>
public sealed class LinearWithWarmupScheduler : LRScheduler
{
    public int WarmupSteps { get; }
    public int TotalSteps { get; }

    public LinearWithWarmupScheduler(Optimizer optimizer, int warmupSteps, int totalSteps) : base(optimizer)
    {
        if (warmupSteps < 0 || totalSteps < 0)
            throw new ArgumentOutOfRangeException(nameof(warmupSteps), $"LinearWithWarmupScheduler: warmup ({warmupSteps}) and total ({totalSteps}) steps must be >= 0.");
        WarmupSteps = warmupSteps; TotalSteps = totalSteps;
        Apply();
    }

    public override double Factor(int step)
    {
        if (step < WarmupSteps) return (double)step / Math.Max(1, WarmupSteps);
        return Math.Max(0.0, (double)(TotalSteps - step) / Math.Max(1, TotalSteps - WarmupSteps));
    }
}

/// <summary>Multiplies the learning rate by <see cref="Gamma"/> every <see cref="StepSize"/> steps (torch's StepLR).</summary>
public sealed class StepDecayScheduler : LRScheduler
{
    public int StepSize { get; }
    public double Gamma { get; }

    public StepDecayScheduler(Optimizer optimizer, int stepSize, double gamma = 0.1) : base(optimizer)
    {
        if (stepSize <= 0) throw new ArgumentOutOfRangeException(nameof(stepSize), stepSize, "StepDecayScheduler: step size must be positive.");
        StepSize = stepSize; Gamma = gamma;
        Apply();
    }

    public override double Factor(int step) => Math.Pow(Gamma, step / StepSize);
}
