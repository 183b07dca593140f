namespace MLAugment.Engine.IO;

/// <summary>
/// A safetensors file that violates the format: bad header length, malformed JSON, unknown dtype,
/// offsets outside the data section or overlapping, byte counts that disagree with the shape, truncation.
/// The message names the file (when known) and what is wrong.
/// Derives from <see cref="IOException"/> (<see cref="InvalidDataException"/> is sealed).
/// </summary>
public class SafeTensorsFormatException : IOException
{
    public SafeTensorsFormatException(string message) : base(message) { }
    public SafeTensorsFormatException(string message, Exception inner) : base(message, inner) { }

    internal static SafeTensorsFormatException For(string? fileName, string what, Exception? inner = null)
    {
        string msg = string.IsNullOrEmpty(fileName) ? what : $"{fileName}: {what}";
        return inner is null ? new(msg) : new(msg, inner);
    }
}
