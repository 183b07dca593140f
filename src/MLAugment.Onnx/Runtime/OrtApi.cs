using System.Runtime.InteropServices;
using System.Text;
using I = MLAugment.Onnx.Runtime.OrtApiIndex;

namespace MLAugment.Onnx.Runtime;

/// <summary>
/// Typed calls into the <c>OrtApi</c> function table. Every entry returning an <c>OrtStatus*</c> is checked:
/// a non-null status becomes an <see cref="OnnxRuntimeException"/> (and is released).
/// </summary>
internal sealed unsafe class OrtApi
{
    private readonly nint* _fn;

    public OrtApi(nint* table) => _fn = table;

    public void Check(nint status, string? context = null)
    {
        if (status == 0) return;
        var (code, message) = TakeStatus(status);
        throw new OnnxRuntimeException(code, message, context);
    }

    /// <summary>Reads and releases a non-null status.</summary>
    public (OrtErrorCode Code, string Message) TakeStatus(nint status)
    {
        var code = (OrtErrorCode)((delegate* unmanaged<nint, int>)_fn[I.GetErrorCode])(status);
        string message = Marshal.PtrToStringUTF8((nint)((delegate* unmanaged<nint, byte*>)_fn[I.GetErrorMessage])(status)) ?? "";
        ((delegate* unmanaged<nint, void>)_fn[I.ReleaseStatus])(status);
        return (code, message);
    }

    public void Release(int releaseIndex, nint handle) => ((delegate* unmanaged<nint, void>)_fn[releaseIndex])(handle);

    public OrtHandle CreateEnv(OrtLoggingLevel level, string logId)
    {
        nint env;
        fixed (byte* id = Utf8(logId))
            Check(((delegate* unmanaged<int, byte*, nint*, nint>)_fn[I.CreateEnv])((int)level, id, &env), "CreateEnv");
        return new OrtHandle(this, env, I.ReleaseEnv);
    }

    public void UpdateEnvLogLevel(OrtHandle env, OrtLoggingLevel level) =>
        Check(((delegate* unmanaged<nint, int, nint>)_fn[I.UpdateEnvWithCustomLogLevel])(env.Raw, (int)level), "UpdateEnvWithCustomLogLevel");

    public OrtHandle CreateSessionOptions()
    {
        nint options;
        Check(((delegate* unmanaged<nint*, nint>)_fn[I.CreateSessionOptions])(&options), "CreateSessionOptions");
        return new OrtHandle(this, options, I.ReleaseSessionOptions);
    }

    public void SetGraphOptimizationLevel(OrtHandle options, int level) =>
        Check(((delegate* unmanaged<nint, int, nint>)_fn[I.SetSessionGraphOptimizationLevel])(options.Raw, level), "SetSessionGraphOptimizationLevel");

    public void SetIntraOpNumThreads(OrtHandle options, int n) =>
        Check(((delegate* unmanaged<nint, int, nint>)_fn[I.SetIntraOpNumThreads])(options.Raw, n), "SetIntraOpNumThreads");

    public void SetInterOpNumThreads(OrtHandle options, int n) =>
        Check(((delegate* unmanaged<nint, int, nint>)_fn[I.SetInterOpNumThreads])(options.Raw, n), "SetInterOpNumThreads");

    /// <summary>Appends the CUDA provider; returns ORT's error instead of throwing so the caller can fall back.</summary>
    public (OrtErrorCode Code, string Message)? TryAppendCuda(OrtHandle options, int deviceId)
    {
        nint cuda;
        nint status = ((delegate* unmanaged<nint*, nint>)_fn[I.CreateCUDAProviderOptions])(&cuda);
        if (status != 0) return TakeStatus(status);
        try
        {
            byte[] key = Utf8("device_id"), value = Utf8(deviceId.ToString(System.Globalization.CultureInfo.InvariantCulture));
            fixed (byte* k = key, v = value)
            {
                byte* keys = k, values = v;
                status = ((delegate* unmanaged<nint, byte**, byte**, nuint, nint>)_fn[I.UpdateCUDAProviderOptions])(cuda, &keys, &values, 1);
            }
            if (status != 0) return TakeStatus(status);
            status = ((delegate* unmanaged<nint, nint, nint>)_fn[I.SessionOptionsAppendExecutionProvider_CUDA_V2])(options.Raw, cuda);
            return status == 0 ? null : TakeStatus(status);
        }
        finally
        {
            ((delegate* unmanaged<nint, void>)_fn[I.ReleaseCUDAProviderOptions])(cuda);
        }
    }

    public IReadOnlyList<string> GetAvailableProviders()
    {
        byte** names;
        int count;
        Check(((delegate* unmanaged<byte***, int*, nint>)_fn[I.GetAvailableProviders])(&names, &count), "GetAvailableProviders");
        var result = new string[count];
        for (int i = 0; i < count; i++) result[i] = Marshal.PtrToStringUTF8((nint)names[i]) ?? "";
        Check(((delegate* unmanaged<byte**, int, nint>)_fn[I.ReleaseAvailableProviders])(names, count), "ReleaseAvailableProviders");
        return result;
    }

    public OrtHandle CreateSession(OrtHandle env, string modelPath, OrtHandle options)
    {
        if (OperatingSystem.IsWindows()) throw new PlatformNotSupportedException("This binding passes model paths as UTF-8 (ORTCHAR_T = char); Windows needs wide strings.");
        nint session;
        fixed (byte* path = Utf8(modelPath))
            Check(((delegate* unmanaged<nint, byte*, nint, nint*, nint>)_fn[I.CreateSession])(env.Raw, path, options.Raw, &session),
                $"Loading ONNX model '{modelPath}'");
        return new OrtHandle(this, session, I.ReleaseSession);
    }

    public OrtHandle CreateSessionFromArray(OrtHandle env, ReadOnlySpan<byte> model, OrtHandle options)
    {
        nint session;
        fixed (byte* data = model)
            Check(((delegate* unmanaged<nint, void*, nuint, nint, nint*, nint>)_fn[I.CreateSessionFromArray])(
                env.Raw, data, (nuint)model.Length, options.Raw, &session), $"Loading ONNX model from {model.Length} bytes");
        return new OrtHandle(this, session, I.ReleaseSession);
    }

    public int SessionInputCount(OrtHandle session)
    {
        nuint n;
        Check(((delegate* unmanaged<nint, nuint*, nint>)_fn[I.SessionGetInputCount])(session.Raw, &n), "SessionGetInputCount");
        return checked((int)n);
    }

    public int SessionOutputCount(OrtHandle session)
    {
        nuint n;
        Check(((delegate* unmanaged<nint, nuint*, nint>)_fn[I.SessionGetOutputCount])(session.Raw, &n), "SessionGetOutputCount");
        return checked((int)n);
    }

    public string SessionName(OrtHandle session, int index, bool input)
    {
        nint allocator;
        Check(((delegate* unmanaged<nint*, nint>)_fn[I.GetAllocatorWithDefaultOptions])(&allocator), "GetAllocatorWithDefaultOptions");
        byte* name;
        int fn = input ? I.SessionGetInputName : I.SessionGetOutputName;
        Check(((delegate* unmanaged<nint, nuint, nint, byte**, nint>)_fn[fn])(session.Raw, (nuint)index, allocator, &name), "SessionGetInputName/OutputName");
        try
        {
            return Marshal.PtrToStringUTF8((nint)name) ?? "";
        }
        finally
        {
            Check(((delegate* unmanaged<nint, void*, nint>)_fn[I.AllocatorFree])(allocator, name), "AllocatorFree");
        }
    }

    /// <summary>Element type and dims (-1 for free dims) with their symbolic names of a session input/output; null type for non-tensors.</summary>
    public (Format.OnnxDataType? Type, long[] Dims, string[] Symbols) SessionTypeInfo(OrtHandle session, int index, bool input)
    {
        nint typeInfo;
        int fn = input ? I.SessionGetInputTypeInfo : I.SessionGetOutputTypeInfo;
        Check(((delegate* unmanaged<nint, nuint, nint*, nint>)_fn[fn])(session.Raw, (nuint)index, &typeInfo), "SessionGetInputTypeInfo/OutputTypeInfo");
        try
        {
            int onnxType;
            Check(((delegate* unmanaged<nint, int*, nint>)_fn[I.GetOnnxTypeFromTypeInfo])(typeInfo, &onnxType), "GetOnnxTypeFromTypeInfo");
            const int OnnxTypeTensor = 1;
            if (onnxType != OnnxTypeTensor) return (null, [], []);
            nint tensorInfo; // owned by typeInfo
            Check(((delegate* unmanaged<nint, nint*, nint>)_fn[I.CastTypeInfoToTensorInfo])(typeInfo, &tensorInfo), "CastTypeInfoToTensorInfo");
            var (type, dims) = TensorTypeAndDims(tensorInfo);
            var symbols = new string[dims.Length];
            var pointers = new byte*[dims.Length];
            fixed (byte** p = pointers)
                Check(((delegate* unmanaged<nint, byte**, nuint, nint>)_fn[I.GetSymbolicDimensions])(tensorInfo, p, (nuint)dims.Length), "GetSymbolicDimensions");
            for (int i = 0; i < dims.Length; i++) symbols[i] = Marshal.PtrToStringUTF8((nint)pointers[i]) ?? "";
            return (type, dims, symbols);
        }
        finally
        {
            Release(I.ReleaseTypeInfo, typeInfo);
        }
    }

    private (Format.OnnxDataType Type, long[] Dims) TensorTypeAndDims(nint tensorInfo)
    {
        int elementType;
        Check(((delegate* unmanaged<nint, int*, nint>)_fn[I.GetTensorElementType])(tensorInfo, &elementType), "GetTensorElementType");
        nuint rank;
        Check(((delegate* unmanaged<nint, nuint*, nint>)_fn[I.GetDimensionsCount])(tensorInfo, &rank), "GetDimensionsCount");
        var dims = new long[(int)rank];
        fixed (long* d = dims)
            Check(((delegate* unmanaged<nint, long*, nuint, nint>)_fn[I.GetDimensions])(tensorInfo, d, rank), "GetDimensions");
        return ((Format.OnnxDataType)elementType, dims);
    }

    public OrtHandle CreateCpuMemoryInfo()
    {
        nint info;
        const int OrtArenaAllocator = 1, OrtMemTypeDefault = 0;
        Check(((delegate* unmanaged<int, int, nint*, nint>)_fn[I.CreateCpuMemoryInfo])(OrtArenaAllocator, OrtMemTypeDefault, &info), "CreateCpuMemoryInfo");
        return new OrtHandle(this, info, I.ReleaseMemoryInfo);
    }

    public OrtHandle CreateTensorWithData(OrtHandle memoryInfo, void* data, long byteLength, ReadOnlySpan<long> shape, Format.OnnxDataType type)
    {
        nint value;
        fixed (long* s = shape)
            Check(((delegate* unmanaged<nint, void*, nuint, long*, nuint, int, nint*, nint>)_fn[I.CreateTensorWithDataAsOrtValue])(
                memoryInfo.Raw, data, (nuint)byteLength, s, (nuint)shape.Length, (int)type, &value), "CreateTensorWithDataAsOrtValue");
        return new OrtHandle(this, value, I.ReleaseValue);
    }

    public bool IsTensor(nint value)
    {
        int result;
        Check(((delegate* unmanaged<nint, int*, nint>)_fn[I.IsTensor])(value, &result), "IsTensor");
        return result != 0;
    }

    public (Format.OnnxDataType Type, long[] Dims) ValueTypeAndShape(nint value)
    {
        nint info;
        Check(((delegate* unmanaged<nint, nint*, nint>)_fn[I.GetTensorTypeAndShape])(value, &info), "GetTensorTypeAndShape");
        try
        {
            return TensorTypeAndDims(info);
        }
        finally
        {
            Release(I.ReleaseTensorTypeAndShapeInfo, info);
        }
    }

    public void* TensorData(nint value)
    {
        void* data;
        Check(((delegate* unmanaged<nint, void**, nint>)_fn[I.GetTensorMutableData])(value, &data), "GetTensorMutableData");
        return data;
    }

    /// <summary>Runs the session; on failure returns ORT's status (caller attributes it) instead of throwing.</summary>
    public (OrtErrorCode Code, string Message)? Run(OrtHandle session, IReadOnlyList<string> inputNames, ReadOnlySpan<nint> inputs,
        IReadOnlyList<string> outputNames, Span<nint> outputs)
    {
        var nameBuffers = new List<GCHandle>(inputNames.Count + outputNames.Count);
        try
        {
            var inNames = stackalloc byte*[inputNames.Count];
            var outNames = stackalloc byte*[outputNames.Count];
            for (int i = 0; i < inputNames.Count; i++) inNames[i] = Pin(inputNames[i], nameBuffers);
            for (int i = 0; i < outputNames.Count; i++) outNames[i] = Pin(outputNames[i], nameBuffers);
            nint status;
            fixed (nint* ins = inputs)
            fixed (nint* outs = outputs)
                status = ((delegate* unmanaged<nint, nint, byte**, nint*, nuint, byte**, nuint, nint*, nint>)_fn[I.Run])(
                    session.Raw, 0, inNames, ins, (nuint)inputs.Length, outNames, (nuint)outputs.Length, outs);
            return status == 0 ? null : TakeStatus(status);
        }
        finally
        {
            foreach (var h in nameBuffers) h.Free();
        }
    }

    private static byte* Pin(string s, List<GCHandle> handles)
    {
        var h = GCHandle.Alloc(Utf8(s), GCHandleType.Pinned);
        handles.Add(h);
        return (byte*)h.AddrOfPinnedObject();
    }

    private static byte[] Utf8(string s)
    {
        var bytes = new byte[Encoding.UTF8.GetByteCount(s) + 1];
        Encoding.UTF8.GetBytes(s, bytes);
        return bytes;
    }
}

/// <summary>Owns one ORT object and releases it with the matching <c>Release*</c> entry of the table.</summary>
internal sealed class OrtHandle : SafeHandle
{
    private readonly OrtApi _api;
    private readonly int _releaseIndex;

    public OrtHandle(OrtApi api, nint handle, int releaseIndex) : base(0, ownsHandle: true)
    {
        _api = api;
        _releaseIndex = releaseIndex;
        SetHandle(handle);
    }

    public override bool IsInvalid => handle == 0;

    /// <summary>The raw pointer; callers keep this SafeHandle alive (GC.KeepAlive or a using) while the pointer is in use.</summary>
    public nint Raw => IsClosed ? throw new ObjectDisposedException("ONNX Runtime object") : handle;

    protected override bool ReleaseHandle()
    {
        _api.Release(_releaseIndex, handle);
        return true;
    }
}
