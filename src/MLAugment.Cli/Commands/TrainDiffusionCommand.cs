using System.CommandLine;
using MLAugment.Tasks.Recipes;

namespace MLAugment.Cli.Commands;

/// <summary>`mlaugment train-diffusion`: trains (or resumes) the embedded Fashion-MNIST latent diffusion model.</summary>
internal static class TrainDiffusionCommand
{
    public static Command Create()
    {
        var work = new Option<string>("--work") { Description = "Checkpoint folder (resumes from it).", DefaultValueFactory = _ => "models/fashion-ldm/training" };
        var output = new Option<string>("--out") { Description = "Model folder to write.", DefaultValueFactory = _ => "models/fashion-ldm" };
        var vaeSteps = new Option<int>("--vae-steps") { Description = "Autoencoder optimisation steps.", DefaultValueFactory = _ => 3000 };
        var unetSteps = new Option<int>("--unet-steps") { Description = "UNet optimisation steps.", DefaultValueFactory = _ => 30000 };
        var minutes = new Option<double>("--max-minutes") { Description = "Stop (after a checkpoint) after this many minutes; rerun to resume.", DefaultValueFactory = _ => 0 };
        var cmd = new Command("train-diffusion", "Train or resume the embedded Fashion-MNIST latent diffusion model.") { work, output, vaeSteps, unetSteps, minutes };
        cmd.SetAction(r =>
        {
            var recipe = new FashionDiffusionRecipe(r.GetValue(work)!)
            {
                VaeOptions = new() { MaxSteps = r.GetValue(vaeSteps), BatchSize = 64, LearningRate = 1e-3, WarmupSteps = 100, CheckpointEvery = 250 },
                UNetOptions = new() { MaxSteps = r.GetValue(unetSteps), BatchSize = 128, LearningRate = 5e-4, WarmupSteps = 500, CheckpointEvery = 250, EmaDecay = 0.999 },
                Log = line => Console.WriteLine($"{DateTime.UtcNow:HH:mm:ss} {line}"),
            };
            using var cts = new CancellationTokenSource();
            double max = r.GetValue(minutes);
            if (max > 0) cts.CancelAfter(TimeSpan.FromMinutes(max));
            Console.CancelKeyPress += (_, e) => { e.Cancel = true; cts.Cancel(); };
            try
            {
                var model = recipe.Run(r.GetValue(output)!, ct: cts.Token);
                Console.WriteLine($"wrote {r.GetValue(output)} ({model.ModelId})");
                return 0;
            }
            catch (OperationCanceledException e)
            {
                Console.WriteLine($"stopped: {e.Message} Rerun the same command to resume.");
                return 3;
            }
        });
        return cmd;
    }
}
