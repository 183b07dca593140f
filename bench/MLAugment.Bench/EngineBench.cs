using System.Text.Json.Nodes;
using MLAugment.Engine;
using MLAugment.Engine.Kernels;

namespace MLAugment.Bench;

/// <summary>
/// `engine` bench: SGEMM and convolution kernels vs PyTorch (bench/anchors/engine_anchor.py).
/// To add a row: append a <see cref="BenchCase"/> in <see cref="Cases"/> whose Spec carries a "kind" the anchor
/// script understands (add the matching branch there), and whose Setup returns the body to time.
/// </summary>
public static class EngineBench
{
    /// <param name="Name">row name (also the anchor's key)</param>
    /// <param name="Spec">JSON spec sent to the anchor script (must contain "name" and "kind")</param>
    /// <param name="Setup">allocates inputs once and returns the timed body</param>
    /// <param name="Flops">floating-point operations per body run, for the GFLOPS columns (optional)</param>
    public sealed record BenchCase(string Name, JsonObject Spec, Func<Action> Setup, double? Flops = null);

    public static IEnumerable<BenchCase> Cases()
    {
        foreach (int n in new[] { 256, 512, 1024, 2048 })
            yield return Sgemm(n);
        foreach (var (c, hw) in new[] { (32, 32), (64, 16), (128, 8) })
            yield return Conv3x3FwdBwd(64, c, hw);
    }

    private static float[] Random(int len, int seed)
    {
        var rng = new Random(seed);
        var x = new float[len];
        for (int i = 0; i < len; i++) x[i] = (float)(rng.NextDouble() * 2 - 1);
        return x;
    }

    private static BenchCase Sgemm(int n) => new(
        $"sgemm_n{n}",
        new JsonObject { ["kind"] = "sgemm", ["n"] = n },
        () =>
        {
            var a = Random(n * n, 1); var b = Random(n * n, 2); var c = new float[n * n];
            return () => Engine.Kernels.Sgemm.Multiply(false, false, n, n, n, 1f, a, n, b, n, 0f, c, n);
        },
        2.0 * n * n * n);

    private static BenchCase Conv3x3FwdBwd(int batch, int ch, int hw)
    {
        var s = new Conv2dShape(batch, ch, hw, hw, ch, 3, 3, 1, 1, 1, 1);
        return new BenchCase(
            $"conv3x3_fwd_bwd_b{batch}_c{ch}_{hw}x{hw}",
            new JsonObject
            {
                ["kind"] = "conv2d_fwd_bwd", ["n"] = batch, ["c"] = ch, ["h"] = hw, ["w"] = hw, ["oc"] = ch,
                ["k"] = 3, ["stride"] = 1, ["pad"] = 1,
            },
            () =>
            {
                var x = Random(s.InputLength, 1); var w = Random(s.WeightLength, 2); var bias = Random(ch, 3);
                var y = new float[s.OutputLength]; var gy = Random(s.OutputLength, 4);
                var gx = new float[s.InputLength]; var gw = new float[s.WeightLength]; var gb = new float[ch];
                return () =>
                {
                    Conv2dKernels.Forward(x, w, bias, y, s);
                    Conv2dKernels.BackwardInput(gy, w, gx, s);
                    Conv2dKernels.BackwardWeight(x, gy, gw, gb, s);
                };
            },
            3 * 2.0 * s.N * s.OutC * s.OutH * s.OutW * (s.C / s.Groups) * s.KH * s.KW);
    }

    public static int Run(string[] args)
    {
        bool noAnchor = args.Contains("--no-anchor");
        string? filter = args.SkipWhile(a => a != "--filter").Skip(1).FirstOrDefault();
        string root = RepoRoot();
        var cases = Cases().Where(c => filter is null || c.Name.Contains(filter)).ToList();

        Console.WriteLine($"engine bench: {cases.Count} cases, MaxDegreeOfParallelism={EngineOptions.MaxDegreeOfParallelism}, " +
                          $"{Environment.ProcessorCount} cores; median of 7 after 3 warm-ups.");
        var ours = new Dictionary<string, double>();
        foreach (var c in cases)
        {
            var body = c.Setup();
            ours[c.Name] = Timing.MedianMs(body);
            Console.WriteLine($"  ours {c.Name}: {ours[c.Name]:F3} ms");
        }

        Dictionary<string, double>? anchor = null;
        if (!noAnchor)
        {
            var specs = new JsonArray();
            foreach (var c in cases)
            {
                var spec = (JsonObject)c.Spec.DeepClone();
                spec["name"] = c.Name;
                specs.Add(spec);
            }
            anchor = AnchorRunner.Run(Path.Combine(root, "bench", "anchors", "engine_anchor.py"), specs);
        }

        var rows = cases.Select(c =>
        {
            double? a = anchor is not null && anchor.TryGetValue(c.Name, out var v) ? v : null;
            double? gf = c.Flops / (ours[c.Name] * 1e6);
            double? agf = a is { } am && c.Flops is { } f ? f / (am * 1e6) : null;
            return new BenchRow(c.Name, ours[c.Name], a, gf, agf);
        }).ToList();
        BenchReport.Print(rows);
        if (filter is null && !noAnchor)
        {
            string path = Path.Combine(root, "bench", "results", "engine.json");
            BenchReport.Write(path, rows);
            Console.WriteLine($"wrote {path}");
        }
        return 0;
    }

    internal static string RepoRoot()
    {
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
            if (File.Exists(Path.Combine(d.FullName, "MLAugment.sln"))) return d.FullName;
        for (var d = new DirectoryInfo(Directory.GetCurrentDirectory()); d is not null; d = d.Parent)
            if (File.Exists(Path.Combine(d.FullName, "MLAugment.sln"))) return d.FullName;
        throw new DirectoryNotFoundException("Could not find the repository root (MLAugment.sln) above the bench binary or working directory.");
    }
}
