using MLAugment.Diffusion.Sampling;
using MLAugment.Engine;
using MLAugment.Onnx.StableDiffusion;

namespace MLAugment.Onnx.Tests.StableDiffusion;

/// <summary>
/// <see cref="DiffusionPipeline"/> end to end on the ONNX backend over the tiny fixture: text-to-image, image-to-image
/// and blended editing, with seeds, negative prompts and guidance behaving as the pipeline promises.
/// </summary>
[TestClass]
public sealed class OnnxDiffusionPipelineTests
{
    private static readonly GenerationOptions Fast = new() { NumInferenceSteps = 4, GuidanceScale = 3f, Scheduler = "DDIMScheduler" };

    private static OnnxStableDiffusionBackend Backend(TinyStableDiffusionOptions? options = null) => new(TinyFolders.Get(options));

    private static Tensor Images(ulong seed, int n) => Tensor.Rand(new Generator(seed), n, 3, 16, 16) * 2f - 1f;

    private static float MaxAbsDifference(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        Assert.AreEqual(a.Length, b.Length);
        float max = 0;
        for (int i = 0; i < a.Length; i++) max = MathF.Max(max, MathF.Abs(a[i] - b[i]));
        return max;
    }

    [TestMethod]
    public void TextToImage_GivesImagesOfTheModelsSizeInRange()
    {
        using var backend = Backend();
        var pipeline = new DiffusionPipeline(backend);

        var images = pipeline.Generate(["a cat", "a dog"], [1, 2], Fast);

        CollectionAssert.AreEqual(new[] { 2, 3, 16, 16 }, images.Shape.ToArray());
        foreach (var v in images.Span) Assert.IsTrue(v >= -1f && v <= 1f, $"{v}");
        Assert.IsGreaterThan(1e-3f, MaxAbsDifference(images.Narrow0(0, 1).Span, images.Narrow0(1, 1).Span));
    }

    [TestMethod]
    [DataRow("DPMSolverMultistepScheduler")]
    [DataRow("EulerDiscreteScheduler")]
    [DataRow("EulerAncestralDiscreteScheduler")]
    [DataRow("DDPMScheduler")]
    public void TextToImage_RunsWithEachScheduler_OnAnInt64TimestepModel(string scheduler)
    {
        using var backend = Backend(new TinyStableDiffusionOptions { TimestepType = MLAugment.Onnx.Format.OnnxDataType.Int64, TimestepPerRow = true });
        var pipeline = new DiffusionPipeline(backend);

        var images = pipeline.Generate(["a cat"], [3], Fast with { Scheduler = scheduler });

        CollectionAssert.AreEqual(new[] { 1, 3, 16, 16 }, images.Shape.ToArray());
        foreach (var v in images.Span) Assert.IsTrue(v >= -1f && v <= 1f, $"{v}");
    }

    [TestMethod]
    public void TextToImage_SameSeed_IsBitIdentical()
    {
        using var backend = Backend();
        var pipeline = new DiffusionPipeline(backend);

        var a = pipeline.Generate(["a cat"], [42], Fast).ToArray();
        var b = pipeline.Generate(["a cat"], [42], Fast).ToArray();
        var other = pipeline.Generate(["a cat"], [43], Fast).ToArray();

        CollectionAssert.AreEqual(a, b);
        CollectionAssert.AreNotEqual(a, other);
    }

    [TestMethod]
    public void TextToImage_AnImageIsTheSameAloneOrInABatchOfThree()
    {
        using var backend = Backend();
        var pipeline = new DiffusionPipeline(backend);

        var batch = pipeline.Generate(["a cat", "a dog", "a bird"], [7, 8, 9], Fast);
        var alone = pipeline.Generate(["a dog"], [8], Fast);

        Assert.IsLessThanOrEqualTo(1e-4f, MaxAbsDifference(batch.Narrow0(1, 1).Span, alone.Span));
    }

    [TestMethod]
    public void NegativePromptAndGuidanceScale_ChangeTheImage()
    {
        using var backend = Backend();
        var pipeline = new DiffusionPipeline(backend);

        var plain = pipeline.Generate(["a cat"], [5], Fast);
        var negative = pipeline.Generate(["a cat"], [5], Fast with { NegativePrompt = "blurry" });
        var unguided = pipeline.Generate(["a cat"], [5], Fast with { GuidanceScale = 1f });

        Assert.IsGreaterThan(1e-4f, MaxAbsDifference(plain.Span, negative.Span));
        Assert.IsGreaterThan(1e-4f, MaxAbsDifference(plain.Span, unguided.Span));
    }

    [TestMethod]
    public void ImageToImage_RunsAndStrengthZeroKeepsTheImage()
    {
        using var backend = Backend(new TinyStableDiffusionOptions { VaeEncoderOutput = VaeEncoderOutputKind.LatentParameters, InputIdsType = MLAugment.Onnx.Format.OnnxDataType.Int64 });
        var pipeline = new DiffusionPipeline(backend);
        var images = Images(3, 2);

        var varied = pipeline.ImageToImage(images, ["a cat", "a dog"], [1, 2], 0.6f, Fast);
        var again = pipeline.ImageToImage(images, ["a cat", "a dog"], [1, 2], 0.6f, Fast);
        var kept = pipeline.ImageToImage(images, ["a cat", "a dog"], [1, 2], 0f, Fast);

        CollectionAssert.AreEqual(new[] { 2, 3, 16, 16 }, varied.Shape.ToArray());
        CollectionAssert.AreEqual(varied.ToArray(), again.ToArray());
        CollectionAssert.AreEqual(images.ToArray(), kept.ToArray());
        foreach (var v in varied.Span) Assert.IsTrue(v >= -1f && v <= 1f, $"{v}");
    }

    [TestMethod]
    public void BlendedEdit_KeepsEveryPixelOutsideTheMaskBitIdentical()
    {
        using var backend = Backend(new TinyStableDiffusionOptions { TimestepType = MLAugment.Onnx.Format.OnnxDataType.Int64, TimestepPerRow = true });
        var pipeline = new DiffusionPipeline(backend);
        var images = Images(4, 2);
        var masks = Tensor.Zeros(2, 1, 16, 16);
        for (int b = 0; b < 2; b++)
            for (int y = 4; y < 12; y++)
                for (int x = 2 + b; x < 10 + b; x++) masks[b, 0, y, x] = 1f;

        var edited = pipeline.BlendedEdit(images, masks, ["a red ball", "a blue ball"], [11, 12], 1f, 0, Fast);

        CollectionAssert.AreEqual(new[] { 2, 3, 16, 16 }, edited.Shape.ToArray());
        int changedInside = 0;
        for (int b = 0; b < 2; b++)
            for (int c = 0; c < 3; c++)
                for (int y = 0; y < 16; y++)
                    for (int x = 0; x < 16; x++)
                    {
                        float before = images[b, c, y, x], after = edited[b, c, y, x];
                        if (masks[b, 0, y, x] == 0)
                            Assert.AreEqual(BitConverter.SingleToInt32Bits(before), BitConverter.SingleToInt32Bits(after), $"outside pixel [{b}, {c}, {y}, {x}]");
                        else if (before != after) changedInside++;
                    }
        Assert.IsGreaterThan(0, changedInside, "the masked region was regenerated");
    }

    [TestMethod]
    public void WrongImageSize_IsAClearError()
    {
        using var backend = Backend();
        var pipeline = new DiffusionPipeline(backend);

        var e = Assert.ThrowsExactly<ArgumentException>(() => pipeline.ImageToImage(Tensor.Zeros(1, 3, 20, 20), ["a cat"], [1], 0.5f, Fast));

        Assert.Contains("20", e.Message);
        Assert.Contains("16", e.Message);
    }
}
