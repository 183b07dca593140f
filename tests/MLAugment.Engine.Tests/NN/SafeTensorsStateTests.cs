using MLAugment.Engine.IO;
using MLAugment.Engine.NN;
using MLAugment.Engine.Optim;

namespace MLAugment.Engine.Tests.NN;

[TestClass]
public sealed class SafeTensorsStateTests
{
    private sealed class Net : Module<Tensor, Tensor>
    {
        public readonly Linear A, B;
        public readonly Tensor Stat;
        public Net(Generator g, int hidden = 5)
        {
            A = RegisterModule("a", new Linear(3, hidden, g));
            B = RegisterModule("b", new Linear(hidden, 2, g));
            Stat = RegisterBuffer("stat", Tensor.Unscoped(2));
        }
        public override Tensor Forward(Tensor x) => B.Forward(A.Forward(x).Relu()) + Stat;
    }

    private static string TempFile() => Path.Combine(Path.GetTempPath(), $"mlaugment-nn-{Guid.NewGuid():N}.safetensors");

    [TestMethod]
    public void ModuleRoundTripsThroughSafeTensors()
    {
        var path = TempFile();
        try
        {
            var a = new Net(new Generator(1));
            a.Stat.Span.Fill(0.5f);
            a.SaveSafeTensors(path, new Dictionary<string, string> { ["format"] = "pt" });
            var b = new Net(new Generator(2));
            b.LoadSafeTensors(path);
            var x = GradCheck.Randn(3, 4, 3);
            CollectionAssert.AreEqual(a.Forward(x).ToArray(), b.Forward(x).ToArray());
            CollectionAssert.AreEqual(new[] { "a.bias", "a.weight", "b.bias", "b.weight", "stat" },
                StateDictFile.Load(path).Keys.OrderBy(k => k, StringComparer.Ordinal).ToArray());
        }
        finally { File.Delete(path); }
    }

    [TestMethod]
    public void LoadingAMismatchedFileNamesTheFileKeyAndShapes()
    {
        var path = TempFile();
        try
        {
            new Net(new Generator(1), hidden: 7).SaveSafeTensors(path);
            var net = new Net(new Generator(2));
            var before = net.A.Weight.ToArray();
            var ex = Assert.ThrowsExactly<ArgumentException>(() => net.LoadSafeTensors(path));
            StringAssert.Contains(ex.Message, Path.GetFileName(path));
            StringAssert.Contains(ex.Message, "a.weight: expected [5, 3], got [7, 3]");
            CollectionAssert.AreEqual(before, net.A.Weight.ToArray());
        }
        finally { File.Delete(path); }
    }

    [TestMethod]
    public void OptimizerStateRoundTripsThroughSafeTensors()
    {
        var path = TempFile();
        try
        {
            var net = new Net(new Generator(1));
            var opt = new AdamW(net.NamedParameters());
            net.Forward(GradCheck.Randn(1, 2, 3)).Sum().Backward();
            opt.Step();
            StateDictFile.Save(path, opt.StateDict());
            var opt2 = new AdamW(net.NamedParameters());
            opt2.LoadStateDict(StateDictFile.Load(path));
            foreach (var (k, v) in opt.StateDict())
                CollectionAssert.AreEqual(v.ToArray(), opt2.StateDict()[k].ToArray(), k);
        }
        finally { File.Delete(path); }
    }

    [TestMethod]
    public void LoadsATorchCheckpointWithHalfPrecisionBiases()
    {
        var c = NNGolden.Case("mlp_safetensors");
        var g = new Generator(0);
        var mlp = new Sequential(new Linear(4, 8, g), new SiLU(), new Linear(8, 2, g));
        var r = mlp.LoadSafeTensors(Path.Combine(AppContext.BaseDirectory, "NN", "mlp_checkpoint.safetensors"));
        Assert.AreEqual(0, r.MissingKeys.Count + r.UnexpectedKeys.Count);
        NNGolden.AssertClose(NNGolden.Tensor(c.GetProperty("output")), mlp.Forward(NNGolden.Input(c)));
    }
}
