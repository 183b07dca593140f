namespace MLAugment.Diffusion.Schedulers;

/// <summary>
/// The training noise schedule shared by all discrete schedulers: betas, alphas = 1 - betas and
/// alpha_bar (alphas_cumprod). Values are stored in float32 exactly as diffusers (torch float32) computes them,
/// so the derived inference schedules agree to the last bit where it matters (timestep lookups, sigma tables).
/// </summary>
internal static class NoiseSchedule
{
    public const string Linear = "linear";
    public const string ScaledLinear = "scaled_linear";
    public const string SquaredCosCapV2 = "squaredcos_cap_v2";

    /// <summary>Betas per diffusers' <c>__init__</c>: trained betas, or the named schedule.</summary>
    public static float[] Betas(int numTrainTimesteps, double betaStart, double betaEnd, string betaSchedule,
        double[]? trainedBetas, string schedulerName)
    {
        if (trainedBetas is not null)
        {
            if (trainedBetas.Length != numTrainTimesteps)
                throw new ArgumentException(
                    $"{schedulerName}: trained_betas has {trainedBetas.Length} values; expected num_train_timesteps = {numTrainTimesteps}.",
                    "config.TrainedBetas");
            var b = new float[trainedBetas.Length];
            for (int i = 0; i < b.Length; i++) b[i] = (float)trainedBetas[i];
            return b;
        }
        return betaSchedule switch
        {
            Linear => TorchLinspace((float)betaStart, (float)betaEnd, numTrainTimesteps),
            // "scaled_linear" (Stable Diffusion): linear in sqrt(beta), then squared.
            ScaledLinear => Square(TorchLinspace((float)Math.Sqrt(betaStart), (float)Math.Sqrt(betaEnd), numTrainTimesteps)),
            SquaredCosCapV2 => BetasForAlphaBar(numTrainTimesteps),
            _ => throw new NotSupportedException(
                $"{schedulerName}: beta_schedule '{betaSchedule}' is not supported; expected linear, scaled_linear or squaredcos_cap_v2."),
        };
    }

    /// <summary>
    /// Cosine schedule of Nichol &amp; Dhariwal 2021 ("Improved DDPM", eq. 17):
    /// alpha_bar(t) = cos^2(((t + 0.008) / 1.008) * pi / 2), beta_i = min(1 - alpha_bar(t_{i+1}) / alpha_bar(t_i), 0.999).
    /// </summary>
    private static float[] BetasForAlphaBar(int n, double maxBeta = 0.999)
    {
        static double AlphaBar(double t) { double c = Math.Cos((t + 0.008) / 1.008 * Math.PI / 2); return c * c; }
        var betas = new float[n];
        for (int i = 0; i < n; i++)
        {
            double t1 = (double)i / n, t2 = (double)(i + 1) / n;
            betas[i] = (float)Math.Min(1 - AlphaBar(t2) / AlphaBar(t1), maxBeta);
        }
        return betas;
    }

    /// <summary>
    /// Zero terminal SNR rescaling, Lin et al. 2023 "Common Diffusion Noise Schedules and Sample Steps are Flawed",
    /// Algorithm 1: shift and scale sqrt(alpha_bar) so the last value is 0 and the first is unchanged.
    /// </summary>
    public static float[] RescaleZeroTerminalSnr(float[] betas)
    {
        float[] alphaBar = CumulativeProduct(OneMinus(betas));
        int n = betas.Length;
        var sqrtBar = new float[n];
        for (int i = 0; i < n; i++) sqrtBar[i] = MathF.Sqrt(alphaBar[i]);
        float first = sqrtBar[0], last = sqrtBar[n - 1];
        float scale = first / (first - last);
        for (int i = 0; i < n; i++) sqrtBar[i] = (sqrtBar[i] - last) * scale;
        var result = new float[n];
        float prevBar = sqrtBar[0] * sqrtBar[0];
        result[0] = 1 - prevBar;
        for (int i = 1; i < n; i++)
        {
            float bar = sqrtBar[i] * sqrtBar[i];
            result[i] = 1 - bar / prevBar;
            prevBar = bar;
        }
        return result;
    }

    public static float[] OneMinus(float[] x)
    {
        var r = new float[x.Length];
        for (int i = 0; i < x.Length; i++) r[i] = 1f - x[i];
        return r;
    }

    /// <summary>alpha_bar_t = prod_{s &lt;= t} alpha_s, accumulated in double then stored as float32 (torch CPU cumprod).</summary>
    public static float[] CumulativeProduct(float[] x)
    {
        var r = new float[x.Length];
        double acc = 1.0;
        for (int i = 0; i < x.Length; i++) { acc *= x[i]; r[i] = (float)acc; }
        return r;
    }

    /// <summary>torch.linspace for float32: a float step, filled from the start for the first half and from the end for the second.</summary>
    public static float[] TorchLinspace(float start, float end, int steps)
    {
        var r = new float[steps];
        if (steps == 1) { r[0] = start; return r; }
        float step = (end - start) / (steps - 1);
        int halfway = steps / 2;
        for (int i = 0; i < steps; i++)
            r[i] = i < halfway ? start + step * i : end - step * (steps - i - 1);
        return r;
    }

    private static float[] Square(float[] x)
    {
        for (int i = 0; i < x.Length; i++) x[i] *= x[i];
        return x;
    }

    /// <summary>
    /// Inference timesteps for the leading / trailing / linspace spacings (Lin et al. 2023, Table 2), descending:
    /// linspace = linspace(0, T - 1, n) (rounded for the integer-timestep schedulers), leading = arange(n) * (T // n) +
    /// steps_offset, trailing = round(arange(T, 0, -T / n)) - 1.
    /// </summary>
    public static float[] SpacedTimesteps(string spacing, int numTrain, int steps, int stepsOffset, bool roundLinspace)
    {
        switch (spacing)
        {
            case "linspace":
            {
                double[] l = NumpyLinspace(0, numTrain - 1, steps);
                var ts = new float[steps];
                for (int i = 0; i < steps; i++)
                {
                    double v = l[steps - 1 - i];
                    ts[i] = roundLinspace ? (float)Math.Round(v) : (float)v;
                }
                return ts;
            }
            case "leading":
            {
                int ratio = numTrain / steps;
                var ts = new float[steps];
                for (int i = 0; i < steps; i++) ts[i] = (float)((steps - 1 - i) * ratio) + stepsOffset;
                return ts;
            }
            case "trailing":
            {
                return TrailingTimesteps(numTrain, numTrain, steps);
            }
            default: throw new NotSupportedException($"timestep_spacing '{spacing}' is not supported.");
        }
    }

    /// <summary>
    /// round(arange(start, 0, -numTrain / steps)) - 1, in double like numpy. For some step counts (e.g. 61 of 1000)
    /// numpy's float arange overshoots by one element of about 1e-12, which diffusers turns into a timestep of -1 (and
    /// then indexes alpha_bar[-1], the last entry); such entries are not timesteps and are left out here.
    /// </summary>
    public static float[] TrailingTimesteps(int start, int numTrain, int steps)
    {
        double[] a = NumpyArange(start, 0, -(double)numTrain / steps);
        var ts = new List<float>(a.Length);
        foreach (double v in a)
        {
            double t = Math.Round(v) - 1;
            if (t >= 0) ts.Add((float)t);
        }
        return ts.ToArray();
    }

    /// <summary>numpy.linspace(start, stop, num) in double (endpoint included).</summary>
    public static double[] NumpyLinspace(double start, double stop, int num)
    {
        var r = new double[num];
        if (num == 0) return r;
        if (num == 1) { r[0] = start; return r; }
        double step = (stop - start) / (num - 1);
        for (int i = 0; i < num; i++) r[i] = start + i * step;
        r[num - 1] = stop;
        return r;
    }

    /// <summary>numpy.arange(start, stop, step) for a float step: ceil((stop - start) / step) values start + i * step.</summary>
    public static double[] NumpyArange(double start, double stop, double step)
    {
        int n = Math.Max(0, (int)Math.Ceiling((stop - start) / step));
        var r = new double[n];
        for (int i = 0; i < n; i++) r[i] = start + i * step;
        return r;
    }

    /// <summary>numpy.interp(x, [0, 1, ..., fp.Length - 1], fp) with clamping at both ends.</summary>
    public static double InterpAtIndex(double x, float[] fp)
    {
        if (x <= 0) return fp[0];
        int last = fp.Length - 1;
        if (x >= last) return fp[last];
        int lo = (int)Math.Floor(x);
        double w = x - lo;
        if (w == 0) return fp[lo];
        double slope = ((double)fp[lo + 1] - fp[lo]);
        return slope * w + fp[lo];
    }

    /// <summary>
    /// Inverse of the sigma table: the fractional training timestep whose sigma is <paramref name="sigma"/>,
    /// linear in log sigma between the two bracketing training timesteps (diffusers' <c>_sigma_to_t</c>).
    /// <paramref name="logSigmas"/> is ascending in timestep.
    /// </summary>
    public static double SigmaToT(double sigma, float[] logSigmas)
    {
        double logSigma = Math.Log(Math.Max(sigma, 1e-10));
        // low_idx = last index whose log sigma is <= log_sigma (argmax of the running count), clipped to n - 2.
        int count = 0;
        for (int i = 0; i < logSigmas.Length; i++) if (logSigma - logSigmas[i] >= 0) count++;
        int lowIdx = count == 0 ? 0 : count - 1;
        // argmax of a cumulative count returns the first index reaching the maximum.
        if (count > 0)
        {
            int running = 0;
            for (int i = 0; i < logSigmas.Length; i++)
            {
                if (logSigma - logSigmas[i] >= 0) running++;
                if (running == count) { lowIdx = i; break; }
            }
        }
        lowIdx = Math.Min(lowIdx, logSigmas.Length - 2);
        int highIdx = lowIdx + 1;
        double low = logSigmas[lowIdx], high = logSigmas[highIdx];
        double w = (low - logSigma) / (low - high);
        w = Math.Clamp(w, 0, 1);
        return (1 - w) * lowIdx + w * highIdx;
    }

    /// <summary>
    /// Karras et al. 2022 ("Elucidating the Design Space", eq. 5) noise levels with rho = 7:
    /// sigma_i = (sigma_max^(1/rho) + i/(n-1) * (sigma_min^(1/rho) - sigma_max^(1/rho)))^rho.
    /// </summary>
    public static double[] KarrasSigmas(double sigmaMin, double sigmaMax, int n)
    {
        const double rho = 7.0;
        double[] ramp = NumpyLinspace(0, 1, n);
        double minInv = Math.Pow(sigmaMin, 1 / rho), maxInv = Math.Pow(sigmaMax, 1 / rho);
        var r = new double[n];
        for (int i = 0; i < n; i++) r[i] = Math.Pow(maxInv + ramp[i] * (minInv - maxInv), rho);
        return r;
    }

    /// <summary>Noise levels uniform in log sigma between sigma_max and sigma_min.</summary>
    public static double[] ExponentialSigmas(double sigmaMin, double sigmaMax, int n)
    {
        double[] l = NumpyLinspace(Math.Log(sigmaMax), Math.Log(sigmaMin), n);
        for (int i = 0; i < n; i++) l[i] = Math.Exp(l[i]);
        return l;
    }
}

/// <summary>Argument checks shared by the schedulers; every message names the offending parameter.</summary>
internal static class SchedulerGuard
{
    public static void SameLength(int expected, int actual, string paramName, string referenceName)
    {
        if (actual != expected)
            throw new ArgumentException(
                $"{paramName} has {actual} elements but {referenceName} has {expected}; all spans of one call must have the same length.",
                paramName);
    }

    /// <summary>Exact aliasing (in-place) is fine for elementwise maths; a shifted overlap would read already-written values.</summary>
    public static void NoPartialOverlap(ReadOnlySpan<float> input, ReadOnlySpan<float> output, string inputName, string outputName)
    {
        if (input.Overlaps(output, out int offset) && offset != 0)
            throw new ArgumentException($"{outputName} partially overlaps {inputName}; pass the same memory or disjoint memory.", outputName);
    }

    public static void NumInferenceSteps(int numInferenceSteps, int numTrainTimesteps, string schedulerName)
    {
        if (numInferenceSteps < 1)
            throw new ArgumentOutOfRangeException(nameof(numInferenceSteps), numInferenceSteps,
                $"{schedulerName}: numInferenceSteps must be at least 1.");
        if (numInferenceSteps > numTrainTimesteps)
            throw new ArgumentOutOfRangeException(nameof(numInferenceSteps), numInferenceSteps,
                $"{schedulerName}: numInferenceSteps cannot be larger than num_train_timesteps = {numTrainTimesteps}.");
    }

    /// <summary>A training timestep used as an index: must be an integer in [0, numTrainTimesteps).</summary>
    public static int TrainTimestep(float timestep, int numTrainTimesteps, string paramName)
    {
        if (!float.IsFinite(timestep) || timestep != MathF.Round(timestep) || timestep < 0 || timestep >= numTrainTimesteps)
            throw new ArgumentOutOfRangeException(paramName, timestep,
                $"Expected an integer training timestep in [0, {numTrainTimesteps}).");
        return (int)timestep;
    }

    public static void NoThresholding(SchedulerConfig config, string schedulerName)
    {
        if (config.Thresholding == true)
            throw new NotSupportedException(
                $"{schedulerName}: thresholding = true (dynamic thresholding) is not supported; set thresholding to false.");
    }

    public static string OneOf(string? value, string fallback, string field, string schedulerName, params string[] allowed)
    {
        string v = value ?? fallback;
        if (Array.IndexOf(allowed, v) < 0)
            throw new NotSupportedException(
                $"{schedulerName}: {field} '{v}' is not supported; expected one of {string.Join(", ", allowed)}.");
        return v;
    }

    public static void Positive(int value, string field, string schedulerName)
    {
        if (value < 1)
            throw new ArgumentOutOfRangeException("config." + field, value, $"{schedulerName}: {field} must be at least 1.");
    }
}

/// <summary>What the network predicts: the noise eps, the clean sample x_0, or the velocity v (Salimans &amp; Ho 2022).</summary>
internal enum PredictionKind { Epsilon, Sample, VPrediction }

internal static class PredictionKinds
{
    /// <summary>Maps the validated prediction_type string once per step so the elementwise loops branch on an enum.</summary>
    public static PredictionKind Parse(string predictionType) => predictionType switch
    {
        "epsilon" => PredictionKind.Epsilon,
        "sample" => PredictionKind.Sample,
        "v_prediction" => PredictionKind.VPrediction,
        _ => throw new NotSupportedException($"prediction_type '{predictionType}' is not supported."),
    };
}
