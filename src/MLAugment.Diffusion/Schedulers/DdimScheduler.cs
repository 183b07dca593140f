namespace MLAugment.Diffusion.Schedulers;

/// <summary>
/// Denoising Diffusion Implicit Models (Song, Meng &amp; Ermon 2021), matching diffusers' <c>DDIMScheduler</c>.
/// Deterministic for <see cref="Eta"/> = 0; for eta &gt; 0 <see cref="Step"/> needs caller-provided standard normal noise.
/// </summary>
public sealed class DdimScheduler : IScheduler
{
    public const string ClassName = "DDIMScheduler";

    private readonly float[] _alphasCumprod;
    private readonly float _finalAlphaCumprod;
    private readonly string _predictionType;
    private readonly bool _clipSample;
    private readonly float _clipSampleRange;
    private readonly string _timestepSpacing;
    private readonly int _stepsOffset;

    private float[] _timesteps = [];
    private int? _numInferenceSteps;
    private int? _beginIndex;
    private float[] _predOriginal = [];
    private double _eta;

    public DdimScheduler(SchedulerConfig? config = null)
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
        _timestepSpacing = SchedulerGuard.OneOf(config.TimestepSpacing, "leading", "timestep_spacing", ClassName, "linspace", "leading", "trailing");
        _stepsOffset = config.StepsOffset ?? 0;
        bool rescale = config.RescaleBetasZeroSnr ?? false;

        float[] betas = NoiseSchedule.Betas(NumTrainTimesteps, betaStart, betaEnd, betaSchedule, config.TrainedBetas, ClassName);
        if (rescale) betas = NoiseSchedule.RescaleZeroTerminalSnr(betas);
        _alphasCumprod = NoiseSchedule.CumulativeProduct(NoiseSchedule.OneMinus(betas));
        // The "previous" alpha_bar of the last step: 1 (a clean sample) or alpha_bar_0 (SD 1.x uses false).
        _finalAlphaCumprod = setAlphaToOne ? 1f : _alphasCumprod[0];

        Config = config with
        {
            ClassName = ClassName, NumTrainTimesteps = NumTrainTimesteps, BetaStart = betaStart, BetaEnd = betaEnd,
            BetaSchedule = betaSchedule, PredictionType = _predictionType, ClipSample = _clipSample,
            ClipSampleRange = config.ClipSampleRange ?? 1.0, SetAlphaToOne = setAlphaToOne, Thresholding = false,
            TimestepSpacing = _timestepSpacing, StepsOffset = _stepsOffset, RescaleBetasZeroSnr = rescale,
        };
    }

    public SchedulerConfig Config { get; }
    public int NumTrainTimesteps { get; }
    public int Order => 1;
    public int? NumInferenceSteps => _numInferenceSteps;
    public IReadOnlyList<float> Timesteps => _timesteps;
    public float InitNoiseSigma => 1f;
    public bool RequiresNoise => _eta > 0;
    public int? StepIndex => null;
    public int? BeginIndex => _beginIndex;
    public ReadOnlySpan<float> PredOriginalSample => _predOriginal;
    public ReadOnlySpan<float> AlphasCumprod => _alphasCumprod;

    /// <summary>
    /// eta of Song et al. eq. 16: 0 gives deterministic DDIM, 1 gives the DDPM posterior variance.
    /// A step argument in diffusers; a property here so a sampler can set it once.
    /// </summary>
    public double Eta
    {
        get => _eta;
        set
        {
            if (!double.IsFinite(value) || value < 0)
                throw new ArgumentOutOfRangeException(nameof(Eta), value, "eta must be a finite value >= 0.");
            _eta = value;
        }
    }

    /// <summary>Recompute epsilon from the clipped x_0 before forming the direction term (diffusers' use_clipped_model_output).</summary>
    public bool UseClippedModelOutput { get; set; }

    public void SetTimesteps(int numInferenceSteps)
    {
        SchedulerGuard.NumInferenceSteps(numInferenceSteps, NumTrainTimesteps, ClassName);
        _timesteps = NoiseSchedule.SpacedTimesteps(_timestepSpacing, NumTrainTimesteps, numInferenceSteps, _stepsOffset, roundLinspace: true);
        _numInferenceSteps = numInferenceSteps;
        _beginIndex = null;
    }

    public void SetBeginIndex(int beginIndex)
    {
        if (beginIndex < 0 || beginIndex > _timesteps.Length)
            throw new ArgumentOutOfRangeException(nameof(beginIndex), beginIndex, $"Expected 0..{_timesteps.Length} (the number of Timesteps).");
        _beginIndex = beginIndex;
    }

    /// <summary>
    /// sigma_t^2 / eta^2 of Song et al. eq. 16:
    /// (1 - alpha_bar_{t-1}) / (1 - alpha_bar_t) * (1 - alpha_bar_t / alpha_bar_{t-1}).
    /// </summary>
    public double GetVariance(int timestep, int prevTimestep)
    {
        SchedulerGuard.TrainTimestep(timestep, NumTrainTimesteps, nameof(timestep));
        if (prevTimestep >= NumTrainTimesteps)
            throw new ArgumentOutOfRangeException(nameof(prevTimestep), prevTimestep, $"Expected < {NumTrainTimesteps}.");
        float alphaProdT = _alphasCumprod[timestep];
        float alphaProdTPrev = prevTimestep >= 0 ? _alphasCumprod[prevTimestep] : _finalAlphaCumprod;
        float betaProdT = 1 - alphaProdT, betaProdTPrev = 1 - alphaProdTPrev;
        return betaProdTPrev / betaProdT * (1 - alphaProdT / alphaProdTPrev);
    }

    public void ScaleModelInput(Span<float> sample, float timestep) { }

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
        int t = SchedulerGuard.TrainTimestep(timestep, NumTrainTimesteps, nameof(timestep));
        if (_eta > 0)
        {
            if (noise.IsEmpty)
                throw new ArgumentException($"{ClassName}: eta = {_eta} > 0 adds noise; pass standard normal values in noise.", nameof(noise));
            SchedulerGuard.SameLength(n, noise.Length, nameof(noise), nameof(sample));
        }

        // 1. previous step (= t - 1 in the paper's notation): diffusers always steps by num_train // steps.
        int prevT = t - NumTrainTimesteps / steps;
        // float32 in torch's operation order, like diffusers.
        float alphaProdT = _alphasCumprod[t];
        float alphaProdTPrev = prevT >= 0 ? _alphasCumprod[prevT] : _finalAlphaCumprod;
        float betaProdT = 1 - alphaProdT;
        float sqrtAlphaProdT = MathF.Sqrt(alphaProdT), sqrtBetaProdT = MathF.Sqrt(betaProdT);

        // sigma_t(eta) of eq. 16.
        float stdDevT = (float)_eta * MathF.Sqrt((float)GetVariance(t, prevT));
        float directionCoeff = MathF.Sqrt(1 - alphaProdTPrev - stdDevT * stdDevT);
        float sqrtAlphaProdTPrev = MathF.Sqrt(alphaProdTPrev);

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
            if (UseClippedModelOutput) eps = (x - sqrtAlphaProdT * x0) / sqrtBetaProdT;
            // Song et al. 2021, eq. 12:
            // x_{t-1} = sqrt(alpha_bar_{t-1}) x0_pred + sqrt(1 - alpha_bar_{t-1} - sigma_t^2) eps + sigma_t z.
            float prev = sqrtAlphaProdTPrev * x0 + directionCoeff * eps;
            if (_eta > 0) prev += stdDevT * noise[i];
            prevSample[i] = prev;
        }
    }

    public void AddNoise(ReadOnlySpan<float> original, ReadOnlySpan<float> noise, float timestep, Span<float> destination) =>
        ForwardDiffusion.AddNoise(_alphasCumprod, original, noise, timestep, destination);

    public void GetVelocity(ReadOnlySpan<float> sample, ReadOnlySpan<float> noise, float timestep, Span<float> destination) =>
        ForwardDiffusion.GetVelocity(_alphasCumprod, sample, noise, timestep, destination);
}
