using System.Text.Json;
using MLAugment.Diffusion.Text;
using MLAugment.Onnx.Format;
using MLAugment.Onnx.StableDiffusion;

namespace MLAugment.Onnx.Tests.StableDiffusion;

/// <summary>
/// A Stable-Diffusion-layout folder whose graphs compute simple known functions, so the backend's plumbing
/// (tensor names, dtypes, per-row conditions, scaling, mean extraction) can be checked by hand:
/// <list type="bullet">
/// <item>text_encoder: last_hidden_state[b, s, d] = input_ids[b, s] · (d + 1)   (input_ids int64, D = 3)</item>
/// <item>unet: out_sample[b] = 2·sample[b] + timestep[b] + encoder_hidden_states[b, 1, 0]   (timestep int64 [batch])</item>
/// <item>vae_encoder: latent_parameters = mean ‖ logvar, mean channel k = 2×2 average of image channel k mod 3, logvar = 7</item>
/// <item>vae_decoder: sample[c] = 2× nearest upsampling of latent channel c (c &lt; 3)</item>
/// </list>
/// Image 8×8, latents 4×4×4, VAE factor 2 (block_out_channels of length 2), scaling factor 0.5.
/// </summary>
internal static class ProbeFolder
{
    public const int D = 3;
    public const float Scale = 0.5f;

    public static string Create()
    {
        string folder = TestModels.TempDirectory();
        var tokenizer = TinyStableDiffusionFixture.ByteLevelTokenizer();
        ClipVocabularyFiles.Write(tokenizer, Path.Combine(folder, "tokenizer"));
        Directory.CreateDirectory(Path.Combine(folder, "scheduler"));
        TinyStableDiffusionFixture.StableDiffusion15Scheduler().Save(Path.Combine(folder, StableDiffusionFolder.SchedulerConfig));
        File.WriteAllText(Path.Combine(folder, StableDiffusionFolder.ModelIndex), """{"_class_name": "OnnxStableDiffusionPipeline"}""");

        Save(folder, StableDiffusionFolder.TextEncoder, new OnnxGraphBuilder("text")
            .Input("input_ids", OnnxDataType.Int64, ["batch", 77])
            .Initializer(OnnxTensor.FromFloats("feature_scale", [1, 1, D], [1f, 2f, 3f]))
            .Initializer(OnnxTensor.FromInt64s("axis2", [1], [2]))
            .Node("Cast", ["input_ids"], ["ids_f"], null, OnnxAttribute.Int("to", (long)OnnxDataType.Float))
            .Node("Unsqueeze", ["ids_f", "axis2"], ["ids_3d"])
            .Node("Mul", ["ids_3d", "feature_scale"], ["last_hidden_state"])
            .Output("last_hidden_state", OnnxDataType.Float, ["batch", 77, D])
            .BuildModel());

        Save(folder, StableDiffusionFolder.UNet, new OnnxGraphBuilder("unet")
            .Input("sample", OnnxDataType.Float, ["batch", 4, 4, 4])
            .Input("timestep", OnnxDataType.Int64, ["batch"])
            .Input("encoder_hidden_states", OnnxDataType.Float, ["batch", 77, D])
            .Initializer(OnnxTensor.FromFloats("two", [], [2f]))
            .Initializer(OnnxTensor.FromInt64s("row_shape", [4], [-1, 1, 1, 1]))
            .Initializer(OnnxTensor.FromInt64s("token1", [], [1]))
            .Initializer(OnnxTensor.FromInt64s("feature0", [], [0]))
            .Node("Mul", ["sample", "two"], ["doubled"])
            .Node("Cast", ["timestep"], ["t_f"], null, OnnxAttribute.Int("to", (long)OnnxDataType.Float))
            .Node("Reshape", ["t_f", "row_shape"], ["t_rows"])
            .Node("Gather", ["encoder_hidden_states", "token1"], ["token"], null, OnnxAttribute.Int("axis", 1))
            .Node("Gather", ["token", "feature0"], ["first_feature"], null, OnnxAttribute.Int("axis", 1))
            .Node("Reshape", ["first_feature", "row_shape"], ["c_rows"])
            .Node("Add", ["doubled", "t_rows"], ["with_t"])
            .Node("Add", ["with_t", "c_rows"], ["out_sample"])
            .Output("out_sample", OnnxDataType.Float, ["batch", 4, 4, 4])
            .BuildModel(), external: true);

        var encoderWeights = new float[8 * 3 * 2 * 2];
        for (int k = 0; k < 4; k++)
            for (int i = 0; i < 4; i++) encoderWeights[(k * 3 + k % 3) * 4 + i] = 0.25f;
        var encoderBias = new float[] { 0, 0, 0, 0, 7, 7, 7, 7 };
        Save(folder, StableDiffusionFolder.VaeEncoder, new OnnxGraphBuilder("vae_encoder")
            .Input("sample", OnnxDataType.Float, ["batch", 3, 8, 8])
            .Initializer(OnnxTensor.FromFloats("w", [8, 3, 2, 2], encoderWeights))
            .Initializer(OnnxTensor.FromFloats("b", [8], encoderBias))
            .Node("Conv", ["sample", "w", "b"], ["latent_parameters"], null,
                OnnxAttribute.IntList("kernel_shape", [2, 2]), OnnxAttribute.IntList("strides", [2, 2]))
            .Output("latent_parameters", OnnxDataType.Float, ["batch", 8, 4, 4])
            .BuildModel());

        Save(folder, StableDiffusionFolder.VaeDecoder, new OnnxGraphBuilder("vae_decoder")
            .Input("latent_sample", OnnxDataType.Float, ["batch", 4, 4, 4])
            .Initializer(OnnxTensor.FromFloats("scales", [4], [1f, 1f, 2f, 2f]))
            .Initializer(OnnxTensor.FromInt64s("start", [1], [0]))
            .Initializer(OnnxTensor.FromInt64s("end", [1], [3]))
            .Initializer(OnnxTensor.FromInt64s("axes", [1], [1]))
            .Node("Resize", ["latent_sample", "", "scales"], ["up"], null, OnnxAttribute.String("mode", "nearest"))
            .Node("Slice", ["up", "start", "end", "axes"], ["sample"])
            .Output("sample", OnnxDataType.Float, ["batch", 3, 8, 8])
            .BuildModel());

        var vaeConfig = JsonSerializer.Serialize(new { block_out_channels = new[] { 8, 8 }, scaling_factor = Scale, latent_channels = 4 });
        File.WriteAllText(Path.Combine(folder, "vae_decoder", "config.json"), vaeConfig);
        File.WriteAllText(Path.Combine(folder, "vae_encoder", "config.json"), vaeConfig);
        return folder;
    }

    private static void Save(string folder, string relative, OnnxModel model, bool external = false) =>
        OnnxModelWriter.Save(model, Path.Combine(folder, relative),
            external ? new OnnxExternalDataOptions { FileName = StableDiffusionFolder.ExternalWeightsFileName } : null);
}
