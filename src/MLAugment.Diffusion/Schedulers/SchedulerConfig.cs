using System.Text.Json;
using System.Text.Json.Serialization;

namespace MLAugment.Diffusion.Schedulers;

/// <summary>
/// The fields of a diffusers <c>scheduler_config.json</c>. Every field is optional: a field left out (null) takes
/// the default of the scheduler that reads it, exactly as diffusers' <c>from_config</c> does, so one config can be
/// handed to several schedulers (e.g. an SD 1.5 <c>PNDMScheduler</c> config reused by <see cref="EulerDiscreteScheduler"/>).
/// Fields this library does not know (e.g. <c>_diffusers_version</c>, <c>skip_prk_steps</c>) are kept in
/// <see cref="ExtensionData"/> so a read/write round-trip loses nothing.
/// </summary>
public sealed record SchedulerConfig
{
    [JsonPropertyName("_class_name")] public string? ClassName { get; init; }
    [JsonPropertyName("num_train_timesteps")] public int? NumTrainTimesteps { get; init; }
    [JsonPropertyName("beta_start")] public double? BetaStart { get; init; }
    [JsonPropertyName("beta_end")] public double? BetaEnd { get; init; }
    /// <summary>linear | scaled_linear | squaredcos_cap_v2.</summary>
    [JsonPropertyName("beta_schedule")] public string? BetaSchedule { get; init; }
    /// <summary>Explicit betas; when present they replace beta_start/beta_end/beta_schedule.</summary>
    [JsonPropertyName("trained_betas")] public double[]? TrainedBetas { get; init; }
    /// <summary>epsilon | v_prediction | sample.</summary>
    [JsonPropertyName("prediction_type")] public string? PredictionType { get; init; }
    /// <summary>leading | trailing | linspace.</summary>
    [JsonPropertyName("timestep_spacing")] public string? TimestepSpacing { get; init; }
    [JsonPropertyName("steps_offset")] public int? StepsOffset { get; init; }
    [JsonPropertyName("set_alpha_to_one")] public bool? SetAlphaToOne { get; init; }
    [JsonPropertyName("clip_sample")] public bool? ClipSample { get; init; }
    [JsonPropertyName("clip_sample_range")] public double? ClipSampleRange { get; init; }
    /// <summary>DDPM: fixed_small | fixed_small_log | fixed_large | fixed_large_log. DPM-Solver: null (learned variants are not supported).</summary>
    [JsonPropertyName("variance_type")] public string? VarianceType { get; init; }
    /// <summary>Dynamic thresholding (Imagen). Only false is supported; true is rejected by every scheduler.</summary>
    [JsonPropertyName("thresholding")] public bool? Thresholding { get; init; }
    [JsonPropertyName("dynamic_thresholding_ratio")] public double? DynamicThresholdingRatio { get; init; }
    [JsonPropertyName("sample_max_value")] public double? SampleMaxValue { get; init; }
    /// <summary>Rescale betas to zero terminal SNR (Lin et al. 2023, Algorithm 1).</summary>
    [JsonPropertyName("rescale_betas_zero_snr")] public bool? RescaleBetasZeroSnr { get; init; }

    // DPM-Solver multistep.
    [JsonPropertyName("solver_order")] public int? SolverOrder { get; init; }
    /// <summary>dpmsolver++ | dpmsolver | sde-dpmsolver++ | sde-dpmsolver.</summary>
    [JsonPropertyName("algorithm_type")] public string? AlgorithmType { get; init; }
    /// <summary>midpoint | heun.</summary>
    [JsonPropertyName("solver_type")] public string? SolverType { get; init; }
    [JsonPropertyName("lower_order_final")] public bool? LowerOrderFinal { get; init; }
    [JsonPropertyName("euler_at_final")] public bool? EulerAtFinal { get; init; }
    /// <summary>zero | sigma_min.</summary>
    [JsonPropertyName("final_sigmas_type")] public string? FinalSigmasType { get; init; }
    [JsonPropertyName("lambda_min_clipped")] public double? LambdaMinClipped { get; init; }

    // Sigma schedules (Euler, DPM-Solver).
    [JsonPropertyName("use_karras_sigmas")] public bool? UseKarrasSigmas { get; init; }
    [JsonPropertyName("use_exponential_sigmas")] public bool? UseExponentialSigmas { get; init; }
    [JsonPropertyName("use_lu_lambdas")] public bool? UseLuLambdas { get; init; }
    [JsonPropertyName("use_beta_sigmas")] public bool? UseBetaSigmas { get; init; }
    [JsonPropertyName("sigma_min")] public double? SigmaMin { get; init; }
    [JsonPropertyName("sigma_max")] public double? SigmaMax { get; init; }
    /// <summary>Euler: linear | log_linear.</summary>
    [JsonPropertyName("interpolation_type")] public string? InterpolationType { get; init; }
    /// <summary>Euler: discrete | continuous.</summary>
    [JsonPropertyName("timestep_type")] public string? TimestepType { get; init; }

    /// <summary>Every JSON field not modelled above, preserved verbatim on round-trip.</summary>
    [JsonExtensionData] public Dictionary<string, JsonElement>? ExtensionData { get; init; }

    private static readonly JsonSerializerOptions Options = new()
    {
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        ReadCommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = true,
        Converters = { new PythonFloatConverter() },
    };

    public static SchedulerConfig FromJson(string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        try
        {
            return JsonSerializer.Deserialize<SchedulerConfig>(QuotePythonFloatLiterals(json), Options)
                ?? throw new FormatException("Scheduler config JSON is 'null'; expected an object.");
        }
        catch (JsonException e)
        {
            throw new FormatException($"Scheduler config JSON is invalid: {e.Message}", e);
        }
    }

    public static SchedulerConfig FromFile(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        string json = File.ReadAllText(path);
        try { return FromJson(json); }
        catch (FormatException e) { throw new FormatException($"Scheduler config file '{path}': {e.Message}", e); }
    }

    public string ToJson() => JsonSerializer.Serialize(this, Options);

    public void Save(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        File.WriteAllText(path, ToJson());
    }

    /// <summary>
    /// Python's json module writes non-finite floats as bare NaN / Infinity / -Infinity tokens (diffusers' default
    /// lambda_min_clipped is -inf); System.Text.Json only reads them as strings, so quote them outside string literals.
    /// </summary>
    private static string QuotePythonFloatLiterals(string json)
    {
        var sb = new System.Text.StringBuilder(json.Length + 8);
        bool inString = false;
        for (int i = 0; i < json.Length; i++)
        {
            char c = json[i];
            if (inString)
            {
                sb.Append(c);
                if (c == '\\' && i + 1 < json.Length) sb.Append(json[++i]);
                else if (c == '"') inString = false;
                continue;
            }
            if (c == '"') { inString = true; sb.Append(c); continue; }
            string? token = null;
            foreach (string t in (ReadOnlySpan<string>)["-Infinity", "Infinity", "NaN"])
                if (string.CompareOrdinal(json, i, t, 0, t.Length) == 0) { token = t; break; }
            if (token is null) { sb.Append(c); continue; }
            sb.Append('"').Append(token).Append('"');
            i += token.Length - 1;
        }
        return sb.ToString();
    }

    /// <summary>Reads numbers or the quoted non-finite literals; writes non-finite values as bare tokens like Python.</summary>
    private sealed class PythonFloatConverter : JsonConverter<double>
    {
        public override double Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
        {
            if (reader.TokenType == JsonTokenType.Number) return reader.GetDouble();
            if (reader.TokenType == JsonTokenType.String)
            {
                switch (reader.GetString())
                {
                    case "NaN": return double.NaN;
                    case "Infinity": return double.PositiveInfinity;
                    case "-Infinity": return double.NegativeInfinity;
                }
            }
            throw new JsonException($"Expected a number, got {reader.TokenType}.");
        }

        public override void Write(Utf8JsonWriter writer, double value, JsonSerializerOptions options)
        {
            if (double.IsFinite(value)) writer.WriteNumberValue(value);
            else writer.WriteRawValue(double.IsNaN(value) ? "NaN" : value > 0 ? "Infinity" : "-Infinity", skipInputValidation: true);
        }
    }

    /// <summary>True when both configs serialize to the same JSON (records compare arrays by reference).</summary>
    public bool ContentEquals(SchedulerConfig? other) => other is not null && ToJson() == other.ToJson();
}
