namespace MLAugment.Diffusion.Schedulers;

/// <summary>
/// A diffusion sampler's time discretisation, numerically matching the huggingface/diffusers scheduler of the same
/// name. Engine independent: every tensor is a flat span covering the whole batch and all maths is elementwise, so a
/// sampler can wrap any storage. All spans passed to one call must have the same length.
/// </summary>
/// <remarks>
/// Typical loop (what diffusers' pipelines do):
/// <code>
/// scheduler.SetTimesteps(steps);
/// latents *= scheduler.InitNoiseSigma;
/// foreach (float t in scheduler.Timesteps) {
///     input = latents; scheduler.ScaleModelInput(input, t);
///     output = unet(input, t);
///     scheduler.Step(output, t, latents, latents, noise: scheduler.RequiresNoise ? freshNormals : default);
/// }
/// </code>
/// <c>prevSample</c> may be the very same memory as <c>sample</c> or <c>modelOutput</c> (in-place stepping), but must
/// not partially overlap either.
/// </remarks>
public interface IScheduler
{
    /// <summary>The configuration with every field this scheduler uses filled in (defaults resolved as in diffusers).</summary>
    SchedulerConfig Config { get; }

    int NumTrainTimesteps { get; }

    /// <summary>Model evaluations per timestep (diffusers' <c>scheduler.order</c>): 1 for all schedulers here.</summary>
    int Order { get; }

    /// <summary>Number of inference steps set by <see cref="SetTimesteps"/>; null before.</summary>
    int? NumInferenceSteps { get; }

    /// <summary>Builds the inference timesteps; resets any multistep state, step index and begin index.</summary>
    void SetTimesteps(int numInferenceSteps);

    /// <summary>
    /// The inference timesteps in the order they are visited, as diffusers exposes them (integers for DDPM/DDIM/
    /// DPM-Solver, float32 for the Euler schedulers). Empty before <see cref="SetTimesteps"/>.
    /// </summary>
    IReadOnlyList<float> Timesteps { get; }

    /// <summary>Standard deviation of the initial noise the sampling loop starts from.</summary>
    float InitNoiseSigma { get; }

    /// <summary>True when <see cref="Step"/> needs caller-provided standard normal noise with its current settings.</summary>
    bool RequiresNoise { get; }

    /// <summary>Index of the next step into <see cref="Timesteps"/> for index-tracking schedulers; null until the first step.</summary>
    int? StepIndex { get; }

    /// <summary>Index the first step starts at (diffusers' set_begin_index); null when unset.</summary>
    int? BeginIndex { get; }

    /// <summary>
    /// Makes the next loop start at <c>Timesteps[beginIndex]</c> (img2img / inpainting start mid-schedule). Index-tracking
    /// schedulers (Euler, DPM-Solver) then start their step counter there instead of searching for the timestep.
    /// </summary>
    void SetBeginIndex(int beginIndex);

    /// <summary>Scales the denoiser input in place for the given timestep (identity for DDPM/DDIM/DPM-Solver).</summary>
    void ScaleModelInput(Span<float> sample, float timestep);

    /// <summary>
    /// One reverse step x_t -> x_{t-1}. <paramref name="noise"/> holds standard normal draws for stochastic steps
    /// (DDPM variance, DDIM eta &gt; 0, Euler ancestral, SDE DPM-Solver); it is ignored by deterministic steps.
    /// </summary>
    void Step(ReadOnlySpan<float> modelOutput, float timestep, ReadOnlySpan<float> sample, Span<float> prevSample,
        ReadOnlySpan<float> noise = default);

    /// <summary>The x_0 prediction of the last <see cref="Step"/>; empty when this scheduler does not form one.</summary>
    ReadOnlySpan<float> PredOriginalSample { get; }

    /// <summary>Forward diffusion q(x_t | x_0): noises <paramref name="original"/> to the level of <paramref name="timestep"/>.</summary>
    void AddNoise(ReadOnlySpan<float> original, ReadOnlySpan<float> noise, float timestep, Span<float> destination);

    /// <summary>
    /// v-prediction training target v = sqrt(alpha_bar_t) * noise - sqrt(1 - alpha_bar_t) * x_0 (Salimans &amp; Ho 2022)
    /// at the integer training timestep <paramref name="timestep"/>.
    /// </summary>
    void GetVelocity(ReadOnlySpan<float> sample, ReadOnlySpan<float> noise, float timestep, Span<float> destination);
}
