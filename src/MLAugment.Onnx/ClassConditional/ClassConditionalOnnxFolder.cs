using System.Text.Json;
using System.Text.Json.Nodes;
using MLAugment.Diffusion.Models;
using MLAugment.Onnx.Export;
using MLAugment.Onnx.Format;

namespace MLAugment.Onnx.ClassConditional;

/// <summary>
/// The ONNX folder of a class-conditional latent diffusion model, in diffusers' ONNX layout:
/// <code>
/// model_index.json                      class names and aliases (the conditioner's vocabulary)
/// scheduler/scheduler_config.json
/// unet/model.onnx (+ weights.pb)        sample, timestep (float [batch]), class_labels (int64 [batch]) -> out_sample
/// unet/config.json                      the engine UNet's config
/// vae_encoder/model.onnx, config.json   sample -> latent_parameters (mean ‖ logvar)
/// vae_decoder/model.onnx, config.json   latent_sample -> sample; config carries scaling_factor and sample_size
/// </code>
/// </summary>
public static class ClassConditionalOnnxFolder
{
    public const string ModelIndex = "model_index.json";
    public const string SchedulerConfig = "scheduler/scheduler_config.json";
    public const string UNet = "unet/model.onnx";
    public const string UNetConfig = "unet/config.json";
    public const string VaeEncoder = "vae_encoder/model.onnx";
    public const string VaeDecoder = "vae_decoder/model.onnx";
    public const string VaeConfig = "vae_decoder/config.json";
    public const string PipelineClassName = "OnnxClassConditionalLatentDiffusionPipeline";

    public static IReadOnlyList<string> RequiredFiles { get; } = [ModelIndex, SchedulerConfig, UNet, VaeDecoder, VaeConfig];

    /// <summary>
    /// Writes <paramref name="model"/> (the engine's UNet and autoencoder) as an ONNX folder that
    /// <see cref="OnnxClassConditionalBackend"/> runs. <paramref name="externalData"/> moves large weights to a
    /// <c>weights.pb</c> beside each graph (null: everything inline).
    /// </summary>
    public static void Export(LatentDiffusionModel model, string folder, OnnxExternalDataOptions? externalData = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentException.ThrowIfNullOrEmpty(folder);
        Directory.CreateDirectory(folder);
        OnnxModelWriter.Save(DiffusionOnnxExport.ExportUNet(model.UNet), Path.Combine(folder, UNet), externalData);
        OnnxModelWriter.Save(DiffusionOnnxExport.ExportVaeEncoder(model.Vae), Path.Combine(folder, VaeEncoder), externalData);
        OnnxModelWriter.Save(DiffusionOnnxExport.ExportVaeDecoder(model.Vae), Path.Combine(folder, VaeDecoder), externalData);
        Directory.CreateDirectory(Path.Combine(folder, "scheduler"));
        File.WriteAllText(Path.Combine(folder, SchedulerConfig), model.SchedulerConfig.ToJson());
        File.WriteAllText(Path.Combine(folder, UNetConfig), model.UNet.Config.ToJson());
        File.WriteAllText(Path.Combine(folder, VaeConfig), model.Vae.Config.ToJson());
        File.WriteAllText(Path.Combine(folder, "vae_encoder", "config.json"), model.Vae.Config.ToJson());
        var index = new JsonObject
        {
            ["_class_name"] = PipelineClassName,
            ["_mlaugment_version"] = "0.1",
            ["_source_model_id"] = model.ModelId,
            ["class_names"] = new JsonArray(model.Conditioner.ClassNames.Select(n => (JsonNode)n!).ToArray()),
            ["class_aliases"] = JsonSerializer.SerializeToNode(model.Aliases),
            ["unet"] = new JsonArray("diffusers", "OnnxRuntimeModel"),
            ["vae_encoder"] = new JsonArray("diffusers", "OnnxRuntimeModel"),
            ["vae_decoder"] = new JsonArray("diffusers", "OnnxRuntimeModel"),
            ["scheduler"] = new JsonArray("diffusers", model.SchedulerConfig.ClassName),
        };
        File.WriteAllText(Path.Combine(folder, ModelIndex), index.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
    }

    /// <summary>Full path of a layout file; throws <see cref="FileNotFoundException"/> naming it when absent.</summary>
    public static string Require(string folder, string relativePath)
    {
        string path = Path.Combine(folder, relativePath);
        if (!File.Exists(path))
            throw new FileNotFoundException(
                $"The class-conditional ONNX folder '{folder}' has no '{relativePath}' (expected: {string.Join(", ", RequiredFiles)}, and {VaeEncoder} for image-to-image).", path);
        return path;
    }
}
