using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using MLAugment.Diffusion.Conditioning;
using MLAugment.Diffusion.Sampling;
using MLAugment.Diffusion.Schedulers;
using MLAugment.Engine;
using MLAugment.Engine.IO;
using AG = MLAugment.Engine.Autograd.Autograd;

namespace MLAugment.Diffusion.Models;

/// <summary>
/// A class-conditional latent diffusion model run by the engine: <see cref="Autoencoder"/> + <see cref="ConditionalUNet"/>
/// + class names + scheduler config, stored in a diffusers-style folder:
/// <code>
/// model_index.json                      class names, aliases, image size
/// scheduler/scheduler_config.json
/// unet/config.json + unet/diffusion_pytorch_model.safetensors
/// vae/config.json  + vae/diffusion_pytorch_model.safetensors
/// </code>
/// Images are [N, C, H, W] in [−1, 1]; the autoencoder's input size is the model's image size.
/// </summary>
public sealed class LatentDiffusionModel : IDiffusionBackend
{
    public const string WeightsFile = "diffusion_pytorch_model.safetensors";
    public ConditionalUNet UNet { get; }
    public Autoencoder Vae { get; }
    public ClassLabelConditioner Conditioner { get; }
    public SchedulerConfig SchedulerConfig { get; }
    public string ModelId { get; private set; }
    public IReadOnlyDictionary<string, string[]> Aliases { get; }

    public LatentDiffusionModel(ConditionalUNet unet, Autoencoder vae, IReadOnlyList<string> classNames, SchedulerConfig schedulerConfig,
        IReadOnlyDictionary<string, string[]>? aliases = null, string? modelId = null)
    {
        if (classNames.Count != unet.Config.NumClassEmbeds)
            throw new ArgumentException($"LatentDiffusionModel: {classNames.Count} class names for a UNet with {unet.Config.NumClassEmbeds} classes.");
        if (vae.Config.LatentChannels != unet.Config.InChannels || vae.Config.LatentSize != unet.Config.SampleSize)
            throw new ArgumentException($"LatentDiffusionModel: VAE latents [{vae.Config.LatentChannels}, {vae.Config.LatentSize}] do not match UNet input [{unet.Config.InChannels}, {unet.Config.SampleSize}].");
        UNet = unet; Vae = vae; SchedulerConfig = schedulerConfig;
        Aliases = aliases ?? new Dictionary<string, string[]>();
        Conditioner = new ClassLabelConditioner(classNames, Aliases);
        UNet.Eval(); Vae.Eval();
        ModelId = modelId ?? "untrained-" + Guid.NewGuid().ToString("N");
    }

    public int ImageChannels => Vae.Config.InChannels;
    public int ImageHeight => Vae.Config.SampleSize;
    public int ImageWidth => Vae.Config.SampleSize;
    public int LatentChannels => Vae.Config.LatentChannels;
    public int LatentHeight => Vae.Config.LatentSize;
    public int LatentWidth => Vae.Config.LatentSize;
    public IReadOnlyList<string> KnownConditions => Conditioner.ClassNames;
    public bool SupportsGradients => true;

    public Condition EncodeCondition(string promptOrLabel) => Conditioner.Encode(promptOrLabel);
    public Condition NullCondition(string? negativePrompt = null) => Conditioner.Null(negativePrompt);

    public Tensor Predict(Tensor latents, float timestep, IReadOnlyList<Condition> conditions)
    {
        var ids = new int[conditions.Count];
        for (int i = 0; i < ids.Length; i++)
            ids[i] = conditions[i] is ClassCondition c ? c.ClassIndex
                : throw new ArgumentException($"LatentDiffusionModel: condition '{conditions[i].Text}' was not made by this model.");
        return UNet.Forward(latents, new[] { timestep }, ids);
    }

    public Tensor EncodeImages(Tensor images) => Vae.Encode(images).Mean * Vae.Config.ScalingFactor;
    public Tensor DecodeLatents(Tensor latents) => Vae.Decode(latents * (1f / Vae.Config.ScalingFactor));

    // ---- folder I/O ----

    public void Save(string folder)
    {
        Directory.CreateDirectory(Path.Combine(folder, "unet"));
        Directory.CreateDirectory(Path.Combine(folder, "vae"));
        Directory.CreateDirectory(Path.Combine(folder, "scheduler"));
        AtomicFile.WriteAllText(Path.Combine(folder, "unet", "config.json"), UNet.Config.ToJson());
        AtomicFile.WriteAllText(Path.Combine(folder, "vae", "config.json"), Vae.Config.ToJson());
        AtomicFile.WriteAllText(Path.Combine(folder, "scheduler", "scheduler_config.json"), SchedulerConfig.ToJson());
        StateDictFile.Save(Path.Combine(folder, "unet", WeightsFile), UNet.StateDict());
        StateDictFile.Save(Path.Combine(folder, "vae", WeightsFile), Vae.StateDict());
        var index = new JsonObject
        {
            ["_class_name"] = "LatentDiffusionModel",
            ["_mlaugment_version"] = "0.1",
            ["class_names"] = new JsonArray(Conditioner.ClassNames.Select(n => (JsonNode)n!).ToArray()),
            ["class_aliases"] = JsonSerializer.SerializeToNode(Aliases),
            ["unet"] = new JsonArray("mlaugment", "ConditionalUNet"),
            ["vae"] = new JsonArray("mlaugment", "AutoencoderKL"),
            ["scheduler"] = new JsonArray("diffusers", SchedulerConfig.ClassName),
        };
        AtomicFile.WriteAllText(Path.Combine(folder, "model_index.json"), index.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
        ModelId = ComputeModelId(folder);
    }

    public static LatentDiffusionModel Load(string folder)
    {
        if (!Directory.Exists(folder)) throw new DirectoryNotFoundException($"Model folder '{folder}' does not exist.");
        string Need(params string[] parts)
        {
            var p = Path.Combine(new[] { folder }.Concat(parts).ToArray());
            if (!File.Exists(p)) throw new FileNotFoundException($"Model folder '{folder}' is missing {Path.Combine(parts)}.", p);
            return p;
        }
        var indexPath = Need("model_index.json");
        JsonNode index;
        try { index = JsonNode.Parse(File.ReadAllText(indexPath)) ?? throw new InvalidDataException("empty"); }
        catch (Exception e) when (e is JsonException or InvalidDataException) { throw new InvalidDataException($"{indexPath}: not valid JSON ({e.Message}).", e); }
        var classNames = index["class_names"]?.AsArray().Select(n => n!.GetValue<string>()).ToArray()
            ?? throw new InvalidDataException($"{indexPath}: missing 'class_names'.");
        var aliases = index["class_aliases"]?.Deserialize<Dictionary<string, string[]>>() ?? new Dictionary<string, string[]>();
        var unetCfg = UNetConfig.FromJson(File.ReadAllText(Need("unet", "config.json")), Path.Combine(folder, "unet", "config.json"));
        var vaeCfg = AutoencoderConfig.FromJson(File.ReadAllText(Need("vae", "config.json")), Path.Combine(folder, "vae", "config.json"));
        var schedCfg = SchedulerConfig.FromFile(Need("scheduler", "scheduler_config.json"));
        var g = new Generator(0);
        var unet = new ConditionalUNet(unetCfg, g);
        var vae = new Autoencoder(vaeCfg, g);
        LoadWeights(unet, Need("unet", WeightsFile));
        LoadWeights(vae, Need("vae", WeightsFile));
        return new LatentDiffusionModel(unet, vae, classNames, schedCfg, aliases, ComputeModelId(folder));
    }

    private static void LoadWeights(Engine.NN.Module module, string path)
    {
        Dictionary<string, Tensor> state;
        try { state = StateDictFile.Load(path); }
        catch (SafeTensorsFormatException e) when (!e.Message.Contains(path, StringComparison.Ordinal))
        { throw new SafeTensorsFormatException($"{path}: {e.Message}", e); }
        try { module.LoadStateDict(state, strict: true); }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException) { throw new InvalidDataException($"{path}: {e.Message}", e); }
    }

    /// <summary>SHA-256 over configs and weights: the identity caches and provenance records use.</summary>
    public static string ComputeModelId(string folder)
    {
        using var sha = SHA256.Create();
        foreach (var rel in new[] { "model_index.json", "scheduler/scheduler_config.json", "unet/config.json", "unet/" + WeightsFile, "vae/config.json", "vae/" + WeightsFile })
        {
            var p = Path.Combine(folder, rel);
            var nameBytes = Encoding.UTF8.GetBytes(rel);
            sha.TransformBlock(nameBytes, 0, nameBytes.Length, null, 0);
            if (!File.Exists(p)) continue;
            var bytes = File.ReadAllBytes(p);
            sha.TransformBlock(bytes, 0, bytes.Length, null, 0);
        }
        sha.TransformFinalBlock(Array.Empty<byte>(), 0, 0);
        return "sha256:" + Convert.ToHexString(sha.Hash!).ToLowerInvariant()[..16];
    }
}

/// <summary>Write-to-temp-then-rename, so a crash never leaves a half-written file in place.</summary>
internal static class AtomicFile
{
    public static void WriteAllText(string path, string text)
    {
        var tmp = path + ".tmp-" + Environment.ProcessId;
        File.WriteAllText(tmp, text);
        File.Move(tmp, path, overwrite: true);
    }
}
