namespace MLAugment.Diffusion.Schedulers;

/// <summary>
/// Multistep DPM-Solver (Lu et al. 2022, "DPM-Solver", NeurIPS) and DPM-Solver++ (Lu et al. 2022,
/// "DPM-Solver++: Fast Solver for Guided Sampling"), matching diffusers' <c>DPMSolverMultistepScheduler</c>.
/// The default (solver_order = 2, algorithm_type = dpmsolver++) is "DPM++ 2M"; orders 1 to 3, the midpoint and heun
/// second-order variants, the noise-prediction solver (dpmsolver) and the SDE variants (sde-dpmsolver++,
/// sde-dpmsolver, which need caller-provided noise at every step) are supported.
/// Works in log-SNR time lambda_t = log(alpha_t / sigma_t) with alpha_t = 1 / sqrt(1 + s^2), sigma_t = s * alpha_t,
/// s = sqrt((1 - alpha_bar) / alpha_bar).
/// </summary>
public sealed class DpmSolverMultistepScheduler : IScheduler
{
    public const string ClassName = "DPMSolverMultistepScheduler";

    private readonly float[] _alphasCumprod;
    private readonly float[] _trainSigmas;
    private readonly float[] _trainLogSigmas;
    private readonly int _solverOrder;
    private readonly string _predictionType;
    private readonly string _algorithmType;
    private readonly string _solverType;
    private readonly bool _lowerOrderFinal;
    private readonly bool _eulerAtFinal;
    private readonly bool _useKarrasSigmas;
    private readonly bool _useExponentialSigmas;
    private readonly bool _useLuLambdas;
    private readonly string _finalSigmasType;
    private readonly double _lambdaMinClipped;
    private readonly string _timestepSpacing;
    private readonly int _stepsOffset;
    private readonly string _betaSchedule;
    private readonly float[] _trainLambdas;

    private float[] _timesteps = [];
    private float[] _sigmas = [];
    private int? _numInferenceSteps;
    private int? _stepIndex;
    private int? _beginIndex;
    private float[][] _modelOutputs;   // the last solver_order converted outputs, oldest first
    private int _lowerOrderNums;
    private float[] _predOriginal = [];

    public DpmSolverMultistepScheduler(SchedulerConfig? config = null)
    {
        config ??= new SchedulerConfig();
        SchedulerGuard.NoThresholding(config, ClassName);
        NumTrainTimesteps = config.NumTrainTimesteps ?? 1000;
        SchedulerGuard.Positive(NumTrainTimesteps, "num_train_timesteps", ClassName);
        double betaStart = config.BetaStart ?? 0.0001, betaEnd = config.BetaEnd ?? 0.02;
        _betaSchedule = config.BetaSchedule ?? NoiseSchedule.Linear;
        _solverOrder = config.SolverOrder ?? 2;
        if (_solverOrder is < 1 or > 3)
            throw new ArgumentOutOfRangeException("config.SolverOrder", _solverOrder, $"{ClassName}: solver_order must be 1, 2 or 3.");
        _predictionType = SchedulerGuard.OneOf(config.PredictionType, "epsilon", "prediction_type", ClassName, "epsilon", "sample", "v_prediction");
        // diffusers maps DEIS's algorithm and the UniPC/DEIS solver types onto DPM-Solver++ midpoint when switching schedulers.
        string algorithm = config.AlgorithmType == "deis" ? "dpmsolver++" : config.AlgorithmType ?? "dpmsolver++";
        _algorithmType = SchedulerGuard.OneOf(algorithm, "dpmsolver++", "algorithm_type", ClassName, "dpmsolver++", "dpmsolver", "sde-dpmsolver++", "sde-dpmsolver");
        string solverType = config.SolverType is "logrho" or "bh1" or "bh2" ? "midpoint" : config.SolverType ?? "midpoint";
        _solverType = SchedulerGuard.OneOf(solverType, "midpoint", "solver_type", ClassName, "midpoint", "heun");
        if (_algorithmType == "sde-dpmsolver" && _solverOrder == 3)
            throw new NotSupportedException($"{ClassName}: solver_order 3 is not available for algorithm_type sde-dpmsolver.");
        _lowerOrderFinal = config.LowerOrderFinal ?? true;
        _eulerAtFinal = config.EulerAtFinal ?? false;
        _useKarrasSigmas = config.UseKarrasSigmas ?? false;
        _useExponentialSigmas = config.UseExponentialSigmas ?? false;
        _useLuLambdas = config.UseLuLambdas ?? false;
        if (config.UseBetaSigmas == true)
            throw new NotSupportedException($"{ClassName}: use_beta_sigmas = true is not supported.");
        if ((_useKarrasSigmas ? 1 : 0) + (_useExponentialSigmas ? 1 : 0) + (_useLuLambdas ? 1 : 0) > 1)
            throw new ArgumentException($"{ClassName}: only one of use_karras_sigmas, use_exponential_sigmas and use_lu_lambdas can be true.", nameof(config));
        _finalSigmasType = SchedulerGuard.OneOf(config.FinalSigmasType, "zero", "final_sigmas_type", ClassName, "zero", "sigma_min");
        if (_finalSigmasType == "zero" && _algorithmType is "dpmsolver" or "sde-dpmsolver")
            throw new ArgumentException($"{ClassName}: final_sigmas_type 'zero' is not supported for algorithm_type {_algorithmType}; use 'sigma_min'.", nameof(config));
        _lambdaMinClipped = config.LambdaMinClipped ?? double.NegativeInfinity;
        if (config.VarianceType is not null)
            throw new NotSupportedException($"{ClassName}: variance_type '{config.VarianceType}' (learned variance) is not supported; use null.");
        _timestepSpacing = SchedulerGuard.OneOf(config.TimestepSpacing, "linspace", "timestep_spacing", ClassName, "linspace", "leading", "trailing");
        _stepsOffset = config.StepsOffset ?? 0;
        bool rescale = config.RescaleBetasZeroSnr ?? false;

        float[] betas = NoiseSchedule.Betas(NumTrainTimesteps, betaStart, betaEnd, _betaSchedule, config.TrainedBetas, ClassName);
        if (rescale) betas = NoiseSchedule.RescaleZeroTerminalSnr(betas);
        _alphasCumprod = NoiseSchedule.CumulativeProduct(NoiseSchedule.OneMinus(betas));
        if (rescale) _alphasCumprod[^1] = MathF.Pow(2, -24);

        _trainSigmas = new float[NumTrainTimesteps];
        _trainLogSigmas = new float[NumTrainTimesteps];
        _trainLambdas = new float[NumTrainTimesteps];
        for (int t = 0; t < NumTrainTimesteps; t++)
        {
            float a = _alphasCumprod[t];
            _trainSigmas[t] = MathF.Sqrt((1f - a) / a);
            _trainLogSigmas[t] = MathF.Log(_trainSigmas[t]);
            _trainLambdas[t] = MathF.Log(MathF.Sqrt(a)) - MathF.Log(MathF.Sqrt(1f - a));
        }
        _modelOutputs = new float[_solverOrder][];

        Config = config with
        {
            ClassName = ClassName, NumTrainTimesteps = NumTrainTimesteps, BetaStart = betaStart, BetaEnd = betaEnd,
            BetaSchedule = _betaSchedule, SolverOrder = _solverOrder, PredictionType = _predictionType,
            Thresholding = false, AlgorithmType = _algorithmType, SolverType = _solverType,
            LowerOrderFinal = _lowerOrderFinal, EulerAtFinal = _eulerAtFinal, UseKarrasSigmas = _useKarrasSigmas,
            UseExponentialSigmas = _useExponentialSigmas, UseLuLambdas = _useLuLambdas, UseBetaSigmas = false,
            FinalSigmasType = _finalSigmasType, LambdaMinClipped = _lambdaMinClipped,
            TimestepSpacing = _timestepSpacing, StepsOffset = _stepsOffset, RescaleBetasZeroSnr = rescale,
        };
    }

    public SchedulerConfig Config { get; }
    public int NumTrainTimesteps { get; }
    public int Order => 1;
    public int? NumInferenceSteps => _numInferenceSteps;
    public IReadOnlyList<float> Timesteps => _timesteps;
    public IReadOnlyList<float> Sigmas => _sigmas;
    public float InitNoiseSigma => 1f;
    public bool RequiresNoise => _algorithmType.StartsWith("sde-", StringComparison.Ordinal);
    public int? StepIndex => _stepIndex;
    public int? BeginIndex => _beginIndex;

    /// <summary>The data prediction x_0 of the last step (the solver's model output for dpmsolver++).</summary>
    public ReadOnlySpan<float> PredOriginalSample => _predOriginal;

    public void SetTimesteps(int numInferenceSteps)
    {
        SchedulerGuard.NumInferenceSteps(numInferenceSteps, NumTrainTimesteps, ClassName);
        int n = numInferenceSteps;

        // lambda_min_clipped (for cosine schedules): drop the tail of training timesteps whose log-SNR is below it.
        int clippedIdx = 0;
        for (int i = NumTrainTimesteps - 1; i >= 0 && _trainLambdas[i] < _lambdaMinClipped; i--) clippedIdx++;
        int lastTimestep = NumTrainTimesteps - clippedIdx;

        double[] timesteps;
        switch (_timestepSpacing)
        {
            case "linspace":
            {
                double[] l = NoiseSchedule.NumpyLinspace(0, lastTimestep - 1, n + 1);
                timesteps = new double[n];
                for (int i = 0; i < n; i++) timesteps[i] = Math.Round(l[n - i]);
                break;
            }
            case "leading":
            {
                int ratio = lastTimestep / (n + 1);
                timesteps = new double[n];
                for (int i = 0; i < n; i++) timesteps[i] = (double)(n - i) * ratio + _stepsOffset;
                break;
            }
            default:
            {
                float[] a = NoiseSchedule.TrailingTimesteps(lastTimestep, NumTrainTimesteps, n);
                timesteps = new double[a.Length];
                for (int i = 0; i < a.Length; i++) timesteps[i] = a[i];
                break;
            }
        }

        BuildFromTimesteps(timesteps, n);
    }

    /// <summary>Custom descending integer training timesteps; the sigmas are those of the training schedule at them.</summary>
    public void SetTimesteps(ReadOnlySpan<int> customTimesteps)
    {
        if (customTimesteps.IsEmpty)
            throw new ArgumentException("customTimesteps must not be empty.", nameof(customTimesteps));
        if (_useKarrasSigmas || _useExponentialSigmas || _useLuLambdas)
            throw new InvalidOperationException($"{ClassName}: custom timesteps cannot be combined with use_karras_sigmas / use_exponential_sigmas / use_lu_lambdas.");
        foreach (int t in customTimesteps)
            if (t < 0 || t >= NumTrainTimesteps)
                throw new ArgumentOutOfRangeException(nameof(customTimesteps), t, $"Each timestep must lie in [0, {NumTrainTimesteps}).");
        var timesteps = new double[customTimesteps.Length];
        for (int i = 0; i < timesteps.Length; i++) timesteps[i] = customTimesteps[i];
        BuildFromTimesteps(timesteps, timesteps.Length);
    }

    private void BuildFromTimesteps(double[] timesteps, int n)
    {
        double[] sigmas;
        bool roundT = _betaSchedule != NoiseSchedule.SquaredCosCapV2;
        if (_useKarrasSigmas || _useExponentialSigmas)
        {
            double sMin = _trainSigmas[0], sMax = _trainSigmas[^1];
            sigmas = _useKarrasSigmas ? NoiseSchedule.KarrasSigmas(sMin, sMax, n) : NoiseSchedule.ExponentialSigmas(sMin, sMax, n);
            timesteps = TimestepsFromSigmas(sigmas, round: _useKarrasSigmas && roundT);
        }
        else if (_useLuLambdas)
        {
            // "Lu lambdas": steps uniform in log-SNR lambda (Lu et al. 2022), i.e. uniform in log sigma since lambda = -log sigma.
            double[] ramp = NoiseSchedule.NumpyLinspace(0, 1, n);
            double lmax = _trainLogSigmas[^1], lmin = _trainLogSigmas[0];
            sigmas = new double[n];
            for (int i = 0; i < n; i++) sigmas[i] = Math.Exp(lmax + ramp[i] * (lmin - lmax));
            timesteps = TimestepsFromSigmas(sigmas, round: roundT);
        }
        else
        {
            sigmas = new double[timesteps.Length];
            for (int i = 0; i < timesteps.Length; i++) sigmas[i] = NoiseSchedule.InterpAtIndex(timesteps[i], _trainSigmas);
        }

        var table = new float[sigmas.Length + 1];
        for (int i = 0; i < sigmas.Length; i++) table[i] = (float)sigmas[i];
        table[^1] = _finalSigmasType == "sigma_min" ? MathF.Sqrt((1f - _alphasCumprod[0]) / _alphasCumprod[0]) : 0f;

        _timesteps = new float[timesteps.Length];
        for (int i = 0; i < timesteps.Length; i++) _timesteps[i] = (float)Math.Truncate(timesteps[i]);   // int64 cast
        _sigmas = table;
        _numInferenceSteps = _timesteps.Length;
        _modelOutputs = new float[_solverOrder][];
        _lowerOrderNums = 0;
        _stepIndex = null;
        _beginIndex = null;
    }

    private double[] TimestepsFromSigmas(double[] sigmas, bool round)
    {
        var t = new double[sigmas.Length];
        for (int i = 0; i < t.Length; i++)
        {
            t[i] = NoiseSchedule.SigmaToT(sigmas[i], _trainLogSigmas);
            if (round) t[i] = Math.Round(t[i]);
        }
        return t;
    }

    public void SetBeginIndex(int beginIndex)
    {
        if (beginIndex < 0 || beginIndex > _timesteps.Length)
            throw new ArgumentOutOfRangeException(nameof(beginIndex), beginIndex, $"Expected 0..{_timesteps.Length} (the number of Timesteps).");
        _beginIndex = beginIndex;
    }

    public int IndexForTimestep(float timestep) => SigmaStepping.IndexForTimestep(_timesteps, timestep);

    public void ScaleModelInput(Span<float> sample, float timestep) { }

    /// <summary>alpha_t = 1 / sqrt(s^2 + 1), sigma_t = s * alpha_t, lambda_t = log alpha_t - log sigma_t (float32, as torch).</summary>
    private static (float Alpha, float Sigma, float Lambda) AlphaSigma(float s)
    {
        float alpha = 1 / MathF.Sqrt(s * s + 1);
        float sigma = s * alpha;
        return (alpha, sigma, MathF.Log(alpha) - MathF.Log(sigma));
    }

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
        if (RequiresNoise)
        {
            if (noise.IsEmpty)
                throw new ArgumentException($"{ClassName}: algorithm_type {_algorithmType} adds noise at every step; pass standard normal values in noise.", nameof(noise));
            SchedulerGuard.SameLength(n, noise.Length, nameof(noise), nameof(sample));
        }
        foreach (float[]? previous in _modelOutputs)
            if (previous is not null && previous.Length != n)
                throw new ArgumentException($"sample has {n} elements but the previous steps of this loop had {previous.Length}; call SetTimesteps to start a new loop.", nameof(sample));
        _stepIndex ??= _beginIndex ?? IndexForTimestep(timestep);
        int k = _stepIndex.Value;
        int count = _timesteps.Length;
        if (k >= count)
            throw new InvalidOperationException($"{ClassName}: all {count} steps are done; call SetTimesteps to start a new loop.");

        // Lower-order steps at the end stabilise few-step sampling (< 15 steps) and are required when the final sigma is 0.
        bool lowerOrderFinal = k == count - 1 && (_eulerAtFinal || (_lowerOrderFinal && count < 15) || _finalSigmasType == "zero");
        bool lowerOrderSecond = k == count - 2 && _lowerOrderFinal && count < 15;

        // float32 in torch's operation order, like diffusers. Convert the network output to the solver's
        // parameterisation: x_0 for the ++ solvers (data prediction, DPM-Solver++ eq. 8), eps for the original solver.
        bool dataPrediction = _algorithmType.EndsWith("++", StringComparison.Ordinal);
        var (alphaS0, sigmaS0, lambdaS0) = AlphaSigma(_sigmas[k]);
        // The oldest slot is dropped by the shift below, so its buffer is reused.
        float[] converted = _modelOutputs[0] ?? new float[n];
        if (_predOriginal.Length != n) _predOriginal = new float[n];
        PredictionKind kind = PredictionKinds.Parse(_predictionType);
        for (int i = 0; i < n; i++)
        {
            float x = sample[i], m = modelOutput[i];
            float x0 = kind switch
            {
                PredictionKind.Epsilon => (x - sigmaS0 * m) / alphaS0,
                PredictionKind.Sample => m,
                _ => alphaS0 * x - sigmaS0 * m,
            };
            float eps = kind switch
            {
                PredictionKind.Epsilon => m,
                PredictionKind.Sample => (x - alphaS0 * m) / sigmaS0,
                _ => alphaS0 * m + sigmaS0 * x,
            };
            converted[i] = dataPrediction ? x0 : eps;
            _predOriginal[i] = x0;
        }
        for (int j = 0; j < _solverOrder - 1; j++) _modelOutputs[j] = _modelOutputs[j + 1];
        _modelOutputs[^1] = converted;

        int order;
        if (_solverOrder == 1 || _lowerOrderNums < 1 || lowerOrderFinal) order = 1;
        else if (_solverOrder == 2 || _lowerOrderNums < 2 || lowerOrderSecond) order = 2;
        else order = 3;

        var (alphaT, sigmaT, lambdaT) = AlphaSigma(_sigmas[k + 1]);
        float h = lambdaT - lambdaS0;
        ReadOnlySpan<float> m0 = _modelOutputs[^1];
        switch (order)
        {
            case 1: FirstOrder(m0, sample, noise, prevSample, alphaT, sigmaT, alphaS0, sigmaS0, h); break;
            case 2:
            {
                float lambdaS1 = AlphaSigma(_sigmas[k - 1]).Lambda;
                SecondOrder(m0, _modelOutputs[^2], sample, noise, prevSample, alphaT, sigmaT, alphaS0, sigmaS0, h, lambdaS0 - lambdaS1);
                break;
            }
            default:
            {
                float lambdaS1 = AlphaSigma(_sigmas[k - 1]).Lambda;
                float lambdaS2 = AlphaSigma(_sigmas[k - 2]).Lambda;
                ThirdOrder(m0, _modelOutputs[^2], _modelOutputs[^3], sample, noise, prevSample, alphaT, sigmaT, alphaS0, sigmaS0,
                    h, lambdaS0 - lambdaS1, lambdaS1 - lambdaS2);
                break;
            }
        }
        if (_lowerOrderNums < _solverOrder) _lowerOrderNums++;
        _stepIndex = k + 1;
    }

    // The update formulas below are written as cx * x + c0 * D0 + c1 * D1 (+ c2 * D2) (+ cz * z): a - b * c equals
    // a + (-b) * c exactly in IEEE arithmetic, so folding the signs into the coefficients keeps torch's rounding.

    /// <summary>
    /// First order = DDIM. ++: x_t = sigma_t / sigma_s x_s - alpha_t (e^{-h} - 1) x0 (DPM-Solver++ eq. 9);
    /// dpmsolver: x_t = alpha_t / alpha_s x_s - sigma_t (e^h - 1) eps (DPM-Solver eq. 3.7); SDE forms per Lu et al. 2022 (sec. 5).
    /// </summary>
    private void FirstOrder(ReadOnlySpan<float> d0, ReadOnlySpan<float> sample, ReadOnlySpan<float> noise, Span<float> dst,
        float alphaT, float sigmaT, float alphaS, float sigmaS, float h)
    {
        float cx, c0, cz = 0;
        switch (_algorithmType)
        {
            case "dpmsolver++": cx = sigmaT / sigmaS; c0 = -(alphaT * (MathF.Exp(-h) - 1f)); break;
            case "dpmsolver": cx = alphaT / alphaS; c0 = -(sigmaT * (MathF.Exp(h) - 1f)); break;
            case "sde-dpmsolver++":
                cx = sigmaT / sigmaS * MathF.Exp(-h); c0 = alphaT * (1 - MathF.Exp(-2f * h)); cz = sigmaT * MathF.Sqrt(1f - MathF.Exp(-2 * h)); break;
            default:
                cx = alphaT / alphaS; c0 = -(2f * (sigmaT * (MathF.Exp(h) - 1f))); cz = sigmaT * MathF.Sqrt(MathF.Exp(2 * h) - 1f); break;
        }
        bool sde = RequiresNoise;
        for (int i = 0; i < dst.Length; i++)
        {
            float v = cx * sample[i] + c0 * d0[i];
            if (sde) v += cz * noise[i];
            dst[i] = v;
        }
    }

    /// <summary>
    /// Multistep second order with D0 = m0, D1 = (m0 - m1) / r0, r0 = h_0 / h (DPM-Solver++ Algorithm 2, "2M");
    /// midpoint or heun weighting of D1.
    /// </summary>
    private void SecondOrder(ReadOnlySpan<float> m0, ReadOnlySpan<float> m1, ReadOnlySpan<float> sample, ReadOnlySpan<float> noise,
        Span<float> dst, float alphaT, float sigmaT, float alphaS0, float sigmaS0, float h, float h0)
    {
        float invR0 = 1f / (h0 / h);
        float cx, c0, c1, cz = 0;
        bool mid = _solverType == "midpoint";
        switch (_algorithmType)
        {
            case "dpmsolver++":
                cx = sigmaT / sigmaS0; c0 = -(alphaT * (MathF.Exp(-h) - 1f));
                c1 = mid ? -(0.5f * (alphaT * (MathF.Exp(-h) - 1f))) : alphaT * ((MathF.Exp(-h) - 1f) / h + 1f);
                break;
            case "dpmsolver":
                cx = alphaT / alphaS0; c0 = -(sigmaT * (MathF.Exp(h) - 1f));
                c1 = mid ? -(0.5f * (sigmaT * (MathF.Exp(h) - 1f))) : -(sigmaT * ((MathF.Exp(h) - 1f) / h - 1f));
                break;
            case "sde-dpmsolver++":
                cx = sigmaT / sigmaS0 * MathF.Exp(-h); c0 = alphaT * (1 - MathF.Exp(-2f * h));
                c1 = mid ? 0.5f * (alphaT * (1 - MathF.Exp(-2f * h))) : alphaT * ((1f - MathF.Exp(-2f * h)) / (-2f * h) + 1f);
                cz = sigmaT * MathF.Sqrt(1f - MathF.Exp(-2 * h));
                break;
            default:
                cx = alphaT / alphaS0; c0 = -(2f * (sigmaT * (MathF.Exp(h) - 1f)));
                c1 = mid ? -(sigmaT * (MathF.Exp(h) - 1f)) : -(2f * (sigmaT * ((MathF.Exp(h) - 1f) / h - 1f)));
                cz = sigmaT * MathF.Sqrt(MathF.Exp(2 * h) - 1f);
                break;
        }
        bool sde = RequiresNoise;
        for (int i = 0; i < dst.Length; i++)
        {
            float d0 = m0[i], d1 = invR0 * (d0 - m1[i]);
            float v = cx * sample[i] + c0 * d0 + c1 * d1;
            if (sde) v += cz * noise[i];
            dst[i] = v;
        }
    }

    /// <summary>Multistep third order ("3M"): D1 and D2 from the last three outputs (DPM-Solver++ Appendix B, DPM-Solver-3).</summary>
    private void ThirdOrder(ReadOnlySpan<float> m0, ReadOnlySpan<float> m1, ReadOnlySpan<float> m2, ReadOnlySpan<float> sample,
        ReadOnlySpan<float> noise, Span<float> dst, float alphaT, float sigmaT, float alphaS0, float sigmaS0,
        float h, float h0, float h1)
    {
        float r0 = h0 / h, r1 = h1 / h;
        float invR0 = 1f / r0, invR1 = 1f / r1, w = r0 / (r0 + r1), invSum = 1f / (r0 + r1);
        float cx, c0, c1, c2, cz = 0;
        switch (_algorithmType)
        {
            case "dpmsolver++":
                cx = sigmaT / sigmaS0; c0 = -(alphaT * (MathF.Exp(-h) - 1f));
                c1 = alphaT * ((MathF.Exp(-h) - 1f) / h + 1f);
                c2 = -(alphaT * ((MathF.Exp(-h) - 1f + h) / (h * h) - 0.5f));
                break;
            case "dpmsolver":
                cx = alphaT / alphaS0; c0 = -(sigmaT * (MathF.Exp(h) - 1f));
                c1 = -(sigmaT * ((MathF.Exp(h) - 1f) / h - 1f));
                c2 = -(sigmaT * ((MathF.Exp(h) - 1f - h) / (h * h) - 0.5f));
                break;
            default: // sde-dpmsolver++
                cx = sigmaT / sigmaS0 * MathF.Exp(-h); c0 = alphaT * (1f - MathF.Exp(-2f * h));
                c1 = alphaT * ((1f - MathF.Exp(-2f * h)) / (-2f * h) + 1f);
                c2 = alphaT * ((1f - MathF.Exp(-2f * h) - 2f * h) / ((2f * h) * (2f * h)) - 0.5f);
                cz = sigmaT * MathF.Sqrt(1f - MathF.Exp(-2 * h));
                break;
        }
        bool sde = RequiresNoise;
        for (int i = 0; i < dst.Length; i++)
        {
            float d0 = m0[i];
            float d10 = invR0 * (d0 - m1[i]), d11 = invR1 * (m1[i] - m2[i]);
            float d1 = d10 + w * (d10 - d11);
            float d2 = invSum * (d10 - d11);
            float v = cx * sample[i] + c0 * d0 + c1 * d1 + c2 * d2;
            if (sde) v += cz * noise[i];
            dst[i] = v;
        }
    }

    /// <summary>x_t = alpha_t x_0 + sigma_t eps at the sigma of <paramref name="timestep"/> (or of the begin/step index once set).</summary>
    public void AddNoise(ReadOnlySpan<float> original, ReadOnlySpan<float> noise, float timestep, Span<float> destination)
    {
        if (_numInferenceSteps is null)
            throw new InvalidOperationException($"{ClassName}: call SetTimesteps first.");
        ForwardDiffusion.Check(original, noise, destination, nameof(original));
        int k = _beginIndex is null ? IndexForTimestep(timestep) : _stepIndex ?? _beginIndex.Value;
        var (alpha, sigma, _) = AlphaSigma(_sigmas[k]);
        for (int i = 0; i < destination.Length; i++) destination[i] = alpha * original[i] + sigma * noise[i];
    }

    public void GetVelocity(ReadOnlySpan<float> sample, ReadOnlySpan<float> noise, float timestep, Span<float> destination) =>
        ForwardDiffusion.GetVelocity(_alphasCumprod, sample, noise, timestep, destination);
}
