return MLAugment.Cli.CliApp.Run(args);
