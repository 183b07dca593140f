using MLAugment.Engine;
using MLAugment.Engine.NN;
using MLAugment.Onnx.Export;
using MLAugment.Onnx.Format;
using static MLAugment.Onnx.Tests.Export.ExportModels;

namespace MLAugment.Onnx.Tests.Export;

/// <summary>Engine layer stacks exported with <see cref="OnnxModuleExporter"/> run on ORT with the engine's results.</summary>
[TestClass]
public sealed class OnnxModuleExporterTests
{
    // A small CNN classifier over 8×8 single-channel images: 10 logits as [B, 10, 1, 1].
    private static Sequential Classifier(ulong seed)
    {
        var g = new Generator(seed);
        var bn = new BatchNorm2d(8);
        g.FillNormal(bn.RunningMean!.Span, 0f, 0.3f);
        g.FillUniform(bn.RunningVar!.Span, 0.5f, 2f);
        var model = new Sequential(
            new Conv2d(1, 8, 3, g, stride: 2, padding: 1),        // 4×4
            bn,
            new SiLU(),
            new ConvTranspose2d(8, 8, 3, g, stride: 2, padding: 1, outputPadding: 1), // 8×8
            new ReLU(),
            new Conv2d(8, 16, 3, g, stride: 2, padding: 1, groups: 2), // 4×4
            new GroupNorm(4, 16),
            new GELU(),
            new Dropout(0.5f, g),
            new Conv2d(16, 16, 3, g, stride: 2, padding: 2, dilation: 2), // 2×2
            new Identity(),
            new Conv2d(16, 10, 2, g));                              // 1×1
        return Perturb(model, seed + 1);
    }

    [TestMethod]
    public void CnnClassifier_OnOrt_HasTheEnginesArgmaxForEveryImage()
    {
        var model = Classifier(1);
        const int batch = 16;
        var images = Tensor.Randn(new Generator(2), batch, 1, 8, 8);
        var expected = ExportModels.Engine(() => model.Forward(images));

        var onnx = OnnxModuleExporter.Export(model, [1, 1, 8, 8]);
        var actual = RunOrt(onnx, "output", ("input", images.Span.ToArray(), [batch, 1, 8, 8]));

        Assert.IsLessThanOrEqualTo(1e-4, MaxRelativeError(actual, expected));
        for (int b = 0; b < batch; b++)
            Assert.AreEqual(ArgMax(expected.AsSpan(b * 10, 10)), ArgMax(actual.AsSpan(b * 10, 10)), $"image {b}");
    }

    [TestMethod]
    public void Export_DeclaresASymbolicBatchAndTheShapesOfTheExample()
    {
        var onnx = OnnxModuleExporter.Export(Classifier(3), [1, 1, 8, 8], new OnnxExportOptions { InputName = "pixels", OutputName = "logits" });

        Assert.AreEqual("pixels: Float[batch, 1, 8, 8]", onnx.Graph.Inputs.Single().ToString());
        Assert.AreEqual("logits: Float[batch, 10, 1, 1]", onnx.Graph.Outputs.Single().ToString());
        Assert.AreEqual(17, onnx.OpsetImports.Single().Version);
    }

    [TestMethod]
    public void TokenModel_WithLinearLayerNormAttentionAndGelus_MatchesOnOrt()
    {
        var g = new Generator(5);
        var model = Perturb(new Sequential(
            new Linear(6, 8, g),
            new LayerNorm(8),
            new MultiheadAttention(8, 2, g),
            new GELU(tanhApproximation: true),
            new LayerNorm([4, 8], elementwiseAffine: false),
            new Linear(8, 3, g, bias: false)), 6);
        var tokens = Tensor.Randn(new Generator(7), 3, 4, 6);
        var expected = ExportModels.Engine(() => model.Forward(tokens));

        var actual = RunOrt(OnnxModuleExporter.Export(model, [1, 4, 6]), "output", ("input", tokens.Span.ToArray(), [3, 4, 6]));

        Assert.IsLessThanOrEqualTo(1e-4, MaxRelativeError(actual, expected));
    }

    [TestMethod]
    public void GroupNormOverFeatureVectors_AndWithoutAffine_MatchesOnOrt()
    {
        var g = new Generator(13);
        var model = Perturb(new Sequential(new Linear(5, 12, g), new GroupNorm(3, 12), new SiLU(), new GroupNorm(4, 12, affine: false)), 14);
        var x = Tensor.Randn(new Generator(15), 4, 5);
        var expected = ExportModels.Engine(() => model.Forward(x));

        var actual = RunOrt(OnnxModuleExporter.Export(model, [1, 5]), "output", ("input", x.Span.ToArray(), [4, 5]));

        Assert.IsLessThanOrEqualTo(1e-4, MaxRelativeError(actual, expected));
    }

    [TestMethod]
    public void Export_WritesExternalWeightsThatOrtLoads()
    {
        var model = Classifier(8);
        var images = Tensor.Randn(new Generator(9), 2, 1, 8, 8);
        var expected = ExportModels.Engine(() => model.Forward(images));
        string dir = TestModels.TempDirectory();
        try
        {
            string path = Path.Combine(dir, "classifier.onnx");
            OnnxModelWriter.Save(OnnxModuleExporter.Export(model, [1, 1, 8, 8]), path, new OnnxExternalDataOptions { FileName = "classifier.weights" });
            Assert.IsTrue(File.Exists(Path.Combine(dir, "classifier.weights")));
            Assert.IsTrue(OnnxModelReader.Load(path).Graph.Initializers.Any(t => t.ExternalData is not null));

            using var session = MLAugment.Onnx.Runtime.OrtSession.Create(path);
            using var input = MLAugment.Onnx.Runtime.OrtValue.CreateTensor(images.Span.ToArray(), [2, 1, 8, 8]);
            using var outputs = session.Run(("input", input));
            Assert.IsLessThanOrEqualTo(1e-4, MaxRelativeError(outputs[0].ToArray<float>(), expected));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    private sealed class Flatten : Module<Tensor, Tensor>
    {
        public override Tensor Forward(Tensor input) => input.Reshape(input.Shape[0], -1);
    }

    [TestMethod]
    public void UnknownModule_FailsNamingItsPathAndType_UntilAnEmitterIsRegistered()
    {
        var g = new Generator(10);
        var model = new Sequential(new Conv2d(1, 2, 3, g, padding: 1), new Flatten(), new Linear(2 * 4 * 4, 3, g));

        var e = Assert.ThrowsExactly<NotSupportedException>(() => OnnxModuleExporter.Export(model, [1, 1, 4, 4]));
        StringAssert.Contains(e.Message, "'1'");
        StringAssert.Contains(e.Message, "Flatten");

        var emitters = OnnxModuleEmitters.CreateDefault()
            .Register<Flatten>((c, m, path, x) => c.Op("Flatten", [x], OnnxAttribute.Int("axis", 1)));
        var images = Tensor.Randn(new Generator(11), 2, 1, 4, 4);
        var expected = ExportModels.Engine(() => model.Forward(images));
        var actual = RunOrt(OnnxModuleExporter.Export(model, [1, 1, 4, 4], new OnnxExportOptions { Emitters = emitters }), "output",
            ("input", images.Span.ToArray(), [2, 1, 4, 4]));
        Assert.IsLessThanOrEqualTo(1e-4, MaxRelativeError(actual, expected));
    }

    [TestMethod]
    public void ModelsInTrainingMode_AreRefused()
    {
        var model = new Sequential(new Conv2d(1, 2, 3, new Generator(12), padding: 1), new BatchNorm2d(2));
        var e = Assert.ThrowsExactly<NotSupportedException>(() => OnnxModuleExporter.Export(model, [1, 1, 4, 4]));
        StringAssert.Contains(e.Message, "BatchNorm2d '1'");
        StringAssert.Contains(e.Message, "Eval()");
    }

    private static int ArgMax(ReadOnlySpan<float> values)
    {
        int best = 0;
        for (int i = 1; i < values.Length; i++) if (values[i] > values[best]) best = i;
        return best;
    }
}
