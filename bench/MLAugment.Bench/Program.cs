using MLAugment.Bench;

// Usage: MLAugment.Bench <bench> [--filter SUBSTRING] [--no-anchor]
//   engine   SGEMM and conv kernels vs PyTorch; writes bench/results/engine.json (unless --filter/--parts)
//            options: --rounds R (R paired ours/anchor rounds, the quietest reported; default 5), --no-anchor, --parts, --cpu
var benches = new Dictionary<string, Func<string[], int>>
{
    ["engine"] = EngineBench.Run,
};
if (args.Length == 0 || !benches.TryGetValue(args[0], out var run))
{
    Console.Error.WriteLine($"usage: MLAugment.Bench <{string.Join('|', benches.Keys)}> [--filter SUBSTRING] [--no-anchor]");
    return 2;
}
return run(args[1..]);
