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

    /// <summary>The rows of bench/results/engine.json. Append new rows here (the lead adds UNet training-step rows).</summary>
    public static IEnumerable<BenchCase> Cases()
    {
        foreach (int n in new[] { 256, 512, 1024, 2048 })
            yield return Sgemm(n);
        foreach (var (c, hw) in new[] { (32, 32), (64, 16), (128, 8) })
            yield return Conv3x3FwdBwd(64, c, hw);
        yield return UNetBench.TrainStep();
        yield return UNetBench.Forward();
    }

    /// <summary>Diagnostics only (`engine --parts`, usually with `--cpu`): single conv passes, the GEMM shapes inside
    /// them, im2col alone, depthwise / grouped / edge-channel convs. Never written to results.</summary>
    public static IEnumerable<BenchCase> DiagnosticCases()
    {
        foreach (var (c, hw) in new[] { (32, 32), (64, 16), (128, 8) })
            foreach (var part in new[] { "fwd", "bwd_in", "bwd_w" })
                yield return ConvPart(64, c, hw, part);
        foreach (var (m, n, k, ta, tb) in new[] { (32, 1024, 288, false, false), (288, 1024, 32, true, false), (32, 288, 1024, false, true),
                     (128, 64, 1152, false, false), (1152, 64, 128, true, false), (128, 1152, 64, false, true) })
            yield return GemmTimes64(m, n, k, ta, tb);
        foreach (var (c, hw) in new[] { (32, 32), (64, 16), (128, 8) })
            yield return Unfold64(c, hw);
        foreach (var algo in new[] { Conv2dAlgorithm.Im2ColGemm, Conv2dAlgorithm.Direct })
        {
            yield return ConvAll($"depthwise3x3_b8_c64_32x32_{algo}", new Conv2dShape(8, 64, 32, 32, 64, 3, 3, 1, 1, 1, 1, groups: 64), algo);
            yield return ConvAll($"group2_3x3_b8_c64_32x32_{algo}", new Conv2dShape(8, 64, 32, 32, 64, 3, 3, 1, 1, 1, 1, groups: 32), algo);
            yield return ConvAll($"depthwise3x3_b8_c64_64x64_s2_{algo}", new Conv2dShape(8, 64, 64, 64, 64, 3, 3, 2, 2, 1, 1, groups: 64), algo);
        }
        yield return ConvAll("conv3x3_b64_c3to32_32x32", new Conv2dShape(64, 3, 32, 32, 32, 3, 3, 1, 1, 1, 1));
        yield return ConvAll("conv3x3_b64_c32to3_32x32", new Conv2dShape(64, 32, 32, 32, 3, 3, 3, 1, 1, 1, 1));
        foreach (var algo in new[] { Conv2dAlgorithm.Im2ColGemm, Conv2dAlgorithm.Direct })
            foreach (var part in new[] { "fwd", "bwd_in", "bwd_w" })
            {
                yield return ConvAll($"to3_{algo}_{part}", new Conv2dShape(64, 32, 32, 32, 3, 3, 3, 1, 1, 1, 1), algo, part);
                yield return ConvAll($"from3_{algo}_{part}", new Conv2dShape(64, 3, 32, 32, 32, 3, 3, 1, 1, 1, 1), algo, part);
            }
        yield return ConvAll("conv3x3_b1_c64_64x64", new Conv2dShape(1, 64, 64, 64, 64, 3, 3, 1, 1, 1, 1));
        yield return ConvAll("conv1x1_b16_c128_16x16", new Conv2dShape(16, 128, 16, 16, 256, 1, 1));
        yield return ConvAll("conv3x3s2_b16_c64_32x32", new Conv2dShape(16, 64, 32, 32, 128, 3, 3, 2, 2, 1, 1));
        yield return new BenchCase("bmm_64x(64x64x64)", new JsonObject { ["kind"] = "none" }, () =>
        {
            var a = Random(64 * 64 * 64, 1); var b = Random(64 * 64 * 64, 2); var c = new float[64 * 64 * 64];
            return () => Engine.Kernels.Sgemm.MultiplyBatched(false, true, 64, 64, 64, 1f, a, 64, b, 64, 0f, c, 64, 64, 4096, 4096, 4096);
        }, 64 * 2.0 * 64 * 64 * 64);
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

    // 64 single-threaded products of one conv layer's per-image GEMM shape: the GEMM share of a conv pass.
    private static unsafe BenchCase GemmTimes64(int m, int n, int k, bool ta, bool tb) => new(
        $"gemm64_m{m}_n{n}_k{k}_{(ta ? 'T' : 'N')}{(tb ? 'T' : 'N')}", new JsonObject { ["kind"] = "none" }, () =>
        {
            var a = Random(m * k, 1); var b = Random(k * n, 2); var c = new float[m * n];
            return () =>
            {
                fixed (float* pa = a) fixed (float* pb = b) fixed (float* pc = c)
                    for (int i = 0; i < 64; i++)
                        Engine.Kernels.Sgemm.MultiplyCore(ta, tb, m, n, k, 1f, pa, ta ? m : k, pb, tb ? k : n, 0f, pc, n, 1);
            };
        }, 64 * 2.0 * m * n * k);

    private static BenchCase ConvAll(string name, Conv2dShape s, Conv2dAlgorithm algo = Conv2dAlgorithm.Auto, string parts = "fwd,bwd_in,bwd_w") => new(name, new JsonObject { ["kind"] = "none" }, () =>
    {
        var x = Random(s.InputLength, 1); var w = Random(s.WeightLength, 2); var bias = Random(s.OutC, 3);
        var y = new float[s.OutputLength]; var gy = Random(s.OutputLength, 4);
        var gx = new float[s.InputLength]; var gw = new float[s.WeightLength]; var gb = new float[s.OutC];
        bool f = parts.Contains("fwd"), bi = parts.Contains("bwd_in"), bw = parts.Contains("bwd_w");
        return () =>
        {
            if (f) Conv2dKernels.Forward(x, w, bias, y, s, algo);
            if (bi) Conv2dKernels.BackwardInput(gy, w, gx, s, algo);
            if (bw) Conv2dKernels.BackwardWeight(x, gy, gw, gb, s, algo);
        };
    }, parts.Split(',').Length * 2.0 * s.N * s.OutC * s.OutH * s.OutW * s.GroupC * s.KH * s.KW);

    private static BenchCase Unfold64(int ch, int hw) => new($"im2col64_c{ch}_{hw}x{hw}", new JsonObject { ["kind"] = "none" }, () =>
    {
        var s = new Conv2dShape(1, ch, hw, hw, ch, 3, 3, 1, 1, 1, 1);
        var x = Random(s.InputLength, 1); var col = new float[s.ColumnRows * hw * hw];
        return () => { for (int i = 0; i < 64; i++) Im2Col.Unfold(x, col, s); };
    });

    private static BenchCase ConvPart(int batch, int ch, int hw, string part)
    {
        var s = new Conv2dShape(batch, ch, hw, hw, ch, 3, 3, 1, 1, 1, 1);
        return new BenchCase($"conv3x3_{part}_b{batch}_c{ch}_{hw}x{hw}", new JsonObject { ["kind"] = "none" }, () =>
        {
            var x = Random(s.InputLength, 1); var w = Random(s.WeightLength, 2); var bias = Random(ch, 3);
            var y = new float[s.OutputLength]; var gy = Random(s.OutputLength, 4);
            var gx = new float[s.InputLength]; var gw = new float[s.WeightLength]; var gb = new float[ch];
            return part switch
            {
                "fwd" => () => Conv2dKernels.Forward(x, w, bias, y, s),
                "bwd_in" => () => Conv2dKernels.BackwardInput(gy, w, gx, s),
                _ => () => Conv2dKernels.BackwardWeight(x, gy, gw, gb, s),
            };
        }, 2.0 * s.N * s.OutC * s.OutH * s.OutW * s.GroupC * s.KH * s.KW);
    }

    /// <summary>
    /// engine [--filter S] [--no-anchor] [--rounds R] [--parts] [--cpu]. Each round times every case on our side
    /// (median of 7 after 3 warm-ups) right next to the anchor's timing of the same case (same protocol, order
    /// alternating by round). A row reports the round where ours + anchor was lowest, both numbers from that round,
    /// so a load spike on this shared machine cannot favour one side; without an anchor, our best round.
    /// </summary>
    public static int Run(string[] args)
    {
        bool parts = args.Contains("--parts");
        bool cpuOnly = args.Contains("--cpu");
        if (cpuOnly) EngineOptions.MaxDegreeOfParallelism = 1;
        bool noAnchor = parts || cpuOnly || args.Contains("--no-anchor");
        string? filter = Option(args, "--filter");
        int rounds = int.TryParse(Option(args, "--rounds"), out var r) && r > 0 ? r : 5;
        string root = RepoRoot();
        var cases = (parts ? DiagnosticCases() : Cases()).Where(c => filter is null || c.Name.Contains(filter)).ToList();
        var bodies = cases.ToDictionary(c => c.Name, c => c.Setup());

        if (cpuOnly)
        {
            foreach (var c in cases)
            {
                double cpu = Timing.MinCpuMs(bodies[c.Name], 3, 9);
                Console.WriteLine($"  ours {c.Name}: min CPU {cpu:F3} ms (1 thread){(c.Flops is { } fl ? $", {fl / (cpu * 1e6):F1} GFLOPS" : "")}");
            }
            return 0;
        }

        Console.WriteLine($"engine bench: {cases.Count} cases, MaxDegreeOfParallelism={EngineOptions.MaxDegreeOfParallelism}, " +
                          $"{Environment.ProcessorCount} cores; each measurement is the median of 7 after 3 warm-ups; " +
                          $"{rounds} rounds alternating ours/anchor per case; a row reports its quietest round (lowest ours + anchor).");
        // Let tiered compilation finish before anything is timed: ~0.5 s of every case first.
        foreach (var c in cases)
        {
            var sw = System.Diagnostics.Stopwatch.StartNew();
            do bodies[c.Name](); while (sw.ElapsedMilliseconds < 500);
        }
        var ours = new Dictionary<string, double>();
        Dictionary<string, double>? anchor = null;
        using var session = noAnchor ? null : AnchorSession.Start(Path.Combine(root, "bench", "anchors", "engine_anchor.py"));
        if (session is not null) anchor = new();
        for (int round = 1; round <= rounds; round++)
        {
            foreach (var c in cases)
            {
                var spec = (JsonObject)c.Spec.DeepClone();
                spec["name"] = c.Name;
                // Alternate which side goes first so neither systematically inherits the other's cache or clock state.
                double? a = null;
                if (session is not null && round % 2 == 0) a = session.Time(spec);
                var (median, min) = Timing.Measure(bodies[c.Name]);
                if (session is not null && round % 2 == 1) a = session.Time(spec);
                if (a is { } am)
                {
                    // Paired: keep the quietest round (lowest ours + anchor), both sides from that same round.
                    if (!ours.ContainsKey(c.Name) || median + am < ours[c.Name] + anchor![c.Name])
                    {
                        ours[c.Name] = median;
                        anchor![c.Name] = am;
                    }
                }
                else ours[c.Name] = Math.Min(ours.GetValueOrDefault(c.Name, double.MaxValue), median);
                Console.WriteLine($"  round {round} {c.Name}: ours median {median:F3} ms (min {min:F3}), anchor {(a is { } x ? $"{x:F3} ms" : "-")}");
            }
        }

        var rows = cases.Select(c =>
        {
            double? a = anchor is not null && anchor.TryGetValue(c.Name, out var v) ? v : null;
            double? gf = c.Flops / (ours[c.Name] * 1e6);
            double? agf = a is { } am && c.Flops is { } f ? f / (am * 1e6) : null;
            return new BenchRow(c.Name, ours[c.Name], a, gf, agf);
        }).ToList();
        BenchReport.Print(rows);
        if (!parts && (filter is null || "unet_adamw_train_step_b64".Contains(filter)))
            Console.WriteLine($"managed allocation per reference-UNet training step after warm-up: {UNetBench.AllocatedBytesPerStep() / 1024.0:F1} KiB");
        if (filter is null && !parts)
        {
            string path = Path.Combine(root, "bench", "results", "engine.json");
            BenchReport.Write(path, rows);
            Console.WriteLine($"wrote {path}");
        }
        return 0;
    }

    private static string? Option(string[] args, string name) => args.SkipWhile(a => a != name).Skip(1).FirstOrDefault();

    internal static string RepoRoot()
    {
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
            if (File.Exists(Path.Combine(d.FullName, "MLAugment.sln"))) return d.FullName;
        for (var d = new DirectoryInfo(Directory.GetCurrentDirectory()); d is not null; d = d.Parent)
            if (File.Exists(Path.Combine(d.FullName, "MLAugment.sln"))) return d.FullName;
        throw new DirectoryNotFoundException("Could not find the repository root (MLAugment.sln) above the bench binary or working directory.");
    }
}
