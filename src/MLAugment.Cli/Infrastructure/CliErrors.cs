using System.Reflection;
using System.Text.Json;

namespace MLAugment.Cli.Infrastructure;

/// <summary>A mistake in what the user asked for (a missing path, an empty folder, an unknown class): exit code 1.</summary>
public class CliException(string message) : Exception(message);

/// <summary>A bad command line (an option value out of range, options that contradict each other): exit code 2.</summary>
public sealed class CliUsageException(string message) : CliException(message);

/// <summary>
/// Turns any failure into one line on stderr and an exit code: 2 for a bad command line, 1 for everything else,
/// 130 for Ctrl+C. Errors the user can fix (bad paths, unreadable files, unknown classes, bad values: the library's
/// IO, data and argument exceptions) print their message; anything else is named as an internal error. No stack trace
/// unless --verbose.
/// </summary>
public static class CliErrors
{
    public const int UserError = 1;
    public const int UsageError = 2;
    public const int Cancelled = 130;

    public static int Report(Exception exception, TextWriter error, bool verbose)
    {
        var e = Unwrap(exception);
        int code;
        string line;
        switch (e)
        {
            case CliUsageException:
                (code, line) = (UsageError, $"error: {OneLine(e.Message)}");
                break;
            case OperationCanceledException:
                (code, line) = (Cancelled, "cancelled.");
                break;
            case CliException or IOException or InvalidDataException or UnauthorizedAccessException or ArgumentException or NotSupportedException
                or FormatException or JsonException or InvalidOperationException:
                // The library reports bad input with these types, each naming the file, column or parameter.
                (code, line) = (UserError, $"error: {OneLine(e.Message)}");
                break;
            default:
                (code, line) = (UserError, $"internal error ({e.GetType().Name}): {OneLine(e.Message)}{(verbose ? "" : " (rerun with --verbose for the stack trace)")}");
                break;
        }
        error.WriteLine(line);
        if (verbose)
            error.WriteLine(exception);
        error.Flush();
        return code;
    }

    /// <summary>Collapses a message to one line (ArgumentException puts "Actual value was ..." on a line of its own).</summary>
    public static string OneLine(string message) =>
        string.Join(' ', message.Split(['\r', '\n'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));

    private static Exception Unwrap(Exception e)
    {
        while (true)
        {
            switch (e)
            {
                case AggregateException { InnerExceptions.Count: 1 } a:
                    e = a.InnerExceptions[0];
                    continue;
                case TargetInvocationException { InnerException: { } inner }:
                    e = inner;
                    continue;
                case TypeInitializationException { InnerException: { } inner }:
                    e = inner;
                    continue;
                default:
                    return e;
            }
        }
    }
}
