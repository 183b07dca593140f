using System.Text.Json.Nodes;
using MLAugment.Diffusion.Sampling;
using MLAugment.Engine;
using MLAugment.Onnx.ClassConditional;
using MLAugment.Onnx.Export;
using MLAugment.Onnx.Format;
using static MLAugment.Onnx.Tests.Export.ExportModels;

namespace MLAugment.Onnx.Tests.Export;

/// <summary>
/// An engine latent diffusion model exported with <see cref="ClassConditionalOnnxFolder.Export"/> and run by
/// <see cref="OnnxClassConditionalBackend"/> samples the same images as the engine for the same seeds.
/// </summary>
[TestClass]
public sealed class OnnxClassConditionalBackendTests
{
    private static readonly Lazy<(Diffusion.Models.LatentDiffusionModel Model, string Folder)> Exported = new(() =>
    {
        var model = TinyModel(seed: 3);
        string folder = Path.Combine(TestModels.TempDirectory(), "tiny-cc");
        DiffusionOnnxExport.ExportDiffusersFolder(model, folder, new OnnxExternalDataOptions());
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            try { Directory.Delete(Path.GetDirectoryName(folder)!, recursive: true); } catch (IOException) { }
        };
        return (model, folder);
    });

    private static float MaxAbsDifference(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        Assert.AreEqual(a.Length, b.Length);
        float max = 0;
        for (int i = 0; i < a.Length; i++) max = MathF.Max(max, MathF.Abs(a[i] - b[i]));
        return max;
    }

    [TestMethod]
    public void ExportedFolder_HasTheDiffusersOnnxLayoutAndTheClassNames()
    {
        var (model, folder) = Exported.Value;
        foreach (var file in ClassConditionalOnnxFolder.RequiredFiles.Append(ClassConditionalOnnxFolder.VaeEncoder))
            Assert.IsTrue(File.Exists(Path.Combine(folder, file)), file);
        Assert.IsTrue(File.Exists(Path.Combine(folder, "unet", "weights.pb")), "external UNet weights");
        var index = JsonNode.Parse(File.ReadAllText(Path.Combine(folder, ClassConditionalOnnxFolder.ModelIndex)))!;
        CollectionAssert.AreEqual(model.Conditioner.ClassNames.ToArray(), index["class_names"]!.AsArray().Select(n => n!.GetValue<string>()).ToArray());
        Assert.AreEqual(model.ModelId, index["_source_model_id"]!.GetValue<string>());
    }

    [TestMethod]
    public void Backend_ReportsTheModelsShapesAndResolvesLabelsAndAliasesLikeTheEngine()
    {
        var (model, folder) = Exported.Value;
        using var onnx = new OnnxClassConditionalBackend(folder);

        Assert.AreEqual((model.ImageChannels, model.ImageHeight, model.ImageWidth), (onnx.ImageChannels, onnx.ImageHeight, onnx.ImageWidth));
        Assert.AreEqual((model.LatentChannels, model.LatentHeight, model.LatentWidth), (onnx.LatentChannels, onnx.LatentHeight, onnx.LatentWidth));
        CollectionAssert.AreEqual(model.KnownConditions.ToArray(), onnx.KnownConditions.ToArray());
        Assert.AreEqual(model.EncodeCondition("a photo of a trainer"), onnx.EncodeCondition("a photo of a trainer"));
        Assert.AreEqual(model.NullCondition(), onnx.NullCondition());
        Assert.ThrowsExactly<UnknownConditionException>(() => onnx.EncodeCondition("a horse"));
        StringAssert.StartsWith(onnx.ModelId, "onnx-cc:");
    }

    [TestMethod]
    public void PredictEncodeAndDecode_MatchTheEngine()
    {
        var (model, folder) = Exported.Value;
        using var onnx = new OnnxClassConditionalBackend(folder);
        var latents = Tensor.Randn(new Generator(4), 3, model.LatentChannels, model.LatentHeight, model.LatentWidth);
        Condition[] conditions = [model.EncodeCondition("Trouser"), model.NullCondition(), model.EncodeCondition("Sneaker")];
        var images = Tensor.Rand(new Generator(5), 2, 1, 16, 16) * 2f - 1f;

        Assert.IsLessThanOrEqualTo(1e-4, MaxRelativeError(onnx.Predict(latents, 321f, conditions).Span, ExportModels.Engine(() => model.Predict(latents, 321f, conditions))));
        Assert.IsLessThanOrEqualTo(1e-4, MaxRelativeError(onnx.EncodeImages(images).Span, ExportModels.Engine(() => model.EncodeImages(images))));
        Assert.IsLessThanOrEqualTo(1e-4, MaxRelativeError(onnx.DecodeLatents(latents).Span, ExportModels.Engine(() => model.DecodeLatents(latents))));
    }

    [TestMethod]
    [DataRow("DPMSolverMultistepScheduler")]
    [DataRow("DDIMScheduler")]
    public void SamplingTheSameSeeds_OnTheEngineAndOnOrt_GivesTheSameImages(string scheduler)
    {
        var (model, folder) = Exported.Value;
        using var onnx = new OnnxClassConditionalBackend(folder);
        var options = new GenerationOptions { NumInferenceSteps = 6, GuidanceScale = 3f, Scheduler = scheduler };
        string[] prompts = ["Trouser", "a sneaker", "T-shirt/top"];
        long[] seeds = [7, 8, 9];

        var engineImages = new DiffusionPipeline(model).Generate(prompts, seeds, options);
        var ortImages = new DiffusionPipeline(onnx).Generate(prompts, seeds, options);

        CollectionAssert.AreEqual(engineImages.Shape.ToArray(), ortImages.Shape.ToArray());
        float difference = MaxAbsDifference(engineImages.Span, ortImages.Span);
        Assert.IsLessThanOrEqualTo(1e-3f, difference, $"images differ by up to {difference:E3} (pixels in [-1, 1])");
        Assert.IsGreaterThan(1e-2f, MaxAbsDifference(ortImages.Narrow0(0, 1).Span, ortImages.Narrow0(1, 1).Span), "different seeds and classes give different images");
    }

    [TestMethod]
    public void ImageToImage_OnTheEngineAndOnOrt_GivesTheSameImages()
    {
        var (model, folder) = Exported.Value;
        using var onnx = new OnnxClassConditionalBackend(folder);
        var options = new GenerationOptions { NumInferenceSteps = 6, GuidanceScale = 2f, Scheduler = "DDIMScheduler" };
        var sources = Tensor.Rand(new Generator(6), 2, 1, 16, 16) * 2f - 1f;

        var engineImages = new DiffusionPipeline(model).ImageToImage(sources, ["Trouser", "Sneaker"], [1, 2], 0.6f, options);
        var ortImages = new DiffusionPipeline(onnx).ImageToImage(sources, ["Trouser", "Sneaker"], [1, 2], 0.6f, options);

        Assert.IsLessThanOrEqualTo(1e-3f, MaxAbsDifference(engineImages.Span, ortImages.Span));
    }

    [TestMethod]
    public void FolderMissingAFile_IsRefusedNamingIt()
    {
        var (_, folder) = Exported.Value;
        string copy = TestModels.TempDirectory();
        try
        {
            foreach (var file in Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories))
            {
                string to = Path.Combine(copy, Path.GetRelativePath(folder, file));
                Directory.CreateDirectory(Path.GetDirectoryName(to)!);
                File.Copy(file, to);
            }
            File.Delete(Path.Combine(copy, ClassConditionalOnnxFolder.VaeConfig));
            var e = Assert.ThrowsExactly<FileNotFoundException>(() => new OnnxClassConditionalBackend(copy));
            StringAssert.Contains(e.Message, ClassConditionalOnnxFolder.VaeConfig);
        }
        finally
        {
            Directory.Delete(copy, recursive: true);
        }
    }

    [TestMethod]
    public void BenchmarkHelpers_TimeBothRuntimesOnTheSameModel()
    {
        var (model, _) = Exported.Value;
        var rows = OnnxExportBenchmark.CompareEngineWithOrt(model, batchSize: 2, iterations: 1, steps: 2, images: 1);

        CollectionAssert.AreEqual(new[] { "unet_call_b2", "image_2steps_cfg" }, rows.Select(r => r.Name).ToArray());
        foreach (var row in rows)
        {
            Assert.IsGreaterThan(0.0, row.OursMs, row.Name);
            Assert.IsGreaterThan(0.0, row.AnchorMs, row.Name);
            Assert.AreEqual(row.OursMs / row.AnchorMs, row.Ratio, 1e-12);
        }
    }
}
