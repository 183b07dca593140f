using MLAugment.Diffusion.Sampling;
using MLAugment.Diffusion.Schedulers;

namespace MLAugment.Tasks.Recipes;

/// <summary>A backend seen through another scheduler config (same weights, same id).</summary>
internal sealed class SchedulerOverrideBackend(IDiffusionBackend inner, SchedulerConfig config) : DelegatingDiffusionBackend(inner)
{
    public override SchedulerConfig SchedulerConfig => config;
}
