using System.Diagnostics;
using System.Text.Json;
using MLAugment.Diffusion.Sampling;
using MLAugment.Engine;
using MLAugment.Tasks.Metrics;
using AG = MLAugment.Engine.Autograd.Autograd;

namespace MLAugment.Tasks.Recipes;

/// <summary>
/// A frozen image classifier used as the judge of generated images: class probabilities and penultimate-layer
/// features (the space the Fréchet distance is measured in) for images [N, C, H, W] in [−1, 1] at the model's size.
/// </summary>
public interface IImageJudge
{
    int FeatureDimension { get; }
    (float[] Probabilities, float[] Features) Score(Tensor images);
}

/// <summary>Settings of <see cref="DiffusionQualityReport"/>; sample counts are parameters so the cost is a choice, stated in the output.</summary>
public sealed record DiffusionQualityOptions
{
    public int FidelitySamples { get; init; } = 1000;
    public int FrechetSamples { get; init; } = 10_000;
    /// <summary>DDPM with 1000 steps costs 50× DPM-Solver 20; it gets its own (smaller) sample count.</summary>
    public int DdpmFrechetSamples { get; init; } = 1000;
    public int Img2ImgSamples { get; init; } = 1000;
    public int InversionSamples { get; init; } = 100;
    public float GuidanceScale { get; init; } = 3f;
    public int BatchSize { get; init; } = 100;
    public long Seed { get; init; } = 1234;
}

/// <summary>
/// Measures a class-conditional diffusion model as issue 3 asks: class fidelity by a classifier trained on real data,
/// Fréchet distance in that classifier's features against the test set for several samplers (with real-train vs test as
/// the floor), label preservation and SSIM of img2img at strength 0.5, DDIM-inversion reconstruction PSNR, and timing.
/// </summary>
public sealed class DiffusionQualityReport
{
    private readonly DiffusionPipeline _pipeline;
    private readonly IImageJudge _judge;
    private readonly DiffusionQualityOptions _o;
    public Action<string>? Log { get; init; }

    public DiffusionQualityReport(DiffusionPipeline pipeline, IImageJudge judge, DiffusionQualityOptions? options = null)
    {
        _pipeline = pipeline; _judge = judge; _o = options ?? new DiffusionQualityOptions();
    }

    /// <param name="trainImages">Real training images [N, C, H, W] in [−1, 1] (FD floor, img2img sources).</param>
    /// <param name="testImages">Real test images (the FD reference set).</param>
    public Dictionary<string, object> Run(Tensor trainImages, int[] trainLabels, Tensor testImages)
    {
        var classes = _pipeline.Backend.KnownConditions;
        int k = classes.Count;
        var report = new Dictionary<string, object> { ["model_id"] = _pipeline.Backend.ModelId, ["options"] = _o };
        var (_, testFeat) = ScoreAll(testImages);
        int d = _judge.FeatureDimension, nTest = testImages.Shape[0];

        // Floor: real train vs test in the same feature space.
        int nFloor = Math.Min(trainImages.Shape[0], _o.FrechetSamples);
        var (_, trainFeat) = ScoreAll(trainImages.Narrow0(0, nFloor));
        report["frechet_floor_train_vs_test"] = new { samples = nFloor, value = FrechetDistance.Compute(trainFeat, nFloor, testFeat, nTest, d) };

        // Class fidelity: DPM-Solver++ 20 steps, guidance 3.
        var fidelity = Timed(() => Sample(_o.FidelitySamples, k, "DPMSolverMultistepScheduler", 20), out double fidSecs);
        var (fp, _) = ScoreAll(fidelity.Images);
        var perClass = new double[k]; var perCount = new int[k];
        for (int i = 0; i < fidelity.Labels.Length; i++)
        {
            int y = fidelity.Labels[i]; perCount[y]++;
            if (ArgMax(fp, i, k) == y) perClass[y]++;
        }
        report["class_fidelity"] = new
        {
            sampler = "DPMSolverMultistepScheduler", steps = 20, guidance = _o.GuidanceScale, samples = fidelity.Labels.Length,
            accuracy = perClass.Sum() / fidelity.Labels.Length,
            per_class = Enumerable.Range(0, k).ToDictionary(c => classes[c], c => perCount[c] == 0 ? 0 : perClass[c] / perCount[c]),
            seconds = fidSecs, ms_per_image = 1000 * fidSecs / fidelity.Labels.Length,
        };
        Log?.Invoke($"class fidelity {perClass.Sum() / fidelity.Labels.Length:P2} ({fidSecs:F0}s)");

        // Fréchet distance per sampler.
        var fd = new List<object>();
        foreach (var (sched, steps, n) in new[]
        {
            ("DPMSolverMultistepScheduler", 20, _o.FrechetSamples), ("DPMSolverMultistepScheduler", 10, _o.FrechetSamples),
            ("DDIMScheduler", 50, _o.FrechetSamples), ("DDPMScheduler", 1000, _o.DdpmFrechetSamples),
        })
        {
            if (n < 2) continue;
            var s = Timed(() => Sample(n, k, sched, steps), out double secs);
            var (_, feat) = ScoreAll(s.Images);
            double value = FrechetDistance.Compute(feat, n, testFeat, nTest, d);
            fd.Add(new { sampler = sched, steps, samples = n, value, seconds = secs, ms_per_image = 1000 * secs / n });
            Log?.Invoke($"FD {sched} {steps} steps, {n} samples: {value:F3} ({secs:F0}s)");
        }
        report["frechet_distance_vs_test"] = fd;

        // img2img at strength 0.5 keeps the source class?
        int m = Math.Min(_o.Img2ImgSamples, trainImages.Shape[0]);
        var src = trainImages.Narrow0(0, m);
        var prompts = trainLabels.Take(m).Select(y => classes[y]).ToArray();
        var seeds = Enumerable.Range(0, m).Select(i => _o.Seed + 500_000 + i).ToArray();
        var opts = new GenerationOptions { NumInferenceSteps = 20, GuidanceScale = _o.GuidanceScale, BatchSize = _o.BatchSize };
        var i2i = Timed(() => _pipeline.ImageToImage(src, prompts, seeds, 0.5f, opts), out double i2iSecs);
        var (ip, _) = ScoreAll(i2i);
        int kept = 0; double ssim = 0;
        int h = src.Shape[2], w = src.Shape[3], c = src.Shape[1], plane = h * w;
        for (int i = 0; i < m; i++)
        {
            if (ArgMax(ip, i, k) == trainLabels[i]) kept++;
            for (int ch = 0; ch < c; ch++)
                ssim += ImageQuality.Ssim(src.Span.Slice((i * c + ch) * plane, plane), i2i.Span.Slice((i * c + ch) * plane, plane), h, w, dataRange: 2.0) / c;
        }
        report["img2img_strength_0.5"] = new { samples = m, keeps_class = (double)kept / m, mean_ssim_to_source = ssim / m, seconds = i2iSecs, ms_per_image = 1000 * i2iSecs / m };
        Log?.Invoke($"img2img 0.5: keeps class {(double)kept / m:P2}, SSIM {ssim / m:F3}");

        // DDIM inversion at 50 steps: reconstruction vs the autoencoder's own round trip, and vs the original.
        int q = Math.Min(_o.InversionSamples, trainImages.Shape[0]);
        var inv = trainImages.Narrow0(0, q);
        var invPrompts = trainLabels.Take(q).Select(y => classes[y]).ToArray();
        var noise = _pipeline.Invert(inv, invPrompts, 50, _o.BatchSize);
        var recon = _pipeline.ReconstructFromNoise(noise, invPrompts, 50, _o.BatchSize);
        Tensor roundTrip;
        using (AG.NoGrad()) roundTrip = _pipeline.Backend.DecodeLatents(_pipeline.Backend.EncodeImages(inv)).Clamp(-1f, 1f);
        report["ddim_inversion_50_steps"] = new
        {
            samples = q,
            psnr_vs_autoencoder_roundtrip_db = ImageQuality.Psnr(recon.Span, roundTrip.Span, 2.0),
            psnr_vs_original_db = ImageQuality.Psnr(recon.Span, inv.Span, 2.0),
            autoencoder_roundtrip_psnr_db = ImageQuality.Psnr(roundTrip.Span, inv.Span, 2.0),
        };
        return report;
    }

    public static void Write(string path, Dictionary<string, object> report) =>
        File.WriteAllText(path, JsonSerializer.Serialize(report, new JsonSerializerOptions { WriteIndented = true }));

    private (Tensor Images, int[] Labels) Sample(int n, int k, string scheduler, int steps)
    {
        var labels = Enumerable.Range(0, n).Select(i => i % k).ToArray();
        var prompts = labels.Select(y => _pipeline.Backend.KnownConditions[y]).ToArray();
        var seeds = Enumerable.Range(0, n).Select(i => _o.Seed + i).ToArray();
        var o = new GenerationOptions { NumInferenceSteps = steps, GuidanceScale = _o.GuidanceScale, Scheduler = scheduler, BatchSize = _o.BatchSize };
        return (_pipeline.Generate(prompts, seeds, o), labels);
    }

    private (float[] Probs, float[] Features) ScoreAll(Tensor images)
    {
        int n = images.Shape[0];
        var probs = new List<float>(); var feats = new List<float>();
        for (int s = 0; s < n; s += _o.BatchSize)
        {
            using var scope = TensorScope.Begin();
            var (p, f) = _judge.Score(images.Narrow0(s, Math.Min(_o.BatchSize, n - s)));
            probs.AddRange(p); feats.AddRange(f);
        }
        return (probs.ToArray(), feats.ToArray());
    }

    private static int ArgMax(float[] p, int row, int k)
    {
        int best = 0;
        for (int c = 1; c < k; c++) if (p[row * k + c] > p[row * k + best]) best = c;
        return best;
    }

    private static T Timed<T>(Func<T> f, out double seconds)
    {
        var sw = Stopwatch.StartNew();
        var r = f();
        seconds = sw.Elapsed.TotalSeconds;
        return r;
    }
}
