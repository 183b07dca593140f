using System.CommandLine;
using MLAugment.Cli.Commands;

var root = new RootCommand("mlaugment: diffusion-model data augmentation for .NET ML pipelines.");
root.Subcommands.Add(TrainDiffusionCommand.Create());
root.Subcommands.Add(ExperimentCommand.Create());
root.Subcommands.Add(DemoCommand.Create());
return root.Parse(args).Invoke();
