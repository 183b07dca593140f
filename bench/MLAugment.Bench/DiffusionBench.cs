using System.Diagnostics;
using MLAugment.Data;
using MLAugment.Diffusion.Models;
using MLAugment.Diffusion.Sampling;
using MLAugment.Engine;
using MLAugment.Onnx.ClassConditional;
using MLAugment.Onnx.Export;
using MLAugment.Onnx.Runtime;
using MLAugment.Tasks.Recipes;
using AG = MLAugment.Engine.Autograd.Autograd;

namespace MLAugment.Bench;

/// <summary>
/// `diffusion` bench: the embedded model's architecture (FashionDiffusionRecipe configs; speed does not depend on the
/// weights, so random weights are used and the bench runs before training finishes) sampled on the engine ("ours")
/// and on ONNX Runtime running the same model exported to ONNX ("anchor"). Rows: ms per UNet call at batch 64,
/// ms per generated image (DPM-Solver++ 20 steps, guidance 3, batch 64), ms per img2img image at strength 0.5.
/// Writes bench/results/diffusion.json.
/// </summary>
public static class DiffusionBench
{
    public static int Run(string[] args)
    {
        int batch = 64;
        var g = new Generator(0);
        var model = new LatentDiffusionModel(new ConditionalUNet(FashionDiffusionRecipe.UNetConfig, g),
            new Autoencoder(FashionDiffusionRecipe.VaeConfig, g), FashionMnist.ClassNames, FashionDiffusionRecipe.SchedulerConfig);
        string folder = Path.Combine(Path.GetTempPath(), "mlaugment-diffusion-bench-" + Guid.NewGuid().ToString("N"));
        var rows = new List<BenchRow>();
        try
        {
            ClassConditionalOnnxFolder.Export(model, folder);
            using var ort = new OnnxClassConditionalBackend(folder,
                new OrtSessionOptions { IntraOpNumThreads = EngineOptions.MaxDegreeOfParallelism, InterOpNumThreads = 1 });
            Console.WriteLine($"diffusion bench: batch {batch}, MaxDegreeOfParallelism={EngineOptions.MaxDegreeOfParallelism}; anchor = ONNX Runtime {OnnxRuntimeLibrary.Default.Version} on the exported model");
            rows.Add(new BenchRow($"unet_call_b{batch}", OnnxExportBenchmark.MeasureUNetMilliseconds(model, batch, 10, warmup: 30),
                OnnxExportBenchmark.MeasureUNetMilliseconds(ort, batch, 10, warmup: 30)));
            rows.Add(new BenchRow($"generate_ms_per_image_dpmpp20_cfg3_b{batch}", OnnxExportBenchmark.MeasureImageMilliseconds(model, batch, 20),
                OnnxExportBenchmark.MeasureImageMilliseconds(ort, batch, 20)));
            rows.Add(new BenchRow($"img2img_ms_per_image_s0.5_dpmpp20_cfg3_b{batch}", Img2ImgMs(model, batch), Img2ImgMs(ort, batch)));
        }
        finally
        {
            try { Directory.Delete(folder, recursive: true); } catch (IOException) { }
        }
        BenchReport.Print(rows);
        string path = Path.Combine(EngineBench.RepoRoot(), "bench", "results", "diffusion.json");
        BenchReport.Write(path, rows);
        Console.WriteLine($"wrote {path}");
        return 0;
    }

    private static double Img2ImgMs(IDiffusionBackend backend, int n)
    {
        var pipeline = new DiffusionPipeline(backend);
        var images = Tensor.Rand(new Generator(1), n, backend.ImageChannels, backend.ImageHeight, backend.ImageWidth) * 2f - 1f;
        var prompts = Enumerable.Repeat(backend.KnownConditions[0], n).ToArray();
        var seeds = Enumerable.Range(0, n).Select(i => (long)i).ToArray();
        var o = new GenerationOptions { NumInferenceSteps = 20, GuidanceScale = 3f, BatchSize = n };
        using (AG.NoGrad()) pipeline.ImageToImage(images.Narrow0(0, 1), prompts[..1], seeds[..1], 0.5f, o); // warm-up: JIT tiering settles
        var watch = Stopwatch.StartNew();
        using (AG.NoGrad()) pipeline.ImageToImage(images, prompts, seeds, 0.5f, o);
        return watch.Elapsed.TotalMilliseconds / n;
    }
}
