using MLAugment.Diffusion.Sampling;
using MLAugment.Engine;

namespace MLAugment.Diffusion.Tests.Sampling;

[TestClass]
public sealed class DiffusionPipelineTests
{
    private static readonly GenerationOptions Fast = new() { NumInferenceSteps = 4, GuidanceScale = 2f, BatchSize = 2 };

    [TestMethod]
    public void GenerationIsBitIdenticalForTheSameSeedsAndIndependentOfBatchSize()
    {
        var p = new DiffusionPipeline(TinyModels.Create());
        var prompts = new[] { "a photo of a sneaker", "Trouser", "t-shirt" };
        var seeds = new long[] { 11, 12, 13 };
        var a = p.Generate(prompts, seeds, Fast);
        var b = p.Generate(prompts, seeds, Fast);
        CollectionAssert.AreEqual(a.ToArray(), b.ToArray(), "same seeds, same images, bit for bit");
        CollectionAssert.AreEqual(new[] { 3, 1, 16, 16 }, a.Shape.ToArray());
        var alone = p.Generate(new[] { prompts[2] }, new[] { seeds[2] }, Fast with { BatchSize = 1 });
        var third = a.Narrow0(2, 1).ToArray();
        var solo = alone.ToArray();
        for (int i = 0; i < solo.Length; i++) Assert.AreEqual(third[i], solo[i], 1e-4f, "an image does not depend on its batch neighbours");
        Assert.IsTrue(a.ToArray().All(v => v >= -1f && v <= 1f));
    }

    [TestMethod]
    public void EverySchedulerRuns()
    {
        var p = new DiffusionPipeline(TinyModels.Create());
        foreach (var s in new[] { "DDPMScheduler", "DDIMScheduler", "EulerDiscreteScheduler", "EulerAncestralDiscreteScheduler", "DPMSolverMultistepScheduler" })
        {
            var img = p.Generate(new[] { "Trouser" }, new long[] { 5 }, Fast with { Scheduler = s });
            Assert.IsTrue(img.ToArray().All(float.IsFinite), s);
        }
    }

    [TestMethod]
    public void BlendedEditLeavesEveryPixelOutsideTheMaskBitIdentical()
    {
        var p = new DiffusionPipeline(TinyModels.Create());
        var images = TinyModels.Images(2);
        var masks = Tensor.Zeros(2, 1, 16, 16);
        for (int y = 4; y < 10; y++) for (int x = 5; x < 12; x++) { masks[0, 0, y, x] = 1; masks[1, 0, y + 2, x - 3] = 1; }
        var edited = p.BlendedEdit(images, masks, new[] { "Sneaker", "Trouser" }, new long[] { 1, 2 }, strength: 1f, maskDilation: 1, options: Fast);
        var e = edited.ToArray(); var src = images.ToArray(); var m = masks.ToArray();
        int inside = 0, changedInside = 0;
        for (int i = 0; i < e.Length; i++)
        {
            if (m[i] == 0) Assert.AreEqual(BitConverter.SingleToInt32Bits(src[i]), BitConverter.SingleToInt32Bits(e[i]), $"pixel {i} outside the mask changed");
            else { inside++; if (e[i] != src[i]) changedInside++; }
        }
        Assert.IsTrue(changedInside > inside / 2, "the masked region was regenerated");
    }

    [TestMethod]
    public void ImageToImageAtStrengthZeroReturnsTheInputAndOtherwiseStaysDeterministic()
    {
        var p = new DiffusionPipeline(TinyModels.Create());
        var images = TinyModels.Images(2);
        var same = p.ImageToImage(images, new[] { "Sneaker", "Sneaker" }, new long[] { 1, 2 }, 0f, Fast);
        CollectionAssert.AreEqual(images.ToArray(), same.ToArray());
        var a = p.ImageToImage(images, new[] { "Sneaker", "Trouser" }, new long[] { 1, 2 }, 0.5f, Fast);
        var b = p.ImageToImage(images, new[] { "Sneaker", "Trouser" }, new long[] { 1, 2 }, 0.5f, Fast);
        CollectionAssert.AreEqual(a.ToArray(), b.ToArray());
    }

    [TestMethod]
    public void DdimInversionRoundTripsWhenTheDenoiserIsSmooth()
    {
        // With ε(x) = k·x the deterministic DDIM map is (nearly) invertible: inversion then reconstruction
        // must return the image up to the discretisation error of 50 steps.
        var p = new DiffusionPipeline(new AnalyticBackend());
        var images = Tensor.Rand(new Generator(2), 2, 1, 8, 8) * 1.6f - 0.8f;
        var noise = p.Invert(images, new[] { "x", "x" }, numInferenceSteps: 50);
        var recon = p.ReconstructFromNoise(noise, new[] { "x", "x" }, numInferenceSteps: 50);
        double psnr = Psnr(images.ToArray(), recon.ToArray());
        Assert.IsTrue(psnr > 30, $"DDIM inversion reconstruction PSNR {psnr:F1} dB");
        Assert.IsFalse(noise.ToArray().SequenceEqual(images.ToArray()), "inversion moved the sample toward noise");
    }

    [TestMethod]
    public void FittingLatentsThroughTheDecoderReconstructsTheImageCloserThanTheEncoder()
    {
        var model = TinyModels.Create();
        var p = new DiffusionPipeline(model);
        var images = Tensor.Rand(new Generator(4), 2, 1, 16, 16) * 1.6f - 0.8f;
        var encoder = p.EncodeRefined(images, steps: 0);
        Tensor encoded;
        using (MLAugment.Engine.Autograd.Autograd.NoGrad()) encoded = model.EncodeImages(images);
        CollectionAssert.AreEqual(encoded.ToArray(), encoder.ToArray(), "0 steps: the encoder's latents, bit for bit");

        var fitted = p.EncodeRefined(images, steps: 30, learningRate: 0.05f);
        double Fit(Tensor z) { using (MLAugment.Engine.Autograd.Autograd.NoGrad()) return Psnr(images.ToArray(), model.DecodeLatents(z).ToArray()); }
        Assert.IsTrue(Fit(fitted) > Fit(encoder) + 1, $"fitted {Fit(fitted):F2} dB vs encoder {Fit(encoder):F2} dB");
        CollectionAssert.AreEqual(fitted.ToArray(), p.EncodeRefined(images, steps: 30, learningRate: 0.05f).ToArray(), "deterministic");
        Assert.IsFalse(fitted.RequiresGrad, "the result is detached");
        Assert.IsTrue(model.Vae.Parameters().All(w => w.Grad is null), "fitting the latents leaves the decoder's weights without gradients");

        // Inverting fitted latents is the same DDIM inversion, started from them.
        var prompts = new[] { "Trouser", "Sneaker" };
        CollectionAssert.AreEqual(p.InvertLatents(fitted, prompts, 5).ToArray(), p.Invert(images, prompts, 5, latentRefinementSteps: 30).ToArray());
    }

    [TestMethod]
    public void LatentFittingAndInversionRejectBadInputs()
    {
        var p = new DiffusionPipeline(TinyModels.Create());
        var images = Tensor.Zeros(1, 1, 16, 16);
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => p.EncodeRefined(images, steps: -1));
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => p.EncodeRefined(images, learningRate: 0f));
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => p.Invert(images, new[] { "Sneaker" }, latentRefinementSteps: -5));
        var wrong = Assert.ThrowsExactly<ArgumentException>(() => p.InvertLatents(Tensor.Zeros(1, 1, 16, 16), new[] { "Sneaker" }));
        StringAssert.Contains(wrong.Message, "latents");
        StringAssert.Contains(wrong.Message, "[1, 1, 16, 16]");
        var frozen = new DiffusionPipeline(new AnalyticBackend(differentiable: false));
        var e = Assert.ThrowsExactly<NotSupportedException>(() => frozen.EncodeRefined(Tensor.Zeros(1, 1, 8, 8), steps: 5));
        StringAssert.Contains(e.Message, "not differentiable");
        Assert.AreEqual(64, frozen.EncodeRefined(Tensor.Zeros(1, 1, 8, 8), steps: 0).Length);
    }

    [TestMethod]
    public void GradientGuidanceChangesTheSampleTowardTheScore()
    {
        var p = new DiffusionPipeline(TinyModels.Create());
        // Score: mean brightness. Guidance toward brighter images must raise it.
        var plain = p.Generate(new[] { "Trouser" }, new long[] { 3 }, Fast with { GuidanceScale = 1f });
        var guided = p.Generate(new[] { "Trouser" }, new long[] { 3 }, Fast with
        {
            GuidanceScale = 1f,
            Guidance = new GradientGuidance(img => img.Mean(new[] { 1, 2, 3 }) * 50f, Scale: 1f),
        });
        Assert.IsTrue(guided.ToArray().Average() > plain.ToArray().Average());
    }

    [TestMethod]
    public void BadInputsAreExplained()
    {
        var p = new DiffusionPipeline(TinyModels.Create());
        var unknown = Assert.ThrowsExactly<UnknownConditionException>(() => p.Generate(new[] { "a photo of a cat" }, new long[] { 1 }, Fast));
        StringAssert.Contains(unknown.Message, "Sneaker");
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => p.ImageToImage(TinyModels.Images(1), new[] { "Sneaker" }, new long[] { 1 }, 1.5f, Fast));
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => p.Generate(new[] { "Sneaker" }, new long[] { 1 }, Fast with { NumInferenceSteps = 0 }));
        var ex = Assert.ThrowsExactly<ArgumentException>(() => p.BlendedEdit(TinyModels.Images(1), Tensor.Zeros(1, 1, 8, 8), new[] { "Sneaker" }, new long[] { 1 }, options: Fast));
        StringAssert.Contains(ex.Message, "[1, 1, 8, 8]");
        StringAssert.Contains(ex.Message, "[1, 1, 16, 16]");
        var size = Assert.ThrowsExactly<ArgumentException>(() => p.ImageToImage(Tensor.Zeros(1, 1, 8, 8), new[] { "Sneaker" }, new long[] { 1 }, 0.5f, Fast));
        StringAssert.Contains(size.Message, "[1, 1, 8, 8]");
    }

    private static double Psnr(float[] a, float[] b)
    {
        double mse = 0;
        for (int i = 0; i < a.Length; i++) { double d = (a[i] - b[i]) / 2.0; mse += d * d; }
        mse /= a.Length;
        return 10 * Math.Log10(1 / Math.Max(mse, 1e-20));
    }
}
