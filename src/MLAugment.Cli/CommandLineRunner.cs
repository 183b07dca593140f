using System.CommandLine;

namespace MLAugment.Cli;

/// <summary>
/// Parses and invokes a command line. A parse error (unknown option, bad value, failed validation) is reported as one
/// line on the error writer, "error: ...", with exit code 2 — no help dump; <c>--help</c> still prints help.
/// </summary>
public static class CommandLineRunner
{
    public const int UsageErrorExitCode = 2;

    public static int Run(RootCommand root, string[] args, TextWriter? output = null, TextWriter? error = null)
    {
        var parse = root.Parse(args);
        var config = new InvocationConfiguration { Output = output ?? Console.Out, Error = error ?? Console.Error };
        if (parse.Errors.Count > 0)
        {
            config.Error.WriteLine($"error: {string.Join("; ", parse.Errors.Select(e => e.Message.ReplaceLineEndings(" ")))} (see --help)");
            return UsageErrorExitCode;
        }
        return parse.Invoke(config);
    }
}
