namespace MLAugment.Diffusion.Schedulers;

/// <summary>
/// DDIM inversion (Song et al. 2021, sec. 4.3; Mokady et al. 2022 "Null-text Inversion"), matching diffusers'
/// <c>DDIMInverseScheduler</c>: runs the deterministic DDIM ODE forwards, x_t -> x_{t+1}, to recover the noise
/// latent of a given image. Timesteps are ascending.
/// </summary>
public sealed class DdimInverseScheduler : IScheduler
{
    public const string ClassName = "DDIMInverseScheduler";

    private readonly float[] _alphasCumprod;
    private readonly float _initialAlphaCumprod;
    private readonly string _predictionType;
    private readonly bool _clipSample;
    private readonly float _clipSampleRange;
    private readonly string _timestepSpacing;
    private readonly int _stepsOffset;

    private float[] _timesteps = [];
    private int? _numInferenceSteps;
    private int? _beginIndex;
    private float[] _predOriginal = [];

    public DdimInverseScheduler(SchedulerConfig? config = null)
    {
        config ??= new SchedulerConfig();
        SchedulerGuard.NoThresholding(config, ClassName);
        NumTrainTimesteps = config.NumTrainTimesteps ?? 1000;
        SchedulerGuard.Positive(NumTrainTimesteps, "num_train_timesteps", ClassName);
        double betaStart = config.BetaStart ?? 0.0001, betaEnd = config.BetaEnd ?? 0.02;
        string betaSchedule = config.BetaSchedule ?? NoiseSchedule.Linear;
        _predictionType = SchedulerGuard.OneOf(config.PredictionType, "epsilon", "prediction_type", ClassName, "epsilon", "sample", "v_prediction");
        _clipSample = config.ClipSample ?? true;
        _clipSampleRange = (float)(config.ClipSampleRange ?? 1.0);
        bool setAlphaToOne = config.SetAlphaToOne ?? true;
        _timestepSpacing = SchedulerGuard.OneOf(config.TimestepSpacing, "leading", "timestep_spacing", ClassName, "leading", "trailing");
        _stepsOffset = config.StepsOffset ?? 0;
        bool rescale = config.RescaleBetasZeroSnr ?? false;

        float[] betas = NoiseSchedule.Betas(NumTrainTimesteps, betaStart, betaEnd, betaSchedule, config.TrainedBetas, ClassName);
        if (rescale) betas = NoiseSchedule.RescaleZeroTerminalSnr(betas);
        _alphasCumprod = NoiseSchedule.CumulativeProduct(NoiseSchedule.OneMinus(betas));
        // alpha_bar "before" the first step: 1 (clean) or alpha_bar_0.
        _initialAlphaCumprod = setAlphaToOne ? 1f : _alphasCumprod[0];

        Config = config with
        {
            ClassName = ClassName, NumTrainTimesteps = NumTrainTimesteps, BetaStart = betaStart, BetaEnd = betaEnd,
            BetaSchedule = betaSchedule, PredictionType = _predictionType, ClipSample = _clipSample,
            ClipSampleRange = config.ClipSampleRange ?? 1.0, SetAlphaToOne = setAlphaToOne,
            TimestepSpacing = _timestepSpacing, StepsOffset = _stepsOffset, RescaleBetasZeroSnr = rescale,
        };
    }

    public SchedulerConfig Config { get; }
    public int NumTrainTimesteps { get; }
    public int Order => 1;
    public int? NumInferenceSteps => _numInferenceSteps;
    public IReadOnlyList<float> Timesteps => _timesteps;
    public float InitNoiseSigma => 1f;
    public bool RequiresNoise => false;
    public int? StepIndex => null;
    public int? BeginIndex => _beginIndex;
    public ReadOnlySpan<float> PredOriginalSample => _predOriginal;

    public void SetTimesteps(int numInferenceSteps)
    {
        SchedulerGuard.NumInferenceSteps(numInferenceSteps, NumTrainTimesteps, ClassName);
        float[] descending = NoiseSchedule.SpacedTimesteps(_timestepSpacing, NumTrainTimesteps, numInferenceSteps, _stepsOffset, roundLinspace: true);
        Array.Reverse(descending);
        _timesteps = descending;
        _numInferenceSteps = numInferenceSteps;
        _beginIndex = null;
    }

    public void SetBeginIndex(int beginIndex)
    {
        if (beginIndex < 0 || beginIndex > _timesteps.Length)
            throw new ArgumentOutOfRangeException(nameof(beginIndex), beginIndex, $"Expected 0..{_timesteps.Length} (the number of Timesteps).");
        _beginIndex = beginIndex;
    }

    public void ScaleModelInput(Span<float> sample, float timestep) { }

    /// <summary>One inversion step from the previous (less noisy) level to <paramref name="timestep"/>.</summary>
    public void Step(ReadOnlySpan<float> modelOutput, float timestep, ReadOnlySpan<float> sample, Span<float> prevSample,
        ReadOnlySpan<float> noise = default)
    {
        if (_numInferenceSteps is not int steps)
            throw new InvalidOperationException($"{ClassName}: call SetTimesteps before Step.");
        int n = sample.Length;
        SchedulerGuard.SameLength(n, modelOutput.Length, nameof(modelOutput), nameof(sample));
        SchedulerGuard.SameLength(n, prevSample.Length, nameof(prevSample), nameof(sample));
        SchedulerGuard.NoPartialOverlap(sample, prevSample, nameof(sample), nameof(prevSample));
        SchedulerGuard.NoPartialOverlap(modelOutput, prevSample, nameof(modelOutput), nameof(prevSample));
        int target = SchedulerGuard.TrainTimestep(timestep, NumTrainTimesteps, nameof(timestep));

        // The level the sample is at now is one stride below the target (diffusers names the roles the other way round).
        int current = Math.Min(target - NumTrainTimesteps / steps, NumTrainTimesteps - 1);
        float alphaProdT = current >= 0 ? _alphasCumprod[current] : _initialAlphaCumprod;
        float alphaProdTNext = _alphasCumprod[target];
        float betaProdT = 1 - alphaProdT;
        float sqrtAlphaProdT = MathF.Sqrt(alphaProdT), sqrtBetaProdT = MathF.Sqrt(betaProdT);
        float sqrtAlphaNext = MathF.Sqrt(alphaProdTNext), sqrtOneMinusNext = MathF.Sqrt(1 - alphaProdTNext);

        if (_predOriginal.Length != n) _predOriginal = new float[n];
        PredictionKind kind = PredictionKinds.Parse(_predictionType);
        float lo = -_clipSampleRange, hi = _clipSampleRange;
        for (int i = 0; i < n; i++)
        {
            float x = sample[i], m = modelOutput[i];
            float x0, eps;
            switch (kind)
            {
                case PredictionKind.Epsilon: x0 = (x - sqrtBetaProdT * m) / sqrtAlphaProdT; eps = m; break;
                case PredictionKind.Sample: x0 = m; eps = (x - sqrtAlphaProdT * m) / sqrtBetaProdT; break;
                default: x0 = sqrtAlphaProdT * x - sqrtBetaProdT * m; eps = sqrtAlphaProdT * m + sqrtBetaProdT * x; break;
            }
            if (_clipSample) x0 = Math.Clamp(x0, lo, hi);
            _predOriginal[i] = x0;
            // DDIM eq. 12 with eta = 0, run towards higher noise: x_{t+1} = sqrt(alpha_bar_{t+1}) x0_pred + sqrt(1 - alpha_bar_{t+1}) eps.
            prevSample[i] = sqrtAlphaNext * x0 + sqrtOneMinusNext * eps;
        }
    }

    public void AddNoise(ReadOnlySpan<float> original, ReadOnlySpan<float> noise, float timestep, Span<float> destination) =>
        ForwardDiffusion.AddNoise(_alphasCumprod, original, noise, timestep, destination);

    public void GetVelocity(ReadOnlySpan<float> sample, ReadOnlySpan<float> noise, float timestep, Span<float> destination) =>
        ForwardDiffusion.GetVelocity(_alphasCumprod, sample, noise, timestep, destination);
}
