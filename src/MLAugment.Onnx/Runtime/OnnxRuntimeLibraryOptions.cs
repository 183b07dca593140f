namespace MLAugment.Onnx.Runtime;

/// <summary>Where <see cref="OnnxRuntimeLibrary"/> looks for the ONNX Runtime native library.</summary>
public sealed record OnnxRuntimeLibraryOptions
{
    /// <summary>Environment variable naming the library file or the folder holding it.</summary>
    public const string EnvironmentVariable = "MLAUGMENT_ONNXRUNTIME_PATH";

    /// <summary>The library file, or a folder holding it. When set, nothing else is searched.</summary>
    public string? LibraryPath { get; init; }

    /// <summary>Honour <see cref="EnvironmentVariable"/> (when set, nothing else is searched).</summary>
    public bool UseEnvironmentVariable { get; init; } = true;

    /// <summary>
    /// Folder to search beside, and to walk upward from looking for <c>.tools/onnxruntime/</c>;
    /// null means the folder of the MLAugment.Onnx assembly (and the app base folder).
    /// </summary>
    public string? SearchDirectory { get; init; }
}
