using MLAugment.Diffusion.Sampling;
using MLAugment.Engine;
using MLAugment.Onnx.Runtime;
using MLAugment.Onnx.StableDiffusion;

namespace MLAugment.Onnx.Tests.StableDiffusion;

/// <summary>Broken folders and wrong arguments fail with messages that name the file, input or shape.</summary>
[TestClass]
public sealed class OnnxStableDiffusionBadInputTests
{
    private static void WithCopy(Action<string> body)
    {
        string folder = TinyFolders.Copy();
        try { body(folder); }
        finally { Directory.Delete(folder, true); }
    }

    [TestMethod]
    [DataRow("model_index.json")]
    [DataRow("scheduler/scheduler_config.json")]
    [DataRow("tokenizer/vocab.json")]
    [DataRow("tokenizer/merges.txt")]
    [DataRow("text_encoder/model.onnx")]
    [DataRow("unet/model.onnx")]
    [DataRow("unet/weights.pb")]
    [DataRow("vae_decoder/model.onnx")]
    public void MissingFile_IsNamed(string relative) => WithCopy(folder =>
    {
        File.Delete(Path.Combine(folder, relative));

        var e = Assert.ThrowsExactly<FileNotFoundException>(() => new OnnxStableDiffusionBackend(folder));

        Assert.Contains(Path.GetFileName(relative), e.Message);
        Assert.AreEqual(Path.GetFullPath(Path.Combine(folder, relative)), Path.GetFullPath(e.FileName!));
    });

    [TestMethod]
    public void MissingVaeEncoder_LoadsForTextToImage_AndEncodeImagesNamesTheFile() => WithCopy(folder =>
    {
        File.Delete(Path.Combine(folder, "vae_encoder", "model.onnx"));
        using var backend = new OnnxStableDiffusionBackend(folder);
        backend.DecodeLatents(Tensor.Zeros(1, 4, 8, 8));

        var e = Assert.ThrowsExactly<FileNotFoundException>(() => backend.EncodeImages(Tensor.Zeros(1, 3, 16, 16)));

        Assert.Contains("vae_encoder/model.onnx", e.Message);
    });

    [TestMethod]
    public void MissingFolder_IsNamed()
    {
        string folder = Path.Combine(Path.GetTempPath(), "no-such-sd-folder-" + Guid.NewGuid().ToString("N"));
        var e = Assert.ThrowsExactly<DirectoryNotFoundException>(() => new OnnxStableDiffusionBackend(folder));
        Assert.Contains(folder, e.Message);
    }

    [TestMethod]
    public void CorruptModel_SurfacesOrtsMessage() => WithCopy(folder =>
    {
        File.WriteAllBytes(Path.Combine(folder, "vae_decoder", "model.onnx"), "this is not a protobuf model"u8.ToArray());

        var e = Assert.ThrowsExactly<OnnxRuntimeException>(() => new OnnxStableDiffusionBackend(folder));

        Assert.IsFalse(string.IsNullOrWhiteSpace(e.OrtMessage));
        Assert.Contains(e.OrtMessage, e.Message);
    });

    [TestMethod]
    public void MismatchedTensorShape_NamesTheInput_WithOrtsMessage() => WithCopy(folder =>
    {
        // A text encoder of width 16 beside a UNet that takes width-32 encoder_hidden_states.
        string narrow = TestModels.TempDirectory();
        try
        {
            TinyStableDiffusionFixture.Create(narrow, 5, new TinyStableDiffusionOptions { HiddenSize = 16 });
            File.Copy(Path.Combine(narrow, "text_encoder", "model.onnx"), Path.Combine(folder, "text_encoder", "model.onnx"), overwrite: true);
        }
        finally
        {
            Directory.Delete(narrow, true);
        }
        using var backend = new OnnxStableDiffusionBackend(folder);

        var e = Assert.ThrowsExactly<OnnxRuntimeException>(() =>
            backend.Predict(Tensor.Zeros(1, 4, 8, 8), 10f, [backend.EncodeCondition("a cat")]));

        Assert.AreEqual("encoder_hidden_states", e.InputName);
        Assert.Contains("encoder_hidden_states", e.Message);
        Assert.Contains(e.OrtMessage, e.Message);
    });

    [TestMethod]
    public void WrongImageSize_IsAClearError()
    {
        using var backend = new OnnxStableDiffusionBackend(TinyFolders.Get());

        var e = Assert.ThrowsExactly<ArgumentException>(() => backend.EncodeImages(Tensor.Zeros(1, 3, 20, 16)));
        Assert.Contains("[1, 3, 20, 16]", e.Message);
        Assert.Contains("[batch, 3, 16, 16]", e.Message);

        Assert.ThrowsExactly<ArgumentException>(() => backend.EncodeImages(Tensor.Zeros(1, 4, 16, 16)));
        Assert.ThrowsExactly<ArgumentException>(() => backend.DecodeLatents(Tensor.Zeros(1, 4, 16, 16)));
        var p = Assert.ThrowsExactly<ArgumentException>(() => backend.Predict(Tensor.Zeros(1, 4, 4, 4), 1f, [backend.NullCondition()]));
        Assert.Contains("[batch, 4, 8, 8]", p.Message);
    }

    [TestMethod]
    public void Predict_NeedsOneOwnConditionPerRow()
    {
        using var backend = new OnnxStableDiffusionBackend(TinyFolders.Get());
        using var other = new OnnxStableDiffusionBackend(TinyFolders.Get());
        var latents = Tensor.Zeros(2, 4, 8, 8);

        var count = Assert.ThrowsExactly<ArgumentException>(() => backend.Predict(latents, 1f, [backend.NullCondition()]));
        Assert.Contains("1 conditions for 2 latent rows", count.Message);
        var foreign = Assert.ThrowsExactly<ArgumentException>(() => backend.Predict(latents, 1f, [backend.NullCondition(), other.EncodeCondition("x")]));
        Assert.Contains("condition 1", foreign.Message);
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => backend.Predict(latents, float.NaN, [backend.NullCondition(), backend.NullCondition()]));
    }

    [TestMethod]
    public void BadOptions_AreRejected()
    {
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new OnnxStableDiffusionBackend(TinyFolders.Get(), new OnnxStableDiffusionOptions { VaeBatchSize = 0 }));
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new OnnxStableDiffusionBackend(TinyFolders.Get(), new OnnxStableDiffusionOptions { ScalingFactor = -1 }));
        var e = Assert.ThrowsExactly<ArgumentException>(() => new OnnxStableDiffusionBackend(TinyFolders.Get(), new OnnxStableDiffusionOptions { ImageHeight = 15 }));
        Assert.Contains("multiple of the VAE scale factor", e.Message);
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => TinyStableDiffusionFixture.Create(TestModels.TempDirectory(), 1, new TinyStableDiffusionOptions { ImageSize = 10 }));
    }

    [TestMethod]
    public void Disposed_Backend_Refuses()
    {
        var backend = new OnnxStableDiffusionBackend(TinyFolders.Get());
        backend.Dispose();
        backend.Dispose();
        Assert.ThrowsExactly<ObjectDisposedException>(() => backend.EncodeCondition("x"));
    }
}
