using MLAugment.Diffusion.Schedulers;
using MLAugment.Engine;

namespace MLAugment.Diffusion.Sampling;

/// <summary>
/// A backend that forwards every member to another one. Decorators (timing, call counting, another scheduler config)
/// derive from it and override only what they change, so the interface's members are forwarded in one place.
/// </summary>
public abstract class DelegatingDiffusionBackend(IDiffusionBackend inner) : IDiffusionBackend
{
    public IDiffusionBackend Inner { get; } = inner ?? throw new ArgumentNullException(nameof(inner));

    public virtual string ModelId => Inner.ModelId;
    public virtual SchedulerConfig SchedulerConfig => Inner.SchedulerConfig;
    public int ImageChannels => Inner.ImageChannels;
    public int ImageHeight => Inner.ImageHeight;
    public int ImageWidth => Inner.ImageWidth;
    public int LatentChannels => Inner.LatentChannels;
    public int LatentHeight => Inner.LatentHeight;
    public int LatentWidth => Inner.LatentWidth;
    public IReadOnlyList<string> KnownConditions => Inner.KnownConditions;
    public virtual bool SupportsGradients => Inner.SupportsGradients;
    public virtual Condition EncodeCondition(string promptOrLabel) => Inner.EncodeCondition(promptOrLabel);
    public virtual Condition NullCondition(string? negativePrompt = null) => Inner.NullCondition(negativePrompt);
    public virtual Tensor Predict(Tensor latents, float timestep, IReadOnlyList<Condition> conditions) => Inner.Predict(latents, timestep, conditions);
    public virtual Tensor EncodeImages(Tensor images) => Inner.EncodeImages(images);
    public virtual Tensor DecodeLatents(Tensor latents) => Inner.DecodeLatents(latents);
}
