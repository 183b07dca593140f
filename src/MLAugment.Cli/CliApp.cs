using System.CommandLine;
using MLAugment.Cli.Commands;
using MLAugment.Cli.Infrastructure;

namespace MLAugment.Cli;

/// <summary>
/// The `mlaugment` command tree and its single entry point. <c>Program</c> calls <see cref="Run"/> with the console;
/// tests call it with string writers. Every command runs under the same error handling (<see cref="CliErrors"/>): a bad
/// command line prints one line and exits 2, a failure prints one line and exits 1, never a stack trace (unless --verbose).
/// </summary>
public static class CliApp
{
    public const string VerboseOptionName = "--verbose";

    public static RootCommand CreateRootCommand()
    {
        var root = new RootCommand("mlaugment: diffusion-model data augmentation for .NET ML pipelines.");
        root.Options.Add(new Option<bool>(VerboseOptionName, "-v")
        {
            Description = "Show the library's log (every level) and stack traces of errors.",
            Recursive = true,
        });
        root.Subcommands.Add(TrainDiffusionCommand.Create());
        root.Subcommands.Add(GenerateCommand.Create());
        root.Subcommands.Add(AugmentCommand.Create());
        root.Subcommands.Add(BalanceCommand.Create());
        root.Subcommands.Add(EvaluateCommand.Create());
        root.Subcommands.Add(ExperimentCommand.Create());
        root.Subcommands.Add(DemoCommand.Create());
        root.Subcommands.Add(EvaluateDiffusionCommand.Create());
        return root;
    }

    /// <summary>Parses <paramref name="args"/>, runs the command, and returns the process exit code.</summary>
    public static int Run(string[] args, TextWriter? output = null, TextWriter? error = null)
    {
        ArgumentNullException.ThrowIfNull(args);
        output ??= Console.Out;
        error ??= Console.Error;
        var config = new InvocationConfiguration { Output = output, Error = error, EnableDefaultExceptionHandler = false };
        bool verbose = args.Contains(VerboseOptionName) || args.Contains("-v");
        var root = CreateRootCommand();
        ParseResult result;
        try
        {
            result = root.Parse(args.Length == 0 ? ["--help"] : args);
        }
        catch (Exception e)
        {
            return CliErrors.Report(e, error, verbose);
        }
        if (result.Errors.Count > 0)
        {
            // System.CommandLine would print every error and the whole help; one line says what is wrong and where help is.
            string command = string.Join(' ', CommandPath(result.CommandResult.Command, root));
            // An unknown token explains more than the "required command" error it causes.
            var first = result.Errors.FirstOrDefault(e => e.Message.StartsWith("Unrecognized", StringComparison.Ordinal)) ?? result.Errors[0];
            error.WriteLine($"error: {CliErrors.OneLine(first.Message)} (see 'mlaugment{(command.Length > 0 ? " " + command : "")} --help')");
            return CliErrors.UsageError;
        }
        try
        {
            return result.Invoke(config);
        }
        catch (Exception e)
        {
            return CliErrors.Report(e, error, verbose);
        }
    }

    private static IEnumerable<string> CommandPath(Command command, RootCommand root)
    {
        var names = new Stack<string>();
        for (Symbol? s = command; s is Command c && c != root; s = c.Parents.FirstOrDefault())
            names.Push(c.Name);
        return names;
    }
}
