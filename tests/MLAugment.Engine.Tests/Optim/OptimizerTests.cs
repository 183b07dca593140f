using MLAugment.Engine.NN;
using MLAugment.Engine.Optim;

namespace MLAugment.Engine.Tests.Optim;

[TestClass]
public sealed class OptimizerTests
{
    private static Sequential Mlp(int seed) =>
        new(new Linear(2, 16, new Generator(seed)), new SiLU(), new Linear(16, 16, new Generator(seed + 100)), new SiLU(),
            new Linear(16, 1, new Generator(seed + 200)));

    /// <summary>XOR-like quadrants with a margin: label +1 when x·y > 0. Needs the hidden layer; separable by it.</summary>
    private static (Tensor X, Tensor Y) Quadrants(int n, int seed)
    {
        var g = new Generator(seed);
        var x = new float[n * 2]; var y = new float[n];
        for (int i = 0; i < n; i++)
        {
            float a = (g.NextUniform() * 0.8f + 0.2f) * (g.NextUniform() < 0.5f ? -1 : 1);
            float b = (g.NextUniform() * 0.8f + 0.2f) * (g.NextUniform() < 0.5f ? -1 : 1);
            x[2 * i] = a; x[2 * i + 1] = b; y[i] = a * b > 0 ? 1f : -1f;
        }
        return (Tensor.FromArray(x, n, 2), Tensor.FromArray(y, n, 1));
    }

    /// <summary>Logistic loss mean(softplus(−y·f(x))) for labels ±1.</summary>
    private static Tensor Loss(Module<Tensor, Tensor> model, Tensor x, Tensor y) => (model.Forward(x) * y).Neg().Softplus().Mean();

    [TestMethod]
    public void TinyMlpTrainedWithAdamWSeparatesTheToySet()
    {
        var model = Mlp(1);
        var (x, y) = Quadrants(128, 5);
        var opt = new AdamW(model.NamedParameters(), lr: 0.03, weightDecay: 1e-4);
        float first = 0, last = 0;
        for (int step = 0; step < 300; step++)
        {
            using var scope = TensorScope.Begin();
            opt.ZeroGrad();
            var loss = Loss(model, x, y);
            loss.Backward();
            opt.Step();
            if (step == 0) first = loss.Item();
            last = loss.Item();
        }
        Assert.IsTrue(last < 0.1f * first, $"loss {first} -> {last}");
        using (Autograd.Autograd.NoGrad())
        {
            var (tx, ty) = Quadrants(200, 6);
            var f = model.Forward(tx).ToArray();
            var labels = ty.ToArray();
            int correct = f.Zip(labels).Count(p => MathF.Sign(p.First) == p.Second);
            Assert.AreEqual(200, correct, $"held-out accuracy {correct}/200");
        }
    }

    /// <summary>
    /// Trains <paramref name="steps"/> steps from the given state with AdamW + cosine schedule + EMA on a fixed
    /// batch sequence starting at <paramref name="fromStep"/>.
    /// </summary>
    private static void Train(Sequential model, AdamW opt, LRScheduler sched, ExponentialMovingAverage ema, int fromStep, int steps)
    {
        for (int s = fromStep; s < fromStep + steps; s++)
        {
            using var scope = TensorScope.Begin();
            var (x, y) = Quadrants(16, 1000 + s);
            opt.ZeroGrad();
            Loss(model, x, y).Backward();
            GradClipping.ClipGradNorm(model.Parameters(), 0.5f);
            opt.Step();
            sched.Step();
            ema.Step();
        }
    }

    [TestMethod]
    public void ResumingFromSavedStateContinuesBitForBit()
    {
        (Sequential, AdamW, LRScheduler, ExponentialMovingAverage) Setup(int seed)
        {
            var m = Mlp(seed);
            var o = new AdamW(m.NamedParameters(), lr: 0.01, amsGrad: true);
            var s = new CosineWithWarmupScheduler(o, warmupSteps: 3, totalSteps: 20);
            var e = new ExponentialMovingAverage(m.NamedParameters(), decay: 0.99);
            return (m, o, s, e);
        }

        var (model, opt, sched, ema) = Setup(1);
        Train(model, opt, sched, ema, 0, 8);
        var modelState = model.StateDict().ToDictionary(kv => kv.Key, kv => Optimizer.UnscopedCopy(kv.Value));
        var optState = opt.StateDict();
        var emaState = ema.StateDict();
        int schedStep = sched.LastStep;
        Train(model, opt, sched, ema, 8, 7);

        var (m2, o2, s2, e2) = Setup(99); // different init: everything must come from the saved state
        m2.LoadStateDict(modelState);
        o2.LoadStateDict(optState);
        s2.LastStep = schedStep;
        e2.LoadStateDict(emaState);
        Train(m2, o2, s2, e2, 8, 7);

        foreach (var ((name, a), (_, b)) in model.NamedParameters().Zip(m2.NamedParameters()))
            CollectionAssert.AreEqual(a.ToArray(), b.ToArray(), name);
        foreach (var ((name, a), (_, b)) in ema.ShadowParameters.Zip(e2.ShadowParameters))
            CollectionAssert.AreEqual(a.ToArray(), b.ToArray(), "ema " + name);
        Assert.AreEqual(opt.ParamGroups[0].Lr, o2.ParamGroups[0].Lr);
    }

    [TestMethod]
    public void SgdMomentumStateRoundTripsByName()
    {
        var a = Mlp(3); var b = Mlp(3);
        var oa = new SGD(a.NamedParameters(), lr: 0.1, momentum: 0.9, nesterov: true);
        var ob = new SGD(b.NamedParameters(), lr: 0.1, momentum: 0.9, nesterov: true);
        var (x, y) = Quadrants(8, 2);
        for (int i = 0; i < 3; i++) { oa.ZeroGrad(); Loss(a, x, y).Backward(); oa.Step(); }
        b.LoadStateDict(a.StateDict());
        ob.LoadStateDict(oa.StateDict());
        Assert.IsTrue(oa.StateDict().ContainsKey("state.0.weight.momentum_buffer"));
        for (int i = 0; i < 3; i++)
        {
            oa.ZeroGrad(); Loss(a, x, y).Backward(); oa.Step();
            ob.ZeroGrad(); Loss(b, x, y).Backward(); ob.Step();
        }
        CollectionAssert.AreEqual(a[4] is Linear la ? la.Weight.ToArray() : null, b[4] is Linear lb ? lb.Weight.ToArray() : null);
    }

    [TestMethod]
    public void LoadingForeignStateFailsWithTheOffendingKey()
    {
        var m = Mlp(1);
        var opt = new AdamW(m.NamedParameters());
        var ex = Assert.ThrowsExactly<ArgumentException>(() => opt.LoadStateDict(new Dictionary<string, Tensor> { ["state.nope.exp_avg"] = Tensor.Zeros(1) }));
        StringAssert.Contains(ex.Message, "state.nope.exp_avg");
        var bad = new Dictionary<string, Tensor>
        {
            ["state.0.bias.step"] = Tensor.Full(3f),
            ["state.0.bias.exp_avg"] = Tensor.Zeros(15),
            ["state.0.bias.exp_avg_sq"] = Tensor.Zeros(16),
        };
        ex = Assert.ThrowsExactly<ArgumentException>(() => opt.LoadStateDict(bad));
        StringAssert.Contains(ex.Message, "state.0.bias.exp_avg: expected [16], got [15]");
    }

    [TestMethod]
    public void WarmedUpOptimizerAndEmaStepsAllocateNothing()
    {
        var m = Mlp(1);
        var adam = new AdamW(m.NamedParameters(), amsGrad: true);
        var sgd = new SGD(m.NamedParameters(), lr: 0.01, momentum: 0.9, weightDecay: 1e-3);
        var ema = new ExponentialMovingAverage(m.NamedParameters());
        m.Forward(Quadrants(4, 1).X).Sum().Backward();
        adam.Step(); sgd.Step(); ema.Step();
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 5; i++) { adam.Step(); sgd.Step(); ema.Step(); }
        Assert.AreEqual(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [TestMethod]
    public void ParamGroupsOverrideLearningRateAndWeightDecay()
    {
        var decayed = Tensor.Ones(3); decayed.RequiresGrad = true;
        var exempt = Tensor.Ones(3); exempt.RequiresGrad = true;
        var opt = new AdamW(new[]
        {
            new ParamGroup(new[] { ("w", decayed) }),
            new ParamGroup(new[] { ("b", exempt) }, lr: 0.5, weightDecay: 0),
        }, lr: 0.1, weightDecay: 0.5);
        decayed.Grad = Tensor.Zeros(3); exempt.Grad = Tensor.Zeros(3);
        opt.Step();
        // Zero gradient: only decoupled decay moves the weights, p·(1 − lr·λ).
        Assert.AreEqual(1f - 0.1f * 0.5f, decayed.ToArray()[0], 1e-7f);
        Assert.AreEqual(1f, exempt.ToArray()[0]);
        Assert.AreEqual(0.5, opt.ParamGroups[1].Lr);
        var sched = new StepDecayScheduler(opt, stepSize: 1, gamma: 0.5);
        sched.Step();
        Assert.AreEqual(0.05, opt.ParamGroups[0].Lr, 1e-15);
        Assert.AreEqual(0.25, opt.ParamGroups[1].Lr, 1e-15);
    }

    [TestMethod]
    public void ParametersWithoutGradientsAreSkippedAndKeepNoState()
    {
        var used = Tensor.Ones(2); used.RequiresGrad = true;
        var unused = Tensor.Ones(2); unused.RequiresGrad = true;
        var opt = new SGD(new[] { ("used", used), ("unused", unused) }, lr: 0.1, momentum: 0.9);
        used.Grad = Tensor.Ones(2);
        opt.Step();
        CollectionAssert.AreEqual(new[] { 0.9f, 0.9f }, used.ToArray());
        CollectionAssert.AreEqual(new[] { 1f, 1f }, unused.ToArray());
        CollectionAssert.AreEqual(new[] { "state.used.momentum_buffer" }, opt.StateDict().Keys.ToArray());
    }

    [TestMethod]
    public void InvalidHyperparametersAreRejectedWithTheirName()
    {
        var p = Tensor.Ones(1); p.RequiresGrad = true;
        var named = new[] { ("p", p) };
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => new SGD(named, lr: 0.1, momentum: 0, nesterov: true)).Message, "Nesterov");
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new AdamW(named, beta1: 1.0)).Message, "beta1");
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => new AdamW(new[] { ("p", p), ("p", p) })).Message, "'p'");
    }

    [TestMethod]
    public void EmaStoreCopyToRestoreSwapsWeights()
    {
        var p = Tensor.Full(1f, 2); p.RequiresGrad = true;
        var frozen = Tensor.Full(5f, 1);
        var ema = new ExponentialMovingAverage(new[] { ("p", p), ("frozen", frozen) }, decay: 0.5);
        p.Span.Fill(3f); frozen.Span.Fill(6f);
        ema.Step(); // step 1: decay 0 -> shadow = params
        p.Span.Fill(5f);
        ema.Step(); // step 2: decay min(0.5, 2/11) = 2/11
        float expected = 3f - (1f - (float)(2.0 / 11.0)) * (3f - 5f);
        Assert.AreEqual(expected, ema.ShadowParameters.First().Shadow.ToArray()[0], 1e-6f);
        Assert.AreEqual(6f, ema.ShadowParameters.Last().Shadow.ToArray()[0], "frozen parameters are copied, not averaged");
        ema.Store();
        ema.CopyTo();
        Assert.AreEqual(expected, p.ToArray()[0], 1e-6f);
        ema.Restore();
        Assert.AreEqual(5f, p.ToArray()[0]);
        Assert.ThrowsExactly<InvalidOperationException>(() => ema.Restore());
    }
}
