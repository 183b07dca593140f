namespace MLAugment.Data;

/// <summary>The kind of a log message. Mirrors <c>Microsoft.ML.Runtime.ChannelMessageKind</c>.</summary>
public enum ChannelMessageKind
{
    Trace = 0,
    Info = 1,
    Warning = 2,
    Error = 3,
}

/// <summary>A message raised through <see cref="MLContext.Log"/>. Mirrors <c>Microsoft.ML.LoggingEventArgs</c>.</summary>
public class LoggingEventArgs : EventArgs
{
    public LoggingEventArgs(string message)
        : this(message, ChannelMessageKind.Info, "")
    {
    }

    public LoggingEventArgs(string message, ChannelMessageKind kind, string source)
    {
        RawMessage = message ?? throw new ArgumentNullException(nameof(message));
        Kind = kind;
        Source = source ?? "";
    }

    /// <summary>The message text alone.</summary>
    public string RawMessage { get; }

    public ChannelMessageKind Kind { get; }

    /// <summary>The component that raised the message, e.g. "ValueToKeyMappingEstimator".</summary>
    public string Source { get; }

    /// <summary>The message with its source and kind: "[Source=X, Kind=Info] text".</summary>
    public string Message => $"[Source={Source}, Kind={Kind}] {RawMessage}";
}
