using System.Globalization;
using System.Text.RegularExpressions;

namespace MLAugment.Tasks.Recipes;

/// <summary>One training stage as its progress lines tell it.</summary>
public sealed record TrainingStageSummary(string Stage, int FirstLoggedStep, int LastLoggedStep, int MaxSteps, int Sessions, double LoggedSeconds, string FirstTime, string LastTime);

/// <summary>
/// What <c>mlaugment train-diffusion</c>'s log (<c>training/train.log</c>) says about training wall time. Lines are
/// <c>HH:mm:ss stage: step s/max ...</c> (plus <c>stage: resumed at step s</c> after a restart: a resumed line right
/// after a progress line starts a new session; any line without a time, e.g. "killed at ...", ends one). Logged time is summed within sessions from consecutive time stamps (wrapping
/// at midnight), so the minutes before a session's first line and after its last line are not counted, and a session
/// longer than 24 hours would be undercounted: the time of day is all the log carries.
/// </summary>
public sealed partial record TrainingLogSummary(string Path, List<TrainingStageSummary> Stages, int Sessions, double LoggedSeconds, int Lines)
{
    [GeneratedRegex(@"^(\d{2}):(\d{2}):(\d{2}) (.*)$")]
    private static partial Regex Stamped();

    [GeneratedRegex(@"^(\w[\w-]*): step (\d+)/(\d+)\b")]
    private static partial Regex StepLine();

    [GeneratedRegex(@"^(\w[\w-]*): resumed at step \d+")]
    private static partial Regex ResumedLine();

    public static TrainingLogSummary Read(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"Training log '{path}' does not exist.", path);
        return Parse(File.ReadAllLines(path), path);
    }

    public static TrainingLogSummary Parse(IReadOnlyList<string> lines, string path = "")
    {
        var stages = new List<(string Name, int First, int Last, int Max, HashSet<int> Sessions, double Seconds, string FirstTime, string LastTime)>();
        int session = 0;
        int? previous = null;             // seconds of day of the previous stamped line in this session
        string? previousStage = null;
        double total = 0;
        var sessionsSeen = new HashSet<int>();
        foreach (var raw in lines)
        {
            var line = raw.TrimEnd();
            if (line.Length == 0) continue;
            var m = Stamped().Match(line);
            if (!m.Success)
            {
                if (previous is not null) session++;
                previous = null; previousStage = null;
                continue;
            }
            int t = int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture) * 3600 + int.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture) * 60
                + int.Parse(m.Groups[3].Value, CultureInfo.InvariantCulture);
            var text = m.Groups[4].Value;
            // A restarted process logs "<first stage>: resumed at step s" right after the previous one's progress lines; later
            // stages of the same process resume after a non-progress line (e.g. "latents: ..."), which is no restart.
            if (ResumedLine().IsMatch(text) && previousStage is not null) { session++; previous = null; previousStage = null; }
            double delta = previous is int p ? (t - p + 86_400) % 86_400 : 0;
            total += delta;
            sessionsSeen.Add(session);
            var step = StepLine().Match(text);
            if (step.Success)
            {
                string name = step.Groups[1].Value;
                int s = int.Parse(step.Groups[2].Value, CultureInfo.InvariantCulture), max = int.Parse(step.Groups[3].Value, CultureInfo.InvariantCulture);
                int i = stages.FindIndex(x => x.Name == name);
                string stamp = line[..8];
                if (i < 0) { stages.Add((name, s, s, max, new HashSet<int> { session }, 0, stamp, stamp)); i = stages.Count - 1; }
                var st = stages[i];
                // Time since the previous line counts toward this stage only when that line was this stage's too.
                double add = previousStage == name ? delta : 0;
                st.Sessions.Add(session);
                stages[i] = (name, Math.Min(st.First, s), Math.Max(st.Last, s), Math.Max(st.Max, max), st.Sessions, st.Seconds + add, st.FirstTime, stamp);
                previousStage = name;
            }
            else previousStage = null;
            previous = t;
        }
        return new TrainingLogSummary(path,
            stages.Select(s => new TrainingStageSummary(s.Name, s.First, s.Last, s.Max, s.Sessions.Count, s.Seconds, s.FirstTime, s.LastTime)).ToList(),
            sessionsSeen.Count, total, lines.Count);
    }
}
