using System.Diagnostics;
using System.Globalization;
using MLAugment.Diffusion.Sampling;
using MLAugment.Engine;
using MLAugment.Tasks.Metrics;
using AG = MLAugment.Engine.Autograd.Autograd;

namespace MLAugment.Tasks.Recipes;

/// <summary>Settings of <see cref="DiffusionQualityReport"/>; sample counts are parameters so the cost is a choice, stated in the output.</summary>
public sealed record DiffusionQualityOptions
{
    // What issue 3 asks for.
    public const int IssueFidelitySamples = 1000, IssueFrechetSamples = 10_000;
    public const double IssueFidelityThreshold = 0.90, IssueImg2ImgThreshold = 0.95, IssueInversionPsnrDb = 30;
    public const float Img2ImgStrength = 0.5f;
    public const int InversionSteps = 50, Img2ImgSteps = 20;

    public int FidelitySamples { get; init; } = IssueFidelitySamples;
    /// <summary>Samples per Fréchet distance for DPM-Solver++ 20 and 10 steps and DDIM 50 steps.</summary>
    public int FrechetSamples { get; init; } = IssueFrechetSamples;
    /// <summary>DDPM with 1000 steps costs 50× DPM-Solver++ 20; it has its own count.</summary>
    public int DdpmFrechetSamples { get; init; } = IssueFrechetSamples;
    public int Img2ImgSamples { get; init; } = 1000;
    public int InversionSamples { get; init; } = 100;
    /// <summary>
    /// Adam steps fitting each source's latents through the decoder before DDIM inversion (0: invert the encoder's
    /// latents, whose reconstruction cannot beat the autoencoder's round trip). The figures report both.
    /// </summary>
    public int InversionLatentRefinementSteps { get; init; } = 100;
    public float GuidanceScale { get; init; } = 3f;
    /// <summary>Images per stored chunk (and per sampler batch); part of every chunk folder's key.</summary>
    public int ChunkSize { get; init; } = 100;
    public long Seed { get; init; } = 1234;

    public void Validate()
    {
        static void NonNegative(int v, string name)
        {
            if (v < 0) throw new ArgumentOutOfRangeException(name, v, $"DiffusionQualityOptions: {name} must be 0 (skip the section) or more.");
        }
        NonNegative(FidelitySamples, nameof(FidelitySamples));
        NonNegative(Img2ImgSamples, nameof(Img2ImgSamples));
        NonNegative(InversionSamples, nameof(InversionSamples));
        NonNegative(InversionLatentRefinementSteps, nameof(InversionLatentRefinementSteps));
        if (FrechetSamples is 1 or < 0) throw new ArgumentOutOfRangeException(nameof(FrechetSamples), FrechetSamples, "DiffusionQualityOptions: a Fréchet distance needs 0 (skip) or at least 2 samples.");
        if (DdpmFrechetSamples is 1 or < 0) throw new ArgumentOutOfRangeException(nameof(DdpmFrechetSamples), DdpmFrechetSamples, "DiffusionQualityOptions: a Fréchet distance needs 0 (skip) or at least 2 samples.");
        if (ChunkSize < 1) throw new ArgumentOutOfRangeException(nameof(ChunkSize), ChunkSize, "DiffusionQualityOptions: ChunkSize must be at least 1.");
        if (!(GuidanceScale >= 1) || !float.IsFinite(GuidanceScale))
            throw new ArgumentOutOfRangeException(nameof(GuidanceScale), GuidanceScale, "DiffusionQualityOptions: GuidanceScale must be finite and at least 1 (1 = no classifier-free guidance).");
    }

    /// <summary>Training images the report reads: the FD floors and whole chunks of img2img/inversion sources.</summary>
    public int TrainImagesNeeded()
    {
        int Whole(int n) => (n + ChunkSize - 1) / ChunkSize * ChunkSize;
        return new[] { FrechetSamples, DdpmFrechetSamples, Whole(Img2ImgSamples), Whole(InversionSamples) }.Max();
    }
}

/// <summary>Real images the report compares against: training split (floor, img2img and inversion sources) and test split (FD reference).</summary>
public sealed record QualityData(Tensor TrainImages, int[] TrainLabels, Tensor TestImages, int[] TestLabels);

/// <summary>One chunk written by <see cref="DiffusionQualityReport"/>.</summary>
public sealed record ChunkEvent(string Key, int Index, int Chunks, double Seconds);

/// <summary>
/// Measures a class-conditional diffusion model as issue 3 asks: class fidelity by a classifier trained on real data,
/// Fréchet distance in that classifier's features against the test set for several samplers (with real-train vs test as
/// the floor), label preservation and SSIM of img2img at strength 0.5, DDIM-inversion reconstruction PSNR, and timing.
/// Generated images go through a <see cref="SampleChunkStore"/>: cancelling (or a time budget) stops before the next
/// chunk, sections without all their samples get no figure, and a rerun with the same work folder continues. Image i of a
/// generated set has class i mod K and seed <c>Seed + i</c> (img2img: <c>Seed + 1,000,000 + i</c>), so images do not
/// depend on chunking or on which run made them; every sampler sees the same initial noise. Class fidelity is measured on
/// the first images of the DPM-Solver++ 20-step Fréchet set (same sampler and settings; generated once).
/// </summary>
public sealed class DiffusionQualityReport
{
    public const string DpmSolver = "DPMSolverMultistepScheduler", Ddim = "DDIMScheduler", Ddpm = "DDPMScheduler";
    private readonly DiffusionPipeline _pipeline;
    private readonly IImageJudge? _judge;
    private readonly DiffusionQualityOptions _o;
    private readonly SampleChunkStore _store;

    public Action<string>? Log { get; init; }

    /// <summary>Called after each chunk is generated and stored.</summary>
    public Action<ChunkEvent>? ChunkCompleted { get; init; }

    public DiffusionQualityReport(DiffusionPipeline pipeline, IImageJudge judge, string workDir, DiffusionQualityOptions? options = null)
        : this(pipeline, workDir, options)
    {
        _judge = judge ?? throw new ArgumentNullException(nameof(judge));
        var classes = pipeline.Backend.KnownConditions;
        if (!judge.ClassNames.SequenceEqual(classes))
            throw new ArgumentException($"DiffusionQualityReport: the judge's classes [{string.Join(", ", judge.ClassNames)}] are not the model's [{string.Join(", ", classes)}] in the same order.", nameof(judge));
    }

    private DiffusionQualityReport(DiffusionPipeline pipeline, string workDir, DiffusionQualityOptions? options)
    {
        _pipeline = pipeline ?? throw new ArgumentNullException(nameof(pipeline));
        _o = options ?? new DiffusionQualityOptions();
        _o.Validate();
        _store = new SampleChunkStore(workDir, pipeline.Backend.ModelId, _o.ChunkSize);
    }

    /// <summary>
    /// Generates (or finds) every chunk <see cref="Run"/> would need, in the same order and under the same keys, without a
    /// judge: generation can start, or be spread over sessions and processes, before the judge exists. Only the training
    /// images are read (img2img and inversion sources); the test images may be empty. Returns each set's run facts.
    /// </summary>
    public static List<SampleRun> GenerateOnly(DiffusionPipeline pipeline, string workDir, DiffusionQualityOptions options, QualityData data,
        Action<string>? log = null, Action<ChunkEvent>? chunkCompleted = null, CancellationToken ct = default)
    {
        var r = new DiffusionQualityReport(pipeline, workDir, options) { Log = log, ChunkCompleted = chunkCompleted };
        r.CheckData(data, needTest: false);
        var o = r._o;
        var runs = new List<SampleRun>();
        if (o.FidelitySamples > 0) runs.Add(r.EnsureGenerated(DpmSolver, 20, DiffusionQualityOptions.IssueFidelitySamples, o.FidelitySamples, ct).Run);
        if (o.Img2ImgSamples > 0) runs.Add(r.EnsureImg2Img(data, ct).Run);
        if (o.InversionSamples > 0)
            foreach (var set in r.InversionSets(data, ct)) runs.Add(set.Run);
        foreach (var (sched, _, steps, n) in r.FrechetSets())
            if (n >= 2) runs.Add(r.EnsureGenerated(sched, steps, DiffusionQualityOptions.IssueFrechetSamples, n, ct).Run);
        return runs;
    }

    private IImageJudge Judge => _judge ?? throw new InvalidOperationException("DiffusionQualityReport: this instance only generates; scoring needs a judge.");

    private (string Scheduler, string Label, int Steps, int Samples)[] FrechetSets() =>
    [
        (DpmSolver, "DPM-Solver++ (2M)", 10, _o.FrechetSamples), (DpmSolver, "DPM-Solver++ (2M)", 20, _o.FrechetSamples),
        (Ddim, "DDIM (η = 0)", 50, _o.FrechetSamples), (Ddpm, "DDPM (ancestral)", 1000, _o.DdpmFrechetSamples),
    ];

    public SampleChunkStore Store => _store;

    public DiffusionQualityMetrics Run(QualityData data, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(data);
        CheckData(data, needTest: true);
        var wall = Stopwatch.StartNew();
        var b = _pipeline.Backend;
        var classes = b.KnownConditions;
        int k = classes.Count, d = Judge.FeatureDimension, nTest = data.TestImages.Shape[0];

        // The judge on the real test split: the FD reference statistics and its own accuracy (the ceiling of fidelity).
        var (testProbs, testFeat) = Score(data.TestImages, nTest);
        var testStats = FrechetDistance.Statistics(testFeat, nTest, d);
        var judgePerClass = FashionClassifierJudge.PerClassAccuracy(testProbs, data.TestLabels, classes);
        var judge = new JudgeSummary
        {
            FeatureDimension = d, TestImages = nTest, PerClassTestAccuracy = judgePerClass,
            TestAccuracy = (double)judgePerClass.Sum(c => c.Correct) / nTest,
        };
        Log?.Invoke($"judge: {judge.TestAccuracy:P2} on {nTest} real test images");

        // Floors: real training images vs test at every sample count a Fréchet distance uses (the estimate's bias depends on it).
        int nTrainScored = Math.Min(data.TrainImages.Shape[0], _o.TrainImagesNeeded());
        var (trainProbs, trainFeat) = Score(data.TrainImages, nTrainScored);
        var floors = new List<FrechetFloor>();
        foreach (int n in new[] { _o.FrechetSamples, _o.DdpmFrechetSamples }.Where(n => n >= 2).Distinct().Order())
        {
            var clock = Stopwatch.StartNew();
            var s = FrechetDistance.Statistics(trainFeat.AsSpan(0, n * d), n, d);
            floors.Add(new FrechetFloor(n, nTest, FrechetDistance.Compute(s.Mean, s.Covariance, testStats.Mean, testStats.Covariance), clock.Elapsed.TotalSeconds));
            Log?.Invoke($"FD floor (real train vs test), {n} samples: {floors[^1].Value:F4}");
        }

        var fidelity = _o.FidelitySamples > 0 ? ClassFidelity(judgePerClass, ct) : null;
        var img2img = _o.Img2ImgSamples > 0 ? Img2Img(data, trainProbs, ct) : null;
        var inversion = _o.InversionSamples > 0 ? Inversion(data, ct) : null;
        var fd = new List<FrechetFigures>();
        foreach (var (sched, label, steps, n) in FrechetSets())
            if (n >= 2) fd.Add(Frechet(sched, label, steps, n, testStats, floors.First(f => f.Samples == n).Value, ct));

        bool complete = (fidelity?.Run.Complete ?? true) && (img2img?.Run.Complete ?? true) && (inversion?.Run.Complete ?? true) && fd.All(f => f.Run.Complete);
        return new DiffusionQualityMetrics
        {
            CreatedUtc = DateTime.UtcNow, Complete = complete, WallSeconds = wall.Elapsed.TotalSeconds,
            Model = new ModelFacts("", b.ModelId, classes.ToList(), b.ImageChannels, b.ImageHeight, b.ImageWidth),
            Judge = judge,
            Settings = new QualitySettings
            {
                GuidanceScale = _o.GuidanceScale, Seed = _o.Seed, ChunkSize = _o.ChunkSize,
                SeedRule = $"generated image i: class i mod {k}, seed {_o.Seed} + i; img2img output i: seed {_o.Seed} + 1,000,000 + i (independent of chunking and batching)",
                ReferenceImages = nTest,
            },
            FrechetFloors = floors, ClassFidelity = fidelity, FrechetDistances = fd, Img2Img = img2img, Inversion = inversion,
        };
    }

    // ---- sections ----

    private ClassFidelityFigures ClassFidelity(List<ClassAccuracy> judgePerClass, CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        int n = _o.FidelitySamples, k = Judge.ClassNames.Count;
        var set = EnsureGenerated(DpmSolver, 20, DiffusionQualityOptions.IssueFidelitySamples, n, ct);
        var figures = new ClassFidelityFigures
        {
            Sampler = DpmSolver, Steps = 20, GuidanceScale = _o.GuidanceScale, Threshold = DiffusionQualityOptions.IssueFidelityThreshold, Run = set.Run,
            Note = "the first images of the DPM-Solver++ 20-step Fréchet set (same sampler, settings and seeds)",
        };
        if (set.Chunks is null) return figures with { Run = set.Run with { WallSeconds = clock.Elapsed.TotalSeconds } };
        var (p, _) = Score(set.Chunks, n);
        var count = new int[k]; var hit = new int[k];
        for (int i = 0; i < n; i++)
        {
            int y = i % k;
            count[y]++;
            if (FashionClassifierJudge.ArgMax(p, i, k) == y) hit[y]++;
        }
        var rows = Enumerable.Range(0, k).Select(c => new ClassFidelityRow(Judge.ClassNames[c], count[c], hit[c],
            count[c] == 0 ? null : (double)hit[c] / count[c], judgePerClass[c].Accuracy)).ToList();
        double accuracy = (double)hit.Sum() / n;
        Log?.Invoke($"class fidelity: {accuracy:P2} of {n}");
        return figures with { Samples = n, Accuracy = accuracy, PerClass = rows, Run = set.Run with { WallSeconds = clock.Elapsed.TotalSeconds } };
    }

    private FrechetFigures Frechet(string scheduler, string label, int steps, int n, (double[] Mean, double[,] Covariance) test, double floor, CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        var set = EnsureGenerated(scheduler, steps, DiffusionQualityOptions.IssueFrechetSamples, n, ct);
        var figures = new FrechetFigures { Sampler = scheduler, SamplerLabel = label, Steps = steps, GuidanceScale = _o.GuidanceScale, Run = set.Run, FloorAtSameSamples = floor, Note = GridNote(steps) };
        if (set.Chunks is null) return figures with { Run = set.Run with { WallSeconds = clock.Elapsed.TotalSeconds } };
        var (_, f) = Score(set.Chunks, n);
        var s = FrechetDistance.Statistics(f, n, Judge.FeatureDimension);
        double value = FrechetDistance.Compute(s.Mean, s.Covariance, test.Mean, test.Covariance);
        Log?.Invoke($"FD {label} {steps} steps, {n} samples: {value:F4} (floor {floor:F4})");
        return figures with { Samples = n, Value = value, Run = set.Run with { WallSeconds = clock.Elapsed.TotalSeconds } };
    }

    private Img2ImgFigures Img2Img(QualityData data, float[] sourceProbs, CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        int m = _o.Img2ImgSamples, k = Judge.ClassNames.Count;
        var set = EnsureImg2Img(data, ct);
        var figures = new Img2ImgFigures
        {
            Strength = DiffusionQualityOptions.Img2ImgStrength, Sampler = DpmSolver, Steps = DiffusionQualityOptions.Img2ImgSteps,
            GuidanceScale = _o.GuidanceScale, Threshold = DiffusionQualityOptions.IssueImg2ImgThreshold, Run = set.Run,
        };
        if (set.Chunks is null) return figures with { Run = set.Run with { WallSeconds = clock.Elapsed.TotalSeconds } };
        var (p, _) = Score(set.Chunks, m);
        int keeps = 0, agrees = 0, sourceRight = 0;
        double ssim = 0;
        var src = data.TrainImages;
        int ch = src.Shape[1], h = src.Shape[2], w = src.Shape[3], plane = h * w;
        for (int i = 0; i < m; i++)
        {
            int judged = FashionClassifierJudge.ArgMax(p, i, k), onSource = FashionClassifierJudge.ArgMax(sourceProbs, i, k);
            if (judged == data.TrainLabels[i]) keeps++;
            if (judged == onSource) agrees++;
            if (onSource == data.TrainLabels[i]) sourceRight++;
            var output = set.Chunks[i / _o.ChunkSize].Span.Slice(i % _o.ChunkSize * ch * plane, ch * plane);
            for (int c = 0; c < ch; c++)
                ssim += ImageQuality.Ssim(src.Span.Slice((i * ch + c) * plane, plane), output.Slice(c * plane, plane), h, w, dataRange: 2.0) / ch;
        }
        Log?.Invoke($"img2img {DiffusionQualityOptions.Img2ImgStrength}: keeps label {(double)keeps / m:P2}, SSIM {ssim / m:F3} ({m} images)");
        return figures with
        {
            Samples = m, KeepsLabel = (double)keeps / m, AgreesWithJudgeOnSource = (double)agrees / m, JudgeAccuracyOnSources = (double)sourceRight / m,
            MeanSsimToSource = ssim / m, Run = set.Run with { WallSeconds = clock.Elapsed.TotalSeconds },
        };
    }

    private InversionFigures Inversion(QualityData data, CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        int q = _o.InversionSamples, steps = DiffusionQualityOptions.InversionSteps, refine = _o.InversionLatentRefinementSteps;
        var sets = InversionSets(data, ct);
        var (fitted, plain) = (sets[0], sets[^1]);
        var figures = new InversionFigures
        {
            Steps = steps, LatentRefinementSteps = refine, ThresholdDb = DiffusionQualityOptions.IssueInversionPsnrDb, Run = fitted.Run,
            Psnr = "mean over images of the per-image PSNR, data range 2 (images in [−1, 1])",
        };
        if (sets.FirstOrDefault(set => set.Chunks is null) is { } pending) return figures with { Run = pending.Run with { WallSeconds = clock.Elapsed.TotalSeconds } };
        var latentFit = refine > 0 ? sets[1] : null;
        double vsRoundTrip = 0, vsOriginal = 0, roundTripVsOriginal = 0, encoderVsOriginal = 0, plainVsOriginal = 0;
        int per = data.TrainImages.Length / data.TrainImages.Shape[0];
        for (int start = 0; start < q; start += _o.ChunkSize)
        {
            int c = Math.Min(_o.ChunkSize, q - start), j = start / _o.ChunkSize;
            using var scope = TensorScope.Begin();
            var src = data.TrainImages.Narrow0(start, c);
            Tensor encoderTrip;
            using (AG.NoGrad()) encoderTrip = _pipeline.Backend.DecodeLatents(_pipeline.Backend.EncodeImages(src)).Clamp(-1f, 1f);
            var roundTrip = latentFit?.Chunks![j] ?? encoderTrip;
            for (int i = 0; i < c; i++)
            {
                Span<float> Row(Tensor t) => t.Span.Slice(i * per, per);
                var r = Row(fitted.Chunks![j]);
                var o = Row(src);
                vsRoundTrip += ImageQuality.Psnr(r, Row(roundTrip), 2.0);
                vsOriginal += ImageQuality.Psnr(r, o, 2.0);
                roundTripVsOriginal += ImageQuality.Psnr(Row(roundTrip), o, 2.0);
                encoderVsOriginal += ImageQuality.Psnr(Row(encoderTrip), o, 2.0);
                plainVsOriginal += ImageQuality.Psnr(Row(plain.Chunks![j]), o, 2.0);
            }
        }
        Log?.Invoke($"DDIM inversion {steps} steps, latents fitted {refine} steps: {vsOriginal / q:F2} dB vs original, {vsRoundTrip / q:F2} dB vs the fitted latents' decoding; encoder latents: {plainVsOriginal / q:F2} dB ({q} images)");
        return figures with
        {
            Samples = q, PsnrVsAutoencoderRoundTripDb = vsRoundTrip / q, PsnrVsOriginalDb = vsOriginal / q, AutoencoderRoundTripPsnrDb = roundTripVsOriginal / q,
            EncoderRoundTripPsnrDb = encoderVsOriginal / q, EncoderLatentsPsnrVsOriginalDb = plainVsOriginal / q,
            Run = fitted.Run with { WallSeconds = clock.Elapsed.TotalSeconds },
        };
    }

    // ---- generation through the chunk store ----

    /// <summary>img2img outputs: training image i re-generated at strength 0.5 under its own label with seed Seed + 1,000,000 + i.</summary>
    private SetResult EnsureImg2Img(QualityData data, CancellationToken ct)
    {
        var classes = _pipeline.Backend.KnownConditions;
        string key = Invariant($"img2img-strength{DiffusionQualityOptions.Img2ImgStrength}-{DpmSolver}-{DiffusionQualityOptions.Img2ImgSteps}steps-cfg{_o.GuidanceScale}-seed{_o.Seed + 1_000_000}-train-chunk{_o.ChunkSize}");
        return EnsureSet(key, 0, _o.Img2ImgSamples, start =>
        {
            int c = _o.ChunkSize;
            var prompts = Enumerable.Range(start, c).Select(i => classes[data.TrainLabels[i]]).ToArray();
            var seeds = Enumerable.Range(start, c).Select(i => _o.Seed + 1_000_000 + i).ToArray();
            return _pipeline.ImageToImage(data.TrainImages.Narrow0(start, c), prompts, seeds, DiffusionQualityOptions.Img2ImgStrength, Options(DpmSolver, DiffusionQualityOptions.Img2ImgSteps, ct));
        }, ct);
    }

    /// <summary>
    /// The inversion section's sets: [inversion from fitted latents, the fitted latents decoded, inversion from the
    /// encoder's latents] — or just [inversion from the encoder's latents] when no refinement is asked for.
    /// </summary>
    private List<SetResult> InversionSets(QualityData data, CancellationToken ct)
    {
        int refine = _o.InversionLatentRefinementSteps;
        if (refine == 0) return [EnsureInversion(data, 0, ct)];
        return [EnsureInversion(data, refine, ct), EnsureLatentFit(data, refine, ct), EnsureInversion(data, 0, ct)];
    }

    /// <summary>DDIM inversion then reconstruction of training image i under its own label (deterministic: no seed).</summary>
    private SetResult EnsureInversion(QualityData data, int refine, CancellationToken ct)
    {
        int steps = DiffusionQualityOptions.InversionSteps;
        var classes = _pipeline.Backend.KnownConditions;
        string key = Invariant($"ddim-inversion-{steps}steps{(refine > 0 ? $"-latentfit{refine}" : "")}-train-chunk{_o.ChunkSize}");
        return EnsureSet(key, 0, _o.InversionSamples, start =>
        {
            int c = _o.ChunkSize;
            var src = data.TrainImages.Narrow0(start, c);
            var prompts = Enumerable.Range(start, c).Select(i => classes[data.TrainLabels[i]]).ToArray();
            var noise = _pipeline.Invert(src, prompts, steps, c, refine);
            ct.ThrowIfCancellationRequested();
            return _pipeline.ReconstructFromNoise(noise, prompts, steps, c);
        }, ct);
    }

    /// <summary>Training image i decoded from its latents fitted through the decoder (the ceiling of the fitted inversion).</summary>
    private SetResult EnsureLatentFit(QualityData data, int refine, CancellationToken ct)
    {
        string key = Invariant($"latent-fit-{refine}steps-train-chunk{_o.ChunkSize}");
        return EnsureSet(key, 0, _o.InversionSamples, start =>
        {
            var z = _pipeline.EncodeRefined(data.TrainImages.Narrow0(start, _o.ChunkSize), refine, batchSize: _o.ChunkSize);
            using (AG.NoGrad()) return _pipeline.Backend.DecodeLatents(z).Clamp(-1f, 1f);
        }, ct);
    }

    private static double Median(List<double> values)
    {
        var v = values.Order().ToArray();
        return v.Length % 2 == 1 ? v[v.Length / 2] : (v[v.Length / 2 - 1] + v[v.Length / 2]) / 2;
    }

    private sealed record SetResult(List<Tensor>? Chunks, SampleRun Run);

    /// <summary>Class-conditional samples: image i has class i mod K and seed Seed + i.</summary>
    private SetResult EnsureGenerated(string scheduler, int steps, int issue, int n, CancellationToken ct)
    {
        var classes = _pipeline.Backend.KnownConditions;
        var (pipeline, spacing) = PipelineFor(steps);
        string key = Invariant($"generate-{scheduler}-{steps}steps{(spacing is null ? "" : "-" + spacing)}-cfg{_o.GuidanceScale}-seed{_o.Seed}-chunk{_o.ChunkSize}");
        return EnsureSet(key, issue, n, start =>
        {
            int c = _o.ChunkSize;
            var prompts = Enumerable.Range(start, c).Select(i => classes[i % classes.Count]).ToArray();
            var seeds = Enumerable.Range(start, c).Select(i => _o.Seed + i).ToArray();
            return pipeline.Generate(prompts, seeds, Options(scheduler, steps, ct));
        }, ct);
    }

    /// <summary>
    /// The pipeline for a step count, and the timestep spacing it overrides (null: the model's own). With "leading"
    /// spacing and steps_offset 1 (Stable Diffusion's convention, and the embedded model's) every step of a 1000-step
    /// grid is shifted by one, so it would start at t = 1000, outside the trained t ∈ [0, 1000); such a grid is taken
    /// with "trailing" spacing instead, t = 999 … 0: the full ancestral chain.
    /// </summary>
    private (DiffusionPipeline Pipeline, string? Spacing) PipelineFor(int steps)
    {
        var config = _pipeline.Backend.SchedulerConfig;
        int train = config.NumTrainTimesteps ?? 1000, offset = config.StepsOffset ?? 0;
        bool leading = (config.TimestepSpacing ?? "leading") == "leading";
        if (!leading || (steps - 1) * (train / steps) + offset < train) return (_pipeline, null);
        return (new DiffusionPipeline(new SchedulerOverrideBackend(_pipeline.Backend, config with { TimestepSpacing = "trailing" })), "trailing");
    }

    /// <summary>What the card should say about a step count's timestep grid (empty when the model's own config is used).</summary>
    private string GridNote(int steps) => PipelineFor(steps).Spacing is null ? ""
        : Invariant($"timestep_spacing \"trailing\" (t = {(_pipeline.Backend.SchedulerConfig.NumTrainTimesteps ?? 1000) - 1} … 0): the model's \"leading\" spacing with steps_offset {_pipeline.Backend.SchedulerConfig.StepsOffset} would start this grid at t = {(_pipeline.Backend.SchedulerConfig.NumTrainTimesteps ?? 1000)}, outside the trained range");

    /// <summary>
    /// The first <paramref name="needed"/> images of a set, from stored chunks where they exist, generating the rest;
    /// when cancelled before the set is whole, no chunks (and no figure), only the count on disk.
    /// </summary>
    private SetResult EnsureSet(string key, int issue, int needed, Func<int, Tensor> makeChunk, CancellationToken ct)
    {
        int c = _o.ChunkSize, chunks = (needed + c - 1) / c;
        var parts = new List<Tensor>();
        var chunkSeconds = new List<double>();
        int reused = 0, made = 0;
        for (int j = 0; j < chunks; j++)
        {
            if (_store.TryLoad(key, j, out var stored, out var s))
            {
                parts.Add(stored); chunkSeconds.Add(s); reused++;
                continue;
            }
            if (ct.IsCancellationRequested) return Stopped();
            var clock = Stopwatch.StartNew();
            Tensor images;
            try { images = makeChunk(j * c); }
            catch (OperationCanceledException) when (ct.IsCancellationRequested) { return Stopped(); }
            double took = clock.Elapsed.TotalSeconds;
            _store.Save(key, j, images, took);
            parts.Add(images); chunkSeconds.Add(took); made++;
            Log?.Invoke(Invariant($"{key}: chunk {j + 1}/{chunks} in {took:F1}s ({1000 * took / c:F0} ms/image)"));
            ChunkCompleted?.Invoke(new ChunkEvent(key, j, chunks, took));
        }
        return new SetResult(parts, new SampleRun
        {
            Key = key, IssueSamples = issue, RequestedSamples = needed, AvailableSamples = needed, Complete = true,
            GenerationSeconds = chunkSeconds.Sum(), SecondsPerImage = SecondsPerImage(), ChunksReused = reused, ChunksGenerated = made,
        });

        double? SecondsPerImage() => chunkSeconds.Count == 0 ? null : Median(chunkSeconds) / c;

        SetResult Stopped()
        {
            int stored = _store.CountStored(key, chunks);
            Log?.Invoke($"{key}: stopped with {stored}/{chunks} chunks; rerun to continue");
            return new SetResult(null, new SampleRun
            {
                Key = key, IssueSamples = issue, RequestedSamples = needed, AvailableSamples = Math.Min(needed, stored * c), Complete = false,
                // A set made over several sessions still reports what its chunks so far cost.
                GenerationSeconds = chunkSeconds.Sum(), SecondsPerImage = SecondsPerImage(),
                ChunksReused = reused, ChunksGenerated = made,
            });
        }
    }

    private GenerationOptions Options(string scheduler, int steps, CancellationToken ct) => new()
    {
        NumInferenceSteps = steps, GuidanceScale = _o.GuidanceScale, Scheduler = scheduler, BatchSize = _o.ChunkSize,
        Progress = ct.CanBeCanceled ? new CancellingProgress(ct) : null,
    };

    /// <summary>Stops a chunk between denoising steps once the run is cancelled (the chunk is discarded and regenerated next run).</summary>
    private sealed class CancellingProgress(CancellationToken ct) : IProgress<(int Step, int Total)>
    {
        public void Report((int Step, int Total) value) => ct.ThrowIfCancellationRequested();
    }

    // ---- scoring ----

    private (float[] Probs, float[] Features) Score(Tensor images, int n) =>
        Score(Enumerable.Range(0, (n + _o.ChunkSize - 1) / _o.ChunkSize).Select(j => images.Narrow0(j * _o.ChunkSize, Math.Min(_o.ChunkSize, n - j * _o.ChunkSize))).ToList(), n);

    /// <summary>Judge output for the first <paramref name="n"/> images of consecutive chunks.</summary>
    private (float[] Probs, float[] Features) Score(IReadOnlyList<Tensor> chunks, int n)
    {
        int k = Judge.ClassNames.Count, d = Judge.FeatureDimension;
        var probs = new float[n * k]; var feats = new float[n * d];
        int done = 0;
        foreach (var chunk in chunks)
        {
            if (done == n) break;
            int c = Math.Min(chunk.Shape[0], n - done);
            using var scope = TensorScope.Begin();
            var (p, f) = Judge.Score(chunk.Narrow0(0, c));
            if (p.Length != c * k || f.Length != c * d)
                throw new InvalidOperationException($"DiffusionQualityReport: the judge returned {p.Length} probabilities and {f.Length} features for {c} images; expected {c * k} and {c * d}.");
            p.CopyTo(probs, done * k); f.CopyTo(feats, done * d);
            done += c;
        }
        if (done != n) throw new InvalidOperationException($"DiffusionQualityReport: {done} images to score, expected {n}.");
        return (probs, feats);
    }

    private void CheckData(QualityData data, bool needTest)
    {
        var b = _pipeline.Backend;
        void Images(Tensor t, int[] labels, string name)
        {
            if (t.Rank != 4 || t.Shape[1] != b.ImageChannels || t.Shape[2] != b.ImageHeight || t.Shape[3] != b.ImageWidth)
                throw new ArgumentException($"DiffusionQualityReport: {name} images are {ShapeUtil.Format(t.Shape)}, the model's are [N, {b.ImageChannels}, {b.ImageHeight}, {b.ImageWidth}].");
            if (labels.Length != t.Shape[0])
                throw new ArgumentException($"DiffusionQualityReport: {labels.Length} {name} labels for {t.Shape[0]} {name} images.");
            int k = b.KnownConditions.Count;
            for (int i = 0; i < labels.Length; i++)
                if ((uint)labels[i] >= (uint)k) throw new ArgumentException($"DiffusionQualityReport: {name} label {labels[i]} at row {i} is outside [0, {k}).");
        }
        Images(data.TrainImages, data.TrainLabels, "training");
        if (needTest) Images(data.TestImages, data.TestLabels, "test");
        int need = _o.TrainImagesNeeded();
        if (data.TrainImages.Shape[0] < need)
            throw new ArgumentException($"DiffusionQualityReport: these options need {need} training images (FD floors and whole chunks of img2img/inversion sources), {data.TrainImages.Shape[0]} were given.");
        if (needTest && data.TestImages.Shape[0] < 2) throw new ArgumentException("DiffusionQualityReport: the Fréchet reference needs at least 2 test images.");
    }

    private static string Invariant(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}
