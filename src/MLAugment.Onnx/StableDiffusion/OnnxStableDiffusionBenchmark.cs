namespace MLAugment.Onnx.StableDiffusion;

/// <summary>One benchmark row: a UNet's cost per call on a folder.</summary>
public sealed record UNetTiming(string Folder, string ExecutionProvider, int BatchSize, int Iterations, double MillisecondsPerCall,
    int LatentChannels, int LatentHeight, int LatentWidth);

/// <summary>Timing helpers for benchmark tables (not used by sampling).</summary>
public static class OnnxStableDiffusionBenchmark
{
    /// <summary>Opens <paramref name="folder"/> and times its UNet: mean ms per call on <paramref name="batchSize"/> rows after a warm-up call.</summary>
    public static UNetTiming TimeUNet(string folder, int batchSize = 1, int iterations = 5, OnnxStableDiffusionOptions? options = null)
    {
        using var backend = new OnnxStableDiffusionBackend(folder, options);
        double ms = backend.MeasureUNetMilliseconds(batchSize, iterations, warmup: 1);
        return new UNetTiming(backend.Folder, backend.ExecutionProvider, batchSize, iterations, ms,
            backend.LatentChannels, backend.LatentHeight, backend.LatentWidth);
    }
}
