using MLAugment.Onnx.Format;
using MLAugment.Onnx.Runtime;

namespace MLAugment.Data.Transforms.Onnx;

/// <summary>
/// Scores rows with an ONNX model on ONNX Runtime. Each input column feeds the model input of the same name (a vector
/// of the input's element type holding one row, i.e. the input's shape without its leading batch dimension); each
/// output column receives the model output of the same name, typed from the model's metadata. Rows are run in batches
/// of <see cref="BatchSize"/> as cursors pull them. Mirrors <c>Microsoft.ML.Transforms.Onnx.OnnxTransformer</c>.
/// </summary>
/// <remarks>Saving embeds the model bytes (external weights inlined) in the ML.NET-style model file.</remarks>
[LoadableModel(LoaderSignature)]
public sealed class OnnxTransformer : ITransformer, IDisposable
{
    internal const string LoaderSignature = "OnnxTransformer";
    internal const string ModelEntry = "OnnxModel.bin";
    public const int DefaultBatchSize = 32;

    private readonly OrtSession _session;
    private readonly string _modelDescription;
    private byte[]? _modelBytes;
    private readonly string? _modelFile;

    internal OnnxColumnBinding[] Inputs { get; }
    internal OnnxColumnBinding[] Outputs { get; }

    public IReadOnlyList<string> InputColumnNames => Inputs.Select(i => i.Name).ToArray();
    public IReadOnlyList<string> OutputColumnNames => Outputs.Select(o => o.Name).ToArray();
    public int? GpuDeviceId { get; }
    public bool FallbackToCpu { get; }

    /// <summary>Rows per ORT run (1 when the model's batch dimension is fixed to 1).</summary>
    public int BatchSize { get; }

    /// <summary>The execution provider the session runs on.</summary>
    public string ExecutionProvider => _session.ExecutionProvider;

    internal OnnxTransformer(string[]? outputColumnNames, string[]? inputColumnNames, string modelFile, int? gpuDeviceId, bool fallbackToCpu,
        int batchSize = DefaultBatchSize)
        : this(outputColumnNames, inputColumnNames, OpenFile(modelFile, gpuDeviceId, fallbackToCpu), modelFile, null, gpuDeviceId, fallbackToCpu, batchSize)
    {
    }

    private OnnxTransformer(string[]? outputColumnNames, string[]? inputColumnNames, OrtSession session, string? modelFile, byte[]? modelBytes,
        int? gpuDeviceId, bool fallbackToCpu, int batchSize)
    {
        _session = session;
        _modelFile = modelFile;
        _modelBytes = modelBytes;
        _modelDescription = modelFile ?? "the saved ONNX model";
        GpuDeviceId = gpuDeviceId;
        FallbackToCpu = fallbackToCpu;
        try
        {
            if (batchSize < 1) throw new ArgumentOutOfRangeException(nameof(batchSize), batchSize, "ApplyOnnxModel: the batch size must be >= 1.");
            Inputs = Bind(inputColumnNames, session.Inputs, input: true);
            Outputs = Bind(outputColumnNames, session.Outputs, input: false);
            var missing = session.Inputs.Where(i => !Inputs.Any(b => b.Name == i.Name)).ToList();
            if (missing.Count > 0)
                throw new ArgumentException(
                    $"ApplyOnnxModel: the model '{_modelDescription}' also needs input(s) {string.Join(", ", missing)}; list every model input in inputColumnNames.", nameof(inputColumnNames));
            BatchSize = Inputs.Concat(Outputs).Any(b => b.SingleRow) ? 1 : batchSize;
        }
        catch
        {
            session.Dispose();
            throw;
        }
    }

    private static OrtSessionOptions SessionOptions(int? gpuDeviceId, bool fallbackToCpu) => gpuDeviceId is { } id
        ? new OrtSessionOptions
        {
            ExecutionProvider = fallbackToCpu ? OrtExecutionProviderPreference.CudaIfAvailable : OrtExecutionProviderPreference.Cuda,
            CudaDeviceId = id,
        }
        : new OrtSessionOptions();

    private static OrtSession OpenFile(string modelFile, int? gpuDeviceId, bool fallbackToCpu)
    {
        ArgumentException.ThrowIfNullOrEmpty(modelFile);
        if (gpuDeviceId is < 0) throw new ArgumentOutOfRangeException(nameof(gpuDeviceId), gpuDeviceId, "ApplyOnnxModel: the GPU device id must be >= 0.");
        if (!File.Exists(modelFile)) throw new FileNotFoundException($"ApplyOnnxModel: ONNX model file '{modelFile}' does not exist.", modelFile);
        return OrtSession.Create(modelFile, SessionOptions(gpuDeviceId, fallbackToCpu));
    }

    private OnnxColumnBinding[] Bind(string[]? names, IReadOnlyList<OrtTensorInfo> infos, bool input)
    {
        string role = input ? "input" : "output";
        names ??= infos.Select(i => i.Name).ToArray();
        if (names.Length == 0) throw new ArgumentException($"ApplyOnnxModel: no {role} column names.");
        if (names.Distinct(StringComparer.Ordinal).Count() != names.Length)
            throw new ArgumentException($"ApplyOnnxModel: {role} column names [{string.Join(", ", names)}] repeat a name.");
        return names.Select(name =>
        {
            ArgumentException.ThrowIfNullOrEmpty(name, $"{role}ColumnNames");
            var info = infos.FirstOrDefault(i => i.Name == name)
                ?? throw new ArgumentException(
                    $"ApplyOnnxModel: the model '{_modelDescription}' has no {role} '{name}'; its {role}s are: {string.Join(", ", infos)}.", $"{role}ColumnNames");
            return OnnxColumnBinding.Create(info, input, _modelDescription);
        }).ToArray();
    }

    public bool IsRowToRowMapper => true;

    public DataViewSchema GetOutputSchema(DataViewSchema inputSchema)
    {
        ArgumentNullException.ThrowIfNull(inputSchema);
        return new OnnxRowMapper(this, inputSchema).OutputSchema;
    }

    public IDataView Transform(IDataView input)
    {
        ArgumentNullException.ThrowIfNull(input);
        return new OnnxScoringDataView(input, new OnnxRowMapper(this, input.Schema), this);
    }

    public IRowToRowMapper GetRowToRowMapper(DataViewSchema inputSchema)
    {
        ArgumentNullException.ThrowIfNull(inputSchema);
        return new OnnxRowMapper(this, inputSchema);
    }

    /// <summary>
    /// Runs the model on <paramref name="rows"/> stacked rows; <paramref name="inputs"/> holds one buffer per input
    /// (rows × row size values). Returns the requested outputs' values and their per-row sizes.
    /// </summary>
    internal (Array[] Values, int[] RowSizes) Run(int rows, Array[] inputs, int[] outputs)
    {
        var values = new KeyValuePair<string, OrtValue>[Inputs.Length];
        try
        {
            for (int i = 0; i < Inputs.Length; i++)
            {
                long[] shape = [rows, .. Inputs[i].RowShape];
                values[i] = KeyValuePair.Create(Inputs[i].Name, inputs[i] switch
                {
                    float[] f => OrtValue.CreateTensor(f, shape),
                    long[] l => OrtValue.CreateTensor(l, shape),
                    int[] n => OrtValue.CreateTensor(n, shape),
                    _ => throw new InvalidOperationException($"Unexpected buffer {inputs[i].GetType().Name}."),
                });
            }
            using var results = _session.Run(values, outputs.Select(o => Outputs[o].Name).ToArray());
            var arrays = new Array[outputs.Length];
            var sizes = new int[outputs.Length];
            for (int k = 0; k < outputs.Length; k++)
            {
                var binding = Outputs[outputs[k]];
                var r = results[k];
                if (r.Shape.Count != binding.RowShape.Length + 1 || r.Shape[0] != rows || rows == 0 && r.ElementCount != 0)
                    throw new InvalidOperationException(
                        $"ApplyOnnxModel: ONNX output '{binding.Name}' came back as {r} for {rows} row(s); its declared shape is {binding.Info}.");
                sizes[k] = rows == 0 ? binding.RowSize : checked((int)(r.ElementCount / rows));
                arrays[k] = binding.ItemType.RawType == typeof(float) ? r.ToArray<float>()
                    : binding.ItemType.RawType == typeof(long) ? r.ToArray<long>()
                    : r.ToArray<int>();
            }
            return (arrays, sizes);
        }
        catch (OnnxRuntimeException e)
        {
            throw new InvalidOperationException($"ApplyOnnxModel: running '{_modelDescription}' failed: {e.Message}", e);
        }
        finally
        {
            foreach (var v in values) v.Value?.Dispose();
        }
    }

    internal static Array NewBuffer(OnnxColumnBinding binding, int rows) =>
        binding.ItemType.RawType == typeof(float) ? new float[rows * binding.RowSize]
        : binding.ItemType.RawType == typeof(long) ? new long[rows * binding.RowSize]
        : new int[rows * binding.RowSize];

    // ---- persistence ----

    private static VersionInfo GetVersionInfo() => new("ONNXSCOR", 0x00010001, 0x00010001, 0x00010001, LoaderSignature);

    /// <summary>
    /// *** Binary format *** int batch size; bool has GPU id, int id; bool fallback; int input count, names;
    /// int output count, names; entry OnnxModel.bin: int length, model bytes.
    /// </summary>
    void ICanSaveModel.Save(ModelSaveContext ctx)
    {
        ctx.SetVersionInfo(GetVersionInfo());
        ctx.Writer.Write(BatchSize);
        ctx.Writer.Write(GpuDeviceId.HasValue);
        ctx.Writer.Write(GpuDeviceId ?? 0);
        ctx.Writer.Write(FallbackToCpu);
        ctx.Writer.Write(Inputs.Length);
        foreach (var i in Inputs) ctx.SaveNonEmptyString(i.Name);
        ctx.Writer.Write(Outputs.Length);
        foreach (var o in Outputs) ctx.SaveNonEmptyString(o.Name);
        var bytes = ModelBytes();
        ctx.SaveBinaryStream(ModelEntry, w =>
        {
            w.Write(bytes.Length);
            w.Write(bytes);
        });
    }

    // The file as is, unless it keeps weights in external files: then they are read in and the graph re-serialized.
    private byte[] ModelBytes()
    {
        if (_modelBytes is not null) return _modelBytes;
        var bytes = File.ReadAllBytes(_modelFile!);
        var model = OnnxModelReader.Parse(bytes);
        if (model.Graph.Initializers.Any(t => t.ExternalData is not null))
        {
            string directory = Path.GetDirectoryName(Path.GetFullPath(_modelFile!))!;
            var inlined = model.Graph.Initializers
                .Select(t => t.ExternalData is null ? t : new OnnxTensor(t.Name, t.DataType, t.Dims, OnnxModelReader.ReadExternalData(t, directory)))
                .ToArray();
            bytes = OnnxModelWriter.ToBytes(model with { Graph = model.Graph with { Initializers = inlined } });
        }
        return _modelBytes = bytes;
    }

    private static OnnxTransformer Create(ModelLoadContext ctx)
    {
        ctx.CheckAtModel(GetVersionInfo());
        int batchSize = ctx.Reader.ReadInt32();
        bool hasGpu = ctx.Reader.ReadBoolean();
        int gpu = ctx.Reader.ReadInt32();
        bool fallback = ctx.Reader.ReadBoolean();
        string[] ReadNames()
        {
            int n = ctx.Reader.ReadInt32();
            if (n <= 0) throw new InvalidDataException($"Model entry '{ctx.Directory}' lists {n} ONNX column names.");
            return Enumerable.Range(0, n).Select(_ => ctx.LoadNonEmptyString()).ToArray();
        }
        var inputs = ReadNames();
        var outputs = ReadNames();
        byte[]? bytes = null;
        if (!ctx.TryLoadBinaryStream(ModelEntry, r => bytes = r.ReadBytes(r.ReadInt32())) || bytes is null)
            throw new InvalidDataException($"Model entry '{ctx.Directory}' has no {ModelEntry} (the embedded ONNX model).");
        int? gpuId = hasGpu ? gpu : null;
        var session = OrtSession.Create(bytes, SessionOptions(gpuId, fallback));
        return new OnnxTransformer(outputs, inputs, session, null, bytes, gpuId, fallback, batchSize);
    }

    public void Dispose() => _session.Dispose();
}
