namespace MLAugment.Diffusion.Schedulers;

/// <summary>
/// Denoising Diffusion Probabilistic Models (Ho, Jain &amp; Abbeel 2020), matching diffusers' <c>DDPMScheduler</c>.
/// Ancestral sampling from the posterior q(x_{t-1} | x_t, x_0); stochastic for every t &gt; 0, so <see cref="Step"/>
/// needs caller-provided standard normal noise there.
/// </summary>
public sealed class DdpmScheduler : IScheduler
{
    public const string ClassName = "DDPMScheduler";

    private readonly float[] _betas;
    private readonly float[] _alphasCumprod;
    private readonly string _predictionType;
    private readonly string _varianceType;
    private readonly bool _clipSample;
    private readonly float _clipSampleRange;
    private readonly string _timestepSpacing;
    private readonly int _stepsOffset;

    private float[] _timesteps = [];
    private int? _numInferenceSteps;
    private int? _beginIndex;
    private float[] _predOriginal = [];

    public DdpmScheduler(SchedulerConfig? config = null)
    {
        config ??= new SchedulerConfig();
        SchedulerGuard.NoThresholding(config, ClassName);
        NumTrainTimesteps = config.NumTrainTimesteps ?? 1000;
        SchedulerGuard.Positive(NumTrainTimesteps, "num_train_timesteps", ClassName);
        double betaStart = config.BetaStart ?? 0.0001, betaEnd = config.BetaEnd ?? 0.02;
        string betaSchedule = config.BetaSchedule ?? NoiseSchedule.Linear;
        _predictionType = SchedulerGuard.OneOf(config.PredictionType, "epsilon", "prediction_type", ClassName, "epsilon", "sample", "v_prediction");
        // fixed_large_log is rejected: diffusers takes the square root of log(beta) < 0 for it and returns NaN.
        _varianceType = SchedulerGuard.OneOf(config.VarianceType, "fixed_small", "variance_type", ClassName, "fixed_small", "fixed_small_log", "fixed_large");
        _clipSample = config.ClipSample ?? true;
        _clipSampleRange = (float)(config.ClipSampleRange ?? 1.0);
        _timestepSpacing = SchedulerGuard.OneOf(config.TimestepSpacing, "leading", "timestep_spacing", ClassName, "linspace", "leading", "trailing");
        _stepsOffset = config.StepsOffset ?? 0;
        bool rescale = config.RescaleBetasZeroSnr ?? false;

        _betas = NoiseSchedule.Betas(NumTrainTimesteps, betaStart, betaEnd, betaSchedule, config.TrainedBetas, ClassName);
        if (rescale) _betas = NoiseSchedule.RescaleZeroTerminalSnr(_betas);
        _alphasCumprod = NoiseSchedule.CumulativeProduct(NoiseSchedule.OneMinus(_betas));

        Config = config with
        {
            ClassName = ClassName, NumTrainTimesteps = NumTrainTimesteps, BetaStart = betaStart, BetaEnd = betaEnd,
            BetaSchedule = betaSchedule, PredictionType = _predictionType, VarianceType = _varianceType,
            ClipSample = _clipSample, ClipSampleRange = config.ClipSampleRange ?? 1.0, Thresholding = false,
            TimestepSpacing = _timestepSpacing, StepsOffset = _stepsOffset, RescaleBetasZeroSnr = rescale,
        };
    }

    public SchedulerConfig Config { get; }
    public int NumTrainTimesteps { get; }
    public int Order => 1;
    public int? NumInferenceSteps => _numInferenceSteps;
    public IReadOnlyList<float> Timesteps => _timesteps;
    public float InitNoiseSigma => 1f;
    public bool RequiresNoise => true;
    public int? StepIndex => null;
    public int? BeginIndex => _beginIndex;
    public ReadOnlySpan<float> PredOriginalSample => _predOriginal;

    /// <summary>alpha_bar_t for every training timestep (float32, as diffusers stores it).</summary>
    public ReadOnlySpan<float> AlphasCumprod => _alphasCumprod;

    public void SetTimesteps(int numInferenceSteps)
    {
        SchedulerGuard.NumInferenceSteps(numInferenceSteps, NumTrainTimesteps, ClassName);
        _timesteps = NoiseSchedule.SpacedTimesteps(_timestepSpacing, NumTrainTimesteps, numInferenceSteps, _stepsOffset, roundLinspace: true);
        _numInferenceSteps = numInferenceSteps;
        _beginIndex = null;
    }

    /// <summary>Custom strictly descending integer timesteps, each below num_train_timesteps (diffusers' <c>set_timesteps(timesteps=...)</c>).</summary>
    public void SetTimesteps(ReadOnlySpan<int> customTimesteps)
    {
        if (customTimesteps.Length == 0)
            throw new ArgumentException("customTimesteps must not be empty.", nameof(customTimesteps));
        for (int i = 1; i < customTimesteps.Length; i++)
            if (customTimesteps[i] >= customTimesteps[i - 1])
                throw new ArgumentException($"customTimesteps must be in strictly descending order (index {i}: {customTimesteps[i]} after {customTimesteps[i - 1]}).", nameof(customTimesteps));
        if (customTimesteps[0] >= NumTrainTimesteps)
            throw new ArgumentException($"customTimesteps must start before num_train_timesteps = {NumTrainTimesteps}; got {customTimesteps[0]}.", nameof(customTimesteps));
        if (customTimesteps[^1] < 0)
            throw new ArgumentException($"customTimesteps must be non-negative; got {customTimesteps[^1]}.", nameof(customTimesteps));
        var ts = new float[customTimesteps.Length];
        for (int i = 0; i < ts.Length; i++) ts[i] = customTimesteps[i];
        _timesteps = ts;
        _numInferenceSteps = ts.Length;
        _beginIndex = null;
    }

    /// <summary>The timestep that follows <paramref name="timestep"/> in the schedule, or -1 after the last one.</summary>
    public int PreviousTimestep(int timestep)
    {
        if (_numInferenceSteps is null) return timestep - 1;
        int index = Array.IndexOf(_timesteps, (float)timestep);
        if (index < 0)
            throw new ArgumentException($"timestep {timestep} is not one of the scheduler's Timesteps.", nameof(timestep));
        return index == _timesteps.Length - 1 ? -1 : (int)_timesteps[index + 1];
    }

    /// <summary>
    /// Posterior variance at <paramref name="timestep"/> (Ho et al. 2020, eq. 7):
    /// beta~_t = (1 - alpha_bar_{t-1}) / (1 - alpha_bar_t) * beta_t, clamped at 1e-20; fixed_large uses beta_t instead.
    /// Before <see cref="SetTimesteps(int)"/> the previous timestep is t - 1, as in diffusers.
    /// </summary>
    public double GetVariance(int timestep)
    {
        SchedulerGuard.TrainTimestep(timestep, NumTrainTimesteps, nameof(timestep));
        int prevT = PreviousTimestep(timestep);
        float alphaProdT = _alphasCumprod[timestep];
        float alphaProdTPrev = prevT >= 0 ? _alphasCumprod[prevT] : 1f;
        float currentBetaT = 1 - alphaProdT / alphaProdTPrev;
        float variance = MathF.Max((1 - alphaProdTPrev) / (1 - alphaProdT) * currentBetaT, 1e-20f);
        return _varianceType switch
        {
            "fixed_small" => variance,
            "fixed_small_log" => variance, // diffusers returns exp(0.5 log var) = its square root and skips the sqrt in step
            "fixed_large" => currentBetaT,
            _ => throw new InvalidOperationException($"variance_type '{_varianceType}'"),
        };
    }

    public void SetBeginIndex(int beginIndex)
    {
        if (beginIndex < 0 || beginIndex > _timesteps.Length)
            throw new ArgumentOutOfRangeException(nameof(beginIndex), beginIndex, $"Expected 0..{_timesteps.Length} (the number of Timesteps).");
        _beginIndex = beginIndex;
    }

    public void ScaleModelInput(Span<float> sample, float timestep) { }

    public void Step(ReadOnlySpan<float> modelOutput, float timestep, ReadOnlySpan<float> sample, Span<float> prevSample,
        ReadOnlySpan<float> noise = default)
    {
        if (_numInferenceSteps is null)
            throw new InvalidOperationException($"{ClassName}: call SetTimesteps before Step.");
        int n = sample.Length;
        SchedulerGuard.SameLength(n, modelOutput.Length, nameof(modelOutput), nameof(sample));
        SchedulerGuard.SameLength(n, prevSample.Length, nameof(prevSample), nameof(sample));
        SchedulerGuard.NoPartialOverlap(sample, prevSample, nameof(sample), nameof(prevSample));
        SchedulerGuard.NoPartialOverlap(modelOutput, prevSample, nameof(modelOutput), nameof(prevSample));
        int t = SchedulerGuard.TrainTimestep(timestep, NumTrainTimesteps, nameof(timestep));
        int prevT = PreviousTimestep(t);
        if (t > 0)
        {
            if (noise.IsEmpty)
                throw new ArgumentException($"{ClassName}: timestep {t} > 0 adds posterior noise; pass standard normal values in noise.", nameof(noise));
            SchedulerGuard.SameLength(n, noise.Length, nameof(noise), nameof(sample));
        }

        // float32 throughout, in torch's operation order: the 1 - alpha_bar differences cancel badly near t = 0 and
        // diffusers' published results carry that float32 rounding.
        float alphaProdT = _alphasCumprod[t];
        float alphaProdTPrev = prevT >= 0 ? _alphasCumprod[prevT] : 1f;
        float betaProdT = 1 - alphaProdT;
        float betaProdTPrev = 1 - alphaProdTPrev;
        float currentAlphaT = alphaProdT / alphaProdTPrev;
        float currentBetaT = 1 - currentAlphaT;
        float sqrtAlphaProdT = MathF.Sqrt(alphaProdT), sqrtBetaProdT = MathF.Sqrt(betaProdT);

        // Posterior mean mu~_t(x_t, x_0) (Ho et al. 2020, eq. 7):
        // mu~ = sqrt(alpha_bar_{t-1}) beta_t / (1 - alpha_bar_t) * x_0 + sqrt(alpha_t) (1 - alpha_bar_{t-1}) / (1 - alpha_bar_t) * x_t.
        float x0Coeff = MathF.Sqrt(alphaProdTPrev) * currentBetaT / betaProdT;
        float sampleCoeff = MathF.Sqrt(currentAlphaT) * betaProdTPrev / betaProdT;
        float std = t > 0 ? MathF.Sqrt((float)GetVariance(t)) : 0f;

        if (_predOriginal.Length != n) _predOriginal = new float[n];
        PredictionKind kind = PredictionKinds.Parse(_predictionType);
        float lo = -_clipSampleRange, hi = _clipSampleRange;
        for (int i = 0; i < n; i++)
        {
            float x = sample[i], m = modelOutput[i];
            // x_0 from the model output (eq. 15 for epsilon; v-parameterisation of Salimans & Ho 2022).
            float x0 = kind switch
            {
                PredictionKind.Epsilon => (x - sqrtBetaProdT * m) / sqrtAlphaProdT,
                PredictionKind.Sample => m,
                _ => sqrtAlphaProdT * x - sqrtBetaProdT * m,
            };
            if (_clipSample) x0 = Math.Clamp(x0, lo, hi);
            _predOriginal[i] = x0;
            float prev = x0Coeff * x0 + sampleCoeff * x;
            if (t > 0) prev += std * noise[i];
            prevSample[i] = prev;
        }
    }

    /// <summary>Forward process q(x_t | x_0) = N(sqrt(alpha_bar_t) x_0, (1 - alpha_bar_t) I) (Ho et al. 2020, eq. 4).</summary>
    public void AddNoise(ReadOnlySpan<float> original, ReadOnlySpan<float> noise, float timestep, Span<float> destination) =>
        ForwardDiffusion.AddNoise(_alphasCumprod, original, noise, timestep, destination);

    public void GetVelocity(ReadOnlySpan<float> sample, ReadOnlySpan<float> noise, float timestep, Span<float> destination) =>
        ForwardDiffusion.GetVelocity(_alphasCumprod, sample, noise, timestep, destination);
}
