using MLAugment.Diffusion.Schedulers;
using MLAugment.Engine;
using AG = MLAugment.Engine.Autograd.Autograd;

namespace MLAugment.Diffusion.Sampling;

public sealed partial class DiffusionPipeline
{
    /// <summary>
    /// Blended (Latent) Diffusion (Avrahami et al. 2022/2023): regenerate only where <paramref name="masks"/> is
    /// nonzero. After every step the latents outside the (latent-resolution, optionally dilated) mask are replaced
    /// by the source latents noised to the next step's level, and by the clean source latents after the last step.
    /// Finally the source pixels are pasted back outside the pixel mask, so every pixel there is bit-identical to the input.
    /// </summary>
    /// <param name="images">[N, C, H, W] in [−1, 1].</param>
    /// <param name="masks">[N, 1, H, W]; nonzero = edit this pixel.</param>
    /// <param name="strength">1 starts from pure noise inside the mask; lower keeps more of the source's layout.</param>
    /// <param name="maskDilation">Latent-resolution dilation (in latent pixels) of the blend mask, giving the edit room at the seam.</param>
    public Tensor BlendedEdit(Tensor images, Tensor masks, IReadOnlyList<string> prompts, IReadOnlyList<long> seeds,
        float strength = 1f, int maskDilation = 0, GenerationOptions? options = null)
    {
        options ??= new GenerationOptions();
        options.Validate();
        CheckStrength(strength);
        CheckImages(images, "images");
        int n = images.Shape[0];
        if (masks.Rank != 4 || masks.Shape[0] != n || masks.Shape[1] != 1 || masks.Shape[2] != images.Shape[2] || masks.Shape[3] != images.Shape[3])
            throw new ArgumentException($"masks: shape {ShapeUtil.Format(masks.Shape)} does not match images {ShapeUtil.Format(images.Shape)} (expected [{n}, 1, {images.Shape[2]}, {images.Shape[3]}]).");
        if (maskDilation < 0) throw new ArgumentOutOfRangeException(nameof(maskDilation), maskDilation, "mask dilation must be >= 0.");
        CheckCounts(n, prompts.Count, "prompts");
        CheckCounts(n, seeds.Count, "seeds");
        var conds = prompts.Select(Backend.EncodeCondition).ToArray();
        var edited = RunChunked(n, options, (start, count) =>
        {
            var scheduler = CreateScheduler(options);
            scheduler.SetTimesteps(options.NumInferenceSteps);
            var timesteps = Math.Abs(strength - 1f) < 1e-7f ? scheduler.Timesteps.ToArray() : scheduler.GetImg2ImgTimesteps(strength);
            var src = images.Narrow0(start, count);
            if (timesteps.Length == 0) return src.Clone();
            var x0 = EncodeNoGrad(src);
            var latentMask = LatentMask(masks.Narrow0(start, count), maskDilation);
            var keep = 1f - latentMask;
            var noise = InitialNoise(seeds, start, count, stream: 0);
            var latents = Tensor.EmptyLike(x0);
            if (timesteps.Length == scheduler.Timesteps.Count && strength >= 1f)
            {
                noise.Span.CopyTo(latents.Span);
                latents.Span.MultiplyInPlace(scheduler.InitNoiseSigma);
            }
            else scheduler.AddNoise(x0.Span, noise.Span, timesteps[0], latents.Span);
            var noisedSrc = Tensor.EmptyLike(x0);
            Denoise(scheduler, latents, timesteps, conds.AsSpan(start, count).ToArray(), seeds, start, options, (step, next, x) =>
            {
                Tensor background;
                if (next is float tn) { scheduler.AddNoise(x0.Span, noise.Span, tn, noisedSrc.Span); background = noisedSrc; }
                else background = x0;
                x.CopyFrom(x * latentMask + background * keep);
            });
            return DecodeClamped(latents);
        });
        PasteOutsideMask(edited, images, masks);
        return edited;
    }

    /// <summary>Nonzero-anywhere pooling of the pixel mask to latent resolution, then square dilation.</summary>
    private Tensor LatentMask(Tensor masks, int dilation)
    {
        int n = masks.Shape[0], h = masks.Shape[2], w = masks.Shape[3];
        int lh = Backend.LatentHeight, lw = Backend.LatentWidth;
        int fy = h / lh, fx = w / lw;
        var m = Tensor.Zeros(n, 1, lh, lw);
        var src = masks.Span; var dst = m.Span;
        for (int b = 0; b < n; b++)
            for (int y = 0; y < h; y++)
                for (int x = 0; x < w; x++)
                    if (src[(b * h + y) * w + x] != 0f) dst[(b * lh + Math.Min(y / fy, lh - 1)) * lw + Math.Min(x / fx, lw - 1)] = 1f;
        if (dilation == 0) return m;
        var d = Tensor.Zeros(n, 1, lh, lw);
        var ds = d.Span;
        for (int b = 0; b < n; b++)
            for (int y = 0; y < lh; y++)
                for (int x = 0; x < lw; x++)
                {
                    if (dst[(b * lh + y) * lw + x] == 0f) continue;
                    for (int yy = Math.Max(0, y - dilation); yy <= Math.Min(lh - 1, y + dilation); yy++)
                        for (int xx = Math.Max(0, x - dilation); xx <= Math.Min(lw - 1, x + dilation); xx++)
                            ds[(b * lh + yy) * lw + xx] = 1f;
                }
        return d;
    }

    /// <summary>Copies the source pixels wherever the mask is zero: the exact-background guarantee.</summary>
    private static void PasteOutsideMask(Tensor edited, Tensor source, Tensor masks)
    {
        int n = edited.Shape[0], c = edited.Shape[1], hw = edited.Shape[2] * edited.Shape[3];
        var e = edited.Span; var s = source.Span; var m = masks.Span;
        for (int b = 0; b < n; b++)
            for (int ch = 0; ch < c; ch++)
            {
                int off = (b * c + ch) * hw;
                for (int p = 0; p < hw; p++)
                    if (m[b * hw + p] == 0f) e[off + p] = s[off + p];
            }
    }
}
