namespace MLAugment.Onnx.Runtime;

/// <summary>
/// The process-wide ONNX Runtime environment (<c>OrtEnv</c>): ORT allows one per process, shared by every session.
/// It lives until the process ends.
/// </summary>
public sealed class OrtEnvironment
{
    private static readonly object Gate = new();
    private static OrtEnvironment? _instance;
    private OrtLoggingLevel _loggingLevel;

    public OnnxRuntimeLibrary Library { get; }
    internal OrtHandle Handle { get; }

    private OrtEnvironment(OnnxRuntimeLibrary library, OrtLoggingLevel level)
    {
        Library = library;
        _loggingLevel = level;
        Handle = library.Api.CreateEnv(level, "MLAugment");
    }

    /// <summary>The environment on <see cref="OnnxRuntimeLibrary.Default"/>, created on first use with logging level Warning.</summary>
    public static OrtEnvironment Instance => GetOrCreate();

    /// <summary>
    /// The environment, created on first call on <paramref name="library"/> (default: <see cref="OnnxRuntimeLibrary.Default"/>).
    /// Later calls must name the same library, since ORT keeps one environment per process.
    /// </summary>
    public static OrtEnvironment GetOrCreate(OnnxRuntimeLibrary? library = null, OrtLoggingLevel loggingLevel = OrtLoggingLevel.Warning)
    {
        lock (Gate)
        {
            if (_instance is null)
                _instance = new OrtEnvironment(library ?? OnnxRuntimeLibrary.Default, loggingLevel);
            else if (library is not null && !ReferenceEquals(library, _instance.Library))
                throw new InvalidOperationException(
                    $"The ONNX Runtime environment already uses {_instance.Library}; it cannot switch to {library} within one process.");
            return _instance;
        }
    }

    /// <summary>Minimum severity ORT logs; can be changed at any time.</summary>
    public OrtLoggingLevel LoggingLevel
    {
        get => _loggingLevel;
        set
        {
            Library.Api.UpdateEnvLogLevel(Handle, value);
            _loggingLevel = value;
        }
    }
}
