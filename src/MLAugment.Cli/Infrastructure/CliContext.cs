using System.CommandLine;
using Spectre.Console;

namespace MLAugment.Cli.Infrastructure;

/// <summary>
/// Where one invocation writes: results (tables, file lists) to <see cref="Out"/>, progress and errors to
/// <see cref="Error"/>. In tests both are string writers; from a terminal they are the console.
/// </summary>
public sealed class CliContext
{
    public CliContext(TextWriter output, TextWriter error, bool verbose)
    {
        Out = output;
        Error = error;
        Verbose = verbose;
    }

    public TextWriter Out { get; }

    public TextWriter Error { get; }

    /// <summary>--verbose: the library's whole log (MLContext.Log, every level) and stack traces.</summary>
    public bool Verbose { get; }

    /// <summary>
    /// A live progress bar needs a terminal: stderr is the real console, not redirected, and the terminal can redraw.
    /// Otherwise progress is printed as plain lines.
    /// </summary>
    public bool IsInteractive =>
        ReferenceEquals(Error, Console.Error) && !Console.IsErrorRedirected
        && Environment.GetEnvironmentVariable("TERM") is not "dumb"
        && string.IsNullOrEmpty(Environment.GetEnvironmentVariable("CI"));

    public static CliContext From(ParseResult result) =>
        new(result.InvocationConfiguration.Output, result.InvocationConfiguration.Error,
            result.GetValue<bool>(CliApp.VerboseOptionName));

    /// <summary>A Spectre console over <see cref="Out"/> for tables: colour on a terminal, plain and wide (no wrapping) when redirected.</summary>
    public IAnsiConsole OutConsole()
    {
        bool terminal = ReferenceEquals(Out, Console.Out) && !Console.IsOutputRedirected;
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(Out),
            Ansi = terminal ? AnsiSupport.Detect : AnsiSupport.No,
            ColorSystem = terminal ? ColorSystemSupport.Detect : ColorSystemSupport.NoColors,
            Interactive = InteractionSupport.No,
        });
        if (!terminal)
            console.Profile.Width = 200;
        return console;
    }
}
