using System.CommandLine;
using MLAugment.Cli.Infrastructure;
using MLAugment.Tasks.Experiments;

namespace MLAugment.Cli.Commands;

/// <summary>
/// What `experiment` and `demo` share on the console: timestamped log lines, the table and criteria, and a resumable
/// stop on Ctrl-C. Errors are not caught here: they reach <see cref="CliErrors"/> like every other command's.
/// </summary>
internal sealed class ExperimentConsole(TextWriter output, TextWriter error)
{
    /// <summary>Exit code of a run stopped by Ctrl-C after saving its finished (arm, seed) runs: rerun to resume.</summary>
    public const int StoppedExitCode = 3;

    public TextWriter Error { get; } = error;

    public void Log(string line) => output.WriteLine($"{DateTime.UtcNow:HH:mm:ss} {line}");

    public static IReadOnlyList<int> ParseSeeds(string text)
    {
        var parts = text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var seeds = new List<int>();
        foreach (var p in parts)
            seeds.Add(int.TryParse(p, out int s) ? s : throw new CliUsageException($"--seeds: '{p}' is not an integer (give e.g. 1,2,3)."));
        if (seeds.Count == 0) throw new CliUsageException("--seeds: give at least one seed.");
        if (seeds.Distinct().Count() != seeds.Count) throw new CliUsageException($"--seeds: '{text}' repeats a seed.");
        return seeds;
    }

    public static IReadOnlyList<AugmentationArm> ParseArms(string text)
    {
        if (text is "all") return AugmentationArms.All;
        var ids = text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (ids.Length == 0) throw new CliUsageException("--arms: give at least one arm, or all.");
        try { return ids.Select(AugmentationArms.Parse).ToArray(); }
        catch (ArgumentException e) { throw new CliUsageException("--arms: " + e.Message); }
    }

    /// <summary>Fails with a hint when the model folder is missing (the usual first-run problem).</summary>
    public static void RequireModel(string folder)
    {
        if (!Directory.Exists(folder))
            throw new CliException($"model folder '{folder}' does not exist; train the embedded model with 'mlaugment train-diffusion' or pass --model <folder>.");
    }

    /// <summary>Runs the suite, prints each profile's table and the computed criteria, and where the report is.</summary>
    public int RunAndPrint(ExperimentSuite suite, CancellationToken ct)
    {
        RequireModel(suite.ModelPath);
        var outcome = suite.Run(ct);
        foreach (var s in outcome.Sections)
        {
            output.WriteLine();
            output.WriteLine(s.ProfileDescription);
            output.Write(ExperimentReport.FormatTable(s.Summaries));
            foreach (var c in ExperimentReport.Criteria(s.Summaries))
                output.WriteLine($"  {c}");
        }
        output.WriteLine();
        output.WriteLine($"report: {outcome.ReportPath} ({outcome.Elapsed.TotalSeconds:F0} s)");
        return 0;
    }

    /// <summary>
    /// Runs <paramref name="run"/> with this command's writers. The first Ctrl-C stops after the running (arm, seed) is
    /// saved (exit <see cref="StoppedExitCode"/>); a second one ends the process at once.
    /// </summary>
    public static int Run(ParseResult r, Func<ExperimentConsole, CancellationToken, int> run)
    {
        var console = new ExperimentConsole(r.InvocationConfiguration.Output, r.InvocationConfiguration.Error);
        using var cts = new CancellationTokenSource();
        ConsoleCancelEventHandler onCancel = (_, e) =>
        {
            if (cts.IsCancellationRequested)
                return; // second Ctrl-C: let the process end
            e.Cancel = true;
            cts.Cancel();
            console.Error.WriteLine("stopping after the current run (finished runs are saved); press Ctrl-C again to abort now.");
        };
        Console.CancelKeyPress += onCancel;
        try
        {
            return run(console, cts.Token);
        }
        catch (OperationCanceledException) when (cts.IsCancellationRequested)
        {
            console.Error.WriteLine("stopped: finished runs are saved; rerun the same command to resume.");
            return StoppedExitCode;
        }
        finally
        {
            Console.CancelKeyPress -= onCancel;
        }
    }
}
