using System.Diagnostics;
using MLAugment.Data;
using MLAugment.Data.Transforms.Augmentation;
using MLAugment.Diffusion.Models;
using MLAugment.Diffusion.Sampling;
using MLAugment.Diffusion.Schedulers;
using MLAugment.Engine;

namespace MLAugment.Bench;

/// <summary>
/// Streaming benchmark of DiffusionAugment: N source rows, made on the fly (never held in memory), pass through
/// DiffusionAugment → ExtractPixels while a sampler records the peak working set. A flat peak as N grows shows the
/// pipeline streams. Uses a tiny random 16×16 latent diffusion model unless a model folder is given.
/// </summary>
public static class AugmentationBench
{
    public sealed record Result(int SourceRows, long OutputRows, long Generated, double Seconds, double ImagesPerSecond,
        long StartWorkingSetBytes, long PeakWorkingSetBytes, long ManagedHeapAfterBytes);

    /// <summary>CLI entry: <c>augment [--rows N] [--synthetic M] [--steps S] [--batch B] [--model FOLDER]</c>.</summary>
    public static int Run(string[] args)
    {
        int Arg(string name, int fallback)
        {
            int i = Array.IndexOf(args, name);
            return i >= 0 && i + 1 < args.Length ? int.Parse(args[i + 1], System.Globalization.CultureInfo.InvariantCulture) : fallback;
        }
        int m = Array.IndexOf(args, "--model");
        var model = m >= 0 && m + 1 < args.Length ? (IDiffusionBackend)LatentDiffusionModel.Load(args[m + 1]) : TinyModel();
        var r = Stream(model, Arg("--rows", 256), Arg("--synthetic", 2), Arg("--steps", 4), Arg("--batch", 16));
        Console.WriteLine($"augment: {r.SourceRows} source rows -> {r.OutputRows} rows, {r.Generated} generated in {r.Seconds:F2} s " +
            $"({r.ImagesPerSecond:F1} images/s); working set {r.StartWorkingSetBytes / 1048576.0:F1} MiB at start, peak {r.PeakWorkingSetBytes / 1048576.0:F1} MiB; " +
            $"managed heap after a full GC {r.ManagedHeapAfterBytes / 1048576.0:F1} MiB (flat in N = nothing retained per row)");
        return 0;
    }

    /// <summary>Transforms <paramref name="rows"/> rows and reads every output pixel, sampling the working set every 10 ms.</summary>
    public static Result Stream(IDiffusionBackend model, int rows, int syntheticPerImage = 2, int steps = 4, int batchSize = 16)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(rows);
        var ml = new MLContext(seed: 1);
        var classes = model.KnownConditions;
        int w = model.ImageWidth, h = model.ImageHeight;
        var data = ml.Data.LoadFromEnumerable(Rows(rows, w, h, classes));
        // ResizeImages gives the image column its fixed size (ExtractPixels needs one); the rows are already that size.
        var pipeline = ml.Transforms.ResizeImages("Image", w, h).Append(ml.Transforms.DiffusionAugment(new DiffusionAugmentOptions
        {
            Model = model, SyntheticPerImage = syntheticPerImage, NumInferenceSteps = steps, BatchSize = batchSize,
        })).Append(ml.Transforms.ExtractPixels("Pixels", "Image"));
        var transformer = pipeline.Fit(data);
        var output = transformer.Transform(data);

        using var proc = Process.GetCurrentProcess();
        GC.Collect();
        proc.Refresh();
        long start = proc.WorkingSet64, peak = start;
        using var done = new ManualResetEventSlim();
        var sampler = new Thread(() =>
        {
            using var p = Process.GetCurrentProcess();
            while (!done.Wait(10))
            {
                p.Refresh();
                Interlocked.Exchange(ref peak, Math.Max(Interlocked.Read(ref peak), p.WorkingSet64));
            }
        }) { IsBackground = true };
        sampler.Start();
        var clock = Stopwatch.StartNew();
        long outputRows = 0;
        double checksum = 0;
        using (var cursor = output.GetRowCursor([output.Schema["Pixels"]]))
        {
            var get = cursor.GetGetter<VBuffer<float>>(output.Schema["Pixels"]);
            VBuffer<float> v = default;
            while (cursor.MoveNext())
            {
                get(ref v);
                checksum += v.GetValues()[0];
                outputRows++;
            }
        }
        clock.Stop();
        done.Set();
        sampler.Join();
        proc.Refresh();
        long generated = Find(transformer).Statistics.Generated;
        long managedAfter = GC.GetTotalMemory(forceFullCollection: true);
        GC.KeepAlive(checksum);
        GC.KeepAlive(output);
        return new Result(rows, outputRows, generated, clock.Elapsed.TotalSeconds, generated / Math.Max(clock.Elapsed.TotalSeconds, 1e-9),
            start, Math.Max(Interlocked.Read(ref peak), proc.WorkingSet64), managedAfter);
    }

    private static DiffusionAugmentTransformer Find(IEnumerable<ITransformer> chain) =>
        chain.OfType<DiffusionAugmentTransformer>().FirstOrDefault()
        ?? chain.OfType<IEnumerable<ITransformer>>().Select(Find).First();

    public sealed class BenchRow
    {
        public MLImage Image { get; set; } = null!;
        public string Label { get; set; } = "";
    }

    /// <summary>Row i: seeded random pixels and the (i mod classes)-th class; made as the cursor asks, so nothing accumulates.</summary>
    private static IEnumerable<BenchRow> Rows(int n, int w, int h, IReadOnlyList<string> classes)
    {
        for (int i = 0; i < n; i++)
        {
            var px = new byte[w * h * 4];
            new Random(i).NextBytes(px);
            yield return new BenchRow { Image = MLImage.CreateFromPixels(w, h, MLPixelFormat.Rgba32, px), Label = classes[i % classes.Count] };
        }
    }

    /// <summary>A tiny random class-conditional model: 16×16 gray images, 2×4×4 latents, 3 classes.</summary>
    public static LatentDiffusionModel TinyModel(int seed = 0)
    {
        var g = new Generator(seed);
        var unet = new ConditionalUNet(new UNetConfig
        {
            SampleSize = 4, InChannels = 2, OutChannels = 2, BlockOutChannels = [16, 32],
            AttentionLevels = [false, true], AttentionHeadDim = 16, NormNumGroups = 8, LayersPerBlock = 1, NumClassEmbeds = 3,
        }, g);
        var vae = new Autoencoder(new AutoencoderConfig
        {
            InChannels = 1, OutChannels = 1, LatentChannels = 2, BlockOutChannels = [8, 16, 16], NormNumGroups = 4, SampleSize = 16, LayersPerBlock = 1,
        }, g);
        var sched = new SchedulerConfig { ClassName = "DDPMScheduler", NumTrainTimesteps = 1000, BetaSchedule = "linear", BetaStart = 0.0001, BetaEnd = 0.02 };
        return new LatentDiffusionModel(unet, vae, ["T-shirt/top", "Trouser", "Sneaker"], sched, new Dictionary<string, string[]>(), "bench-tiny");
    }
}
