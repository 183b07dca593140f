using System.Diagnostics;
using MLAugment.Diffusion.Sampling;
using MLAugment.Engine;

namespace MLAugment.Tasks.Experiments;

/// <summary>
/// Forwards every call to a model and adds up the wall time spent inside it (denoiser, encoder, decoder), so an
/// experiment can split a pipeline's Fit into generation and classifier training. Same ModelId: cache keys are unchanged.
/// </summary>
internal sealed class TimedDiffusionBackend(IDiffusionBackend inner) : DelegatingDiffusionBackend(inner)
{
    private long _ticks;

    /// <summary>Seconds spent inside the model since construction (or the last <see cref="Reset"/>).</summary>
    public double Seconds => Interlocked.Read(ref _ticks) / (double)Stopwatch.Frequency;

    public void Reset() => Interlocked.Exchange(ref _ticks, 0);

    private T Time<T>(Func<T> call)
    {
        long start = Stopwatch.GetTimestamp();
        try { return call(); }
        finally { Interlocked.Add(ref _ticks, Stopwatch.GetTimestamp() - start); }
    }

    public override Tensor Predict(Tensor latents, float timestep, IReadOnlyList<Condition> conditions) => Time(() => Inner.Predict(latents, timestep, conditions));
    public override Tensor EncodeImages(Tensor images) => Time(() => Inner.EncodeImages(images));
    public override Tensor DecodeLatents(Tensor latents) => Time(() => Inner.DecodeLatents(latents));
}
