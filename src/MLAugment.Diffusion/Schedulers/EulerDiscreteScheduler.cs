namespace MLAugment.Diffusion.Schedulers;

/// <summary>
/// Euler sampler of Karras et al. 2022 ("Elucidating the Design Space of Diffusion-Based Generative Models",
/// Algorithm 2), matching diffusers' <c>EulerDiscreteScheduler</c>. Works in the sigma parameterisation
/// x = x_0 + sigma * eps, sigma_t = sqrt((1 - alpha_bar_t) / alpha_bar_t); the model input is scaled by 1 / sqrt(sigma^2 + 1).
/// Deterministic unless <see cref="SChurn"/> &gt; 0 (stochastic churn, then <see cref="Step"/> needs noise).
/// </summary>
public sealed class EulerDiscreteScheduler : IScheduler
{
    public const string ClassName = "EulerDiscreteScheduler";

    private readonly float[] _alphasCumprod;
    private readonly float[] _trainSigmas;     // sigma_t for t = 0 .. T-1 (ascending)
    private readonly float[] _trainLogSigmas;
    private readonly string _predictionType;
    private readonly string _interpolationType;
    private readonly string _timestepSpacing;
    private readonly string _timestepType;
    private readonly string _finalSigmasType;
    private readonly int _stepsOffset;
    private readonly bool _useKarrasSigmas;
    private readonly bool _useExponentialSigmas;
    private readonly double? _sigmaMin;
    private readonly double? _sigmaMax;

    private float[] _timesteps = [];
    private float[] _sigmas;
    private int? _numInferenceSteps;
    private int? _stepIndex;
    private int? _beginIndex;
    private float[] _predOriginal = [];

    public EulerDiscreteScheduler(SchedulerConfig? config = null)
    {
        config ??= new SchedulerConfig();
        SchedulerGuard.NoThresholding(config, ClassName);
        NumTrainTimesteps = config.NumTrainTimesteps ?? 1000;
        SchedulerGuard.Positive(NumTrainTimesteps, "num_train_timesteps", ClassName);
        double betaStart = config.BetaStart ?? 0.0001, betaEnd = config.BetaEnd ?? 0.02;
        string betaSchedule = config.BetaSchedule ?? NoiseSchedule.Linear;
        _predictionType = SchedulerGuard.OneOf(config.PredictionType, "epsilon", "prediction_type", ClassName, "epsilon", "sample", "v_prediction");
        _interpolationType = SchedulerGuard.OneOf(config.InterpolationType, "linear", "interpolation_type", ClassName, "linear", "log_linear");
        _timestepSpacing = SchedulerGuard.OneOf(config.TimestepSpacing, "linspace", "timestep_spacing", ClassName, "linspace", "leading", "trailing");
        _timestepType = SchedulerGuard.OneOf(config.TimestepType, "discrete", "timestep_type", ClassName, "discrete", "continuous");
        _finalSigmasType = SchedulerGuard.OneOf(config.FinalSigmasType, "zero", "final_sigmas_type", ClassName, "zero", "sigma_min");
        _stepsOffset = config.StepsOffset ?? 0;
        _useKarrasSigmas = config.UseKarrasSigmas ?? false;
        _useExponentialSigmas = config.UseExponentialSigmas ?? false;
        if (config.UseBetaSigmas == true)
            throw new NotSupportedException($"{ClassName}: use_beta_sigmas = true is not supported.");
        if (_useKarrasSigmas && _useExponentialSigmas)
            throw new ArgumentException($"{ClassName}: only one of use_karras_sigmas and use_exponential_sigmas can be true.", nameof(config));
        _sigmaMin = config.SigmaMin;
        _sigmaMax = config.SigmaMax;
        bool rescale = config.RescaleBetasZeroSnr ?? false;

        float[] betas = NoiseSchedule.Betas(NumTrainTimesteps, betaStart, betaEnd, betaSchedule, config.TrainedBetas, ClassName);
        if (rescale) betas = NoiseSchedule.RescaleZeroTerminalSnr(betas);
        _alphasCumprod = NoiseSchedule.CumulativeProduct(NoiseSchedule.OneMinus(betas));
        // Zero terminal SNR would make the last sigma infinite; diffusers pins alpha_bar to 2^-24 instead.
        if (rescale) _alphasCumprod[^1] = MathF.Pow(2, -24);

        _trainSigmas = new float[NumTrainTimesteps];
        _trainLogSigmas = new float[NumTrainTimesteps];
        for (int t = 0; t < NumTrainTimesteps; t++)
        {
            float a = _alphasCumprod[t];
            _trainSigmas[t] = MathF.Sqrt((1f - a) / a);
            _trainLogSigmas[t] = MathF.Log(_trainSigmas[t]);
        }
        // Before SetTimesteps the sigma table is the full training schedule (only InitNoiseSigma reads it).
        _sigmas = new float[NumTrainTimesteps + 1];
        for (int i = 0; i < NumTrainTimesteps; i++) _sigmas[i] = _trainSigmas[NumTrainTimesteps - 1 - i];

        Config = config with
        {
            ClassName = ClassName, NumTrainTimesteps = NumTrainTimesteps, BetaStart = betaStart, BetaEnd = betaEnd,
            BetaSchedule = betaSchedule, PredictionType = _predictionType, InterpolationType = _interpolationType,
            UseKarrasSigmas = _useKarrasSigmas, UseExponentialSigmas = _useExponentialSigmas, UseBetaSigmas = false,
            TimestepSpacing = _timestepSpacing, TimestepType = _timestepType, StepsOffset = _stepsOffset,
            RescaleBetasZeroSnr = rescale, FinalSigmasType = _finalSigmasType,
        };
    }

    public SchedulerConfig Config { get; }
    public int NumTrainTimesteps { get; }
    public int Order => 1;
    public int? NumInferenceSteps => _numInferenceSteps;
    public IReadOnlyList<float> Timesteps => _timesteps;
    /// <summary>The noise levels: one per timestep plus the final level (0 or sigma_min).</summary>
    public IReadOnlyList<float> Sigmas => _sigmas;
    public int? StepIndex => _stepIndex;
    public int? BeginIndex => _beginIndex;
    public ReadOnlySpan<float> PredOriginalSample => _predOriginal;

    /// <summary>Churn of Karras et al. Algorithm 2 (S_churn); 0 keeps the sampler deterministic.</summary>
    public double SChurn { get; set; }
    public double STmin { get; set; }
    public double STmax { get; set; } = double.PositiveInfinity;
    public double SNoise { get; set; } = 1.0;

    public bool RequiresNoise => SChurn > 0;

    /// <summary>sigma_max for linspace/trailing spacing, else sqrt(sigma_max^2 + 1) (leading never reaches pure noise).</summary>
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
        BuildFromTimesteps(timesteps, numInferenceSteps);
    }

    /// <summary>Custom (e.g. "Align Your Steps") timesteps, descending training timesteps; sigmas are interpolated at them.</summary>
    public void SetTimesteps(ReadOnlySpan<float> customTimesteps)
    {
        if (customTimesteps.IsEmpty)
            throw new ArgumentException("customTimesteps must not be empty.", nameof(customTimesteps));
        if (_useKarrasSigmas || _useExponentialSigmas)
            throw new InvalidOperationException($"{ClassName}: custom timesteps cannot be combined with use_karras_sigmas / use_exponential_sigmas.");
        if (_timestepType == "continuous" && _predictionType == "v_prediction")
            throw new InvalidOperationException($"{ClassName}: custom timesteps cannot be used with timestep_type continuous and v_prediction.");
        foreach (float t in customTimesteps)
            if (!float.IsFinite(t) || t < 0 || t > NumTrainTimesteps - 1)
                throw new ArgumentOutOfRangeException(nameof(customTimesteps), t, $"Each timestep must lie in [0, {NumTrainTimesteps - 1}].");
        BuildFromTimesteps(customTimesteps.ToArray(), customTimesteps.Length);
    }

    /// <summary>
    /// Custom noise levels: one sigma per step plus the final one (diffusers' <c>set_timesteps(sigmas=...)</c>);
    /// the timesteps are the fractional training timesteps with those sigmas.
    /// </summary>
    public void SetSigmas(ReadOnlySpan<float> sigmas)
    {
        if (sigmas.Length < 2)
            throw new ArgumentException("sigmas needs at least two values: one per step plus the final sigma.", nameof(sigmas));
        foreach (float v in sigmas)
            if (!float.IsFinite(v) || v < 0)
                throw new ArgumentOutOfRangeException(nameof(sigmas), v, "Each sigma must be finite and >= 0.");
        float[] table = sigmas.ToArray();
        var timesteps = new float[table.Length - 1];
        for (int i = 0; i < timesteps.Length; i++)
            timesteps[i] = _timestepType == "continuous" && _predictionType == "v_prediction"
                ? 0.25f * MathF.Log(table[i])
                : (float)NoiseSchedule.SigmaToT(table[i], _trainLogSigmas);
        Install(timesteps, table, table.Length - 1);
    }

    private void BuildFromTimesteps(float[] timesteps, int numInferenceSteps)
    {
        int n = timesteps.Length;
        double[] sigmas;
        if (_interpolationType == "linear")
        {
            sigmas = new double[n];
            for (int i = 0; i < n; i++) sigmas[i] = NoiseSchedule.InterpAtIndex(timesteps[i], _trainSigmas);
        }
        else
        {
            // log_linear: evenly spaced in log sigma over the whole training range (n + 1 levels; the extra one is unused).
            float[] logs = NoiseSchedule.TorchLinspace(MathF.Log(_trainSigmas[^1]), MathF.Log(_trainSigmas[0]), numInferenceSteps + 1);
            sigmas = new double[logs.Length];
            for (int i = 0; i < logs.Length; i++) sigmas[i] = MathF.Exp(logs[i]);
        }

        double[]? tFromSigmas = null;
        if (_useKarrasSigmas || _useExponentialSigmas)
        {
            double sMin = _sigmaMin ?? sigmas[^1], sMax = _sigmaMax ?? sigmas[0];
            sigmas = _useKarrasSigmas
                ? NoiseSchedule.KarrasSigmas(sMin, sMax, numInferenceSteps)
                : NoiseSchedule.ExponentialSigmas(sMin, sMax, numInferenceSteps);
            tFromSigmas = new double[sigmas.Length];
            for (int i = 0; i < sigmas.Length; i++) tFromSigmas[i] = NoiseSchedule.SigmaToT(sigmas[i], _trainLogSigmas);
        }

        float sigmaLast = _finalSigmasType == "sigma_min" ? MathF.Sqrt((1f - _alphasCumprod[0]) / _alphasCumprod[0]) : 0f;
        var table = new float[sigmas.Length + 1];
        for (int i = 0; i < sigmas.Length; i++) table[i] = (float)sigmas[i];
        table[^1] = sigmaLast;

        if (tFromSigmas is not null)
        {
            timesteps = new float[tFromSigmas.Length];
            for (int i = 0; i < timesteps.Length; i++) timesteps[i] = (float)tFromSigmas[i];
        }
        if (_timestepType == "continuous" && _predictionType == "v_prediction")
        {
            // Continuous-time models take c_noise = log(sigma) / 4 (Karras et al. Table 1).
            timesteps = new float[table.Length - 1];
            for (int i = 0; i < timesteps.Length; i++) timesteps[i] = 0.25f * MathF.Log(table[i]);
        }

        Install(timesteps, table, numInferenceSteps);
    }

    private void Install(float[] timesteps, float[] sigmas, int numInferenceSteps)
    {
        _timesteps = timesteps;
        _sigmas = sigmas;
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

    /// <summary>Index of <paramref name="timestep"/> in <see cref="Timesteps"/>; the second match when it repeats (diffusers' rule).</summary>
    public int IndexForTimestep(float timestep) => SigmaStepping.IndexForTimestep(_timesteps, timestep);

    /// <summary>c_in = 1 / sqrt(sigma^2 + 1) (Karras et al. Table 1, variance preserving).</summary>
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

        float sigma = _sigmas[k];
        // Karras et al. Algorithm 2, line 4: gamma = min(S_churn / N, sqrt(2) - 1) inside [S_tmin, S_tmax].
        double gamma = STmin <= sigma && sigma <= STmax ? Math.Min(SChurn / (_sigmas.Length - 1), Math.Sqrt(2) - 1) : 0.0;
        // float32 in torch's operation order, like diffusers.
        float sigmaHat = sigma * (float)(gamma + 1);
        float churnStd = 0, sNoise = (float)SNoise;
        if (gamma > 0)
        {
            if (noise.IsEmpty)
                throw new ArgumentException($"{ClassName}: s_churn = {SChurn} adds noise at this step; pass standard normal values in noise.", nameof(noise));
            SchedulerGuard.SameLength(n, noise.Length, nameof(noise), nameof(sample));
            churnStd = MathF.Sqrt(sigmaHat * sigmaHat - sigma * sigma);
        }
        float dt = _sigmas[k + 1] - sigmaHat;
        float sigmaSqPlusOne = sigma * sigma + 1;
        float vScaleOut = -sigma / MathF.Sqrt(sigmaSqPlusOne);

        if (_predOriginal.Length != n) _predOriginal = new float[n];
        PredictionKind kind = PredictionKinds.Parse(_predictionType);
        for (int i = 0; i < n; i++)
        {
            float x = sample[i], m = modelOutput[i];
            if (gamma > 0) x += noise[i] * sNoise * churnStd;   // x_hat = x + sqrt(sigma_hat^2 - sigma^2) eps (line 6)
            float x0 = kind switch
            {
                PredictionKind.Epsilon => x - sigmaHat * m,
                PredictionKind.Sample => m,
                _ => m * vScaleOut + x / sigmaSqPlusOne,
            };
            _predOriginal[i] = x0;
            // Euler step of the probability-flow ODE dx/dsigma = (x - D(x)) / sigma (lines 7-8).
            float derivative = (x - x0) / sigmaHat;
            prevSample[i] = x + derivative * dt;
        }
        _stepIndex = k + 1;
    }

    /// <summary>x = x_0 + sigma * eps at the sigma of <paramref name="timestep"/> (or of the begin/step index once set, as diffusers does).</summary>
    public void AddNoise(ReadOnlySpan<float> original, ReadOnlySpan<float> noise, float timestep, Span<float> destination)
    {
        EnsureTimesteps();
        ForwardDiffusion.Check(original, noise, destination, nameof(original));
        int k = _beginIndex is null ? IndexForTimestep(timestep) : _stepIndex ?? _beginIndex.Value;
        float sigma = _sigmas[k];
        for (int i = 0; i < destination.Length; i++) destination[i] = original[i] + noise[i] * sigma;
    }

    /// <remarks>
    /// Uses alpha_bar at the integer training timestep, like DDPM. (diffusers' Euler version indexes alpha_bar by the
    /// position of the timestep in the inference schedule, which is not the training target; we do not copy that.)
    /// </remarks>
    public void GetVelocity(ReadOnlySpan<float> sample, ReadOnlySpan<float> noise, float timestep, Span<float> destination) =>
        ForwardDiffusion.GetVelocity(_alphasCumprod, sample, noise, timestep, destination);

    private void EnsureTimesteps()
    {
        if (_numInferenceSteps is null)
            throw new InvalidOperationException($"{ClassName}: call SetTimesteps first.");
    }
}

/// <summary>Step-index bookkeeping shared by the sigma-indexed schedulers (Euler, Euler ancestral, DPM-Solver).</summary>
internal static class SigmaStepping
{
    public static int IndexForTimestep(float[] timesteps, float timestep)
    {
        int first = -1;
        for (int i = 0; i < timesteps.Length; i++)
        {
            if (timesteps[i] != timestep) continue;
            if (first >= 0) return i;   // a repeated timestep: diffusers takes the second occurrence
            first = i;
        }
        if (first < 0)
            throw new ArgumentException($"timestep {timestep} is not one of the scheduler's Timesteps.", nameof(timestep));
        return first;
    }
}
