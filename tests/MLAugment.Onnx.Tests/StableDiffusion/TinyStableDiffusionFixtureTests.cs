using MLAugment.Onnx.Format;
using MLAugment.Onnx.Runtime;
using MLAugment.Onnx.StableDiffusion;

namespace MLAugment.Onnx.Tests.StableDiffusion;

/// <summary>The tiny fixture is a faithful miniature: the diffusers layout, external UNet weights, CLIP-like text encoder.</summary>
[TestClass]
public sealed class TinyStableDiffusionFixtureTests
{
    [TestMethod]
    public void Create_WritesTheDiffusersOnnxLayout_WithUNetWeightsInWeightsPb()
    {
        string folder = TinyFolders.Get();

        foreach (var file in StableDiffusionFolder.RequiredFiles.Append(StableDiffusionFolder.VaeEncoder).Append("unet/weights.pb")
                     .Append("tokenizer/tokenizer_config.json").Append("vae_decoder/config.json").Append("unet/config.json"))
            Assert.IsTrue(File.Exists(Path.Combine(folder, file)), file);
        var unet = OnnxModelReader.Load(Path.Combine(folder, StableDiffusionFolder.UNet));
        var external = unet.Graph.Initializers.Where(t => t.ExternalData is not null).ToList();
        Assert.IsNotEmpty(external);
        Assert.IsTrue(external.All(t => t.ExternalData!.Location == "weights.pb"));
        Assert.IsLessThan(new FileInfo(Path.Combine(folder, "unet", "weights.pb")).Length, new FileInfo(Path.Combine(folder, StableDiffusionFolder.UNet)).Length);
        CollectionAssert.AreEqual(new[] { "sample", "timestep", "encoder_hidden_states" }, unet.Graph.Inputs.Select(i => i.Name).ToArray());
        Assert.AreEqual("out_sample", unet.Graph.Outputs.Single().Name);
    }

    [TestMethod]
    public void Create_IsDeterministicPerSeed()
    {
        string a = TestModels.TempDirectory(), b = TestModels.TempDirectory(), c = TestModels.TempDirectory();
        try
        {
            TinyStableDiffusionFixture.Create(a, 99);
            TinyStableDiffusionFixture.Create(b, 99);
            TinyStableDiffusionFixture.Create(c, 100);
            foreach (var file in new[] { "unet/weights.pb", "text_encoder/model.onnx", "vae_decoder/model.onnx" })
            {
                CollectionAssert.AreEqual(File.ReadAllBytes(Path.Combine(a, file)), File.ReadAllBytes(Path.Combine(b, file)), file);
                CollectionAssert.AreNotEqual(File.ReadAllBytes(Path.Combine(a, file)), File.ReadAllBytes(Path.Combine(c, file)), file);
            }
        }
        finally
        {
            foreach (var d in new[] { a, b, c }) Directory.Delete(d, true);
        }
    }

    private static (float[] Hidden, float[] Pooled) RunTextEncoder(OrtSession session, int[] ids)
    {
        using var input = OrtValue.CreateTensor(ids, [1, ids.Length]);
        using var outputs = session.Run(("input_ids", input));
        return (outputs["last_hidden_state"].ToArray<float>(), outputs["pooler_output"].ToArray<float>());
    }

    [TestMethod]
    public void TextEncoder_IsCausal_AndPoolsAtTheEndToken()
    {
        string folder = TinyFolders.Get();
        using var session = OrtSession.Create(Path.Combine(folder, StableDiffusionFolder.TextEncoder));
        var tokenizer = MLAugment.Diffusion.Text.ClipTokenizer.FromDirectory(folder);
        const int d = 32;
        var ids = tokenizer.Encode("a cat", out int length);
        var changed = (int[])ids.Clone();
        changed[2] = ids[2] == 100 ? 101 : 100; // the second body token

        var (hidden, pooled) = RunTextEncoder(session, ids);
        var (hiddenChanged, _) = RunTextEncoder(session, changed);

        // Positions before the changed token cannot see it through the causal mask; the changed position can.
        for (int i = 0; i < 2 * d; i++) Assert.AreEqual(hidden[i], hiddenChanged[i], 1e-6f, $"position {i / d}");
        Assert.IsGreaterThan(1e-4f, Enumerable.Range(2 * d, d).Max(i => MathF.Abs(hidden[i] - hiddenChanged[i])));
        // CLIP's pooled output is the hidden state at the first occurrence of the largest id (the end token).
        int end = length - 1;
        Assert.AreEqual(tokenizer.EndTokenId, ids[end]);
        CollectionAssert.AreEqual(hidden.AsSpan(end * d, d).ToArray(), pooled);
    }
}
