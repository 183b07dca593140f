using System.Diagnostics;
using MLAugment.Diffusion.Schedulers;
using MLAugment.Diffusion.Sampling;
using MLAugment.Engine;

namespace MLAugment.Tasks.Experiments;

/// <summary>
/// Forwards every call to a model and adds up the wall time spent inside it (denoiser, encoder, decoder), so an
/// experiment can split a pipeline's Fit into generation and classifier training. Same ModelId: cache keys are unchanged.
/// </summary>
internal sealed class TimedDiffusionBackend(IDiffusionBackend inner) : IDiffusionBackend
{
    private long _ticks;

    public IDiffusionBackend Inner { get; } = inner ?? throw new ArgumentNullException(nameof(inner));

    /// <summary>Seconds spent inside the model since construction (or the last <see cref="Reset"/>).</summary>
    public double Seconds => Interlocked.Read(ref _ticks) / (double)Stopwatch.Frequency;

    public void Reset() => Interlocked.Exchange(ref _ticks, 0);

    private T Time<T>(Func<T> call)
    {
        long start = Stopwatch.GetTimestamp();
        try { return call(); }
        finally { Interlocked.Add(ref _ticks, Stopwatch.GetTimestamp() - start); }
    }

    public string ModelId => Inner.ModelId;
    public SchedulerConfig SchedulerConfig => Inner.SchedulerConfig;
    public int ImageChannels => Inner.ImageChannels;
    public int ImageHeight => Inner.ImageHeight;
    public int ImageWidth => Inner.ImageWidth;
    public int LatentChannels => Inner.LatentChannels;
    public int LatentHeight => Inner.LatentHeight;
    public int LatentWidth => Inner.LatentWidth;
    public IReadOnlyList<string> KnownConditions => Inner.KnownConditions;
    public bool SupportsGradients => Inner.SupportsGradients;
    public Condition EncodeCondition(string promptOrLabel) => Inner.EncodeCondition(promptOrLabel);
    public Condition NullCondition(string? negativePrompt = null) => Inner.NullCondition(negativePrompt);
    public Tensor Predict(Tensor latents, float timestep, IReadOnlyList<Condition> conditions) => Time(() => Inner.Predict(latents, timestep, conditions));
    public Tensor EncodeImages(Tensor images) => Time(() => Inner.EncodeImages(images));
    public Tensor DecodeLatents(Tensor latents) => Time(() => Inner.DecodeLatents(latents));
}
