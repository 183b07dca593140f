namespace MLAugment.Onnx.Runtime;

/// <summary>Graph optimizations ORT applies when loading a model (<c>GraphOptimizationLevel</c>).</summary>
public enum OrtGraphOptimizationLevel
{
    DisableAll = 0,
    Basic = 1,
    Extended = 2,
    All = 99,
}

/// <summary>Which execution provider a session should run on.</summary>
public enum OrtExecutionProviderPreference
{
    /// <summary>CPU only.</summary>
    Cpu,
    /// <summary>CUDA when this library has it and it initializes; otherwise CPU, with the reason logged.</summary>
    CudaIfAvailable,
    /// <summary>CUDA or fail.</summary>
    Cuda,
}

/// <summary>Settings for creating an <see cref="OrtSession"/>; applied to a native <c>OrtSessionOptions</c> at creation.</summary>
public sealed record OrtSessionOptions
{
    /// <summary>Threads inside one operator; 0 lets ORT choose (one per physical core).</summary>
    public int IntraOpNumThreads { get; init; }

    /// <summary>Threads running independent operators in parallel; 0 lets ORT choose.</summary>
    public int InterOpNumThreads { get; init; }

    public OrtGraphOptimizationLevel GraphOptimizationLevel { get; init; } = OrtGraphOptimizationLevel.All;

    public OrtExecutionProviderPreference ExecutionProvider { get; init; } = OrtExecutionProviderPreference.Cpu;

    public int CudaDeviceId { get; init; }

    /// <summary>Receives notes such as a CUDA→CPU fallback; null writes them to <see cref="System.Diagnostics.Trace"/>.</summary>
    public Action<string>? Log { get; init; }
}
