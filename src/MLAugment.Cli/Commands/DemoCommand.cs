using System.CommandLine;
using MLAugment.Tasks.Experiments;

namespace MLAugment.Cli.Commands;

/// <summary>
/// `mlaugment demo`: a reduced long-tail experiment on the embedded model, sized to finish in under 10 minutes on
/// 2 cores from a fresh clone (model load included); prints the table and writes the report folder.
/// </summary>
internal static class DemoCommand
{
    /// <summary>The demo's experiment: long-tail (ratio 100) with a small head class, fewer training examples, 3 seeds.</summary>
    public static ExperimentSettings Settings => new()
    {
        Profile = new LongTailProfile(ImbalanceRatio: 100, MaxPerClass: 150),
        Seeds = [1, 2, 3],
        TrainingExamples = 10_000,
        NumInferenceSteps = 10,
        ClassifierWidth = 16,
    };

    public static Command Create()
    {
        var model = new Option<string>("--model") { Description = "Diffusion model folder.", DefaultValueFactory = _ => "models/fashion-ldm" };
        var output = new Option<string>("--out") { Description = "Report folder (also holds the runs and generated images; a rerun resumes).", DefaultValueFactory = _ => "mlaugment-demo-report" };
        var data = new Option<string?>("--data") { Description = "Fashion-MNIST folder (default: MLAUGMENT_FASHION_MNIST or /usr/share/datasets/fashion-mnist)." };
        var cmd = new Command("demo", "Reduced long-tail augmentation experiment on the embedded model (< 10 min on 2 cores): prints the table, writes a report folder.")
        {
            model, output, data,
        };
        cmd.SetAction(r => ExperimentConsole.Run(r, (console, ct) => console.RunAndPrint(new ExperimentSuite
        {
            ModelPath = r.GetValue(model)!, Profiles = [Settings], OutputDirectory = r.GetValue(output)!, Log = console.Log, DataRoot = r.GetValue(data),
            Title = "MLAugment demo: reduced long-tail Fashion-MNIST experiment",
        }, ct)));
        return cmd;
    }
}
