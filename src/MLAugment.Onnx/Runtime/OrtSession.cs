using System.Diagnostics;
using MLAugment.Onnx.Format;

namespace MLAugment.Onnx.Runtime;

/// <summary>An ONNX Runtime inference session (<c>OrtSession</c>) on one model.</summary>
public sealed class OrtSession : IDisposable
{
    private readonly OrtHandle _handle;
    private readonly OnnxRuntimeLibrary _library;

    public OrtEnvironment Environment { get; }
    public IReadOnlyList<OrtTensorInfo> Inputs { get; }
    public IReadOnlyList<OrtTensorInfo> Outputs { get; }

    /// <summary>The execution provider the session was set up with: "CPUExecutionProvider" or "CUDAExecutionProvider".</summary>
    public string ExecutionProvider { get; }

    /// <summary>Why CUDA was not used although <see cref="OrtExecutionProviderPreference.CudaIfAvailable"/> asked for it; else null.</summary>
    public string? ExecutionProviderFallbackReason { get; }

    private OrtSession(OrtEnvironment environment, Func<OrtHandle, OrtHandle> create, OrtSessionOptions? options)
    {
        Environment = environment;
        _library = environment.Library;
        options ??= new OrtSessionOptions();
        var api = _library.Api;

        using (var native = api.CreateSessionOptions())
        {
            if (options.IntraOpNumThreads < 0 || options.InterOpNumThreads < 0)
                throw new ArgumentOutOfRangeException(nameof(options), "Thread counts must be >= 0 (0 lets ORT choose).");
            api.SetIntraOpNumThreads(native, options.IntraOpNumThreads);
            api.SetInterOpNumThreads(native, options.InterOpNumThreads);
            api.SetGraphOptimizationLevel(native, (int)options.GraphOptimizationLevel);
            (ExecutionProvider, ExecutionProviderFallbackReason) = ChooseProvider(native, options);
            _handle = create(native);
        }

        try
        {
            Inputs = ReadInfos(input: true);
            Outputs = ReadInfos(input: false);
        }
        catch
        {
            _handle.Dispose();
            throw;
        }
    }

    /// <summary>Loads a model file (external data files are resolved relative to it).</summary>
    public static OrtSession Create(string modelPath, OrtSessionOptions? options = null, OrtEnvironment? environment = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(modelPath);
        if (!File.Exists(modelPath)) throw new FileNotFoundException($"ONNX model '{modelPath}' does not exist.", modelPath);
        var env = environment ?? OrtEnvironment.Instance;
        string full = Path.GetFullPath(modelPath);
        return new OrtSession(env, native => env.Library.Api.CreateSession(env.Handle, full, native), options);
    }

    /// <summary>Loads a model from ModelProto bytes (it cannot reference external data).</summary>
    public static OrtSession Create(byte[] model, OrtSessionOptions? options = null, OrtEnvironment? environment = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        var env = environment ?? OrtEnvironment.Instance;
        return new OrtSession(env, native => env.Library.Api.CreateSessionFromArray(env.Handle, model, native), options);
    }

    private (string Provider, string? FallbackReason) ChooseProvider(OrtHandle native, OrtSessionOptions options)
    {
        const string Cpu = "CPUExecutionProvider", Cuda = "CUDAExecutionProvider";
        if (options.ExecutionProvider == OrtExecutionProviderPreference.Cpu) return (Cpu, null);

        string? failure;
        var available = _library.AvailableProviders;
        if (!available.Contains(Cuda))
            failure = $"{_library} has no CUDA execution provider (available: {string.Join(", ", available)})";
        else if (_library.Api.TryAppendCuda(native, options.CudaDeviceId) is { } error)
            failure = $"CUDA execution provider failed to initialize on device {options.CudaDeviceId}: {error.Code}: {error.Message}";
        else
            return (Cuda, null);

        if (options.ExecutionProvider == OrtExecutionProviderPreference.Cuda)
            throw new OnnxRuntimeException(OrtErrorCode.EpFail, failure, "CUDA execution provider was required");
        string note = $"ONNX Runtime: falling back to CPU. {failure}";
        if (options.Log is { } log) log(note);
        else Trace.TraceWarning(note);
        return (Cpu, failure);
    }

    private OrtTensorInfo[] ReadInfos(bool input)
    {
        var api = _library.Api;
        int count = input ? api.SessionInputCount(_handle) : api.SessionOutputCount(_handle);
        var infos = new OrtTensorInfo[count];
        for (int i = 0; i < count; i++)
        {
            string name = api.SessionName(_handle, i, input);
            var (type, dims, symbols) = api.SessionTypeInfo(_handle, i, input);
            infos[i] = new OrtTensorInfo(name, type, dims, symbols);
        }
        return infos;
    }

    /// <summary>Runs with the given named inputs and returns all model outputs.</summary>
    public OrtValueCollection Run(params (string Name, OrtValue Value)[] inputs) =>
        Run(inputs.Select(i => KeyValuePair.Create(i.Name, i.Value)).ToArray(), null);

    /// <summary>
    /// Runs with named inputs; returns the requested outputs (all when <paramref name="outputNames"/> is null), owned by the caller.
    /// ORT errors become <see cref="OnnxRuntimeException"/>; a shape or type mismatch names the offending input.
    /// </summary>
    public OrtValueCollection Run(IReadOnlyList<KeyValuePair<string, OrtValue>> inputs, IReadOnlyList<string>? outputNames)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        foreach (var (name, value) in inputs)
        {
            ArgumentNullException.ThrowIfNull(value, name);
            if (!Inputs.Any(i => i.Name == name))
                throw new ArgumentException($"The model has no input '{name}'; its inputs are: {string.Join(", ", Inputs)}.", nameof(inputs));
        }
        var outputs = outputNames?.ToArray() ?? Outputs.Select(o => o.Name).ToArray();
        foreach (var name in outputs)
            if (!Outputs.Any(o => o.Name == name))
                throw new ArgumentException($"The model has no output '{name}'; its outputs are: {string.Join(", ", Outputs)}.", nameof(outputNames));

        var inputHandles = inputs.Select(i => i.Value.Raw).ToArray();
        var outputHandles = new nint[outputs.Length];
        var error = _library.Api.Run(_handle, inputs.Select(i => i.Key).ToArray(), inputHandles, outputs, outputHandles);
        GC.KeepAlive(inputs);

        var values = new OrtValue?[outputs.Length];
        try
        {
            if (error is { } e)
            {
                var (inputName, detail) = AttributeError(inputs);
                throw new OnnxRuntimeException(e.Code, e.Message, detail is null ? "Run" : $"Run failed on input '{inputName}' ({detail})", inputName);
            }
            for (int i = 0; i < outputs.Length; i++)
            {
                values[i] = OrtValue.FromOwnedOutput(_library, outputHandles[i]);
                outputHandles[i] = 0;
            }
            return new OrtValueCollection(outputs, values);
        }
        catch
        {
            foreach (var v in values) v?.Dispose();
            foreach (var h in outputHandles)
                if (h != 0) _library.Api.Release(OrtApiIndex.ReleaseValue, h);
            throw;
        }
    }

    // Finds the first supplied input that disagrees with the model's declared type or shape.
    private (string? Name, string? Detail) AttributeError(IReadOnlyList<KeyValuePair<string, OrtValue>> inputs)
    {
        foreach (var (name, value) in inputs)
        {
            var declared = Inputs.First(i => i.Name == name);
            string got = $"got {value.ElementType}[{string.Join(", ", value.Shape)}]";
            if (declared.ElementType is { } type && type != value.ElementType)
                return (name, $"expected {declared}, {got}");
            if (declared.Shape.Count != value.Shape.Count)
                return (name, $"expected rank {declared.Shape.Count} {declared}, {got}");
            for (int d = 0; d < declared.Shape.Count; d++)
                if (declared.Shape[d] >= 0 && declared.Shape[d] != value.Shape[d])
                    return (name, $"expected {declared}, {got}; dimension {d} differs");
        }
        var missing = Inputs.Where(i => !inputs.Any(s => s.Key == i.Name)).Select(i => i.Name).FirstOrDefault();
        return missing is null ? (null, null) : (missing, "not supplied");
    }

    public void Dispose() => _handle.Dispose();

    public override string ToString() =>
        $"OrtSession({string.Join(", ", Inputs)}) -> ({string.Join(", ", Outputs)}) on {ExecutionProvider}";
}
