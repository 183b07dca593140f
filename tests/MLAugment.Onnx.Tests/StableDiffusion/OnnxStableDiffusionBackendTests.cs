using MLAugment.Diffusion.Sampling;
using MLAugment.Engine;
using MLAugment.Onnx.Format;
using MLAugment.Onnx.Runtime;
using MLAugment.Onnx.StableDiffusion;

namespace MLAugment.Onnx.Tests.StableDiffusion;

/// <summary>The ONNX Stable Diffusion backend on the tiny fixture and on a hand-checkable probe folder.</summary>
[TestClass]
public sealed class OnnxStableDiffusionBackendTests
{
    private static Tensor Latents(ulong seed, int n) => Tensor.Randn(new Generator(seed), n, 4, 8, 8);

    private static void AssertClose(ReadOnlySpan<float> expected, ReadOnlySpan<float> actual, float tolerance, string what)
    {
        Assert.AreEqual(expected.Length, actual.Length, what);
        for (int i = 0; i < expected.Length; i++)
            Assert.IsLessThanOrEqualTo(tolerance, MathF.Abs(expected[i] - actual[i]), $"{what}[{i}]: {expected[i]} vs {actual[i]}");
    }

    [TestMethod]
    public void FixtureFolder_Loads_WithSizesAndScalingFromItsConfigs()
    {
        var notes = new List<string>();
        using var backend = new OnnxStableDiffusionBackend(TinyFolders.Get(), new OnnxStableDiffusionOptions { Log = notes.Add });

        Assert.AreEqual(3, backend.ImageChannels);
        Assert.AreEqual(16, backend.ImageHeight);
        Assert.AreEqual(16, backend.ImageWidth);
        Assert.AreEqual(4, backend.LatentChannels);
        Assert.AreEqual(8, backend.LatentHeight);
        Assert.AreEqual(8, backend.LatentWidth);
        Assert.AreEqual(2, backend.VaeScaleFactor);
        Assert.AreEqual(0.18215f, backend.ScalingFactor);
        Assert.AreEqual(77, backend.SequenceLength);
        Assert.AreEqual("PNDMScheduler", backend.SchedulerConfig.ClassName);
        Assert.AreEqual(OnnxDataType.Int32, backend.InputIdsType);
        Assert.AreEqual(OnnxDataType.Float, backend.TimestepType);
        Assert.AreEqual("CPUExecutionProvider", backend.ExecutionProvider);
        Assert.IsFalse(backend.SupportsGradients);
        Assert.IsEmpty(backend.KnownConditions);
        Assert.StartsWith("onnx-sd:", backend.ModelId);
        Assert.IsTrue(notes.Any(n => n.Contains("scaling factor 0.18215 from vae_decoder/config.json:scaling_factor")), string.Join("\n", notes));
        Assert.IsTrue(notes.Any(n => n.Contains("unet/config.json:sample_size")), string.Join("\n", notes));
    }

    [TestMethod]
    public void FixtureFolder_PredictDecodeEncode_HaveTheModelShapesAndFiniteValues()
    {
        using var backend = new OnnxStableDiffusionBackend(TinyFolders.Get());
        var latents = Latents(1, 2);

        var eps = backend.Predict(latents, 500f, [backend.EncodeCondition("a photo of a cat"), backend.NullCondition()]);
        var images = backend.DecodeLatents(latents);
        var back = backend.EncodeImages(images);

        CollectionAssert.AreEqual(new[] { 2, 4, 8, 8 }, eps.Shape.ToArray());
        CollectionAssert.AreEqual(new[] { 2, 3, 16, 16 }, images.Shape.ToArray());
        CollectionAssert.AreEqual(new[] { 2, 4, 8, 8 }, back.Shape.ToArray());
        foreach (var t in new[] { eps, images, back })
            foreach (var v in t.Span) Assert.IsTrue(float.IsFinite(v));
        Assert.IsGreaterThan(0.01f, eps.Span.ToArray().Select(MathF.Abs).Average(), "the UNet output is not trivially zero");
    }

    // ---- hand checks on the probe folder ----

    [TestMethod]
    public void Probe_Condition_IsTheTextEncodersLastHiddenStateOfTheClipIds()
    {
        using var backend = new OnnxStableDiffusionBackend(ProbeFolder.Create());
        Assert.AreEqual(OnnxDataType.Int64, backend.InputIdsType);

        var condition = (OnnxTextCondition)backend.EncodeCondition("ab");
        var ids = backend.Tokenizer.Encode("ab");
        CollectionAssert.AreEqual(ids, condition.TokenIds.ToArray());
        Assert.AreEqual(77, condition.SequenceLength);
        Assert.AreEqual(ProbeFolder.D, condition.HiddenSize);
        var states = condition.ToArray();
        for (int s = 0; s < 77; s++)
            for (int d = 0; d < ProbeFolder.D; d++)
                Assert.AreEqual(ids[s] * (d + 1f), states[s * ProbeFolder.D + d], $"token {s}, feature {d}");
    }

    [TestMethod]
    public void Probe_Predict_FeedsEachRowItsOwnConditionAndTheTimestepPerRow()
    {
        using var backend = new OnnxStableDiffusionBackend(ProbeFolder.Create());
        Assert.AreEqual(OnnxDataType.Int64, backend.TimestepType);
        Assert.AreEqual(8, backend.ImageHeight, "from the UNet's fixed sample size × the VAE factor (no unet/config.json)");
        var prompts = new[] { "a", "b", "" };
        var conditions = prompts.Select(backend.EncodeCondition).ToArray();
        var latents = Tensor.Randn(new Generator(3), 3, 4, 4, 4);

        // An int64 timestep gets the value truncated toward zero, as numpy's astype does in diffusers' pipeline.
        var output = backend.Predict(latents, 41.9f, conditions);

        for (int b = 0; b < 3; b++)
        {
            float firstBodyToken = backend.Tokenizer.Encode(prompts[b])[1]; // the end token for ""
            for (int i = 0; i < 64; i++)
                Assert.AreEqual(2 * latents.Span[b * 64 + i] + 41f + firstBodyToken, output.Span[b * 64 + i], 1e-4f, $"row {b}, element {i}");
        }
    }

    [TestMethod]
    public void Probe_EncodeImages_TakesTheMeanHalfOfLatentParametersTimesTheScalingFactor()
    {
        using var backend = new OnnxStableDiffusionBackend(ProbeFolder.Create());
        Assert.AreEqual(ProbeFolder.Scale, backend.ScalingFactor);
        var images = Tensor.Rand(new Generator(5), 2, 3, 8, 8);

        var latents = backend.EncodeImages(images);

        CollectionAssert.AreEqual(new[] { 2, 4, 4, 4 }, latents.Shape.ToArray());
        for (int b = 0; b < 2; b++)
            for (int k = 0; k < 4; k++)
                for (int y = 0; y < 4; y++)
                    for (int x = 0; x < 4; x++)
                    {
                        float sum = 0;
                        for (int dy = 0; dy < 2; dy++)
                            for (int dx = 0; dx < 2; dx++) sum += images[b, k % 3, 2 * y + dy, 2 * x + dx];
                        Assert.AreEqual(0.25f * sum * ProbeFolder.Scale, latents[b, k, y, x], 1e-5f, $"[{b}, {k}, {y}, {x}]");
                    }
    }

    [TestMethod]
    public void Probe_DecodeLatents_DividesByTheScalingFactorBeforeTheDecoder()
    {
        using var backend = new OnnxStableDiffusionBackend(ProbeFolder.Create(), new OnnxStableDiffusionOptions { VaeBatchSize = 2 });
        var latents = Tensor.Randn(new Generator(6), 3, 4, 4, 4);

        var images = backend.DecodeLatents(latents);

        CollectionAssert.AreEqual(new[] { 3, 3, 8, 8 }, images.Shape.ToArray());
        for (int b = 0; b < 3; b++)
            for (int c = 0; c < 3; c++)
                for (int y = 0; y < 8; y++)
                    for (int x = 0; x < 8; x++)
                        Assert.AreEqual(latents[b, c, y / 2, x / 2] / ProbeFolder.Scale, images[b, c, y, x], 1e-6f, $"[{b}, {c}, {y}, {x}]");
    }

    // ---- metadata-driven variants: the same weights behind differently typed I/O give the same numbers ----

    [TestMethod]
    public void Variant_Int64InputIds_GivesTheSameHiddenStatesAsInt32()
    {
        using var int32 = new OnnxStableDiffusionBackend(TinyFolders.Get());
        using var int64 = new OnnxStableDiffusionBackend(TinyFolders.Get(new TinyStableDiffusionOptions { InputIdsType = OnnxDataType.Int64 }));
        Assert.AreEqual(OnnxDataType.Int64, int64.InputIdsType);

        var a = ((OnnxTextCondition)int32.EncodeCondition("a red bicycle")).ToArray();
        var b = ((OnnxTextCondition)int64.EncodeCondition("a red bicycle")).ToArray();

        CollectionAssert.AreEqual(a, b);
    }

    [TestMethod]
    [DataRow(OnnxDataType.Int64, true)]
    [DataRow(OnnxDataType.Float, true)]
    [DataRow(OnnxDataType.Float16, false)]
    [DataRow(OnnxDataType.Int64, false)]
    public void Variant_TimestepTypeAndShape_GiveTheSameNoisePredictionAsFloatOne(OnnxDataType type, bool perRow)
    {
        using var reference = new OnnxStableDiffusionBackend(TinyFolders.Get());
        using var variant = new OnnxStableDiffusionBackend(TinyFolders.Get(new TinyStableDiffusionOptions { TimestepType = type, TimestepPerRow = perRow }));
        Assert.AreEqual(type, variant.TimestepType);
        var latents = Latents(7, 3);

        // 981 is exact in float16 and an integer, so every encoding of it is the same number inside the graph.
        var expected = reference.Predict(latents, 981f, [reference.EncodeCondition("x"), reference.EncodeCondition("y"), reference.NullCondition()]);
        var actual = variant.Predict(latents, 981f, [variant.EncodeCondition("x"), variant.EncodeCondition("y"), variant.NullCondition()]);

        AssertClose(expected.Span, actual.Span, 1e-5f, "out_sample");
    }

    [TestMethod]
    public void Variant_LatentParameters_EncodesToTheMeanThatLatentSampleReturns()
    {
        using var legacy = new OnnxStableDiffusionBackend(TinyFolders.Get());
        using var optimum = new OnnxStableDiffusionBackend(TinyFolders.Get(new TinyStableDiffusionOptions { VaeEncoderOutput = VaeEncoderOutputKind.LatentParameters }));
        var images = Tensor.Rand(new Generator(8), 2, 3, 16, 16) * 2f - 1f;

        var a = legacy.EncodeImages(images);
        var b = optimum.EncodeImages(images);

        AssertClose(a.Span, b.Span, 1e-6f, "latents");
        Assert.IsTrue(optimum.LoadNotes.Any(n => n.Contains("latent_parameters")), string.Join("\n", optimum.LoadNotes));
    }

    [TestMethod]
    public void Variant_Float16ModelIo_IsConvertedBothWays_AndMatchesFloatToHalfPrecision()
    {
        using var reference = new OnnxStableDiffusionBackend(TinyFolders.Get());
        using var half = new OnnxStableDiffusionBackend(TinyFolders.Get(new TinyStableDiffusionOptions { Float16Io = true }));
        var unetInputs = OnnxModelReader.Load(Path.Combine(half.Folder, StableDiffusionFolder.UNet)).Graph.Inputs;
        Assert.AreEqual(OnnxDataType.Float16, unetInputs.Single(i => i.Name == "sample").ElementType);
        var latents = Latents(12, 2);
        var images = Tensor.Rand(new Generator(13), 2, 3, 16, 16) * 2f - 1f;

        AssertClose(((OnnxTextCondition)reference.EncodeCondition("a cat")).ToArray(), ((OnnxTextCondition)half.EncodeCondition("a cat")).ToArray(), 1e-2f, "hidden states");
        AssertClose(reference.Predict(latents, 700f, [reference.EncodeCondition("a cat"), reference.NullCondition()]).Span,
            half.Predict(latents, 700f, [half.EncodeCondition("a cat"), half.NullCondition()]).Span, 2e-2f, "out_sample");
        AssertClose(reference.DecodeLatents(latents).Span, half.DecodeLatents(latents).Span, 2e-2f, "decoded");
        AssertClose(reference.EncodeImages(images).Span, half.EncodeImages(images).Span, 2e-3f, "encoded");
    }

    [TestMethod]
    public void CudaIfAvailable_RunsOnCudaOrLogsTheFallbackToCpu()
    {
        var log = new List<string>();
        var session = new OrtSessionOptions { ExecutionProvider = OrtExecutionProviderPreference.CudaIfAvailable, Log = log.Add };
        using var backend = new OnnxStableDiffusionBackend(TinyFolders.Get(), new OnnxStableDiffusionOptions { Session = session });

        if (backend.ExecutionProvider == "CPUExecutionProvider")
            Assert.IsTrue(log.Any(l => l.Contains("falling back to CPU")), string.Join("\n", log));
        else
            Assert.AreEqual("CUDAExecutionProvider", backend.ExecutionProvider);
        CollectionAssert.AreEqual(new[] { 1, 4, 8, 8 }, backend.Predict(Latents(14, 1), 1f, [backend.NullCondition()]).Shape.ToArray());
    }

    [TestMethod]
    public void Variant_FactorFour_WiderText_OneLayer_Loads()
    {
        var options = new TinyStableDiffusionOptions { VaeScaleFactor = 4, ImageSize = 32, HiddenSize = 48, TextLayers = 1, ScalingFactor = 0.13025f };
        using var backend = new OnnxStableDiffusionBackend(TinyFolders.Get(options));

        Assert.AreEqual(4, backend.VaeScaleFactor);
        Assert.AreEqual(32, backend.ImageHeight);
        Assert.AreEqual(8, backend.LatentHeight);
        Assert.AreEqual(0.13025f, backend.ScalingFactor);
        Assert.AreEqual(48, ((OnnxTextCondition)backend.EncodeCondition("hi")).HiddenSize);
        var images = backend.DecodeLatents(Latents(9, 1));
        CollectionAssert.AreEqual(new[] { 1, 3, 32, 32 }, images.Shape.ToArray());
        CollectionAssert.AreEqual(new[] { 1, 4, 8, 8 }, backend.EncodeImages(images).Shape.ToArray());
    }

    // ---- conditions, batching, determinism ----

    [TestMethod]
    public void Conditions_AreCachedPerPrompt_AndTheNullConditionIsTheEmptyOrNegativePrompt()
    {
        using var backend = new OnnxStableDiffusionBackend(TinyFolders.Get());

        Assert.AreSame(backend.EncodeCondition("a cat"), backend.EncodeCondition("a cat"));
        Assert.AreSame(backend.EncodeCondition(""), backend.NullCondition());
        Assert.AreSame(backend.EncodeCondition("blurry"), backend.NullCondition("blurry"));
        Assert.AreEqual("blurry", backend.NullCondition("blurry").Text);
        CollectionAssert.AreNotEqual(
            ((OnnxTextCondition)backend.EncodeCondition("a cat")).ToArray(), ((OnnxTextCondition)backend.NullCondition()).ToArray());
    }

    [TestMethod]
    public void LongPrompt_IsTruncatedToClipsLength_WithANote()
    {
        var log = new List<string>();
        using var backend = new OnnxStableDiffusionBackend(TinyFolders.Get(), new OnnxStableDiffusionOptions { Log = log.Add });
        string prompt = new('x', 100); // 100 byte tokens with the byte-level vocabulary

        var condition = (OnnxTextCondition)backend.EncodeCondition(prompt);

        Assert.HasCount(77, condition.TokenIds);
        Assert.AreEqual(backend.Tokenizer.EndTokenId, condition.TokenIds[76]);
        Assert.IsTrue(log.Any(l => l.Contains("prompt of 100 tokens truncated to 75")), string.Join("\n", log));
    }

    [TestMethod]
    public void Predict_RowsDoNotDependOnTheirBatchNeighboursOrTheChunkSize()
    {
        using var whole = new OnnxStableDiffusionBackend(TinyFolders.Get());
        using var chunked = new OnnxStableDiffusionBackend(TinyFolders.Get(), new OnnxStableDiffusionOptions { UNetBatchSize = 2 });
        var latents = Latents(10, 3);
        Condition[] Conds(OnnxStableDiffusionBackend b) => [b.EncodeCondition("a dog"), b.EncodeCondition("a house"), b.NullCondition()];

        var all = whole.Predict(latents, 300f, Conds(whole));
        var inChunks = chunked.Predict(latents, 300f, Conds(chunked));
        var alone = whole.Predict(latents.Narrow0(1, 1), 300f, [whole.EncodeCondition("a house")]);

        AssertClose(all.Span, inChunks.Span, 1e-5f, "chunked");
        AssertClose(all.Narrow0(1, 1).Span, alone.Span, 1e-5f, "row 1 alone");
        AssertClose(whole.Predict(latents, 300f, Conds(whole)).Span, all.Span, 0f, "repeat");
    }

    [TestMethod]
    public void Predict_DifferentPromptsGiveDifferentPredictions()
    {
        using var backend = new OnnxStableDiffusionBackend(TinyFolders.Get());
        var latents = Latents(11, 1);

        var cat = backend.Predict(latents, 500f, [backend.EncodeCondition("a cat")]).ToArray();
        var car = backend.Predict(latents, 500f, [backend.EncodeCondition("a car")]).ToArray();

        Assert.IsGreaterThan(1e-4f, cat.Zip(car, (a, b) => MathF.Abs(a - b)).Max());
    }

    [TestMethod]
    public void Predict_DependsOnTheTimestep()
    {
        using var backend = new OnnxStableDiffusionBackend(TinyFolders.Get());
        var latents = Latents(17, 1);

        var early = backend.Predict(latents, 900f, [backend.NullCondition()]).ToArray();
        var late = backend.Predict(latents, 100f, [backend.NullCondition()]).ToArray();

        Assert.IsGreaterThan(1e-4f, early.Zip(late, (a, b) => MathF.Abs(a - b)).Max());
    }

    [TestMethod]
    public void FullClipVocabulary_Variant_TokenizesLikeClipAndEncodes()
    {
        var clip = MLAugment.Diffusion.Text.ClipTokenizer.FromBpeSimpleVocab(Path.Combine(AppContext.BaseDirectory, "models", "clip", "bpe_simple_vocab_16e6.txt.gz"));
        using var backend = new OnnxStableDiffusionBackend(TinyFolders.Get(new TinyStableDiffusionOptions { Tokenizer = clip, HiddenSize = 16 }));

        var condition = (OnnxTextCondition)backend.EncodeCondition("a photo of a cat");

        Assert.AreEqual(49408, backend.Tokenizer.VocabularySize);
        CollectionAssert.AreEqual(new[] { 49406, 320, 1125, 539, 320, 2368, 49407 }, condition.TokenIds.Take(7).ToArray());
        Assert.AreEqual(16, condition.HiddenSize);
    }

    // ---- identity ----

    [TestMethod]
    public void ModelId_IsAContentHash_SameForEqualFolders_DifferentWhenAConfigChanges()
    {
        string a = TinyFolders.Copy(), b = TinyFolders.Copy();
        try
        {
            Assert.AreEqual(StableDiffusionFolder.ContentHash(a), StableDiffusionFolder.ContentHash(b));
            Assert.AreEqual(StableDiffusionFolder.ContentHash(a), StableDiffusionFolder.ContentHash(TinyFolders.Get()));
            File.AppendAllText(Path.Combine(b, "scheduler", "scheduler_config.json"), " ");
            Assert.AreNotEqual(StableDiffusionFolder.ContentHash(a), StableDiffusionFolder.ContentHash(b));

            string other = TestModels.TempDirectory();
            TinyStableDiffusionFixture.Create(other, TinyFolders.Seed + 1);
            Assert.AreNotEqual(StableDiffusionFolder.ContentHash(a), StableDiffusionFolder.ContentHash(other));
            Directory.Delete(other, true);
        }
        finally
        {
            Directory.Delete(a, true);
            Directory.Delete(b, true);
        }
    }

    [TestMethod]
    public void ContentHash_OfALargeFile_ReadsOnlyItsEdges()
    {
        string folder = TestModels.TempDirectory();
        try
        {
            string path = Path.Combine(folder, "weights.pb");
            var data = new byte[StableDiffusionFolder.FullHashLimit + 4 * StableDiffusionFolder.EdgeHashBytes];
            File.WriteAllBytes(path, data);
            string before = StableDiffusionFolder.ContentHash(folder);

            data[data.Length / 2] = 1; // the middle is not read
            File.WriteAllBytes(path, data);
            Assert.AreEqual(before, StableDiffusionFolder.ContentHash(folder));

            data[^1] = 1; // the last MiB is
            File.WriteAllBytes(path, data);
            Assert.AreNotEqual(before, StableDiffusionFolder.ContentHash(folder));
        }
        finally
        {
            Directory.Delete(folder, true);
        }
    }

    // ---- options ----

    [TestMethod]
    public void Options_OverrideImageSizeAndScalingFactor()
    {
        var options = new OnnxStableDiffusionOptions { ImageHeight = 32, ImageWidth = 16, ScalingFactor = 1f, Session = new OrtSessionOptions { IntraOpNumThreads = 1 } };
        using var backend = new OnnxStableDiffusionBackend(TinyFolders.Get(), options);

        Assert.AreEqual(16, backend.LatentHeight);
        Assert.AreEqual(8, backend.LatentWidth);
        Assert.AreEqual(1f, backend.ScalingFactor);
        var images = backend.DecodeLatents(Tensor.Zeros(1, 4, 16, 8));
        CollectionAssert.AreEqual(new[] { 1, 3, 32, 16 }, images.Shape.ToArray());
        var eps = backend.Predict(Tensor.Zeros(1, 4, 16, 8), 10f, [backend.NullCondition()]);
        CollectionAssert.AreEqual(new[] { 1, 4, 16, 8 }, eps.Shape.ToArray());
    }

    [TestMethod]
    public void ScalingFactor_IsReadFromVaeConfigJson_ElseDefaults()
    {
        string folder = TinyFolders.Copy();
        try
        {
            File.Delete(Path.Combine(folder, "vae_decoder", "config.json"));
            File.Delete(Path.Combine(folder, "vae_encoder", "config.json"));
            Directory.CreateDirectory(Path.Combine(folder, "vae"));
            File.WriteAllText(Path.Combine(folder, "vae", "config.json"), """{"scaling_factor": 0.13025, "block_out_channels": [8, 8]}""");
            using (var fromVae = new OnnxStableDiffusionBackend(folder))
            {
                Assert.AreEqual(0.13025f, fromVae.ScalingFactor);
                Assert.AreEqual(2, fromVae.VaeScaleFactor);
            }

            File.WriteAllText(Path.Combine(folder, "vae", "config.json"), """{"block_out_channels": [8, 8]}""");
            using var defaulted = new OnnxStableDiffusionBackend(folder);
            Assert.AreEqual(OnnxStableDiffusionBackend.DefaultScalingFactor, defaulted.ScalingFactor);
            Assert.IsTrue(defaulted.LoadNotes.Any(n => n.Contains("default")), string.Join("\n", defaulted.LoadNotes));
        }
        finally
        {
            Directory.Delete(folder, true);
        }
    }

    [TestMethod]
    public void UNetTiming_ReportsMillisecondsPerCall()
    {
        var timing = OnnxStableDiffusionBenchmark.TimeUNet(TinyFolders.Get(), batchSize: 2, iterations: 2);

        Assert.AreEqual(2, timing.BatchSize);
        Assert.AreEqual("CPUExecutionProvider", timing.ExecutionProvider);
        Assert.IsTrue(timing.MillisecondsPerCall > 0 && double.IsFinite(timing.MillisecondsPerCall));
        Assert.AreEqual(8, timing.LatentHeight);
    }
}
