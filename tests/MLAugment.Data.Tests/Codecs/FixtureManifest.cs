using System.Text.Json;
using MLAugment.Data.Images.Codecs;

namespace MLAugment.Data.Tests.Codecs;

/// <summary>One encoded fixture and its reference decode (see Fixtures/make_images.py).</summary>
public sealed record FixtureEntry(string File, int Width, int Height, string Format, string Ref, int MaxAbsDiff, double MaxMeanDiff)
{
    public RawPixelFormat PixelFormat => Enum.Parse<RawPixelFormat>(Format);
    public override string ToString() => File;
}

internal static class FixtureManifest
{
    public static string Dir => Path.Combine(AppContext.BaseDirectory, "Fixtures", "images");

    private static readonly Lazy<IReadOnlyList<FixtureEntry>> All = new(() =>
    {
        var json = File.ReadAllText(Path.Combine(Dir, "manifest.json"));
        var opts = new JsonSerializerOptions { PropertyNameCaseInsensitive = true };
        return JsonSerializer.Deserialize<List<FixtureEntry>>(json, opts)!;
    });

    public static IReadOnlyList<FixtureEntry> Entries => All.Value;

    public static string PathOf(string file) => Path.Combine(Dir, file);

    public static byte[] Bytes(string file) => File.ReadAllBytes(PathOf(file));

    public static IEnumerable<object[]> Named(Func<FixtureEntry, bool> filter) =>
        Entries.Where(filter).Select(e => new object[] { e.File });

    public static FixtureEntry Get(string file) => Entries.Single(e => e.File == file);
}
