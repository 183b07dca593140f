using System.CommandLine;
using MLAugment.Cli;
using MLAugment.Cli.Commands;

var root = new RootCommand("mlaugment: diffusion-model data augmentation for .NET ML pipelines.");
root.Subcommands.Add(TrainDiffusionCommand.Create());
root.Subcommands.Add(EvaluateDiffusionCommand.Create());
return CommandLineRunner.Run(root, args);
