namespace MLAugment.Cli.Infrastructure;

/// <summary>The checks on input and output folders the commands share, failing with what to do.</summary>
internal static class FolderChecks
{
    /// <summary>An image-folder dataset root: must exist (LoadFromImageFolder then checks it holds class folders of images).</summary>
    public static string InputFolder(string path, string what)
    {
        if (File.Exists(path))
            throw new CliException($"{what} '{path}' is a file; give a folder with one sub-folder per class.");
        if (!Directory.Exists(path))
            throw new CliException($"{what} '{path}' does not exist.");
        return Path.GetFullPath(path);
    }

    /// <summary>
    /// An output folder: new or empty (or, with <paramref name="force"/>, any folder: files of the same name are
    /// replaced, nothing else is touched), and neither inside the input nor containing it.
    /// </summary>
    public static string OutputFolder(string path, bool force, string? input = null)
    {
        var full = Path.GetFullPath(path);
        if (File.Exists(full))
            throw new CliException($"output '{path}' is a file; give a folder.");
        if (input is not null)
        {
            var i = Path.TrimEndingDirectorySeparator(input) + Path.DirectorySeparatorChar;
            var o = Path.TrimEndingDirectorySeparator(full) + Path.DirectorySeparatorChar;
            if (o.StartsWith(i, StringComparison.Ordinal) || i.StartsWith(o, StringComparison.Ordinal))
                throw new CliUsageException($"output folder '{path}' overlaps the input folder '{input}'; write somewhere else.");
        }
        if (!force && Directory.Exists(full) && Directory.EnumerateFileSystemEntries(full).Any())
            throw new CliException($"output folder '{path}' is not empty; choose a new folder or pass --force to write into it.");
        return full;
    }

    /// <summary>A folder name for a class or prompt: characters not allowed in file names become '_' ("T-shirt/top" → "T-shirt_top").</summary>
    public static string SafeName(string text)
    {
        var invalid = Path.GetInvalidFileNameChars().Concat(['/', '\\', ':', '*', '?', '"', '<', '>', '|']).ToHashSet();
        var name = new string(text.Trim().Select(c => invalid.Contains(c) || char.IsControl(c) ? '_' : c).ToArray());
        return name.Length == 0 || name is "." or ".." ? "_" : name;
    }
}
