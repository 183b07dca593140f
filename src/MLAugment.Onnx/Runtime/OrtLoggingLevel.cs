namespace MLAugment.Onnx.Runtime;

/// <summary>Minimum severity ONNX Runtime logs (to stderr), as ORT's <c>OrtLoggingLevel</c>.</summary>
public enum OrtLoggingLevel
{
    Verbose = 0,
    Info = 1,
    Warning = 2,
    Error = 3,
    Fatal = 4,
}
