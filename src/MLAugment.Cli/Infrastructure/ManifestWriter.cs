using System.Text.Json;

namespace MLAugment.Cli.Infrastructure;

/// <summary>
/// The provenance manifest of an output folder, <c>manifest.jsonl</c>: one JSON object per line, written as files are
/// written (so an interrupted run still documents what it left): first a "run" record (command, model and its ModelId,
/// every option), then one "image" record per file, then a "summary" record.
/// </summary>
internal sealed class ManifestWriter : IDisposable
{
    public const string FileName = "manifest.jsonl";
    private readonly StreamWriter _writer;

    public ManifestWriter(string outputFolder, string command, IReadOnlyDictionary<string, object?> run)
    {
        Directory.CreateDirectory(outputFolder);
        _writer = new StreamWriter(Path.Combine(outputFolder, FileName), append: false);
        var record = new Dictionary<string, object?> { ["kind"] = "run", ["command"] = command, ["created_utc"] = DateTime.UtcNow.ToString("O") };
        foreach (var (k, v) in run)
            record[k] = v;
        Write(record);
    }

    public void Image(IReadOnlyDictionary<string, object?> fields)
    {
        var record = new Dictionary<string, object?> { ["kind"] = "image" };
        foreach (var (k, v) in fields)
            record[k] = v;
        Write(record);
    }

    public void Summary(IReadOnlyDictionary<string, object?> fields)
    {
        var record = new Dictionary<string, object?> { ["kind"] = "summary" };
        foreach (var (k, v) in fields)
            record[k] = v;
        Write(record);
    }

    private void Write(Dictionary<string, object?> record)
    {
        _writer.WriteLine(JsonSerializer.Serialize(record));
        _writer.Flush();
    }

    public void Dispose() => _writer.Dispose();

    /// <summary>A manifest path: relative to the output folder, with '/' separators on every OS.</summary>
    public static string RelativePath(string root, string path) => Path.GetRelativePath(root, path).Replace('\\', '/');
}
