using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using MLAugment.Onnx.Format;

namespace MLAugment.Onnx.StableDiffusion;

/// <summary>
/// The diffusers / Optimum ONNX folder layout of a Stable Diffusion pipeline (paths relative to the folder),
/// the checks that it is complete, and its content hash.
/// </summary>
public static class StableDiffusionFolder
{
    public const string ModelIndex = "model_index.json";
    public const string SchedulerConfig = "scheduler/scheduler_config.json";
    public const string Tokenizer = "tokenizer";
    public const string TokenizerVocab = "tokenizer/vocab.json";
    public const string TokenizerMerges = "tokenizer/merges.txt";
    public const string TextEncoder = "text_encoder/model.onnx";
    public const string UNet = "unet/model.onnx";
    public const string VaeEncoder = "vae_encoder/model.onnx";
    public const string VaeDecoder = "vae_decoder/model.onnx";
    /// <summary>diffusers' name for the UNet's external weights file (the UNet exceeds protobuf's 2 GB limit).</summary>
    public const string ExternalWeightsFileName = "weights.pb";

    /// <summary>Files a folder must have. The VAE encoder is only needed for image-to-image and is checked when first used.</summary>
    public static IReadOnlyList<string> RequiredFiles { get; } =
        [ModelIndex, SchedulerConfig, TokenizerVocab, TokenizerMerges, TextEncoder, UNet, VaeDecoder];

    /// <summary>Full path of a layout file; throws <see cref="FileNotFoundException"/> naming it when absent.</summary>
    public static string Require(string folder, string relativePath)
    {
        string path = Path.Combine(folder, relativePath);
        if (!File.Exists(path))
            throw new FileNotFoundException(
                $"The Stable Diffusion ONNX folder '{folder}' has no '{relativePath}' (expected the diffusers/Optimum layout: " +
                $"{string.Join(", ", RequiredFiles)}, and {VaeEncoder} for image-to-image).", path);
        return path;
    }

    /// <summary>
    /// Checks every required file, and that the external data files each graph points to exist (diffusers'
    /// <c>weights.pb</c>, Optimum's <c>model.onnx_data</c>; read from the graph when its model.onnx is small, i.e. when
    /// the weights live outside it), so a missing weights file is named instead of surfacing as a generic ORT load error.
    /// </summary>
    public static void Validate(string folder)
    {
        ArgumentException.ThrowIfNullOrEmpty(folder);
        if (!Directory.Exists(folder))
            throw new DirectoryNotFoundException($"Stable Diffusion ONNX folder '{folder}' does not exist.");
        foreach (var file in RequiredFiles) Require(folder, file);
        foreach (var model in new[] { TextEncoder, UNet, VaeDecoder, VaeEncoder })
            if (File.Exists(Path.Combine(folder, model))) RequireExternalData(Path.Combine(folder, model));
    }

    private const long ExternalDataCheckLimit = 64L << 20;

    private static void RequireExternalData(string modelPath)
    {
        if (new FileInfo(modelPath).Length > ExternalDataCheckLimit) return; // weights inline: nothing external to find
        OnnxModel model;
        try
        {
            model = OnnxModelReader.Load(modelPath);
        }
        catch (InvalidDataException)
        {
            return; // not parseable here; ORT reports the problem with its own message when the session is created
        }
        string directory = Path.GetDirectoryName(modelPath)!;
        foreach (var location in model.Graph.Initializers.Select(t => t.ExternalData?.Location).OfType<string>().Distinct())
        {
            string path = Path.Combine(directory, location);
            if (!File.Exists(path))
                throw new FileNotFoundException(
                    $"'{modelPath}' keeps its weights in external file '{location}', which is missing (expected at '{path}').", path);
        }
    }

    /// <summary>Files up to this size are hashed whole by <see cref="ContentHash"/>.</summary>
    public const long FullHashLimit = 16L << 20;

    /// <summary>Bytes hashed from each end of a larger file.</summary>
    public const int EdgeHashBytes = 1 << 20;

    /// <summary>
    /// SHA-256 identity of the folder, cheap even for multi-GB checkpoints: over every file (sorted relative path,
    /// '/'-separated), its path and byte length, then its whole content when at most <see cref="FullHashLimit"/>
    /// bytes (configs, tokenizer, small graphs), else its first and last <see cref="EdgeHashBytes"/> bytes.
    /// Changing any config, swapping a graph or resizing weights changes the id; an in-place edit in the middle of a
    /// large weights file does not (fine-tunes change sizes or the edges in practice, but this is not a guarantee).
    /// </summary>
    public static string ContentHash(string folder)
    {
        ArgumentException.ThrowIfNullOrEmpty(folder);
        var root = Path.GetFullPath(folder);
        var files = Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories)
            .Select(f => (Full: f, Relative: Path.GetRelativePath(root, f).Replace('\\', '/')))
            .OrderBy(f => f.Relative, StringComparer.Ordinal)
            .ToList();
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = new byte[EdgeHashBytes];
        foreach (var (full, relative) in files)
        {
            using var stream = File.OpenRead(full);
            long length = stream.Length;
            sha.AppendData(Encoding.UTF8.GetBytes(relative));
            sha.AppendData(BitConverter.GetBytes(length));
            if (length <= FullHashLimit)
            {
                int read;
                while ((read = stream.Read(buffer, 0, buffer.Length)) > 0) sha.AppendData(buffer, 0, read);
            }
            else
            {
                stream.ReadExactly(buffer, 0, EdgeHashBytes);
                sha.AppendData(buffer, 0, EdgeHashBytes);
                stream.Position = length - EdgeHashBytes;
                stream.ReadExactly(buffer, 0, EdgeHashBytes);
                sha.AppendData(buffer, 0, EdgeHashBytes);
            }
        }
        return "onnx-sd:" + Convert.ToHexStringLower(sha.GetHashAndReset());
    }

    /// <summary>A number from the first of <paramref name="configFiles"/> (relative paths) that exist and hold <paramref name="key"/>.</summary>
    internal static (double Value, string Source)? ReadConfigNumber(string folder, string key, params string[] configFiles)
    {
        foreach (var file in configFiles)
        {
            if (ReadConfig(folder, file) is not { } root) continue;
            if (root.TryGetProperty(key, out var value) && value.ValueKind == JsonValueKind.Number)
                return (value.GetDouble(), $"{file}:{key}");
        }
        return null;
    }

    /// <summary>Length of an array field (e.g. block_out_channels) from the first config that has it.</summary>
    internal static (int Length, string Source)? ReadConfigArrayLength(string folder, string key, params string[] configFiles)
    {
        foreach (var file in configFiles)
        {
            if (ReadConfig(folder, file) is not { } root) continue;
            if (root.TryGetProperty(key, out var value) && value.ValueKind == JsonValueKind.Array)
                return (value.GetArrayLength(), $"{file}:{key}");
        }
        return null;
    }

    private static JsonElement? ReadConfig(string folder, string relativePath)
    {
        string path = Path.Combine(folder, relativePath);
        if (!File.Exists(path)) return null;
        try
        {
            using var doc = JsonDocument.Parse(File.ReadAllText(path), new JsonDocumentOptions { AllowTrailingCommas = true, CommentHandling = JsonCommentHandling.Skip });
            if (doc.RootElement.ValueKind != JsonValueKind.Object)
                throw new InvalidDataException($"'{path}' must hold a JSON object.");
            return doc.RootElement.Clone();
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"'{path}' is not valid JSON: {e.Message}", e);
        }
    }
}
