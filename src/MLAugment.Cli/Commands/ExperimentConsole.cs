using MLAugment.Tasks.Experiments;

namespace MLAugment.Cli.Commands;

/// <summary>What `experiment` and `demo` share on the console: timestamped log lines, the table, one-line errors.</summary>
internal static class ExperimentConsole
{
    public static void Log(string line) => Console.WriteLine($"{DateTime.UtcNow:HH:mm:ss} {line}");

    public static IReadOnlyList<int> ParseSeeds(string text)
    {
        var parts = text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var seeds = new List<int>();
        foreach (var p in parts)
            seeds.Add(int.TryParse(p, out int s) ? s : throw new ArgumentException($"--seeds: '{p}' is not an integer (give e.g. 1,2,3)."));
        return seeds.Count > 0 ? seeds : throw new ArgumentException("--seeds: give at least one seed.");
    }

    /// <summary>Fails with a hint when the model folder is missing (the usual first-run problem).</summary>
    public static void RequireModel(string folder)
    {
        if (!Directory.Exists(folder))
            throw new DirectoryNotFoundException(
                $"model folder '{folder}' does not exist; train the embedded model with 'mlaugment train-diffusion' or pass --model <folder>.");
    }

    /// <summary>Runs the suite, prints each profile's table and the computed criteria, and where the report is.</summary>
    public static int RunAndPrint(ExperimentSuite suite, CancellationToken ct)
    {
        RequireModel(suite.ModelPath);
        var outcome = suite.Run(ct);
        foreach (var s in outcome.Sections)
        {
            Console.WriteLine();
            Console.WriteLine(s.ProfileDescription);
            Console.Write(ExperimentReport.FormatTable(s.Summaries));
            foreach (var c in ExperimentReport.Criteria(s.Summaries))
                Console.WriteLine($"  {c}");
        }
        Console.WriteLine();
        Console.WriteLine($"report: {outcome.ReportPath} ({outcome.Elapsed.TotalSeconds:F0} s)");
        return 0;
    }

    /// <summary>
    /// The first Ctrl-C stops after the running (arm, seed) is saved (exit 3), a second one aborts at once; any error is
    /// one line on stderr (exit 1), no stack trace.
    /// </summary>
    public static int Guarded(Func<CancellationToken, int> run)
    {
        using var cts = new CancellationTokenSource();
        ConsoleCancelEventHandler onCancel = (_, e) =>
        {
            if (cts.IsCancellationRequested)
                return; // second Ctrl-C: let the process end
            e.Cancel = true;
            cts.Cancel();
            Console.Error.WriteLine("stopping after the current run (finished runs are saved); press Ctrl-C again to abort now.");
        };
        Console.CancelKeyPress += onCancel;
        try
        {
            return run(cts.Token);
        }
        catch (OperationCanceledException)
        {
            Console.Error.WriteLine("stopped: finished runs are saved; rerun the same command to resume.");
            return 3;
        }
        catch (Exception e)
        {
            Console.Error.WriteLine($"error: {e.Message}");
            return 1;
        }
        finally
        {
            Console.CancelKeyPress -= onCancel;
        }
    }
}
