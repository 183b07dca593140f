using MLAugment.Engine;
using MLAugment.Engine.Optim;
using AG = MLAugment.Engine.Autograd.Autograd;

namespace MLAugment.Diffusion.Sampling;

public sealed partial class DiffusionPipeline
{
    /// <summary>
    /// Latents whose decoding matches <paramref name="images"/> more closely than the encoder's: starting from the
    /// posterior mean, minimises the per-image mean squared error ‖D(z) − x‖² over z with Adam (decoder inversion, as
    /// in GAN inversion and the "exact inversion" line of latent-diffusion editing). An amortised encoder leaves a gap
    /// the decoder could close; a DDIM inversion that starts from refined latents reconstructs the source, not only
    /// the autoencoder's round trip. Needs a differentiable backend (<see cref="IDiffusionBackend.SupportsGradients"/>).
    /// </summary>
    /// <param name="images">[N, C, H, W] in [−1, 1].</param>
    /// <param name="steps">Adam steps (0 returns the encoder's latents).</param>
    /// <param name="learningRate">Adam step size in scaled-latent units.</param>
    public Tensor EncodeRefined(Tensor images, int steps = 100, float learningRate = 0.05f, int batchSize = 64)
    {
        CheckImages(images, "images");
        if (steps < 0) throw new ArgumentOutOfRangeException(nameof(steps), steps, "EncodeRefined: steps must be >= 0.");
        if (!(learningRate > 0) || !float.IsFinite(learningRate))
            throw new ArgumentOutOfRangeException(nameof(learningRate), learningRate, "EncodeRefined: the learning rate must be positive and finite.");
        if (batchSize < 1) throw new ArgumentOutOfRangeException(nameof(batchSize), batchSize, "EncodeRefined: batchSize must be >= 1.");
        if (steps > 0 && !Backend.SupportsGradients)
            throw new NotSupportedException($"EncodeRefined: the backend {Backend.GetType().Name} is not differentiable; use steps = 0 (the encoder's latents).");
        var options = new GenerationOptions { BatchSize = batchSize };
        return RunChunked(images.Shape[0], options, (start, count) => Refine(images.Narrow0(start, count), steps, learningRate));
    }

    private Tensor Refine(Tensor target, int steps, float learningRate)
    {
        var z = EncodeNoGrad(target).Clone();
        if (steps == 0) return z;
        var latents = Tensor.Unscoped(z.Shape.ToArray());
        latents.CopyFrom(z);
        using var grad = AG.EnableGrad();
        latents.RequiresGrad = true;
        // Mean over an image's pixels, summed over images: each image's latents get their own image's gradient.
        float perImage = 1f / (target.Length / target.Shape[0]);
        var optimizer = new AdamW([("latents", latents)], learningRate, weightDecay: 0);
        for (int i = 0; i < steps; i++)
        {
            using var scope = TensorScope.Begin();
            var diff = Backend.DecodeLatents(latents) - target;
            var loss = diff.Square().Sum() * perImage;
            // Only ∂loss/∂z: Backward would also fill the decoder weights' gradients (the model stays untouched).
            var g = AG.Grad(loss, [latents])[0];
            latents.Grad ??= Tensor.Unscoped(latents.Shape.ToArray());
            latents.Grad.CopyFrom(g);
            optimizer.Step();
        }
        return latents.Detach();
    }
}
