using System.Text.Json.Nodes;
using MLAugment.Engine;
using MLAugment.Engine.Optim;
using AG = MLAugment.Engine.Autograd.Autograd;

namespace MLAugment.Bench;

/// <summary>
/// Engine-bench rows for the reference UNet (see <see cref="ReferenceUNet"/>; the anchor builds the same network in
/// PyTorch): one AdamW training step and one no-grad forward, batch 64, input 32×32×1. Also measures managed bytes
/// allocated per training step after warm-up (the pooled-buffer goal).
/// </summary>
public static class UNetBench
{
    public const int Batch = 64;

    public static EngineBench.BenchCase TrainStep() => new("unet_adamw_train_step_b64",
        new JsonObject { ["kind"] = "unet_train_step", ["batch"] = Batch }, () =>
        {
            var (model, opt, x, target) = Build();
            return () => Step(model, opt, x, target);
        });

    public static EngineBench.BenchCase Forward() => new("unet_forward_b64",
        new JsonObject { ["kind"] = "unet_forward", ["batch"] = Batch }, () =>
        {
            var (model, _, x, _) = Build();
            return () =>
            {
                using var scope = TensorScope.Begin();
                using var ng = AG.NoGrad();
                model.Forward(x);
            };
        });

    /// <summary>Managed bytes allocated per training step, averaged over <paramref name="steps"/> after <paramref name="warmup"/> steps.</summary>
    public static double AllocatedBytesPerStep(int warmup = 3, int steps = 5)
    {
        var (model, opt, x, target) = Build();
        for (int i = 0; i < warmup; i++) Step(model, opt, x, target);
        long before = GC.GetTotalAllocatedBytes(precise: true);
        for (int i = 0; i < steps; i++) Step(model, opt, x, target);
        return (GC.GetTotalAllocatedBytes(precise: true) - before) / (double)steps;
    }

    private static (ReferenceUNet, AdamW, Tensor, Tensor) Build()
    {
        var g = new Generator(0);
        var model = new ReferenceUNet(g);
        var opt = new AdamW(model.NamedParameters().ToList(), lr: 1e-4);
        var x = Tensor.Randn(g, Batch, 1, 32, 32);
        var target = Tensor.Randn(g, Batch, 1, 32, 32);
        return (model, opt, x, target);
    }

    private static void Step(ReferenceUNet model, AdamW opt, Tensor x, Tensor target)
    {
        using (TensorScope.Begin())
        {
            opt.ZeroGrad();
            var loss = F.MseLoss(model.Forward(x), target);
            loss.Backward();
        }
        opt.Step();
    }
}
