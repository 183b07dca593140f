using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using MLAugment.Diffusion.Conditioning;
using MLAugment.Diffusion.Models;
using MLAugment.Diffusion.Sampling;
using MLAugment.Diffusion.Schedulers;
using MLAugment.Engine;
using MLAugment.Onnx.Export;
using MLAugment.Onnx.Format;
using MLAugment.Onnx.Runtime;
using MLAugment.Onnx.StableDiffusion;

namespace MLAugment.Onnx.ClassConditional;

/// <summary>
/// Runs a class-conditional latent diffusion model exported by <see cref="ClassConditionalOnnxFolder.Export"/> on ONNX
/// Runtime, behind <see cref="IDiffusionBackend"/>: conditions are class ids from a <see cref="ClassLabelConditioner"/>
/// over the folder's class names and aliases, so prompts and labels resolve exactly as on the engine model.
/// </summary>
public sealed class OnnxClassConditionalBackend : IDiffusionBackend, IDisposable
{
    private readonly OrtSession _unet, _vaeDecoder;
    private readonly Lazy<OrtSession> _vaeEncoder;
    private readonly OrtSessionOptions _sessionOptions;
    private readonly OrtEnvironment? _environment;
    private bool _disposed;

    public string Folder { get; }
    public string ModelId { get; }
    public SchedulerConfig SchedulerConfig { get; }
    public AutoencoderConfig VaeConfig { get; }
    public ClassLabelConditioner Conditioner { get; }
    public int ImageChannels => VaeConfig.InChannels;
    public int ImageHeight => VaeConfig.SampleSize;
    public int ImageWidth => VaeConfig.SampleSize;
    public int LatentChannels => VaeConfig.LatentChannels;
    public int LatentHeight => VaeConfig.LatentSize;
    public int LatentWidth => VaeConfig.LatentSize;
    public IReadOnlyList<string> KnownConditions => Conditioner.ClassNames;
    public bool SupportsGradients => false;

    /// <summary>The execution provider the UNet runs on (after any CUDA→CPU fallback).</summary>
    public string ExecutionProvider => _unet.ExecutionProvider;

    public OnnxClassConditionalBackend(string folder, OrtSessionOptions? sessionOptions = null, OrtEnvironment? environment = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(folder);
        if (!Directory.Exists(folder)) throw new DirectoryNotFoundException($"Class-conditional ONNX folder '{folder}' does not exist.");
        Folder = Path.GetFullPath(folder);
        foreach (var file in ClassConditionalOnnxFolder.RequiredFiles) ClassConditionalOnnxFolder.Require(Folder, file);
        _sessionOptions = sessionOptions ?? new OrtSessionOptions();
        _environment = environment;

        string indexPath = Path.Combine(Folder, ClassConditionalOnnxFolder.ModelIndex);
        JsonNode index;
        try { index = JsonNode.Parse(File.ReadAllText(indexPath)) ?? throw new InvalidDataException("empty document"); }
        catch (JsonException e) { throw new InvalidDataException($"'{indexPath}' is not valid JSON: {e.Message}", e); }
        var classNames = index["class_names"]?.AsArray().Select(n => n!.GetValue<string>()).ToArray()
            ?? throw new InvalidDataException($"'{indexPath}' has no 'class_names'; a class-conditional folder lists its classes there.");
        var aliases = index["class_aliases"]?.Deserialize<Dictionary<string, string[]>>() ?? [];
        Conditioner = new ClassLabelConditioner(classNames, aliases);
        SchedulerConfig = SchedulerConfig.FromFile(Path.Combine(Folder, ClassConditionalOnnxFolder.SchedulerConfig));
        string vaeConfigPath = Path.Combine(Folder, ClassConditionalOnnxFolder.VaeConfig);
        VaeConfig = AutoencoderConfig.FromJson(File.ReadAllText(vaeConfigPath), vaeConfigPath);
        if (!(VaeConfig.ScalingFactor > 0) || !float.IsFinite(VaeConfig.ScalingFactor))
            throw new InvalidDataException($"'{vaeConfigPath}': scaling_factor {VaeConfig.ScalingFactor} must be finite and > 0.");
        ModelId = StableDiffusionFolder.ContentHash(Folder).Replace("onnx-sd:", "onnx-cc:", StringComparison.Ordinal);

        _unet = Open(ClassConditionalOnnxFolder.UNet);
        try
        {
            RequireInputs(_unet, ClassConditionalOnnxFolder.UNet, DiffusionOnnxExport.SampleInput, DiffusionOnnxExport.TimestepInput, DiffusionOnnxExport.ClassLabelsInput);
            _vaeDecoder = Open(ClassConditionalOnnxFolder.VaeDecoder);
            RequireInputs(_vaeDecoder, ClassConditionalOnnxFolder.VaeDecoder, DiffusionOnnxExport.VaeDecoderInput);
        }
        catch
        {
            _unet.Dispose();
            throw;
        }
        _vaeEncoder = new Lazy<OrtSession>(() =>
        {
            var session = Open(ClassConditionalOnnxFolder.Require(Folder, ClassConditionalOnnxFolder.VaeEncoder));
            return session;
        }, LazyThreadSafetyMode.ExecutionAndPublication);
    }

    private OrtSession Open(string relativeOrFull) =>
        OrtSession.Create(Path.Combine(Folder, relativeOrFull), _sessionOptions, _environment);

    private static void RequireInputs(OrtSession session, string model, params string[] names)
    {
        foreach (var name in names)
            if (!session.Inputs.Any(i => i.Name == name))
                throw new InvalidDataException($"{model} has no input '{name}'; its inputs are: {string.Join(", ", session.Inputs)}.");
    }

    public Condition EncodeCondition(string promptOrLabel) => Conditioner.Encode(promptOrLabel);
    public Condition NullCondition(string? negativePrompt = null) => Conditioner.Null(negativePrompt);

    public Tensor Predict(Tensor latents, float timestep, IReadOnlyList<Condition> conditions)
    {
        ArgumentNullException.ThrowIfNull(latents);
        ArgumentNullException.ThrowIfNull(conditions);
        ObjectDisposedException.ThrowIf(_disposed, this);
        RequireShape("Predict", nameof(latents), latents, LatentChannels, LatentHeight, LatentWidth, "latents");
        int n = latents.Shape[0];
        if (conditions.Count != n)
            throw new ArgumentException($"Predict: {conditions.Count} conditions for {n} latent rows; give one condition per row.", nameof(conditions));
        var labels = new long[n];
        for (int i = 0; i < n; i++)
            labels[i] = conditions[i] is ClassCondition c && c.ClassIndex >= 0 && c.ClassIndex <= Conditioner.NullClass
                ? c.ClassIndex
                : throw new ArgumentException($"Predict: condition {i} ('{conditions[i]?.Text}') is not a class condition of this model's {Conditioner.ClassNames.Count} classes.", nameof(conditions));
        var result = Tensor.Empty(n, LatentChannels, LatentHeight, LatentWidth);
        if (n == 0) return result;
        var timesteps = new float[n];
        Array.Fill(timesteps, timestep);
        using var sample = OrtValue.CreateTensor(new Memory<float>(latents.Span.ToArray()), [n, LatentChannels, LatentHeight, LatentWidth], _environment);
        using var t = OrtValue.CreateTensor(new Memory<float>(timesteps), [n], _environment);
        using var y = OrtValue.CreateTensor(new Memory<long>(labels), [n], _environment);
        using var outputs = _unet.Run(
            [KeyValuePair.Create(DiffusionOnnxExport.SampleInput, sample), KeyValuePair.Create(DiffusionOnnxExport.TimestepInput, t),
             KeyValuePair.Create(DiffusionOnnxExport.ClassLabelsInput, y)],
            [DiffusionOnnxExport.UNetOutput]);
        Copy(outputs[0], result, ClassConditionalOnnxFolder.UNet);
        return result;
    }

    /// <summary>Scaled latents (posterior mean × scaling factor) of images [B, C, H, W] in [−1, 1].</summary>
    public Tensor EncodeImages(Tensor images)
    {
        ArgumentNullException.ThrowIfNull(images);
        ObjectDisposedException.ThrowIf(_disposed, this);
        RequireShape("EncodeImages", nameof(images), images, ImageChannels, ImageHeight, ImageWidth, "images");
        int n = images.Shape[0], plane = LatentHeight * LatentWidth, z = LatentChannels;
        var result = Tensor.Empty(n, z, LatentHeight, LatentWidth);
        if (n == 0) return result;
        using var input = OrtValue.CreateTensor(new Memory<float>(images.Span.ToArray()), [n, ImageChannels, ImageHeight, ImageWidth], _environment);
        using var outputs = _vaeEncoder.Value.Run([KeyValuePair.Create(DiffusionOnnxExport.SampleInput, input)], [DiffusionOnnxExport.VaeEncoderOutput]);
        var moments = outputs[0];
        var expected = new long[] { n, 2 * z, LatentHeight, LatentWidth };
        if (!moments.Shape.SequenceEqual(expected))
            throw new InvalidDataException($"{ClassConditionalOnnxFolder.VaeEncoder} returned {moments}; expected [{string.Join(", ", expected)}].");
        var source = moments.GetTensorData<float>();
        var destination = result.Span;
        float scale = VaeConfig.ScalingFactor;
        for (int b = 0; b < n; b++)
        {
            var mean = source.Slice(b * 2 * z * plane, z * plane);
            var target = destination.Slice(b * z * plane, z * plane);
            for (int i = 0; i < mean.Length; i++) target[i] = mean[i] * scale;
        }
        return result;
    }

    /// <summary>Images [B, C, H, W] (not clamped) from scaled latents: the decoder gets latents / scaling factor.</summary>
    public Tensor DecodeLatents(Tensor latents)
    {
        ArgumentNullException.ThrowIfNull(latents);
        ObjectDisposedException.ThrowIf(_disposed, this);
        RequireShape("DecodeLatents", nameof(latents), latents, LatentChannels, LatentHeight, LatentWidth, "latents");
        int n = latents.Shape[0];
        var result = Tensor.Empty(n, ImageChannels, ImageHeight, ImageWidth);
        if (n == 0) return result;
        var z = latents.Span.ToArray();
        float inverse = 1f / VaeConfig.ScalingFactor;
        for (int i = 0; i < z.Length; i++) z[i] *= inverse;
        using var input = OrtValue.CreateTensor(new Memory<float>(z), [n, LatentChannels, LatentHeight, LatentWidth], _environment);
        using var outputs = _vaeDecoder.Run([KeyValuePair.Create(DiffusionOnnxExport.VaeDecoderInput, input)], [DiffusionOnnxExport.VaeDecoderOutput]);
        Copy(outputs[0], result, ClassConditionalOnnxFolder.VaeDecoder);
        return result;
    }

    private static void Copy(OrtValue value, Tensor destination, string model)
    {
        var expected = destination.Shape.ToArray().Select(d => (long)d);
        if (value.ElementType != OnnxDataType.Float || !value.Shape.SequenceEqual(expected))
            throw new InvalidDataException($"{model} returned {value}; expected Float[{string.Join(", ", expected)}].");
        value.GetTensorData<float>().CopyTo(destination.Span);
    }

    private static void RequireShape(string op, string parameter, Tensor t, int channels, int height, int width, string what)
    {
        var s = t.Shape;
        if (s.Length != 4 || s[1] != channels || s[2] != height || s[3] != width)
            throw new ArgumentException($"{op}: {what} {ShapeUtil.Format(s.ToArray())} do not match the model's [batch, {channels}, {height}, {width}].", parameter);
    }

    /// <summary>Mean milliseconds per UNet call on <paramref name="batchSize"/> rows after <paramref name="warmup"/> untimed calls (benchmarks).</summary>
    public double MeasureUNetMilliseconds(int batchSize = 1, int iterations = 5, int warmup = 1, ulong seed = 0) =>
        OnnxExportBenchmark.MeasureUNetMilliseconds(this, batchSize, iterations, warmup, seed);

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        _unet.Dispose();
        _vaeDecoder.Dispose();
        if (_vaeEncoder.IsValueCreated) _vaeEncoder.Value.Dispose();
    }

    public override string ToString() =>
        $"OnnxClassConditionalBackend({Folder}, {Conditioner.ClassNames.Count} classes, {ImageChannels}x{ImageHeight}x{ImageWidth}, {ExecutionProvider})";
}
