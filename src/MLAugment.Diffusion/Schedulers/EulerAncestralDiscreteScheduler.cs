namespace MLAugment.Diffusion.Schedulers;

/// <summary>
/// Ancestral Euler sampler (k-diffusion's <c>sample_euler_ancestral</c>, after Song et al. 2021 ancestral sampling),
/// matching diffusers' <c>EulerAncestralDiscreteScheduler</c>. Each step goes down to sigma_down with an Euler step
/// and adds fresh noise of size sigma_up, so <see cref="Step"/> needs standard normal noise whenever sigma_up &gt; 0.
/// </summary>
public sealed class EulerAncestralDiscreteScheduler : IScheduler
{
    public const string ClassName = "EulerAncestralDiscreteScheduler";

    private readonly float[] _alphasCumprod;
    private readonly float[] _trainSigmas;
    private readonly string _predictionType;
    private readonly string _timestepSpacing;
    private readonly int _stepsOffset;

    private float[] _timesteps = [];
    private float[] _sigmas;
    private int? _numInferenceSteps;
    private int? _stepIndex;
    private int? _beginIndex;
    private float[] _predOriginal = [];

    public EulerAncestralDiscreteScheduler(SchedulerConfig? config = null)
    {
        config ??= new SchedulerConfig();
        SchedulerGuard.NoThresholding(config, ClassName);
        NumTrainTimesteps = config.NumTrainTimesteps ?? 1000;
        SchedulerGuard.Positive(NumTrainTimesteps, "num_train_timesteps", ClassName);
        double betaStart = config.BetaStart ?? 0.0001, betaEnd = config.BetaEnd ?? 0.02;
        string betaSchedule = config.BetaSchedule ?? NoiseSchedule.Linear;
        // diffusers raises NotImplementedError for "sample".
        _predictionType = SchedulerGuard.OneOf(config.PredictionType, "epsilon", "prediction_type", ClassName, "epsilon", "v_prediction");
        _timestepSpacing = SchedulerGuard.OneOf(config.TimestepSpacing, "linspace", "timestep_spacing", ClassName, "linspace", "leading", "trailing");
        _stepsOffset = config.StepsOffset ?? 0;
        bool rescale = config.RescaleBetasZeroSnr ?? false;

        float[] betas = NoiseSchedule.Betas(NumTrainTimesteps, betaStart, betaEnd, betaSchedule, config.TrainedBetas, ClassName);
        if (rescale) betas = NoiseSchedule.RescaleZeroTerminalSnr(betas);
        _alphasCumprod = NoiseSchedule.CumulativeProduct(NoiseSchedule.OneMinus(betas));
        if (rescale) _alphasCumprod[^1] = MathF.Pow(2, -24);

        _trainSigmas = new float[NumTrainTimesteps];
        for (int t = 0; t < NumTrainTimesteps; t++)
            _trainSigmas[t] = MathF.Sqrt((1f - _alphasCumprod[t]) / _alphasCumprod[t]);
        _sigmas = new float[NumTrainTimesteps + 1];
        for (int i = 0; i < NumTrainTimesteps; i++) _sigmas[i] = _trainSigmas[NumTrainTimesteps - 1 - i];

        Config = config with
        {
            ClassName = ClassName, NumTrainTimesteps = NumTrainTimesteps, BetaStart = betaStart, BetaEnd = betaEnd,
            BetaSchedule = betaSchedule, PredictionType = _predictionType, TimestepSpacing = _timestepSpacing,
            StepsOffset = _stepsOffset, RescaleBetasZeroSnr = rescale,
        };
    }

    public SchedulerConfig Config { get; }
    public int NumTrainTimesteps { get; }
    public int Order => 1;
    public int? NumInferenceSteps => _numInferenceSteps;
    public IReadOnlyList<float> Timesteps => _timesteps;
    public IReadOnlyList<float> Sigmas => _sigmas;
    public bool RequiresNoise => true;
    public int? StepIndex => _stepIndex;
    public int? BeginIndex => _beginIndex;
    public ReadOnlySpan<float> PredOriginalSample => _predOriginal;

    public float InitNoiseSigma
    {
        get
        {
            float max = 0;
            foreach (float s in _sigmas) max = Math.Max(max, s);
            return _timestepSpacing is "linspace" or "trailing" ? max : MathF.Sqrt(max * max + 1);
        }
    }

    public void SetTimesteps(int numInferenceSteps)
    {
        SchedulerGuard.NumInferenceSteps(numInferenceSteps, NumTrainTimesteps, ClassName);
        float[] timesteps = NoiseSchedule.SpacedTimesteps(_timestepSpacing, NumTrainTimesteps, numInferenceSteps, _stepsOffset, roundLinspace: false);
        var table = new float[timesteps.Length + 1];
        for (int i = 0; i < timesteps.Length; i++) table[i] = (float)NoiseSchedule.InterpAtIndex(timesteps[i], _trainSigmas);
        _timesteps = timesteps;
        _sigmas = table;
        _numInferenceSteps = numInferenceSteps;
        _stepIndex = null;
        _beginIndex = null;
    }

    public void SetBeginIndex(int beginIndex)
    {
        if (beginIndex < 0 || beginIndex > _timesteps.Length)
            throw new ArgumentOutOfRangeException(nameof(beginIndex), beginIndex, $"Expected 0..{_timesteps.Length} (the number of Timesteps).");
        _beginIndex = beginIndex;
    }

    public int IndexForTimestep(float timestep) => SigmaStepping.IndexForTimestep(_timesteps, timestep);

    /// <summary>c_in = 1 / sqrt(sigma^2 + 1).</summary>
    public void ScaleModelInput(Span<float> sample, float timestep)
    {
        EnsureTimesteps();
        _stepIndex ??= _beginIndex ?? IndexForTimestep(timestep);
        float sigma = _sigmas[_stepIndex.Value];
        float scale = MathF.Sqrt(sigma * sigma + 1);
        for (int i = 0; i < sample.Length; i++) sample[i] /= scale;
    }

    public void Step(ReadOnlySpan<float> modelOutput, float timestep, ReadOnlySpan<float> sample, Span<float> prevSample,
        ReadOnlySpan<float> noise = default)
    {
        EnsureTimesteps();
        int n = sample.Length;
        SchedulerGuard.SameLength(n, modelOutput.Length, nameof(modelOutput), nameof(sample));
        SchedulerGuard.SameLength(n, prevSample.Length, nameof(prevSample), nameof(sample));
        SchedulerGuard.NoPartialOverlap(sample, prevSample, nameof(sample), nameof(prevSample));
        SchedulerGuard.NoPartialOverlap(modelOutput, prevSample, nameof(modelOutput), nameof(prevSample));
        _stepIndex ??= _beginIndex ?? IndexForTimestep(timestep);
        int k = _stepIndex.Value;
        if (k >= _timesteps.Length)
            throw new InvalidOperationException($"{ClassName}: all {_timesteps.Length} steps are done; call SetTimesteps to start a new loop.");

        // float32 in torch's operation order, like diffusers.
        float sigmaFrom = _sigmas[k], sigmaTo = _sigmas[k + 1];
        // Ancestral split of the step sigma_from -> sigma_to into a deterministic part to sigma_down and fresh
        // noise of size sigma_up, with sigma_down^2 + sigma_up^2 = sigma_to^2 (k-diffusion get_ancestral_step, eta = 1).
        float sigmaUp = MathF.Sqrt(sigmaTo * sigmaTo * (sigmaFrom * sigmaFrom - sigmaTo * sigmaTo) / (sigmaFrom * sigmaFrom));
        float sigmaDown = MathF.Sqrt(sigmaTo * sigmaTo - sigmaUp * sigmaUp);
        bool addNoise = sigmaUp > 0;
        if (addNoise)
        {
            if (noise.IsEmpty)
                throw new ArgumentException($"{ClassName}: this step adds noise (sigma_up = {sigmaUp}); pass standard normal values in noise.", nameof(noise));
            SchedulerGuard.SameLength(n, noise.Length, nameof(noise), nameof(sample));
        }
        float sigma = sigmaFrom;
        float dt = sigmaDown - sigma;
        float sigmaSqPlusOne = sigma * sigma + 1;
        float vScaleOut = -sigma / MathF.Sqrt(sigmaSqPlusOne);

        if (_predOriginal.Length != n) _predOriginal = new float[n];
        PredictionKind kind = PredictionKinds.Parse(_predictionType);
        for (int i = 0; i < n; i++)
        {
            float x = sample[i], m = modelOutput[i];
            float x0 = kind == PredictionKind.Epsilon ? x - sigma * m : m * vScaleOut + x / sigmaSqPlusOne;
            _predOriginal[i] = x0;
            float derivative = (x - x0) / sigma;
            float prev = x + derivative * dt;
            if (addNoise) prev += noise[i] * sigmaUp;
            prevSample[i] = prev;
        }
        _stepIndex = k + 1;
    }

    /// <summary>x = x_0 + sigma * eps at the sigma of <paramref name="timestep"/> (or of the begin/step index once set).</summary>
    public void AddNoise(ReadOnlySpan<float> original, ReadOnlySpan<float> noise, float timestep, Span<float> destination)
    {
        EnsureTimesteps();
        ForwardDiffusion.Check(original, noise, destination, nameof(original));
        int k = _beginIndex is null ? IndexForTimestep(timestep) : _stepIndex ?? _beginIndex.Value;
        float sigma = _sigmas[k];
        for (int i = 0; i < destination.Length; i++) destination[i] = original[i] + noise[i] * sigma;
    }

    /// <summary>v-prediction target at the integer training timestep (diffusers has no get_velocity here).</summary>
    public void GetVelocity(ReadOnlySpan<float> sample, ReadOnlySpan<float> noise, float timestep, Span<float> destination) =>
        ForwardDiffusion.GetVelocity(_alphasCumprod, sample, noise, timestep, destination);

    private void EnsureTimesteps()
    {
        if (_numInferenceSteps is null)
            throw new InvalidOperationException($"{ClassName}: call SetTimesteps first.");
    }
}
