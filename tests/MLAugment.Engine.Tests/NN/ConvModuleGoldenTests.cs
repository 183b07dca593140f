using MLAugment.Engine.NN;

namespace MLAugment.Engine.Tests.NN;

/// <summary>Convolutions against PyTorch, and a diffusers-shaped block whose names and sizes must equal torch's.</summary>
[TestClass]
public sealed class ConvModuleGoldenTests
{
    private static Tensor Output(System.Text.Json.JsonElement c) => NNGolden.Tensor(c.GetProperty("output"));

    private static int Cfg(System.Text.Json.JsonElement c, string key) => c.GetProperty("config").GetProperty(key).GetInt32();

    [TestMethod]
    public void Conv2dStridedGroupedAndDilatedMatchTorch()
    {
        foreach (var name in new[] { "conv2d", "conv2d_dilated" })
        {
            var c = NNGolden.Case(name);
            var m = NNGolden.Loaded(new Conv2d(Cfg(c, "cin"), Cfg(c, "cout"), Cfg(c, "k"), new Generator(0), stride: Cfg(c, "stride"),
                padding: Cfg(c, "padding"), dilation: Cfg(c, "dilation"), groups: Cfg(c, "groups"),
                bias: c.GetProperty("config").GetProperty("bias").GetBoolean()), c);
            NNGolden.AssertClose(Output(c), m.Forward(NNGolden.Input(c)), what: name);
        }
    }

    [TestMethod]
    public void ConvTranspose2dWithOutputPaddingAndGroupsMatchesTorch()
    {
        var c = NNGolden.Case("conv_transpose2d");
        var m = NNGolden.Loaded(new ConvTranspose2d(Cfg(c, "cin"), Cfg(c, "cout"), Cfg(c, "k"), new Generator(0), stride: Cfg(c, "stride"),
            padding: Cfg(c, "padding"), outputPadding: Cfg(c, "output_padding"), groups: Cfg(c, "groups")), c);
        NNGolden.AssertClose(Output(c), m.Forward(NNGolden.Input(c)));
    }

    [TestMethod]
    public void ConvInitUsesFanInOfTheWeightLayout()
    {
        var conv = new Conv2d(4, 8, 3, new Generator(1));
        float bound = 1f / MathF.Sqrt(4 * 9);
        Assert.IsTrue(conv.Weight.ToArray().All(v => MathF.Abs(v) <= bound) && conv.Bias!.ToArray().All(v => MathF.Abs(v) <= bound));
        var up = new ConvTranspose2d(8, 4, 4, new Generator(1), stride: 2, padding: 1);
        CollectionAssert.AreEqual(new[] { 8, 4, 4, 4 }, up.Weight.Shape.ToArray());
        float upBound = 1f / MathF.Sqrt(4 * 16); // torch takes fan-in from dim 1 even for transposed weights
        Assert.IsTrue(up.Weight.ToArray().All(v => MathF.Abs(v) <= upBound) && up.Weight.ToArray().Max() > 0.9f * upBound);
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => new Conv2d(4, 6, 3, new Generator(1), groups: 4)).Message, "divisible by groups");
    }

    private sealed class ResnetBlock : Module
    {
        public ResnetBlock(int cin, int cout, Generator g)
        {
            RegisterModule("norm1", new GroupNorm(2, cin));
            RegisterModule("conv1", new Conv2d(cin, cout, 3, g, padding: 1));
            RegisterModule("norm2", new GroupNorm(2, cout));
            RegisterModule("conv2", new Conv2d(cout, cout, 3, g, padding: 1));
            RegisterModule<Module>("shortcut", cin != cout ? new Conv2d(cin, cout, 1, g) : new Identity());
        }
    }

    private sealed class TinyUNetLike : Module
    {
        public TinyUNetLike(Generator g)
        {
            RegisterModule("time_embed", new Sequential(new Linear(8, 16, g), new SiLU(), new Linear(16, 16, g)));
            RegisterModule("down", new ModuleList<ResnetBlock>(new ResnetBlock(4, 8, g), new ResnetBlock(8, 8, g)));
            RegisterModule("attn", new MultiheadAttention(8, 2, g));
            RegisterModule("bn", new BatchNorm2d(8));
            RegisterModule("up", new ConvTranspose2d(8, 4, 4, g, stride: 2, padding: 1));
            RegisterModule("emb", new Embedding(10, 8, g));
            RegisterModule("ln", new LayerNorm(8));
        }
    }

    [TestMethod]
    public void NestedModelHasTorchsParameterNamesShapesAndCount()
    {
        var m = new TinyUNetLike(new Generator(0));
        var golden = NNGolden.UNetLike;
        string Row(string name, int[] shape) => $"{name} {ShapeUtil.Format(shape)}";
        var expectedParams = golden.GetProperty("parameters").EnumerateArray()
            .Select(r => Row(r[0].GetString()!, r[1].EnumerateArray().Select(v => v.GetInt32()).ToArray())).ToArray();
        var expectedState = golden.GetProperty("state_dict").EnumerateArray()
            .Select(r => Row(r[0].GetString()!, r[1].EnumerateArray().Select(v => v.GetInt32()).ToArray())).ToArray();
        CollectionAssert.AreEqual(expectedParams, m.NamedParameters().Select(p => Row(p.Name, p.Parameter.Shape.ToArray())).ToArray());
        CollectionAssert.AreEqual(expectedState, m.StateDict().Select(kv => Row(kv.Key, kv.Value.Shape.ToArray())).ToArray());
        Assert.AreEqual(golden.GetProperty("parameter_count").GetInt64(), m.ParameterCount);
    }
}
