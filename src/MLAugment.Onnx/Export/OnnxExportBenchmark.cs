using System.Diagnostics;
using MLAugment.Diffusion.Models;
using MLAugment.Diffusion.Sampling;
using MLAugment.Engine;
using MLAugment.Onnx.ClassConditional;
using MLAugment.Onnx.Runtime;
using AG = MLAugment.Engine.Autograd.Autograd;

namespace MLAugment.Onnx.Export;

/// <summary>One comparison row: the engine ("ours") against ONNX Runtime ("anchor") on the same exported model.</summary>
public sealed record EngineVersusOrtTiming(string Name, double OursMs, double AnchorMs)
{
    /// <summary>ours / anchor: the engine's goal is ≤ 1.25.</summary>
    public double Ratio => OursMs / AnchorMs;
}

/// <summary>
/// Timing helpers for benchmark tables (not used by sampling): ms per UNet call and ms per generated image on any
/// <see cref="IDiffusionBackend"/>, and both on the engine and on ORT for one model exported with
/// <see cref="ClassConditionalOnnxFolder.Export"/>.
/// </summary>
public static class OnnxExportBenchmark
{
    /// <summary>Mean ms per <see cref="IDiffusionBackend.Predict"/> on <paramref name="batchSize"/> random latent rows (first
    /// known class), after warm-up calls (use enough — ~30 — for the engine's JIT tiering to settle; a sampling run makes
    /// 20–50 calls).</summary>
    public static double MeasureUNetMilliseconds(IDiffusionBackend backend, int batchSize = 2, int iterations = 5, int warmup = 1, ulong seed = 0)
    {
        ArgumentNullException.ThrowIfNull(backend);
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(iterations, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(warmup);
        var latents = Tensor.Randn(new Generator(seed), batchSize, backend.LatentChannels, backend.LatentHeight, backend.LatentWidth);
        var condition = backend.KnownConditions.Count > 0 ? backend.EncodeCondition(backend.KnownConditions[0]) : backend.NullCondition();
        var conditions = Enumerable.Repeat(condition, batchSize).ToArray();
        float t = (backend.SchedulerConfig.NumTrainTimesteps ?? 1000) / 2;
        void Call()
        {
            using var scope = TensorScope.Begin();
            using var noGrad = AG.NoGrad();
            backend.Predict(latents, t, conditions);
        }
        for (int i = 0; i < warmup; i++) Call();
        var watch = Stopwatch.StartNew();
        for (int i = 0; i < iterations; i++) Call();
        return watch.Elapsed.TotalMilliseconds / iterations;
    }

    /// <summary>
    /// Mean ms per generated image: <paramref name="images"/> images (first known condition, seeds 0..n−1) through
    /// <see cref="DiffusionPipeline.Generate"/> with <paramref name="steps"/> steps and classifier-free guidance
    /// (<paramref name="guidanceScale"/> ≠ 1 doubles the UNet rows), after one untimed warm-up image.
    /// </summary>
    public static double MeasureImageMilliseconds(IDiffusionBackend backend, int images = 1, int steps = 20, float guidanceScale = 3f,
        string scheduler = "DPMSolverMultistepScheduler")
    {
        ArgumentNullException.ThrowIfNull(backend);
        ArgumentOutOfRangeException.ThrowIfLessThan(images, 1);
        var pipeline = new DiffusionPipeline(backend);
        string prompt = backend.KnownConditions.Count > 0 ? backend.KnownConditions[0] : "";
        var options = new GenerationOptions { NumInferenceSteps = steps, GuidanceScale = guidanceScale, Scheduler = scheduler };
        // Warm-up: a whole sampling run, so the engine's managed code has reached its optimised JIT tier (tiered
        // compilation promotes a method after ~30 calls) before timing, as it has in any real sampling job.
        using (AG.NoGrad()) pipeline.Generate([prompt], [0L], options);
        var prompts = Enumerable.Repeat(prompt, images).ToArray();
        var seeds = Enumerable.Range(0, images).Select(i => (long)i).ToArray();
        var watch = Stopwatch.StartNew();
        using (AG.NoGrad()) pipeline.Generate(prompts, seeds, options);
        return watch.Elapsed.TotalMilliseconds / images;
    }

    /// <summary>
    /// Exports <paramref name="model"/> to a temporary ONNX folder and times the same work on the engine and on ORT:
    /// rows "unet_call_b{batch}" (ms per UNet call) and "image_{steps}steps_cfg" (ms per generated image).
    /// Without <paramref name="sessionOptions"/> ORT gets as many intra-op threads as the engine may use
    /// (<see cref="EngineOptions.MaxDegreeOfParallelism"/>), so the ratio compares like with like.
    /// </summary>
    public static IReadOnlyList<EngineVersusOrtTiming> CompareEngineWithOrt(LatentDiffusionModel model, int batchSize = 2, int iterations = 10,
        int steps = 20, int images = 2, OrtSessionOptions? sessionOptions = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        string folder = Path.Combine(Path.GetTempPath(), "mlaugment-onnx-bench-" + Guid.NewGuid().ToString("N"));
        try
        {
            ClassConditionalOnnxFolder.Export(model, folder);
            sessionOptions ??= new OrtSessionOptions { IntraOpNumThreads = EngineOptions.MaxDegreeOfParallelism, InterOpNumThreads = 1 };
            using var ort = new OnnxClassConditionalBackend(folder, sessionOptions);
            return
            [
                new($"unet_call_b{batchSize}",
                    MeasureUNetMilliseconds(model, batchSize, iterations), MeasureUNetMilliseconds(ort, batchSize, iterations)),
                new($"image_{steps}steps_cfg",
                    MeasureImageMilliseconds(model, images, steps), MeasureImageMilliseconds(ort, images, steps)),
            ];
        }
        finally
        {
            try { Directory.Delete(folder, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        }
    }

    internal static double MeasureUNetMilliseconds(OnnxClassConditionalBackend backend, int batchSize, int iterations, int warmup, ulong seed) =>
        MeasureUNetMilliseconds((IDiffusionBackend)backend, batchSize, iterations, warmup, seed);
}
