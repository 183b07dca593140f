using System.Diagnostics;
using System.Globalization;
using MLAugment.Data;
using MLAugment.Data.Transforms.Augmentation;
using MLAugment.Diffusion.Models;
using MLAugment.Diffusion.Sampling;
using MLAugment.Diffusion.Schedulers;
using MLAugment.Engine;
using MLAugment.Tasks.Recipes;

namespace MLAugment.Bench;

/// <summary>
/// `augment` bench: the ML.NET-shaped pipeline ResizeImages → DiffusionAugment → ExtractPixels over rows that a source
/// view makes on the fly (seeded random images, larger than the model's, so the input is never in memory).
/// <list type="number">
/// <item>Streaming: N rows (default 100,000) with a tiny random model; the peak working set against the working set
/// after a warm-up, and the growth against the bytes of one batch of source images ("at most a few batches").</item>
/// <item>Cache: the same pipeline run twice over one <c>GenerationCache</c> folder (first run generates and fills it,
/// the second reads it): seconds each, the speed-up, and every output pixel compared bit for bit.</item>
/// </list>
/// Writes bench/results/augment.json. Timings are wall clock; memory figures do not depend on CPU contention.
/// </summary>
public static class AugmentationBench
{
    /// <summary>The options of one bench run (the CLI flags).</summary>
    public sealed record Options
    {
        public int Rows { get; init; } = 100_000;
        public int WarmupRows { get; init; } = 2_000;
        public int CacheRows { get; init; } = 2_000;
        public int SyntheticPerImage { get; init; } = 1;
        public int Steps { get; init; } = 4;
        public int BatchSize { get; init; } = 16;
        public int SourceSize { get; init; } = 256;

        /// <summary>The cache part's source images; 0 = the model's size, so its figures are the cache's and not the image source's.</summary>
        public int CacheSourceSize { get; init; }
        public bool Stream { get; init; } = true;
        public bool Cache { get; init; } = true;

        /// <summary>Which models the cache part runs: "tiny", "embedded" (the fashion-ldm architecture), or a model folder.</summary>
        public IReadOnlyList<string> CacheModels { get; init; } = ["embedded", "tiny"];
    }

    /// <summary>
    /// CLI entry: <c>augment [--rows N] [--warmup-rows W] [--cache-rows C] [--synthetic M] [--steps S] [--batch B]
    /// [--source-size P] [--cache-source-size P] [--cache-models tiny,embedded,FOLDER] [--no-stream] [--no-cache]</c>.
    /// </summary>
    public static int Run(string[] args)
    {
        int Arg(string name, int fallback)
        {
            int i = Array.IndexOf(args, name);
            return i >= 0 && i + 1 < args.Length ? int.Parse(args[i + 1], CultureInfo.InvariantCulture) : fallback;
        }
        var defaults = new Options();
        int models = Array.IndexOf(args, "--cache-models");
        var o = new Options
        {
            Rows = Arg("--rows", defaults.Rows),
            WarmupRows = Arg("--warmup-rows", defaults.WarmupRows),
            CacheRows = Arg("--cache-rows", defaults.CacheRows),
            SyntheticPerImage = Arg("--synthetic", defaults.SyntheticPerImage),
            Steps = Arg("--steps", defaults.Steps),
            BatchSize = Arg("--batch", defaults.BatchSize),
            SourceSize = Arg("--source-size", defaults.SourceSize),
            CacheSourceSize = Arg("--cache-source-size", defaults.CacheSourceSize),
            Stream = !args.Contains("--no-stream"),
            Cache = !args.Contains("--no-cache"),
            CacheModels = models >= 0 && models + 1 < args.Length ? args[models + 1].Split(',') : defaults.CacheModels,
        };
        Console.WriteLine($"augment bench: MaxDegreeOfParallelism={EngineOptions.MaxDegreeOfParallelism}, {Environment.ProcessorCount} logical CPUs " +
                          "(shared with other work: timings are upper bounds, memory figures are not affected)");
        var rows = new List<BenchRow>();
        bool identical = true;
        if (o.Stream)
            rows.AddRange(StreamRows(o));
        if (o.Cache)
        {
            foreach (var name in o.CacheModels)
            {
                var (cacheRows, same) = CacheRowsFor(name, o);
                rows.AddRange(cacheRows);
                identical &= same;
            }
        }
        Console.WriteLine();
        BenchReport.Print(rows);
        if (o.Stream && o.Cache)
        {
            string path = Path.Combine(EngineBench.RepoRoot(), "bench", "results", "augment.json");
            BenchReport.Write(path, rows);
            Console.WriteLine($"wrote {path}");
        }
        if (!identical)
            Console.Error.WriteLine("augment: the cached run is NOT bit-identical to the generating run");
        return identical ? 0 : 1;
    }

    // ---- streaming ----

    /// <summary>What one streaming run measured.</summary>
    public sealed record StreamResult(int SourceRows, long OutputRows, long Generated, double Seconds,
        long WarmWorkingSetBytes, long PeakWorkingSetBytes, long WarmManagedBytes, long PeakManagedBytes, long ManagedAfterBytes,
        IReadOnlyList<(long Rows, long WorkingSetBytes)> Checkpoints);

    private static IEnumerable<BenchRow> StreamRows(Options o)
    {
        var model = TinyModel();
        Console.WriteLine($"streaming: {o.Rows:N0} source rows of {o.SourceSize}x{o.SourceSize} RGBA made on the fly -> ResizeImages({model.ImageWidth}x{model.ImageHeight}) " +
                          $"-> DiffusionAugment(M={o.SyntheticPerImage}, img2img strength 0.5, DDIM {o.Steps} steps, CFG 3, batch {o.BatchSize}) -> ExtractPixels");
        Console.WriteLine($"  model: {Describe(model)}");
        var r = Stream(model, o);
        int w = model.ImageWidth, h = model.ImageHeight;
        long sourceImage = (long)o.SourceSize * o.SourceSize * 4;
        long batchBytes = o.BatchSize * sourceImage;
        long growth = r.PeakWorkingSetBytes - r.WarmWorkingSetBytes;
        // What a pipeline that kept its rows would hold: the resized originals plus every synthetic image (RGBA), and the pixel vectors.
        long allRows = r.OutputRows * ((long)w * h * 4 + (long)model.ImageChannels * w * h * sizeof(float));
        Console.WriteLine($"  {r.SourceRows:N0} source rows -> {r.OutputRows:N0} rows, {r.Generated:N0} generated in {r.Seconds:F1} s " +
                          $"({r.Generated / r.Seconds:F1} images/s, {r.Seconds * 1000 / r.SourceRows:F2} ms per source row)");
        Console.WriteLine($"  working set: {Mib(r.WarmWorkingSetBytes)} after a {o.WarmupRows:N0}-row warm-up, peak {Mib(r.PeakWorkingSetBytes)} " +
                          $"(growth {Mib(growth)} = {(double)growth / batchBytes:F2} batches of {o.BatchSize} source images of {Mib(sourceImage)} = {Mib(batchBytes)} each)");
        Console.WriteLine($"  managed heap: {Mib(r.WarmManagedBytes)} after warm-up (full GC), peak {Mib(r.PeakManagedBytes)} while streaming, {Mib(r.ManagedAfterBytes)} after (full GC)");
        Console.WriteLine($"  for scale: the {r.SourceRows:N0} source images are {Mib(r.SourceRows * sourceImage)}; keeping the {r.OutputRows:N0} output rows would take {Mib(allRows)}");
        Console.WriteLine("  working set by rows done: " + string.Join(", ", r.Checkpoints.Select(c => $"{c.Rows:N0}: {Mib(c.WorkingSetBytes)}")));
        string n = $"stream_{o.Rows}rows_{o.SourceSize}px";
        yield return new BenchRow($"{n}_peak_ws_vs_ws_after_warmup", ToMib(r.PeakWorkingSetBytes), ToMib(r.WarmWorkingSetBytes), Unit: "mib");
        yield return new BenchRow($"{n}_ws_growth_vs_one_source_batch_b{o.BatchSize}", ToMib(growth), ToMib(batchBytes), Unit: "mib");
        yield return new BenchRow($"{n}_managed_after_vs_after_warmup", ToMib(r.ManagedAfterBytes), ToMib(r.WarmManagedBytes), Unit: "mib");
        yield return new BenchRow($"{n}_ms_per_source_row_tiny_m{o.SyntheticPerImage}_ddim{o.Steps}", r.Seconds * 1000 / r.SourceRows, null);
    }

    /// <summary>
    /// Warms the pipeline up on <see cref="Options.WarmupRows"/> rows, then transforms <see cref="Options.Rows"/> rows and
    /// reads every output pixel while a sampler thread records the working set and managed heap every 5 ms.
    /// </summary>
    public static StreamResult Stream(IDiffusionBackend model, Options o)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(o.Rows);
        var ml = new MLContext(seed: 1);
        var data = ml.Data.LoadFromEnumerable(new GeneratedRows(o.Rows, o.SourceSize, model.KnownConditions));
        var transformer = Pipeline(ml, model, o, cacheDirectory: null).Fit(data);
        Read(transformer.Transform(ml.Data.LoadFromEnumerable(new GeneratedRows(o.WarmupRows, o.SourceSize, model.KnownConditions))), null, _ => { });
        long generatedBefore = Find(transformer).Statistics.Generated;

        using var proc = Process.GetCurrentProcess();
        FullCollect();
        long warmManaged = GC.GetTotalMemory(forceFullCollection: false);
        proc.Refresh();
        long warm = proc.WorkingSet64, peak = warm, peakManaged = warmManaged;
        using var done = new ManualResetEventSlim();
        var sampler = new Thread(() =>
        {
            using var p = Process.GetCurrentProcess();
            while (!done.Wait(5))
            {
                p.Refresh();
                Interlocked.Exchange(ref peak, Math.Max(Interlocked.Read(ref peak), p.WorkingSet64));
                Interlocked.Exchange(ref peakManaged, Math.Max(Interlocked.Read(ref peakManaged), GC.GetTotalMemory(false)));
            }
        }) { IsBackground = true, Name = "working-set sampler" };
        sampler.Start();
        var checkpoints = new List<(long, long)>();
        long every = Math.Max(1, o.Rows * (1L + o.SyntheticPerImage) / 10);
        var clock = Stopwatch.StartNew();
        long outputRows = Read(transformer.Transform(data), null, rowsDone =>
        {
            if (rowsDone % every != 0)
                return;
            proc.Refresh();
            checkpoints.Add((rowsDone, proc.WorkingSet64));
        });
        clock.Stop();
        done.Set();
        sampler.Join();
        proc.Refresh();
        long generated = Find(transformer).Statistics.Generated - generatedBefore;
        long managedAfter = GC.GetTotalMemory(forceFullCollection: true);
        return new StreamResult(o.Rows, outputRows, generated, clock.Elapsed.TotalSeconds, warm,
            Math.Max(Interlocked.Read(ref peak), proc.WorkingSet64), warmManaged, Interlocked.Read(ref peakManaged), managedAfter, checkpoints);
    }

    // ---- cache ----

    private static (IEnumerable<BenchRow> Rows, bool Identical) CacheRowsFor(string name, Options o)
    {
        var (model, steps, label) = name switch
        {
            "tiny" => ((IDiffusionBackend)TinyModel(), o.Steps, $"tiny_ddim{o.Steps}"),
            "embedded" => ((IDiffusionBackend)EmbeddedArchitecture(), 20, "embedded_ddim20"),
            _ => ((IDiffusionBackend)LatentDiffusionModel.Load(name), 20, Path.GetFileName(Path.TrimEndingDirectorySeparator(name)) + "_ddim20"),
        };
        var co = o with { Steps = steps, SourceSize = o.CacheSourceSize > 0 ? o.CacheSourceSize : model.ImageWidth };
        Console.WriteLine();
        Console.WriteLine($"cache ({name}): {o.CacheRows:N0} source rows of {co.SourceSize}x{co.SourceSize} -> ResizeImages({model.ImageWidth}x{model.ImageHeight}) " +
                          $"-> DiffusionAugment(M={o.SyntheticPerImage}, img2img strength 0.5, DDIM {steps} steps, CFG 3, batch {o.BatchSize}, CacheDirectory) -> ExtractPixels");
        if (model is LatentDiffusionModel ldm)
            Console.WriteLine($"  model: {Describe(ldm)}");
        var r = CacheRuns(model, co);
        Console.WriteLine($"  first run (generates {r.FirstGenerated:N0} images, fills the cache): {r.FirstSeconds:F2} s wall, {r.FirstCpuSeconds:F2} s CPU");
        Console.WriteLine($"  second run ({r.SecondHits:N0} cache hits, {r.SecondGenerated} generated): {r.SecondSeconds:F3} s wall, {r.SecondCpuSeconds:F3} s CPU " +
                          $"(opening and verifying the cache alone: {r.OpenSeconds:F3} s wall) -> {r.FirstSeconds / r.SecondSeconds:F1}x faster by wall clock, " +
                          $"{r.FirstCpuSeconds / r.SecondCpuSeconds:F1}x by CPU time (goal >= 50x)");
        Console.WriteLine($"  cache: {r.Entries:N0} entries, {Mib(r.CacheBytes)}; {r.Values:N0} output values compared, {r.Differing} differ " +
                          (r.Differing == 0 && r.SecondGenerated == 0 ? "(bit-identical)" : "(NOT bit-identical)"));
        string n = $"cache_{label}_{o.CacheRows}rows_m{o.SyntheticPerImage}";
        var rows = new[]
        {
            new BenchRow($"{n}_second_run_ms_vs_first_run", r.SecondSeconds * 1000, r.FirstSeconds * 1000),
            new BenchRow($"{n}_second_run_cpu_ms_vs_first_run", r.SecondCpuSeconds * 1000, r.FirstCpuSeconds * 1000),
            new BenchRow($"{n}_second_run_ms_per_cached_image", r.SecondSeconds * 1000 / Math.Max(1, r.SecondHits), null),
            new BenchRow($"{n}_differing_output_values_vs_compared", r.Differing, r.Values, Unit: "count"),
        };
        return (rows, r.Differing == 0 && r.SecondGenerated == 0 && r.SecondHits == r.FirstGenerated);
    }

    /// <summary>What the two cached runs measured.</summary>
    public sealed record CacheResult(double FirstSeconds, double SecondSeconds, double FirstCpuSeconds, double SecondCpuSeconds, double OpenSeconds, long FirstGenerated, long SecondGenerated,
        long SecondHits, long Values, long Differing, int Entries, long CacheBytes);

    /// <summary>
    /// Runs the pipeline twice over a fresh cache folder (each run a new MLContext, Fit and cache instance, as a second
    /// process would) after warming both code paths up on a separate folder; compares every output value bit for bit.
    /// </summary>
    public static CacheResult CacheRuns(IDiffusionBackend model, Options o)
    {
        var warmDir = TempFolder("warm");
        var dir = TempFolder("cache");
        try
        {
            var warm = o with { CacheRows = Math.Min(o.CacheRows, 2 * o.BatchSize) };
            OneCachedRun(model, warm, warmDir, null);
            OneCachedRun(model, warm, warmDir, null);

            var first = new List<float[]>();
            var second = new List<float[]>();
            var a = OneCachedRun(model, o, dir, first.Add);
            var b = OneCachedRun(model, o, dir, second.Add);
            // Every value's bit pattern, not float equality: -0 vs +0 or a NaN payload counts as a difference.
            long values = 0, differing = Math.Abs(first.Count - second.Count);
            for (int i = 0; i < Math.Min(first.Count, second.Count); i++)
            {
                float[] f = first[i], v = second[i];
                values += v.Length;
                differing += Math.Abs(f.Length - v.Length);
                for (int k = 0; k < Math.Min(f.Length, v.Length); k++)
                    if (BitConverter.SingleToInt32Bits(v[k]) != BitConverter.SingleToInt32Bits(f[k]))
                        differing++;
            }
            var opened = Stopwatch.StartNew();
            var cache = Data.Caching.GenerationCache.Open(dir);
            double open = opened.Elapsed.TotalSeconds;
            return new CacheResult(a.Seconds, b.Seconds, a.CpuSeconds, b.CpuSeconds, open, a.Generated, b.Generated, b.Hits, values, differing, cache.Count, cache.SizeBytes);
        }
        finally
        {
            TryDelete(warmDir);
            TryDelete(dir);
        }
    }

    private static (double Seconds, double CpuSeconds, long Generated, long Hits) OneCachedRun(IDiffusionBackend model, Options o, string cacheDir,
        Action<float[]>? sink)
    {
        using var proc = Process.GetCurrentProcess();
        var cpu = proc.TotalProcessorTime;
        var clock = Stopwatch.StartNew();
        var ml = new MLContext(seed: 1);
        var data = ml.Data.LoadFromEnumerable(new GeneratedRows(o.CacheRows, o.SourceSize, model.KnownConditions));
        var transformer = Pipeline(ml, model, o, cacheDir).Fit(data);
        Read(transformer.Transform(data), sink, _ => { });
        var stats = Find(transformer).Statistics;
        double seconds = clock.Elapsed.TotalSeconds;
        proc.Refresh();
        return (seconds, (proc.TotalProcessorTime - cpu).TotalSeconds, stats.Generated, stats.CacheHits);
    }

    // ---- shared ----

    private static IEstimator<ITransformer> Pipeline(MLContext ml, IDiffusionBackend model, Options o, string? cacheDirectory) =>
        ml.Transforms.ResizeImages("Image", model.ImageWidth, model.ImageHeight)
            .Append(ml.Transforms.DiffusionAugment(new DiffusionAugmentOptions
            {
                Model = model, SyntheticPerImage = o.SyntheticPerImage, NumInferenceSteps = o.Steps, BatchSize = o.BatchSize,
                Strength = 0.5f, GuidanceScale = 3f, Scheduler = "DDIMScheduler", CacheDirectory = cacheDirectory,
            }))
            .Append(ml.Transforms.ExtractPixels("Pixels", "Image"));

    /// <summary>Reads every output pixel vector; <paramref name="sink"/> gets a copy of each; returns the row count.</summary>
    private static long Read(IDataView output, Action<float[]>? sink, Action<long> afterRow)
    {
        var col = output.Schema["Pixels"];
        long n = 0;
        double checksum = 0;
        using var cursor = output.GetRowCursor([col]);
        var get = cursor.GetGetter<VBuffer<float>>(col);
        VBuffer<float> v = default;
        while (cursor.MoveNext())
        {
            get(ref v);
            var values = v.GetValues();
            checksum += values[0];
            sink?.Invoke(values.ToArray());
            afterRow(++n);
        }
        GC.KeepAlive(checksum);
        return n;
    }

    private static DiffusionAugmentTransformer Find(ITransformer t) =>
        t as DiffusionAugmentTransformer ?? (t as IEnumerable<ITransformer> ?? []).Select(FindOrNull).First(x => x is not null)!;

    private static DiffusionAugmentTransformer? FindOrNull(ITransformer t) =>
        t as DiffusionAugmentTransformer ?? (t as IEnumerable<ITransformer> ?? []).Select(FindOrNull).FirstOrDefault(x => x is not null);

    public sealed class SourceRow
    {
        public MLImage Image { get; set; } = null!;
        public string Label { get; set; } = "";
    }

    /// <summary>
    /// A list whose row i is made when it is read: a <paramref name="size"/>² RGBA image of seeded random pixels and the
    /// (i mod classes)-th class. A list (not a bare sequence) so the view knows its row count and the progress has an ETA;
    /// nothing is stored, so the input never occupies memory.
    /// </summary>
    private sealed class GeneratedRows(int count, int size, IReadOnlyList<string> classes) : IReadOnlyList<SourceRow>
    {
        [ThreadStatic] private static byte[]? _scratch;

        public int Count => count;

        public SourceRow this[int index]
        {
            get
            {
                ArgumentOutOfRangeException.ThrowIfNegative(index);
                ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, count);
                int bytes = size * size * 4;
                var px = _scratch is { } s && s.Length == bytes ? s : _scratch = new byte[bytes];
                // xorshift64*, seeded by the row index: cheap enough that making the input costs little next to the pipeline.
                ulong x = 0x9E3779B97F4A7C15UL * (ulong)(index + 1);
                var words = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, ulong>(px.AsSpan());
                for (int k = 0; k < words.Length; k++)
                {
                    x ^= x >> 12;
                    x ^= x << 25;
                    x ^= x >> 27;
                    words[k] = x * 0x2545F4914F6CDD1DUL;
                }
                return new SourceRow { Image = MLImage.CreateFromPixels(size, size, MLPixelFormat.Rgba32, px), Label = classes[index % classes.Count] };
            }
        }

        public IEnumerator<SourceRow> GetEnumerator()
        {
            for (int i = 0; i < count; i++)
                yield return this[i];
        }

        System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();
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

    /// <summary>The embedded model's architecture (FashionDiffusionRecipe: 32×32 gray, 4×8×8 latents, 10 classes) with random weights.</summary>
    public static LatentDiffusionModel EmbeddedArchitecture()
    {
        var g = new Generator(0);
        return new LatentDiffusionModel(new ConditionalUNet(FashionDiffusionRecipe.UNetConfig, g), new Autoencoder(FashionDiffusionRecipe.VaeConfig, g),
            FashionMnist.ClassNames, FashionDiffusionRecipe.SchedulerConfig, new Dictionary<string, string[]>(), "bench-embedded-architecture");
    }

    private static string Describe(LatentDiffusionModel m) =>
        $"random weights; {m.ImageChannels}x{m.ImageHeight}x{m.ImageWidth} images, {m.LatentChannels}x{m.LatentHeight}x{m.LatentWidth} latents, " +
        $"{m.KnownConditions.Count} classes; UNet blocks [{string.Join(",", m.UNet.Config.BlockOutChannels)}] {m.UNet.ParameterCount:N0} parameters, " +
        $"VAE blocks [{string.Join(",", m.Vae.Config.BlockOutChannels)}] {m.Vae.ParameterCount:N0} parameters";

    private static void FullCollect()
    {
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
    }

    private static string TempFolder(string what)
    {
        var d = Path.Combine(Path.GetTempPath(), $"mlaugment-augment-bench-{what}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(d);
        return d;
    }

    private static void TryDelete(string dir)
    {
        try { Directory.Delete(dir, recursive: true); } catch (IOException) { }
    }

    private static double ToMib(long bytes) => bytes / 1048576.0;

    private static string Mib(long bytes) => bytes >= 1L << 30 ? $"{bytes / (double)(1L << 30):F1} GiB" : $"{ToMib(bytes):F2} MiB";
}
