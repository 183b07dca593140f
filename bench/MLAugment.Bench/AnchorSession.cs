using System.Diagnostics;
using System.Text.Json.Nodes;

namespace MLAugment.Bench;

/// <summary>
/// A long-lived Python anchor process (PyTorch on the same machine, same run). Each <see cref="Time"/> call sends
/// one JSON case spec line and reads back {"name", "ms"}, so a bench can alternate our measurement and the anchor's
/// case by case: on a shared machine both sides then see the same background load.
/// </summary>
public sealed class AnchorSession : IDisposable
{
    public const string Python = "/usr/bin/python3";
    private readonly Process _process;

    private AnchorSession(Process process) => _process = process;

    /// <summary>True when /usr/bin/python3 exists and can import torch.</summary>
    public static bool TorchAvailable()
    {
        if (!File.Exists(Python)) return false;
        try
        {
            using var p = Process.Start(new ProcessStartInfo(Python, ["-c", "import torch"])
            {
                RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
            })!;
            p.StandardOutput.ReadToEnd();
            p.StandardError.ReadToEnd();
            return p.WaitForExit(TimeSpan.FromMinutes(1)) && p.ExitCode == 0;
        }
        catch (Exception) { return false; }
    }

    /// <summary>Starts the script, or returns null (with a note on stderr) when torch is unavailable.</summary>
    public static AnchorSession? Start(string script)
    {
        if (!TorchAvailable())
        {
            Console.Error.WriteLine($"anchor: {Python} cannot import torch; anchor columns will be null.");
            return null;
        }
        var psi = new ProcessStartInfo(Python)
        {
            RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = false, UseShellExecute = false,
        };
        psi.ArgumentList.Add(script);
        return new AnchorSession(Process.Start(psi)!);
    }

    /// <summary>Anchor median in ms for one case (null if the script does not know its kind or has died).</summary>
    public double? Time(JsonObject spec)
    {
        if (_process.HasExited) return null;
        _process.StandardInput.WriteLine(spec.ToJsonString());
        _process.StandardInput.Flush();
        string? line = _process.StandardOutput.ReadLine();
        if (line is null) return null;
        var node = JsonNode.Parse(line)!;
        return node["ms"] is JsonValue v ? v.GetValue<double>() : null;
    }

    public void Dispose()
    {
        try
        {
            _process.StandardInput.Close();
            if (!_process.WaitForExit(TimeSpan.FromSeconds(30))) _process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException) { }
        _process.Dispose();
    }
}
