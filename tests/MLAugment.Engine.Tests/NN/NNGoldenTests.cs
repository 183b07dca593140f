using MLAugment.Engine.NN;

namespace MLAugment.Engine.Tests.NN;

/// <summary>Modules load PyTorch state dicts strictly and reproduce PyTorch's forward pass.</summary>
[TestClass]
public sealed class NNGoldenTests
{
    [TestMethod]
    public void LinearMatchesTorch()
    {
        var c = NNGolden.Case("linear");
        var m = NNGolden.Loaded(new Linear(4, 3, new Generator(0)), c);
        NNGolden.AssertClose(NNGolden.Tensor(c.GetProperty("output")), m.Forward(NNGolden.Input(c)));
    }

    [TestMethod]
    public void SequentialMlpWithActivationsMatchesTorch()
    {
        var c = NNGolden.Case("mlp");
        var g = new Generator(0);
        var m = NNGolden.Loaded(new Sequential(new Linear(4, 8, g), new SiLU(), new Linear(8, 8, g), new GELU(), new Linear(8, 2, g), new ReLU()), c);
        NNGolden.AssertClose(NNGolden.Tensor(c.GetProperty("output")), m.Forward(NNGolden.Input(c)));
    }
}
