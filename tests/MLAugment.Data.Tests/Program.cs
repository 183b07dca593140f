using MLAugment.Data.Tests.Caching;

namespace MLAugment.Data.Tests;

/// <summary>
/// The test assembly's entry point. The test runner never calls it; tests start it as a child process
/// (<c>dotnet MLAugment.Data.Tests.dll &lt;helper&gt; ...</c>) when they need a real process to kill.
/// </summary>
public static class Program
{
    public static int Main(string[] args)
    {
        if (args.Length > 0 && args[0] == CacheWriterProcess.Command)
            return CacheWriterProcess.Run(args[1..]);
        Console.Error.WriteLine($"Usage: dotnet MLAugment.Data.Tests.dll {CacheWriterProcess.Command} <cache folder> <entry count>");
        return 2;
    }
}
