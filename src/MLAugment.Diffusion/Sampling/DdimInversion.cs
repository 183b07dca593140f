using MLAugment.Diffusion.Schedulers;
using MLAugment.Engine;

namespace MLAugment.Diffusion.Sampling;

public sealed partial class DiffusionPipeline
{
    /// <summary>
    /// DDIM inversion (Song et al. 2021; Mokady et al. 2023): runs the deterministic DDIM update backwards from an
    /// image's latents to x_T under its condition, so that <see cref="ReconstructFromNoise"/> with the same steps
    /// and condition returns (approximately) the image. Guidance scale 1 (no CFG) keeps the map invertible.
    /// </summary>
    /// <param name="latentRefinementSteps">
    /// 0: invert the encoder's latents, so the reconstruction can be no closer to the image than the autoencoder's
    /// round trip. &gt; 0: first fit the latents to the image through the decoder (<see cref="EncodeRefined"/>).
    /// </param>
    public Tensor Invert(Tensor images, IReadOnlyList<string> prompts, int numInferenceSteps = 50, int batchSize = 64, int latentRefinementSteps = 0)
    {
        CheckImages(images, "images");
        CheckCounts(images.Shape[0], prompts.Count, "prompts");
        var latents = latentRefinementSteps != 0 ? EncodeRefined(images, latentRefinementSteps, batchSize: batchSize) : EncodeChunked(images, batchSize);
        return InvertLatents(latents, prompts, numInferenceSteps, batchSize);
    }

    /// <summary>DDIM inversion of given (scaled) latents: x_0 → x_T under each row's condition.</summary>
    public Tensor InvertLatents(Tensor latents, IReadOnlyList<string> prompts, int numInferenceSteps = 50, int batchSize = 64)
    {
        CheckLatents(latents, "latents");
        CheckCounts(latents.Shape[0], prompts.Count, "prompts");
        var options = new GenerationOptions { NumInferenceSteps = numInferenceSteps, GuidanceScale = 1f, BatchSize = batchSize, Scheduler = DdimInverseScheduler.ClassName };
        options.Validate();
        var conds = prompts.Select(Backend.EncodeCondition).ToArray();
        var dummySeeds = new long[latents.Shape[0]];
        return RunChunked(latents.Shape[0], options, (start, count) =>
        {
            var scheduler = new DdimInverseScheduler(Backend.SchedulerConfig with { ClassName = DdimInverseScheduler.ClassName });
            scheduler.SetTimesteps(numInferenceSteps);
            var x = latents.Narrow0(start, count).Clone();
            Denoise(scheduler, x, scheduler.Timesteps.ToArray(), conds.AsSpan(start, count).ToArray(), dummySeeds, start, options, blend: null);
            return x;
        });
    }

    private Tensor EncodeChunked(Tensor images, int batchSize) =>
        RunChunked(images.Shape[0], new GenerationOptions { BatchSize = batchSize }, (start, count) => EncodeNoGrad(images.Narrow0(start, count)));

    /// <summary>Deterministic DDIM (η = 0, no CFG) from given x_T latents back to images.</summary>
    public Tensor ReconstructFromNoise(Tensor latents, IReadOnlyList<string> prompts, int numInferenceSteps = 50, int batchSize = 64)
    {
        CheckLatents(latents, "latents");
        CheckCounts(latents.Shape[0], prompts.Count, "prompts");
        var options = new GenerationOptions { NumInferenceSteps = numInferenceSteps, GuidanceScale = 1f, BatchSize = batchSize, Scheduler = DdimScheduler.ClassName };
        options.Validate();
        var conds = prompts.Select(Backend.EncodeCondition).ToArray();
        var dummySeeds = new long[latents.Shape[0]];
        return RunChunked(latents.Shape[0], options, (start, count) =>
        {
            var scheduler = CreateScheduler(options);
            scheduler.SetTimesteps(numInferenceSteps);
            var x = latents.Narrow0(start, count).Clone();
            Denoise(scheduler, x, scheduler.Timesteps.ToArray(), conds.AsSpan(start, count).ToArray(), dummySeeds, start, options, blend: null);
            return DecodeClamped(x);
        });
    }
}
