using System.Diagnostics;
using MLAugment.Data;
using MLAugment.Data.Transforms.Augmentation;
using Spectre.Console;

namespace MLAugment.Cli.Infrastructure;

/// <summary>What a long-running command reports to: a count done out of an optional total, a detail text, log lines.</summary>
public interface IProgressLine
{
    /// <param name="detail">Throughput, ETA and the like, shown after the count.</param>
    void Update(long done, long? total, string detail);

    /// <summary>A message printed above the bar (or as its own line).</summary>
    void Log(string message);
}

/// <summary>
/// Runs long work under a progress display on stderr: a Spectre.Console bar on a terminal, or, when stderr is redirected
/// (pipes, CI, tests), plain lines at every tenth of the total (every 10 s when the total is unknown) plus a final one.
/// </summary>
public static class ProgressDisplay
{
    public static T Run<T>(CliContext context, string title, Func<IProgressLine, T> work)
    {
        if (!context.IsInteractive)
        {
            var plain = new PlainProgressLine(context.Error, title);
            var result = work(plain);
            plain.Finish();
            return result;
        }
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(context.Error),
            Ansi = AnsiSupport.Detect,
            ColorSystem = ColorSystemSupport.Detect,
            Interactive = InteractionSupport.Yes,
        });
        return console.Progress()
            .AutoClear(false)
            .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn())
            .Start(ctx =>
            {
                var task = ctx.AddTask(Markup.Escape(title), maxValue: 1);
                task.IsIndeterminate = true;
                var line = new LiveProgressLine(console, task, title);
                var result = work(line);
                task.StopTask();
                return result;
            });
    }

    public static void Run(CliContext context, string title, Action<IProgressLine> work) =>
        Run(context, title, line => { work(line); return 0; });

    /// <summary>"rows 12/100" style count.</summary>
    internal static string Count(string unit, long done, long? total) => total is long t ? $"{unit} {done}/{t}" : $"{unit} {done}";

    internal static string Eta(TimeSpan? eta) => eta is { } e ? $", ETA {(int)e.TotalHours:D2}:{e.Minutes:D2}:{e.Seconds:D2}" : "";

    private sealed class LiveProgressLine(IAnsiConsole console, ProgressTask task, string title) : IProgressLine
    {
        private readonly object _gate = new();

        public void Update(long done, long? total, string detail)
        {
            lock (_gate)
            {
                if (total is long t && t > 0)
                {
                    task.IsIndeterminate = false;
                    task.MaxValue = t;
                    task.Value = Math.Min(done, t);
                }
                task.Description = Markup.Escape($"{title}: {detail}");
            }
        }

        public void Log(string message)
        {
            lock (_gate)
                console.MarkupLine(Markup.Escape(message));
        }
    }

    private sealed class PlainProgressLine(TextWriter error, string title) : IProgressLine
    {
        private static readonly TimeSpan Interval = TimeSpan.FromSeconds(10);
        private readonly object _gate = new();
        private readonly Stopwatch _sinceLast = Stopwatch.StartNew();
        private int _lastTenth = -1;
        private string? _pending;

        public void Update(long done, long? total, string detail)
        {
            lock (_gate)
            {
                string line = $"{title}: {detail}";
                bool due;
                if (total is long t && t > 0)
                {
                    int tenth = (int)Math.Min(10, done * 10 / t);
                    due = tenth > _lastTenth;
                    if (due)
                        _lastTenth = tenth;
                }
                else
                {
                    due = _sinceLast.Elapsed >= Interval;
                }
                if (due)
                {
                    error.WriteLine(line);
                    _sinceLast.Restart();
                    _pending = null;
                }
                else
                {
                    _pending = line;
                }
            }
        }

        public void Log(string message)
        {
            lock (_gate)
                error.WriteLine(message);
        }

        /// <summary>The last state, if it was not printed yet.</summary>
        public void Finish()
        {
            lock (_gate)
            {
                if (_pending is not null)
                    error.WriteLine(_pending);
                _pending = null;
            }
        }
    }
}

/// <summary>The augmenters' progress (<see cref="AugmentationSettings.Progress"/>) as a progress line: rows, images/s, ETA.</summary>
public sealed class AugmentationProgressAdapter(IProgressLine line) : IProgress<AugmentationProgress>
{
    public void Report(AugmentationProgress p) =>
        line.Update(p.RowsDone, p.RowsTotal,
            $"{ProgressDisplay.Count("source rows", p.RowsDone, p.RowsTotal)}, {p.ImagesGenerated} generated" +
            (p.CacheHits > 0 ? $", {p.CacheHits} from cache" : "") + $", {p.ImagesPerSecond:F2} images/s{ProgressDisplay.Eta(p.EstimatedRemaining)}");
}

/// <summary>Forwards MLContext.Log to a progress line: warnings and errors always, everything with --verbose.</summary>
public static class MLContextLog
{
    public static void Attach(MLContext context, IProgressLine line, bool verbose) =>
        context.Log += (_, e) =>
        {
            if (verbose || e.Kind >= ChannelMessageKind.Warning)
                line.Log(e.Kind >= ChannelMessageKind.Warning ? $"{e.Kind.ToString().ToLowerInvariant()}: {e.RawMessage}" : $"[{e.Source}] {e.RawMessage}");
        };
}
