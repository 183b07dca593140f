using System.CommandLine;
using MLAugment.Cli.Infrastructure;
using MLAugment.Tasks.Experiments;

namespace MLAugment.Cli.Commands;

/// <summary>
/// `mlaugment experiment`: the full Fashion-MNIST augmentation experiments (long-tail and few-shot, every arm, 3 seeds),
/// resumable: each finished (arm, seed) is saved at once, and a rerun with the same options continues.
/// </summary>
internal static class ExperimentCommand
{
    /// <summary>The few-shot profile's epoch cap: high enough that every arm sees the same number of training examples.</summary>
    public const int FewShotMaxEpochs = 1000;

    public static Command Create()
    {
        var model = new Option<string>("--model") { Description = "Diffusion model folder.", DefaultValueFactory = _ => "models/fashion-ldm" };
        var output = new Option<string>("--out") { Description = "Output folder: runs, generation cache and the report (resumes from it).", DefaultValueFactory = _ => "mlaugment-experiment" };
        var profile = new Option<string>("--profile") { Description = "long-tail, few-shot or all.", DefaultValueFactory = _ => "all" };
        var seeds = new Option<string>("--seeds") { Description = "Comma-separated seeds.", DefaultValueFactory = _ => "1,2,3" };
        var arms = new Option<string>("--arms") { Description = "Comma-separated arms: " + string.Join(", ", AugmentationArms.All.Select(a => a.Id())) + ".", DefaultValueFactory = _ => "all" };
        var maxPerClass = new Option<int>("--max-per-class") { Description = "Long-tail: rows of the head class.", DefaultValueFactory = _ => 1000 };
        var ratio = new Option<double>("--ratio") { Description = "Long-tail: imbalance ratio (head / tail).", DefaultValueFactory = _ => 100 };
        var shots = new Option<int>("--shots") { Description = "Few-shot: rows per class.", DefaultValueFactory = _ => 10 };
        var fewShotTarget = new Option<int>("--few-shot-target") { Description = "Few-shot: ClassBalancing's rows per class.", DefaultValueFactory = _ => 100 };
        var examples = new Option<int>("--training-examples") { Description = "Examples the classifier sees per run (epochs = this / rows).", DefaultValueFactory = _ => 60_000 };
        var steps = new Option<int>("--steps") { Description = "Denoising steps per generated image.", DefaultValueFactory = _ => 20 };
        var data = new Option<string?>("--data") { Description = "Fashion-MNIST folder (default: MLAUGMENT_FASHION_MNIST or /usr/share/datasets/fashion-mnist)." };
        var constantLr = new Option<bool>("--constant-lr") { Description = "Keep the classifier's learning rate constant instead of decaying it along a half cosine." };
        var cmd = new Command("experiment", "Run the Fashion-MNIST augmentation experiments (resumable) and write the report folder.")
        {
            model, output, profile, seeds, arms, maxPerClass, ratio, shots, fewShotTarget, examples, steps, constantLr, data,
        };
        cmd.SetAction(r => ExperimentConsole.Run(r, (console, ct) =>
        {
            var seedList = ExperimentConsole.ParseSeeds(r.GetValue(seeds)!);
            var armList = ExperimentConsole.ParseArms(r.GetValue(arms)!);
            var common = new ExperimentSettings { Seeds = seedList, Arms = armList, TrainingExamples = r.GetValue(examples), NumInferenceSteps = r.GetValue(steps), CosineDecay = !r.GetValue(constantLr) };
            var profiles = new List<ExperimentSettings>();
            string which = r.GetValue(profile)!;
            if (which is not ("all" or "long-tail" or "few-shot"))
                throw new CliUsageException($"--profile '{which}' is unknown; use long-tail, few-shot or all.");
            if (which is "all" or "long-tail")
                profiles.Add(common with { Profile = new LongTailProfile(r.GetValue(ratio), r.GetValue(maxPerClass)) });
            if (which is "all" or "few-shot")
                // 10 shots × 10 classes is 100 rows: 60,000 examples is 600 epochs, far above the long-tail cap of 60, which
                // would give the no-augmentation arm a tenth of the augmented arms' optimisation steps.
                profiles.Add(common with { Profile = new FewShotProfile(r.GetValue(shots)), BalanceTo = r.GetValue(fewShotTarget), MaxEpochs = FewShotMaxEpochs });
            var suite = new ExperimentSuite
            {
                ModelPath = r.GetValue(model)!, Profiles = profiles, OutputDirectory = r.GetValue(output)!, Log = console.Log, DataRoot = r.GetValue(data),
            };
            return console.RunAndPrint(suite, ct);
        }));
        return cmd;
    }
}
