namespace MLAugment.Cli.Tests;

/// <summary>Temp folders a test makes, deleted after it.</summary>
public abstract class TempFolders
{
    private readonly List<string> _folders = [];

    protected string Temp(string what)
    {
        var folder = CliFixtures.NewTempFolder(what);
        _folders.Add(folder);
        return folder;
    }

    /// <summary>A path under a fresh temp folder that does not exist yet.</summary>
    protected string NewPath(string what) => Path.Combine(Temp(what), what);

    [TestCleanup]
    public void DeleteTempFolders()
    {
        foreach (var f in _folders)
            if (Directory.Exists(f))
                Directory.Delete(f, recursive: true);
    }
}

[TestClass]
public static class SharedFixtureCleanup
{
    [AssemblyCleanup]
    public static void DeleteSharedFolders() => CliFixtures.DeleteShared();
}
