using MLAugment.Diffusion.Sampling;
using MLAugment.Diffusion.Schedulers;
using MLAugment.Engine;

namespace MLAugment.Tasks.Recipes;

/// <summary>A backend seen through another scheduler config (same weights, same id); everything else is delegated.</summary>
internal sealed class SchedulerOverrideBackend(IDiffusionBackend inner, SchedulerConfig config) : IDiffusionBackend
{
    public string ModelId => inner.ModelId;
    public SchedulerConfig SchedulerConfig => config;
    public int ImageChannels => inner.ImageChannels;
    public int ImageHeight => inner.ImageHeight;
    public int ImageWidth => inner.ImageWidth;
    public int LatentChannels => inner.LatentChannels;
    public int LatentHeight => inner.LatentHeight;
    public int LatentWidth => inner.LatentWidth;
    public IReadOnlyList<string> KnownConditions => inner.KnownConditions;
    public bool SupportsGradients => inner.SupportsGradients;
    public Condition EncodeCondition(string promptOrLabel) => inner.EncodeCondition(promptOrLabel);
    public Condition NullCondition(string? negativePrompt = null) => inner.NullCondition(negativePrompt);
    public Tensor Predict(Tensor latents, float timestep, IReadOnlyList<Condition> conditions) => inner.Predict(latents, timestep, conditions);
    public Tensor EncodeImages(Tensor images) => inner.EncodeImages(images);
    public Tensor DecodeLatents(Tensor latents) => inner.DecodeLatents(latents);
}
