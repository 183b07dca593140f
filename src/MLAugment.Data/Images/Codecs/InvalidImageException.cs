namespace MLAugment.Data.Images.Codecs;

/// <summary>
/// A file that is not a valid image of its format: truncated, corrupt, or using a feature the codec
/// does not implement. The message names the file (when known) and what is wrong.
/// Derives from <see cref="IOException"/> because <see cref="InvalidDataException"/> is sealed; a loader's
/// <c>catch (IOException)</c> therefore covers both unreadable and undecodable files.
/// </summary>
public class InvalidImageException : IOException
{
    public InvalidImageException(string message) : base(message) { }
    public InvalidImageException(string message, Exception inner) : base(message, inner) { }

    /// <summary>Builds "file: what" (or just "what" when the name is unknown).</summary>
    internal static InvalidImageException For(string? fileName, string what) =>
        new(string.IsNullOrEmpty(fileName) ? what : $"{fileName}: {what}");
}
