using MLAugment.Onnx.StableDiffusion;

namespace MLAugment.Onnx.Tests.StableDiffusion;

/// <summary>Tiny SD folders written once per variant and shared by the tests of this assembly (deleted at process exit).</summary>
internal static class TinyFolders
{
    private static readonly Dictionary<TinyStableDiffusionOptions, string> Made = [];
    private static readonly string Root = TestModels.TempDirectory();

    static TinyFolders() => AppDomain.CurrentDomain.ProcessExit += (_, _) =>
    {
        try { Directory.Delete(Root, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    };

    public const ulong Seed = 1234;

    public static string Get(TinyStableDiffusionOptions? options = null)
    {
        options ??= new TinyStableDiffusionOptions();
        lock (Made)
        {
            if (Made.TryGetValue(options, out var folder)) return folder;
            folder = Path.Combine(Root, "sd" + Made.Count);
            TinyStableDiffusionFixture.Create(folder, Seed, options);
            Made[options] = folder;
            return folder;
        }
    }

    /// <summary>A fresh copy of a variant's folder, for tests that damage it.</summary>
    public static string Copy(TinyStableDiffusionOptions? options = null)
    {
        string source = Get(options);
        string target = TestModels.TempDirectory();
        foreach (var file in Directory.EnumerateFiles(source, "*", SearchOption.AllDirectories))
        {
            string to = Path.Combine(target, Path.GetRelativePath(source, file));
            Directory.CreateDirectory(Path.GetDirectoryName(to)!);
            File.Copy(file, to);
        }
        return target;
    }
}
