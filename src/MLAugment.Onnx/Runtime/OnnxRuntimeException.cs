namespace MLAugment.Onnx.Runtime;

/// <summary>Error codes of ONNX Runtime's <c>OrtErrorCode</c>.</summary>
public enum OrtErrorCode
{
    Ok = 0,
    Fail = 1,
    InvalidArgument = 2,
    NoSuchFile = 3,
    NoModel = 4,
    EngineError = 5,
    RuntimeException = 6,
    InvalidProtobuf = 7,
    ModelLoaded = 8,
    NotImplemented = 9,
    InvalidGraph = 10,
    EpFail = 11,
}

/// <summary>An error reported by ONNX Runtime (an <c>OrtStatus</c>), with ORT's code and message.</summary>
public class OnnxRuntimeException : Exception
{
    public OrtErrorCode ErrorCode { get; }

    /// <summary>ORT's own message, without context added by this binding.</summary>
    public string OrtMessage { get; }

    /// <summary>The model input the error is attributed to (shape or type mismatch), when it could be determined.</summary>
    public string? InputName { get; }

    public OnnxRuntimeException(OrtErrorCode errorCode, string ortMessage, string? context = null, string? inputName = null,
        Exception? inner = null)
        : base(BuildMessage(errorCode, ortMessage, context), inner)
    {
        ErrorCode = errorCode;
        OrtMessage = ortMessage;
        InputName = inputName;
    }

    private static string BuildMessage(OrtErrorCode code, string ortMessage, string? context) =>
        context is null ? $"ONNX Runtime error {code}: {ortMessage}" : $"{context}: ONNX Runtime error {code}: {ortMessage}";
}

/// <summary>The ONNX Runtime native library could not be found or loaded.</summary>
public sealed class OnnxRuntimeNotFoundException : Exception
{
    /// <summary>Every place that was looked at, with what was found there.</summary>
    public IReadOnlyList<string> SearchedLocations { get; }

    public OnnxRuntimeNotFoundException(string message, IReadOnlyList<string> searchedLocations, Exception? inner = null)
        : base(message, inner) => SearchedLocations = searchedLocations;
}
