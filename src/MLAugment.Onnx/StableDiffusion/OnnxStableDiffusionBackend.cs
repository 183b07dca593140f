using System.Collections.Concurrent;
using System.Diagnostics;
using MLAugment.Diffusion.Sampling;
using MLAugment.Diffusion.Schedulers;
using MLAugment.Diffusion.Text;
using MLAugment.Engine;
using MLAugment.Onnx.Format;
using MLAugment.Onnx.Runtime;

namespace MLAugment.Onnx.StableDiffusion;

/// <summary>
/// Runs a Stable Diffusion pipeline exported to ONNX (the diffusers / Optimum folder layout, see
/// <see cref="StableDiffusionFolder"/>) on ONNX Runtime, behind <see cref="IDiffusionBackend"/>.
/// Tensor names and element types come from the sessions' metadata: <c>input_ids</c> int32 or int64,
/// <c>timestep</c> float / float16 / int64 shaped [1] or [batch], VAE encoder output <c>latent_sample</c> or
/// Optimum's <c>latent_parameters</c> (mean ‖ log-variance, of which the mean is taken), float16 model I/O.
/// Conditions are the text encoder's <c>last_hidden_state</c> of a prompt, cached per prompt string.
/// </summary>
public sealed class OnnxStableDiffusionBackend : IDiffusionBackend, IDisposable
{
    /// <summary>diffusers' default latent scaling factor (SD 1.x / 2.x) when no VAE config states one.</summary>
    public const float DefaultScalingFactor = 0.18215f;

    private readonly OnnxStableDiffusionOptions _options;
    private readonly OrtSession _textEncoder, _unet, _vaeDecoder;
    private readonly Lazy<VaeEncoderSession> _vaeEncoder;

    // The VAE encoder is opened on first use (text-to-image never needs it), with its resolved I/O.
    private sealed record VaeEncoderSession(OrtSession Session, string Input, OnnxDataType InputType, string Output);
    private readonly ConcurrentDictionary<string, OnnxTextCondition> _conditions = new(StringComparer.Ordinal);
    private readonly List<string> _notes = [];

    // Resolved I/O of each graph.
    private readonly string _idsInput, _hiddenOutput;
    private readonly string _sampleInput, _timestepInput, _contextInput, _unetOutput;
    private readonly OnnxDataType _sampleType, _contextType;
    private readonly TimestepLayout _timestepLayout;
    private readonly int _unetFixedBatch;
    private readonly string _decoderInput, _decoderOutput;
    private readonly OnnxDataType _decoderInputType;
    private bool _disposed;

    private enum TimestepLayout { Scalar, One, PerRow }

    public string Folder { get; }
    public string ModelId { get; }
    public SchedulerConfig SchedulerConfig { get; }
    public ClipTokenizer Tokenizer { get; }
    public int ImageChannels => 3;
    public int ImageHeight { get; }
    public int ImageWidth { get; }
    public int LatentChannels { get; }
    public int LatentHeight { get; }
    public int LatentWidth { get; }

    /// <summary>Pixels per latent cell along a side: 2^(len(block_out_channels) − 1), as diffusers computes vae_scale_factor.</summary>
    public int VaeScaleFactor { get; }

    /// <summary>Latents = (posterior mean − <see cref="ShiftFactor"/>) × this.</summary>
    public float ScalingFactor { get; }
    public float ShiftFactor { get; }

    public OnnxDataType InputIdsType { get; }
    public OnnxDataType TimestepType { get; }
    /// <summary>The text encoder's sequence length (the tokenizer's max length, 77 for CLIP).</summary>
    public int SequenceLength => Tokenizer.MaxLength;

    /// <summary>The execution provider the UNet runs on (after any CUDA→CPU fallback).</summary>
    public string ExecutionProvider => _unet.ExecutionProvider;

    /// <summary>Where each setting came from (config file and key, session metadata, default), in load order.</summary>
    public IReadOnlyList<string> LoadNotes
    {
        get { lock (_notes) return _notes.ToArray(); }
    }

    /// <summary>A text model conditions on any prompt: there is no closed list, so this is empty.</summary>
    public IReadOnlyList<string> KnownConditions => [];

    public bool SupportsGradients => false;

    /// <summary>Opens the folder: checks the layout, reads configs and tokenizer, creates the ORT sessions.</summary>
    public OnnxStableDiffusionBackend(string folder, OnnxStableDiffusionOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(folder);
        _options = options ?? new OnnxStableDiffusionOptions();
        _options.Validate();
        Folder = Path.GetFullPath(folder);
        StableDiffusionFolder.Validate(Folder);

        SchedulerConfig = SchedulerConfig.FromFile(Path.Combine(Folder, StableDiffusionFolder.SchedulerConfig));
        Tokenizer = ClipTokenizer.FromDirectory(Path.Combine(Folder, StableDiffusionFolder.Tokenizer));
        ModelId = StableDiffusionFolder.ContentHash(Folder);

        var sessions = new List<OrtSession>();
        OrtSession Open(string relative)
        {
            var session = OrtSession.Create(Path.Combine(Folder, relative), _options.Session, _options.Environment);
            sessions.Add(session);
            return session;
        }
        try
        {
            _textEncoder = Open(StableDiffusionFolder.TextEncoder);
            _unet = Open(StableDiffusionFolder.UNet);
            _vaeDecoder = Open(StableDiffusionFolder.VaeDecoder);

            // Text encoder: ids in, last_hidden_state out.
            var ids = Pick(_textEncoder, StableDiffusionFolder.TextEncoder, input: true, "input_ids", i => i.Shape.Count == 2);
            if (ids.ElementType is not (OnnxDataType.Int32 or OnnxDataType.Int64))
                throw new NotSupportedException($"{StableDiffusionFolder.TextEncoder}: input '{ids}' must be int32 or int64 token ids.");
            if (ids.Shape.Count != 2 || ids.Shape[1] >= 0 && ids.Shape[1] != Tokenizer.MaxLength)
                throw new InvalidDataException(
                    $"{StableDiffusionFolder.TextEncoder}: input '{ids}' does not take [batch, {Tokenizer.MaxLength}] ids (the tokenizer's model_max_length).");
            _idsInput = ids.Name;
            InputIdsType = ids.ElementType.Value;
            _hiddenOutput = Pick(_textEncoder, StableDiffusionFolder.TextEncoder, input: false, "last_hidden_state", o => o.Shape.Count == 3).Name;
            Note($"text encoder: {ids} -> {_hiddenOutput}");

            // UNet: sample, timestep, encoder_hidden_states in; out_sample out.
            var sample = Pick(_unet, StableDiffusionFolder.UNet, input: true, "sample", i => i.Shape.Count == 4);
            var timestep = Pick(_unet, StableDiffusionFolder.UNet, input: true, "timestep", i => i.Shape.Count <= 1);
            var context = Pick(_unet, StableDiffusionFolder.UNet, input: true, "encoder_hidden_states", i => i.Shape.Count == 3);
            var extra = _unet.Inputs.Where(i => i.Name != sample.Name && i.Name != timestep.Name && i.Name != context.Name).ToList();
            if (extra.Count > 0)
                throw new NotSupportedException(
                    $"{StableDiffusionFolder.UNet} has inputs this backend does not feed: {string.Join(", ", extra)} " +
                    "(SDXL's text_embeds/time_ids and ControlNet residuals are not supported).");
            _sampleInput = sample.Name;
            _sampleType = RequireFloat(sample, StableDiffusionFolder.UNet);
            _contextInput = context.Name;
            _contextType = RequireFloat(context, StableDiffusionFolder.UNet);
            _timestepInput = timestep.Name;
            TimestepType = timestep.ElementType is OnnxDataType.Float or OnnxDataType.Float16 or OnnxDataType.Int64 or OnnxDataType.Int32
                ? timestep.ElementType.Value
                : throw new NotSupportedException($"{StableDiffusionFolder.UNet}: input '{timestep}' must be float, float16, int64 or int32.");
            _timestepLayout = timestep.Shape.Count == 0 ? TimestepLayout.Scalar
                : timestep.Shape[0] == 1 ? TimestepLayout.One
                : TimestepLayout.PerRow;
            _unetFixedBatch = sample.Shape[0] > 0 ? checked((int)sample.Shape[0]) : 0;
            _unetOutput = Pick(_unet, StableDiffusionFolder.UNet, input: false, "out_sample", o => o.Shape.Count == 4).Name;
            Note($"unet: {sample}, {timestep} (fed as {_timestepLayout}), {context} -> {_unetOutput}");
            if (context.Shape[1] >= 0 && context.Shape[1] != Tokenizer.MaxLength)
                throw new InvalidDataException($"{StableDiffusionFolder.UNet}: input '{context}' does not take {Tokenizer.MaxLength} tokens per row.");

            // VAE decoder.
            var latentIn = Pick(_vaeDecoder, StableDiffusionFolder.VaeDecoder, input: true, "latent_sample", i => i.Shape.Count == 4);
            _decoderInput = latentIn.Name;
            _decoderInputType = RequireFloat(latentIn, StableDiffusionFolder.VaeDecoder);
            var decoded = Pick(_vaeDecoder, StableDiffusionFolder.VaeDecoder, input: false, "sample", o => o.Shape.Count == 4);
            _decoderOutput = decoded.Name;

            (LatentChannels, VaeScaleFactor, ScalingFactor, ShiftFactor) = ResolveVae(sample, latentIn, decoded);
            (ImageHeight, ImageWidth) = ResolveImageSize(sample);
            LatentHeight = ImageHeight / VaeScaleFactor;
            LatentWidth = ImageWidth / VaeScaleFactor;
            Note($"image {ImageChannels}x{ImageHeight}x{ImageWidth}, latents {LatentChannels}x{LatentHeight}x{LatentWidth}, " +
                 $"scaling factor {ScalingFactor}, shift {ShiftFactor}; sessions on {ExecutionProvider}");
        }
        catch
        {
            foreach (var s in sessions) s.Dispose();
            throw;
        }
        _vaeEncoder = new Lazy<VaeEncoderSession>(OpenVaeEncoder, LazyThreadSafetyMode.ExecutionAndPublication);
    }

    private void Note(string note)
    {
        lock (_notes) _notes.Add(note);
        if (_options.Log is { } log) log("OnnxStableDiffusionBackend: " + note);
        else Trace.WriteLine("OnnxStableDiffusionBackend: " + note);
    }

    // The tensor named as the exporters name it; else the only one of that kind, so renamed exports still load.
    private static OrtTensorInfo Pick(OrtSession session, string model, bool input, string name, Func<OrtTensorInfo, bool> shapeFits)
    {
        var all = input ? session.Inputs : session.Outputs;
        if (all.FirstOrDefault(i => i.Name == name) is { } named) return named;
        var candidates = all.Where(shapeFits).ToList();
        if (candidates.Count == 1) return candidates[0];
        throw new InvalidDataException(
            $"{model} has no {(input ? "input" : "output")} '{name}' and no single {(input ? "input" : "output")} of the expected rank to use instead; " +
            $"its {(input ? "inputs" : "outputs")} are: {string.Join(", ", all)}.");
    }

    private static OnnxDataType RequireFloat(OrtTensorInfo info, string model) =>
        info.ElementType is OnnxDataType.Float or OnnxDataType.Float16
            ? info.ElementType.Value
            : throw new NotSupportedException($"{model}: input '{info}' must be float or float16.");

    private static readonly string[] VaeConfigs = ["vae_decoder/config.json", "vae_encoder/config.json", "vae/config.json"];

    private (int Channels, int Factor, float Scale, float Shift) ResolveVae(OrtTensorInfo sample, OrtTensorInfo latentIn, OrtTensorInfo decoded)
    {
        // Latent channels: the UNet's declared sample channels, else its config, else the VAE's.
        int channels;
        var vaeChannels = StableDiffusionFolder.ReadConfigNumber(Folder, "latent_channels", VaeConfigs);
        if (sample.Shape[1] > 0) channels = (int)sample.Shape[1];
        else if (StableDiffusionFolder.ReadConfigNumber(Folder, "in_channels", "unet/config.json") is { } unetChannels)
            channels = (int)unetChannels.Value;
        else if (latentIn.Shape[1] > 0) channels = (int)latentIn.Shape[1];
        else channels = vaeChannels is { } v ? (int)v.Value : 4;
        int vaeLatent = latentIn.Shape[1] > 0 ? (int)latentIn.Shape[1] : vaeChannels is { } vc ? (int)vc.Value : channels;
        if (channels != vaeLatent)
            throw new NotSupportedException(
                $"The UNet takes {channels}-channel samples but the VAE has {vaeLatent} latent channels: an inpainting UNet " +
                "(latents + mask + masked-image latents) is not supported by this backend.");

        int factor;
        if (StableDiffusionFolder.ReadConfigArrayLength(Folder, "block_out_channels", VaeConfigs) is { } blocks)
        {
            factor = 1 << Math.Max(0, blocks.Length - 1);
            Note($"VAE scale factor {factor} from {blocks.Source}");
        }
        else if (latentIn.Shape[2] > 0 && decoded.Shape[2] > 0 && decoded.Shape[2] % latentIn.Shape[2] == 0)
        {
            factor = (int)(decoded.Shape[2] / latentIn.Shape[2]);
            Note($"VAE scale factor {factor} from the decoder's fixed input/output sizes");
        }
        else
        {
            factor = 8;
            Note("VAE scale factor 8 (default: no VAE config with block_out_channels)");
        }

        float scale;
        if (_options.ScalingFactor is { } given)
        {
            scale = given;
            Note($"scaling factor {scale} from options");
        }
        else if (StableDiffusionFolder.ReadConfigNumber(Folder, "scaling_factor", VaeConfigs) is { } configured)
        {
            scale = (float)configured.Value;
            if (!(scale > 0) || float.IsInfinity(scale))
                throw new InvalidDataException($"{configured.Source} is {configured.Value}; a latent scaling factor must be finite and > 0.");
            Note($"scaling factor {scale} from {configured.Source}");
        }
        else
        {
            scale = DefaultScalingFactor;
            Note($"scaling factor {scale} (default: no VAE config states scaling_factor)");
        }
        float shift = StableDiffusionFolder.ReadConfigNumber(Folder, "shift_factor", VaeConfigs) is { } s ? (float)s.Value : 0f;
        return (channels, factor, scale, shift);
    }

    private (int Height, int Width) ResolveImageSize(OrtTensorInfo sample)
    {
        int height, width;
        if (_options.ImageHeight is not null || _options.ImageWidth is not null)
        {
            height = _options.ImageHeight ?? _options.ImageWidth!.Value;
            width = _options.ImageWidth ?? height;
            Note($"image size {height}x{width} from options");
        }
        else if (StableDiffusionFolder.ReadConfigNumber(Folder, "sample_size", "unet/config.json") is { } latentSize)
        {
            height = width = checked((int)latentSize.Value * VaeScaleFactor);
            Note($"image size {height}x{width} from {latentSize.Source} × VAE scale factor {VaeScaleFactor}");
        }
        else if (sample.Shape[2] > 0 && sample.Shape[3] > 0)
        {
            height = checked((int)sample.Shape[2] * VaeScaleFactor);
            width = checked((int)sample.Shape[3] * VaeScaleFactor);
            Note($"image size {height}x{width} from the UNet's fixed sample size × VAE scale factor {VaeScaleFactor}");
        }
        else
        {
            height = width = 512;
            Note("image size 512x512 (default: no unet/config.json sample_size and no fixed sample size)");
        }
        if (height % VaeScaleFactor != 0 || width % VaeScaleFactor != 0)
            throw new ArgumentException(
                $"Image size {height}x{width} is not a multiple of the VAE scale factor {VaeScaleFactor}.", nameof(OnnxStableDiffusionOptions.ImageHeight));
        if (sample.Shape[2] > 0 && sample.Shape[2] * VaeScaleFactor != height || sample.Shape[3] > 0 && sample.Shape[3] * VaeScaleFactor != width)
            throw new ArgumentException(
                $"Image size {height}x{width} does not match the UNet's fixed input '{sample}' (× VAE scale factor {VaeScaleFactor}).",
                nameof(OnnxStableDiffusionOptions.ImageHeight));
        return (height, width);
    }

    // ---- conditions ----

    public Condition EncodeCondition(string promptOrLabel)
    {
        ArgumentNullException.ThrowIfNull(promptOrLabel);
        ObjectDisposedException.ThrowIf(_disposed, this);
        return _conditions.GetOrAdd(promptOrLabel, EncodePrompt);
    }

    /// <summary>The empty prompt "" (what diffusers encodes for classifier-free guidance), or the negative prompt.</summary>
    public Condition NullCondition(string? negativePrompt = null) => EncodeCondition(negativePrompt ?? "");

    private OnnxTextCondition EncodePrompt(string prompt)
    {
        int bodyTokens = Tokenizer.EncodeWithoutSpecialTokens(prompt).Count;
        if (bodyTokens > Tokenizer.MaxLength - 2)
            Note($"prompt of {bodyTokens} tokens truncated to {Tokenizer.MaxLength - 2} (CLIP's limit), as diffusers does: \"{prompt}\"");
        int[] ids = Tokenizer.Encode(prompt);
        int length = ids.Length;
        using var input = InputIdsType == OnnxDataType.Int32
            ? OrtValue.CreateTensor(new Memory<int>((int[])ids.Clone()), [1, length], _options.Environment)
            : OrtValue.CreateTensor(new Memory<long>(ids.Select(i => (long)i).ToArray()), [1, length], _options.Environment);
        using var outputs = _textEncoder.Run([KeyValuePair.Create(_idsInput, input)], [_hiddenOutput]);
        var hidden = outputs[0];
        if (hidden.Shape.Count != 3 || hidden.Shape[0] != 1 || hidden.Shape[1] != length || hidden.Shape[2] < 1)
            throw new InvalidDataException($"{StableDiffusionFolder.TextEncoder} returned {hidden} for ids [1, {length}]; expected [1, {length}, hidden].");
        int hiddenSize = checked((int)hidden.Shape[2]);
        var states = new float[length * hiddenSize];
        OrtFloatTensors.CopyTo(hidden, states, StableDiffusionFolder.TextEncoder);
        return new OnnxTextCondition(prompt, ids, states, length, hiddenSize, this);
    }

    // ---- denoiser ----

    /// <summary>
    /// The UNet's output for each row of <paramref name="latents"/> [N, C, h, w] with that row's condition.
    /// Integer timestep inputs receive the timestep truncated toward zero (numpy's astype, as diffusers' ONNX pipeline
    /// converts); a [1]-shaped timestep input receives one value for the whole batch.
    /// </summary>
    public Tensor Predict(Tensor latents, float timestep, IReadOnlyList<Condition> conditions)
    {
        ArgumentNullException.ThrowIfNull(latents);
        ArgumentNullException.ThrowIfNull(conditions);
        ObjectDisposedException.ThrowIf(_disposed, this);
        RequireShape("Predict", nameof(latents), latents, LatentChannels, LatentHeight, LatentWidth, "latents");
        int n = latents.Shape[0];
        if (conditions.Count != n)
            throw new ArgumentException($"Predict: {conditions.Count} conditions for {n} latent rows; give one condition per row.", nameof(conditions));
        if (!float.IsFinite(timestep)) throw new ArgumentOutOfRangeException(nameof(timestep), timestep, "Predict: the timestep must be finite.");
        var text = new OnnxTextCondition[n];
        for (int i = 0; i < n; i++)
        {
            text[i] = conditions[i] as OnnxTextCondition is { } c && ReferenceEquals(c.Owner, this)
                ? c
                : throw new ArgumentException(
                    $"Predict: condition {i} ({conditions[i]?.GetType().Name ?? "null"} '{conditions[i]?.Text}') was not made by this backend's EncodeCondition/NullCondition.",
                    nameof(conditions));
            if (text[i].HiddenSize != text[0].HiddenSize)
                throw new ArgumentException($"Predict: conditions have different hidden sizes ({text[0].HiddenSize}, {text[i].HiddenSize}).", nameof(conditions));
        }

        var result = Tensor.Empty(n, LatentChannels, LatentHeight, LatentWidth);
        if (n == 0) return result;
        int rowSize = LatentChannels * LatentHeight * LatentWidth;
        int chunk = _unetFixedBatch > 0 ? _unetFixedBatch : _options.UNetBatchSize > 0 ? Math.Min(_options.UNetBatchSize, n) : n;
        var source = latents.Span;
        var destination = result.Span;
        for (int start = 0; start < n; start += chunk)
        {
            int count = Math.Min(chunk, n - start);
            // A model with a fixed batch dimension gets full chunks: the last one is padded by repeating its last row.
            int rows = _unetFixedBatch > 0 ? _unetFixedBatch : count;
            var sample = new float[rows * rowSize];
            int contextSize = text[0].SequenceLength * text[0].HiddenSize;
            var context = new float[rows * contextSize];
            for (int r = 0; r < rows; r++)
            {
                int row = start + Math.Min(r, count - 1);
                source.Slice(row * rowSize, rowSize).CopyTo(sample.AsSpan(r * rowSize));
                text[row].HiddenStates.CopyTo(context, r * contextSize);
            }
            using var sampleValue = OrtFloatTensors.Create(sample, [rows, LatentChannels, LatentHeight, LatentWidth], _sampleType, _options.Environment);
            using var contextValue = OrtFloatTensors.Create(context, [rows, text[0].SequenceLength, text[0].HiddenSize], _contextType, _options.Environment);
            using var timestepValue = TimestepValue(timestep, rows);
            using var outputs = _unet.Run(
                [KeyValuePair.Create(_sampleInput, sampleValue), KeyValuePair.Create(_timestepInput, timestepValue), KeyValuePair.Create(_contextInput, contextValue)],
                [_unetOutput]);
            var output = outputs[0];
            var expected = new long[] { rows, LatentChannels, LatentHeight, LatentWidth };
            if (!output.Shape.SequenceEqual(expected))
                throw new InvalidDataException($"{StableDiffusionFolder.UNet} returned {output}; expected [{string.Join(", ", expected)}].");
            var all = new float[rows * rowSize];
            OrtFloatTensors.CopyTo(output, all, StableDiffusionFolder.UNet);
            all.AsSpan(0, count * rowSize).CopyTo(destination.Slice(start * rowSize));
        }
        return result;
    }

    private OrtValue TimestepValue(float timestep, int rows)
    {
        long[] shape = _timestepLayout switch
        {
            TimestepLayout.Scalar => [],
            TimestepLayout.One => [1],
            _ => [rows],
        };
        int count = _timestepLayout == TimestepLayout.PerRow ? rows : 1;
        var env = _options.Environment;
        return TimestepType switch
        {
            OnnxDataType.Float => OrtValue.CreateTensor(new Memory<float>(Enumerable.Repeat(timestep, count).ToArray()), shape, env),
            OnnxDataType.Float16 => OrtValue.CreateTensor(new Memory<Half>(Enumerable.Repeat((Half)timestep, count).ToArray()), shape, env),
            OnnxDataType.Int64 => OrtValue.CreateTensor(new Memory<long>(Enumerable.Repeat((long)timestep, count).ToArray()), shape, env),
            _ => OrtValue.CreateTensor(new Memory<int>(Enumerable.Repeat((int)timestep, count).ToArray()), shape, env),
        };
    }

    // ---- VAE ----

    private VaeEncoderSession OpenVaeEncoder()
    {
        string path = StableDiffusionFolder.Require(Folder, StableDiffusionFolder.VaeEncoder);
        var session = OrtSession.Create(path, _options.Session, _options.Environment);
        try
        {
            var input = Pick(session, StableDiffusionFolder.VaeEncoder, input: true, "sample", i => i.Shape.Count == 4);
            var inputType = RequireFloat(input, StableDiffusionFolder.VaeEncoder);
            var output = session.Outputs.FirstOrDefault(o => o.Name == "latent_parameters")
                         ?? session.Outputs.FirstOrDefault(o => o.Name == "latent_sample")
                         ?? Pick(session, StableDiffusionFolder.VaeEncoder, input: false, "latent_parameters", o => o.Shape.Count == 4);
            Note(output.Name == "latent_sample"
                ? $"vae encoder: {input} -> {output}; a legacy diffusers export samples the posterior inside the graph, so its latents are not the deterministic mean"
                : $"vae encoder: {input} -> {output}; the mean half of the moments is used");
            return new VaeEncoderSession(session, input.Name, inputType, output.Name);
        }
        catch
        {
            session.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Scaled latents (mean − shift) × scaling factor of images [B, 3, H, W] in [−1, 1]. With <c>latent_parameters</c>
    /// (mean ‖ log-variance) the mean is taken; a legacy <c>latent_sample</c> output is used as the graph returns it.
    /// </summary>
    public Tensor EncodeImages(Tensor images)
    {
        ArgumentNullException.ThrowIfNull(images);
        ObjectDisposedException.ThrowIf(_disposed, this);
        RequireShape("EncodeImages", nameof(images), images, ImageChannels, ImageHeight, ImageWidth, "images");
        var (session, inputName, inputType, outputName) = _vaeEncoder.Value;

        int n = images.Shape[0], imageSize = ImageChannels * ImageHeight * ImageWidth, plane = LatentHeight * LatentWidth;
        int latentSize = LatentChannels * plane;
        var result = Tensor.Empty(n, LatentChannels, LatentHeight, LatentWidth);
        var source = images.Span;
        var destination = result.Span;
        for (int start = 0; start < n; start += _options.VaeBatchSize)
        {
            int count = Math.Min(_options.VaeBatchSize, n - start);
            var pixels = source.Slice(start * imageSize, count * imageSize).ToArray();
            using var value = OrtFloatTensors.Create(pixels, [count, ImageChannels, ImageHeight, ImageWidth], inputType, _options.Environment);
            using var outputs = session.Run([KeyValuePair.Create(inputName, value)], [outputName]);
            var output = outputs[0];
            // Optimum's latent_parameters carry mean ‖ log-variance along channels; the mean is the first half.
            int channels = output.Shape.Count == 4 ? (int)output.Shape[1] : -1;
            if (output.Shape.Count != 4 || output.Shape[0] != count || output.Shape[2] != LatentHeight || output.Shape[3] != LatentWidth
                || channels != LatentChannels && channels != 2 * LatentChannels)
                throw new InvalidDataException(
                    $"{StableDiffusionFolder.VaeEncoder} output '{outputName}' is {output}; expected [{count}, {LatentChannels} or {2 * LatentChannels}, {LatentHeight}, {LatentWidth}].");
            var moments = new float[output.ElementCount];
            OrtFloatTensors.CopyTo(output, moments, StableDiffusionFolder.VaeEncoder);
            for (int b = 0; b < count; b++)
            {
                var mean = moments.AsSpan(b * channels * plane, latentSize);
                var target = destination.Slice((start + b) * latentSize, latentSize);
                for (int i = 0; i < latentSize; i++) target[i] = (mean[i] - ShiftFactor) * ScalingFactor;
            }
        }
        return result;
    }

    /// <summary>Images [B, 3, H, W] (about [−1, 1], not clamped) from scaled latents: the decoder gets latents / scale + shift.</summary>
    public Tensor DecodeLatents(Tensor latents)
    {
        ArgumentNullException.ThrowIfNull(latents);
        ObjectDisposedException.ThrowIf(_disposed, this);
        RequireShape("DecodeLatents", nameof(latents), latents, LatentChannels, LatentHeight, LatentWidth, "latents");
        int n = latents.Shape[0], imageSize = ImageChannels * ImageHeight * ImageWidth, latentSize = LatentChannels * LatentHeight * LatentWidth;
        var result = Tensor.Empty(n, ImageChannels, ImageHeight, ImageWidth);
        var source = latents.Span;
        var destination = result.Span;
        for (int start = 0; start < n; start += _options.VaeBatchSize)
        {
            int count = Math.Min(_options.VaeBatchSize, n - start);
            var z = new float[count * latentSize];
            var rows = source.Slice(start * latentSize, count * latentSize);
            for (int i = 0; i < z.Length; i++) z[i] = rows[i] / ScalingFactor + ShiftFactor;
            using var value = OrtFloatTensors.Create(z, [count, LatentChannels, LatentHeight, LatentWidth], _decoderInputType, _options.Environment);
            using var outputs = _vaeDecoder.Run([KeyValuePair.Create(_decoderInput, value)], [_decoderOutput]);
            var output = outputs[0];
            var expected = new long[] { count, ImageChannels, ImageHeight, ImageWidth };
            if (!output.Shape.SequenceEqual(expected))
                throw new InvalidDataException($"{StableDiffusionFolder.VaeDecoder} returned {output}; expected [{string.Join(", ", expected)}].");
            OrtFloatTensors.CopyTo(output, destination.Slice(start * imageSize, count * imageSize), StableDiffusionFolder.VaeDecoder);
        }
        return result;
    }

    private static void RequireShape(string op, string parameter, Tensor t, int channels, int height, int width, string what)
    {
        var s = t.Shape;
        if (s.Length != 4 || s[1] != channels || s[2] != height || s[3] != width)
            throw new ArgumentException(
                $"{op}: {what} {ShapeUtil.Format(s.ToArray())} do not match the model's [batch, {channels}, {height}, {width}] " +
                "(the size is set by the model's config or OnnxStableDiffusionOptions.ImageHeight/ImageWidth).", parameter);
    }

    // ---- timing ----

    /// <summary>
    /// Mean milliseconds per UNet call on <paramref name="batchSize"/> rows (random latents, the empty prompt), after
    /// <paramref name="warmup"/> untimed calls. For benchmark tables; not used by sampling.
    /// </summary>
    public double MeasureUNetMilliseconds(int batchSize = 1, int iterations = 5, int warmup = 1, ulong seed = 0)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(iterations, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(warmup);
        var latents = Tensor.Randn(new Generator(seed), batchSize, LatentChannels, LatentHeight, LatentWidth);
        var conditions = Enumerable.Repeat(NullCondition(), batchSize).ToArray();
        float t = (SchedulerConfig.NumTrainTimesteps ?? 1000) / 2;
        for (int i = 0; i < warmup; i++) Predict(latents, t, conditions);
        var watch = Stopwatch.StartNew();
        for (int i = 0; i < iterations; i++) Predict(latents, t, conditions);
        return watch.Elapsed.TotalMilliseconds / iterations;
    }

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        _textEncoder.Dispose();
        _unet.Dispose();
        _vaeDecoder.Dispose();
        if (_vaeEncoder.IsValueCreated) _vaeEncoder.Value.Session.Dispose();
    }

    public override string ToString() =>
        $"OnnxStableDiffusionBackend({Folder}, {ImageHeight}x{ImageWidth}, latents {LatentChannels}x{LatentHeight}x{LatentWidth}, {ExecutionProvider})";
}
