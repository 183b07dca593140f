namespace MLAugment.Diffusion.Sampling;

/// <summary>
/// Sampling settings shared by every mode, with diffusers' argument names in spirit
/// (num_inference_steps, guidance_scale, negative_prompt, eta, generator-per-image seeds).
/// </summary>
public sealed record GenerationOptions
{
    public int NumInferenceSteps { get; init; } = 20;
    /// <summary>Classifier-free guidance scale w: ε = ε_uncond + w·(ε_cond − ε_uncond); 1 disables the unconditional pass.</summary>
    public float GuidanceScale { get; init; } = 3f;
    /// <summary>diffusers scheduler class name (DPMSolverMultistepScheduler, DDIMScheduler, ...); null = the model's own.</summary>
    public string? Scheduler { get; init; } = "DPMSolverMultistepScheduler";
    public string? NegativePrompt { get; init; }
    /// <summary>DDIM η (0 = deterministic DDIM).</summary>
    public float Eta { get; init; } = 0f;
    /// <summary>Rows per denoiser call (CFG doubles the rows sent to the model).</summary>
    public int BatchSize { get; init; } = 64;
    /// <summary>Optional gradient guidance (classifier guidance or any differentiable score).</summary>
    public GradientGuidance? Guidance { get; init; }
    /// <summary>Called after each step with (step, total).</summary>
    public IProgress<(int Step, int Total)>? Progress { get; init; }

    public void Validate()
    {
        if (NumInferenceSteps < 1) throw new ArgumentOutOfRangeException(nameof(NumInferenceSteps), NumInferenceSteps, "steps must be >= 1.");
        if (!(GuidanceScale >= 0) || float.IsInfinity(GuidanceScale)) throw new ArgumentOutOfRangeException(nameof(GuidanceScale), GuidanceScale, "guidance scale must be a finite value >= 0.");
        if (BatchSize < 1) throw new ArgumentOutOfRangeException(nameof(BatchSize), BatchSize, "batch size must be >= 1.");
        if (!(Eta >= 0)) throw new ArgumentOutOfRangeException(nameof(Eta), Eta, "eta must be >= 0.");
    }
}
