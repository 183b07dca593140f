using MLAugment.Engine.NN;

namespace MLAugment.Engine.Tests.NN;

[TestClass]
public sealed class ModuleTests
{
    /// <summary>A small nested model: the names below are what PyTorch would call the same structure.</summary>
    private sealed class Block : Module<Tensor, Tensor>
    {
        public readonly Linear Fc1, Fc2;
        public Block(int dim, Generator g)
        {
            Fc1 = RegisterModule("fc1", new Linear(dim, 2 * dim, g));
            Fc2 = RegisterModule("fc2", new Linear(2 * dim, dim, g, bias: false));
        }
        public override Tensor Forward(Tensor x) => x + Fc2.Forward(Fc1.Forward(x).Silu());
    }

    private sealed class Net : Module<Tensor, Tensor>
    {
        public readonly Sequential Stem;
        public readonly ModuleList<Block> Down;
        public readonly Linear Head;
        public readonly Tensor Scale;
        public readonly Tensor Counter, Scratch;

        public Net(Generator g, int dim = 4, int headOut = 3)
        {
            Stem = RegisterModule("stem", new Sequential(new Linear(2, dim, g), new SiLU()));
            Down = RegisterModule("down", new ModuleList<Block>(new Block(dim, g), new Block(dim, g)));
            Head = RegisterModule("head", new Linear(dim, headOut, g));
            Scale = RegisterParameter("scale", Init.Ones(Parameter.Create(1)));
            Counter = RegisterBuffer("counter", Tensor.Unscoped(1));
            Scratch = RegisterBuffer("scratch", Tensor.Unscoped(2), persistent: false);
        }

        public override Tensor Forward(Tensor x)
        {
            var h = Stem.Forward(x);
            foreach (var b in Down) h = b.Forward(h);
            return Head.Forward(h) * Scale;
        }
    }

    [TestMethod]
    public void ParameterNamesAreDottedLikePyTorchStateDictKeys()
    {
        var net = new Net(new Generator(1));
        CollectionAssert.AreEqual(new[]
        {
            "scale",
            "stem.0.weight", "stem.0.bias",
            "down.0.fc1.weight", "down.0.fc1.bias", "down.0.fc2.weight",
            "down.1.fc1.weight", "down.1.fc1.bias", "down.1.fc2.weight",
            "head.weight", "head.bias",
        }, net.NamedParameters().Select(p => p.Name).ToArray());
        // A module's own parameters, then its buffers, then children; non-persistent buffers are not state.
        CollectionAssert.AreEqual(new[] { "scale", "counter", "stem.0.weight" }, net.StateDict().Keys.Take(3).ToArray());
        Assert.IsFalse(net.StateDict().ContainsKey("scratch"));
        Assert.AreEqual(1 + (2 * 4 + 4) + 2 * (4 * 8 + 8 + 8 * 4) + (4 * 3 + 3), net.ParameterCount);
        Assert.IsTrue(net.Parameters().All(p => p.RequiresGrad));
    }

    [TestMethod]
    public void SharedParametersAreListedOnce()
    {
        var g = new Generator(3);
        var shared = new Linear(2, 2, g);
        var seq = new Sequential(shared, new ReLU(), shared);
        CollectionAssert.AreEqual(new[] { "0.weight", "0.bias" }, seq.NamedParameters().Select(p => p.Name).ToArray());
        Assert.AreEqual(4, seq.StateDict().Count); // state dicts keep every alias, as torch's do
    }

    [TestMethod]
    public void StateDictRoundTripReproducesTheModel()
    {
        var a = new Net(new Generator(1));
        var b = new Net(new Generator(2));
        var x = GradCheck.Randn(5, 6, 2);
        CollectionAssert.AreNotEqual(a.Forward(x).ToArray(), b.Forward(x).ToArray());
        a.Counter.Span[0] = 42f;
        var result = b.LoadStateDict(a.StateDict());
        CollectionAssert.AreEqual(a.Forward(x).ToArray(), b.Forward(x).ToArray());
        Assert.AreEqual(42f, b.Counter.Span[0]);
        Assert.AreEqual(0, result.MissingKeys.Count + result.UnexpectedKeys.Count);
    }

    [TestMethod]
    public void StrictLoadNamesMissingUnexpectedAndMismatchedKeys()
    {
        var net = new Net(new Generator(1));
        var sd = new Net(new Generator(2)).StateDict();
        sd.Remove("down.1.fc2.weight");
        sd["down.7.fc1.weight"] = Tensor.Zeros(8, 4);
        var ex = Assert.ThrowsExactly<ArgumentException>(() => net.LoadStateDict(sd));
        StringAssert.Contains(ex.Message, "missing keys: down.1.fc2.weight");
        StringAssert.Contains(ex.Message, "unexpected keys: down.7.fc1.weight");

        var wrong = new Net(new Generator(2), headOut: 5).StateDict();
        var before = net.Head.Weight.ToArray();
        ex = Assert.ThrowsExactly<ArgumentException>(() => net.LoadStateDict(wrong, strict: false));
        StringAssert.Contains(ex.Message, "head.weight: expected [3, 4], got [5, 4]");
        StringAssert.Contains(ex.Message, "head.bias: expected [3], got [5]");
        CollectionAssert.AreEqual(before, net.Head.Weight.ToArray(), "a failed load must not change anything");
    }

    [TestMethod]
    public void NonStrictLoadReportsWhatItSkipped()
    {
        var net = new Net(new Generator(1));
        var sd = new Net(new Generator(2)).StateDict();
        sd.Remove("head.bias");
        sd["extra"] = Tensor.Zeros(1);
        var r = net.LoadStateDict(sd, strict: false);
        CollectionAssert.AreEqual(new[] { "head.bias" }, r.MissingKeys.ToArray());
        CollectionAssert.AreEqual(new[] { "extra" }, r.UnexpectedKeys.ToArray());
        CollectionAssert.AreEqual(sd["head.weight"].ToArray(), net.Head.Weight.ToArray());
    }

    [TestMethod]
    public void TrainAndEvalPropagateToEveryDescendant()
    {
        var net = new Net(new Generator(1));
        Assert.IsTrue(net.NamedModules().All(m => m.Module.Training));
        net.Eval();
        Assert.IsTrue(net.NamedModules().All(m => !m.Module.Training));
        Assert.IsFalse(net.Down[1].Fc2.Training);
        net.Train();
        Assert.IsTrue(net.Down[1].Fc2.Training);
    }

    [TestMethod]
    public void ZeroGradClearsAccumulatedGradients()
    {
        var net = new Net(new Generator(1));
        net.Forward(GradCheck.Randn(1, 3, 2)).Sum().Backward();
        Assert.IsTrue(net.Parameters().All(p => p.Grad != null));
        Assert.IsTrue(net.Parameters().Any(p => p.Grad!.ToArray().Any(v => v != 0)));
        net.ZeroGrad();
        Assert.IsTrue(net.Parameters().All(p => p.Grad!.ToArray().All(v => v == 0)));
    }

    [TestMethod]
    public void ParametersSurviveTheStepScope()
    {
        var net = new Net(new Generator(1));
        using (TensorScope.Begin())
        {
            net.Forward(GradCheck.Randn(1, 3, 2)).Sum().Backward();
        }
        Assert.AreEqual(12, net.Head.Weight.ToArray().Length); // still readable: parameters and grads are unscoped
        Assert.IsNotNull(net.Head.Weight.Grad!.ToArray());
    }

    private sealed class BadModule : Module
    {
        public BadModule(int variant)
        {
            var p = Parameter.Create(2);
            RegisterParameter("w", p);
            if (variant == 0) RegisterParameter("w", Parameter.Create(1));
            if (variant == 1) RegisterParameter("a.b", Parameter.Create(1));
            if (variant == 2) using (TensorScope.Begin()) RegisterParameter("scoped", Tensor.Zeros(2));
            if (variant == 3) RegisterParameter("derived", p * 2f);
        }
    }

    [TestMethod]
    public void RegistrationRejectsDuplicateDottedScopedAndNonLeafTensors()
    {
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => new BadModule(0)).Message, "already registered");
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => new BadModule(1)).Message, "'a.b'");
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => new BadModule(2)).Message, "TensorScope");
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => new BadModule(3)).Message, "leaf");
    }

    [TestMethod]
    public void LinearInitFollowsPyTorchDefaultsAndTheSeed()
    {
        var a = new Linear(64, 32, new Generator(7));
        float bound = 1f / MathF.Sqrt(64);
        var w = a.Weight.ToArray();
        Assert.IsTrue(w.All(v => MathF.Abs(v) <= bound));
        Assert.IsTrue(w.Max() > 0.95f * bound && w.Min() < -0.95f * bound, "uniform fills the whole ±1/√fan_in range");
        Assert.IsTrue(a.Bias!.ToArray().All(v => MathF.Abs(v) <= bound));
        CollectionAssert.AreEqual(w, new Linear(64, 32, new Generator(7)).Weight.ToArray());
        CollectionAssert.AreNotEqual(w, new Linear(64, 32, new Generator(8)).Weight.ToArray());
    }

    [TestMethod]
    public void FanInAndKaimingBoundsMatchTorchInitFormulas()
    {
        Assert.AreEqual((3 * 9, 16 * 9), Init.FanInAndFanOut(new[] { 16, 3, 3, 3 }));
        var t = Tensor.Unscoped(100, 50);
        Init.KaimingUniform(t, new Generator(1), a: 0); // ReLU gain √2: bound √6/√50
        float bound = MathF.Sqrt(6f / 50f);
        Assert.IsTrue(t.ToArray().All(v => MathF.Abs(v) <= bound) && t.ToArray().Max() > 0.95f * bound);
        Init.XavierUniform(t, new Generator(1));
        float xb = MathF.Sqrt(6f / 150f);
        Assert.IsTrue(t.ToArray().All(v => MathF.Abs(v) <= xb) && t.ToArray().Max() > 0.95f * xb);
        Assert.ThrowsExactly<ArgumentException>(() => Init.FanInAndFanOut(new[] { 5 }));
    }

    [TestMethod]
    public void SetRequiresGradFreezesAllParameters()
    {
        var net = new Net(new Generator(1));
        net.SetRequiresGrad(false);
        Assert.IsTrue(net.Parameters().All(p => !p.RequiresGrad));
        Assert.IsFalse(net.Forward(GradCheck.Randn(1, 3, 2)).RequiresGrad);
    }
}
