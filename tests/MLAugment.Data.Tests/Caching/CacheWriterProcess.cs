using System.Diagnostics;
using MLAugment.Data;
using MLAugment.Data.Caching;
using MLAugment.Data.Tests.Images;

namespace MLAugment.Data.Tests.Caching;

/// <summary>
/// A writer that fills a cache with the deterministic entries <see cref="Key"/>(i) → <see cref="Generated"/>(i), used
/// both in-process and as the child process the crash test kills.
/// </summary>
public static class CacheWriterProcess
{
    public const string Command = "cache-writer";

    /// <summary>The source image of entry <paramref name="i"/>.</summary>
    public static MLImage Source(int i) => MLImage.FromRaw(TempImageFolder.Pattern(8, 8, seed: i));

    public static GenerationKey Key(int i) =>
        GenerationKey.Create("test-model@1", Source(i), mask: null,
            new Dictionary<string, string> { ["strength"] = GenerationKey.Format(0.75), ["steps"] = GenerationKey.Format(20) },
            seed: i, sourceRowId: $"row-{i}");

    /// <summary>The "generated" image of entry <paramref name="i"/>: 64x64 noise, so each PNG is a few kilobytes.</summary>
    public static MLImage Generated(int i)
    {
        var random = new Random(i);
        var pixels = new byte[64 * 64 * 4];
        random.NextBytes(pixels);
        return MLImage.CreateFromPixels(64, 64, i % 2 == 0 ? MLPixelFormat.Rgba32 : MLPixelFormat.Bgra32, pixels);
    }

    /// <summary>Adds entries 0..count-1 that are missing, printing "added i" after each new one.</summary>
    public static int Run(string[] args)
    {
        var cache = GenerationCache.Open(args[0]);
        int count = int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture);
        for (int i = 0; i < count; i++)
        {
            bool generated = false;
            cache.GetOrAdd(Key(i), _ =>
            {
                generated = true;
                return Generated(i);
            });
            if (generated)
                Console.Out.WriteLine($"added {i}");
        }
        Console.Out.WriteLine("done");
        return 0;
    }

    /// <summary>Starts the writer as a child process (the test assembly run by the dotnet host).</summary>
    public static Process Start(string folder, int count)
    {
        var host = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH");
        if (string.IsNullOrEmpty(host) || !File.Exists(host))
            host = "dotnet";
        var info = new ProcessStartInfo(host)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(typeof(CacheWriterProcess).Assembly.Location);
        info.ArgumentList.Add(Command);
        info.ArgumentList.Add(folder);
        info.ArgumentList.Add(count.ToString(System.Globalization.CultureInfo.InvariantCulture));
        return Process.Start(info) ?? throw new InvalidOperationException($"Could not start '{host}'.");
    }
}
