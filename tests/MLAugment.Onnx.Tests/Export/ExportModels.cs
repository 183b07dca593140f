using MLAugment.Diffusion.Models;
using MLAugment.Diffusion.Schedulers;
using MLAugment.Engine;
using MLAugment.Engine.NN;
using MLAugment.Onnx.Format;
using MLAugment.Onnx.Runtime;
using AG = MLAugment.Engine.Autograd.Autograd;

namespace MLAugment.Onnx.Tests.Export;

/// <summary>Small engine models with random weights for export tests, and the comparison the tests share.</summary>
internal static class ExportModels
{
    public static readonly string[] Classes = ["T-shirt/top", "Trouser", "Sneaker"];

    public static UNetConfig TinyUNetConfig => new()
    {
        SampleSize = 4, InChannels = 2, OutChannels = 2, BlockOutChannels = [16, 32], AttentionLevels = [false, true],
        AttentionHeadDim = 16, NormNumGroups = 8, LayersPerBlock = 1, NumClassEmbeds = Classes.Length,
    };

    public static AutoencoderConfig TinyVaeConfig => new()
    {
        InChannels = 1, OutChannels = 1, LatentChannels = 2, BlockOutChannels = [8, 16, 16], NormNumGroups = 4, SampleSize = 16,
        LayersPerBlock = 1, ScalingFactor = 0.7f,
    };

    /// <summary>Adds N(0, <paramref name="std"/>²) to every parameter and buffer, so norms' affines and zero-initialized biases matter too.</summary>
    public static T Perturb<T>(T module, ulong seed, float std = 0.05f) where T : Module
    {
        var g = new Generator(seed);
        foreach (var (_, p) in module.NamedParameters())
        {
            var noise = new float[p.Length];
            g.FillNormal(noise, 0f, std);
            var s = p.Span;
            for (int i = 0; i < s.Length; i++) s[i] += noise[i];
        }
        module.Eval();
        return module;
    }

    public static LatentDiffusionModel TinyModel(ulong seed = 0)
    {
        var g = new Generator(seed);
        var unet = Perturb(new ConditionalUNet(TinyUNetConfig, g), seed + 1);
        var vae = Perturb(new Autoencoder(TinyVaeConfig with { SampleSize = 16 }, g), seed + 2);
        var scheduler = new SchedulerConfig { ClassName = "DDPMScheduler", NumTrainTimesteps = 1000, BetaSchedule = "linear", BetaStart = 0.0001, BetaEnd = 0.02 };
        return new LatentDiffusionModel(unet, vae, Classes, scheduler, new Dictionary<string, string[]> { ["Sneaker"] = ["trainer"] }, "tiny-export-test");
    }

    /// <summary>Runs <paramref name="model"/> on ORT with float and int64 inputs; returns the named output's values.</summary>
    public static float[] RunOrt(OnnxModel model, string output, params (string Name, object Data, long[] Shape)[] inputs)
    {
        using var session = OrtSession.Create(OnnxModelWriter.ToBytes(model));
        var values = inputs.Select(i => KeyValuePair.Create(i.Name, i.Data switch
        {
            float[] f => OrtValue.CreateTensor(f, i.Shape),
            long[] l => OrtValue.CreateTensor(l, i.Shape),
            _ => throw new ArgumentException(i.Data.GetType().Name),
        })).ToArray();
        try
        {
            using var outputs = session.Run(values, [output]);
            return outputs[0].ToArray<float>();
        }
        finally
        {
            foreach (var v in values) v.Value.Dispose();
        }
    }

    /// <summary>max|a − b| / max|b|: the error relative to the reference's scale.</summary>
    public static double MaxRelativeError(ReadOnlySpan<float> actual, ReadOnlySpan<float> reference)
    {
        Assert.AreEqual(reference.Length, actual.Length, "element count");
        double maxDiff = 0, maxRef = 0;
        for (int i = 0; i < reference.Length; i++)
        {
            Assert.IsTrue(float.IsFinite(actual[i]), $"element {i} is {actual[i]}");
            maxDiff = Math.Max(maxDiff, Math.Abs(actual[i] - reference[i]));
            maxRef = Math.Max(maxRef, Math.Abs(reference[i]));
        }
        Assert.IsGreaterThan(0.0, maxRef, "the reference output is all zeros; the comparison would prove nothing");
        return maxDiff / maxRef;
    }

    public static float[] Engine(Func<Tensor> forward)
    {
        using var noGrad = AG.NoGrad();
        return forward().Span.ToArray();
    }
}
