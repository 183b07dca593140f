using MLAugment.Bench;

// Usage: MLAugment.Bench <bench> [--filter SUBSTRING] [--no-anchor]
//   engine   SGEMM and conv kernels vs PyTorch; writes bench/results/engine.json (unless --filter/--parts)
//            options: --rounds R (R paired ours/anchor rounds, the quietest reported; default 5), --no-anchor, --parts, --cpu
//   diffusion embedded-model architecture: ms per UNet call / generated image / img2img image, engine vs ONNX Runtime;
//            writes bench/results/diffusion.json
//   augment  ResizeImages -> DiffusionAugment -> ExtractPixels over rows made on the fly: peak working set while streaming N rows,
//            and a cached second run vs the first (speed-up, bit-identity); writes bench/results/augment.json
//            options: --rows N --warmup-rows W --cache-rows C --synthetic M --steps S --batch B --source-size P --cache-source-size P
//                     --cache-models tiny,embedded,FOLDER --no-stream --no-cache
var benches = new Dictionary<string, Func<string[], int>>
{
    ["engine"] = EngineBench.Run,
    ["augment"] = AugmentationBench.Run,
    ["diffusion"] = DiffusionBench.Run,
};
if (args.Length == 0 || !benches.TryGetValue(args[0], out var run))
{
    Console.Error.WriteLine($"usage: MLAugment.Bench <{string.Join('|', benches.Keys)}> [--filter SUBSTRING] [--no-anchor]");
    return 2;
}
return run(args[1..]);
