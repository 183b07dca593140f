using System.Text.Json;

namespace MLAugment.Bench;

/// <summary>
/// One benchmark result as written to bench/results/*.json. Shared by every bench (engine, diffusion, onnx):
/// ratio = ours / anchor, so &lt; 1 means we are faster than the anchor (PyTorch / ONNX Runtime) on this machine.
/// A row in another <paramref name="Unit"/> (MiB, count) writes <c>ours_&lt;unit&gt;</c> and <c>anchor_&lt;unit&gt;</c>
/// instead of the <c>_ms</c> keys; its anchor is then the reference figure the row is judged against.
/// </summary>
public sealed record BenchRow(string Name, double Ours, double? Anchor, double? Gflops = null, double? AnchorGflops = null, string Unit = "ms")
{
    public double? Ratio => Anchor is > 0 ? Math.Round(Ours / Anchor.Value, 4) : null;
}

public static class BenchReport
{
    /// <summary>Writes rows as a JSON list (anchor_ms and ratio are always present, null when no anchor ran).</summary>
    public static void Write(string path, IReadOnlyList<BenchRow> rows)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        var list = rows.Select(r =>
        {
            var d = new Dictionary<string, object?>
            {
                ["name"] = r.Name,
                ["ours_" + r.Unit] = Math.Round(r.Ours, 4),
                ["anchor_" + r.Unit] = r.Anchor is { } a ? Math.Round(a, 4) : null,
                ["ratio"] = r.Ratio,
            };
            if (r.Gflops is { } g) d["gflops"] = Math.Round(g, 2);
            if (r.AnchorGflops is { } ag) d["anchor_gflops"] = Math.Round(ag, 2);
            return d;
        }).ToList();
        File.WriteAllText(path, JsonSerializer.Serialize(list, new JsonSerializerOptions { WriteIndented = true }) + "\n");
    }

    /// <summary>Prints rows as an aligned console table.</summary>
    public static void Print(IReadOnlyList<BenchRow> rows)
    {
        int w = Math.Max(4, rows.Count == 0 ? 4 : rows.Max(r => r.Name.Length));
        Console.WriteLine($"{"name".PadRight(w)}  {"ours",12}  {"anchor",12}  {"unit",5}  {"ratio",7}  {"gflops",8}  {"anchor_gf",9}");
        foreach (var r in rows)
            Console.WriteLine($"{r.Name.PadRight(w)}  {r.Ours,12:F3}  {Fmt(r.Anchor, 12, "F3")}  {r.Unit,5}  {Fmt(r.Ratio, 7, "F4")}  " +
                              $"{Fmt(r.Gflops, 8, "F1")}  {Fmt(r.AnchorGflops, 9, "F1")}");
    }

    private static string Fmt(double? v, int width, string f) => (v is { } x ? x.ToString(f) : "-").PadLeft(width);
}
