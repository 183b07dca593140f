using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace MLAugment.Bench;

/// <summary>
/// Runs a Python anchor script (PyTorch on the same machine, same run) and returns its per-case milliseconds.
/// The script reads a JSON list of case specs on stdin and prints {"name": ms, ...} on stdout.
/// Returns null when /usr/bin/python3 cannot import torch, so benches still run without an anchor.
/// </summary>
public static class AnchorRunner
{
    public const string Python = "/usr/bin/python3";

    public static bool TorchAvailable()
    {
        if (!File.Exists(Python)) return false;
        try
        {
            var (code, _, _) = Run(Python, ["-c", "import torch"], null, TimeSpan.FromMinutes(1));
            return code == 0;
        }
        catch (Exception) { return false; }
    }

    public static Dictionary<string, double>? Run(string script, JsonArray specs)
    {
        if (!TorchAvailable())
        {
            Console.Error.WriteLine("anchor: /usr/bin/python3 with torch not available; anchor columns will be null.");
            return null;
        }
        var (code, stdout, stderr) = Run(Python, [script], specs.ToJsonString(), TimeSpan.FromMinutes(30));
        if (code != 0)
        {
            Console.Error.WriteLine($"anchor: {script} exited with {code}:\n{stderr}");
            return null;
        }
        var result = new Dictionary<string, double>();
        foreach (var (name, value) in JsonNode.Parse(stdout)!.AsObject())
            if (value is not null) result[name] = value.GetValue<double>();
        return result;
    }

    private static (int Code, string Stdout, string Stderr) Run(string exe, string[] args, string? stdin, TimeSpan timeout)
    {
        var psi = new ProcessStartInfo(exe)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = stdin is not null,
            UseShellExecute = false,
        };
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var outTask = p.StandardOutput.ReadToEndAsync();
        var errTask = p.StandardError.ReadToEndAsync();
        if (stdin is not null)
        {
            p.StandardInput.Write(stdin);
            p.StandardInput.Close();
        }
        if (!p.WaitForExit(timeout))
        {
            p.Kill(entireProcessTree: true);
            throw new TimeoutException($"{exe} {string.Join(' ', args)} timed out after {timeout}.");
        }
        return (p.ExitCode, outTask.Result, errTask.Result);
    }
}
