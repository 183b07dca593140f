using MLAugment.Engine.NN;

namespace MLAugment.Engine.Tests.NN;

/// <summary>Gradients reach every parameter of every module kind, and match finite differences through attention.</summary>
[TestClass]
public sealed class ModuleGradientTests
{
    private sealed class TokenModel : Module
    {
        public readonly Embedding Emb;
        public readonly LayerNorm Norm;
        public readonly MultiheadAttention Attn;
        public readonly Dropout Drop;
        public readonly Linear Head;

        public TokenModel(Generator g)
        {
            Emb = RegisterModule("emb", new Embedding(7, 8, g));
            Norm = RegisterModule("norm", new LayerNorm(8));
            Attn = RegisterModule("attn", new MultiheadAttention(8, 2, g));
            Drop = RegisterModule("drop", new Dropout(0.1f, g.Fork(1)));
            Head = RegisterModule("head", new Linear(8, 3, g));
        }

        public Tensor Forward(int[] ids, int batch, int len, Tensor padding)
        {
            var h = Norm.Forward(Emb.Forward(ids, batch, len));
            h = h + Drop.Forward(Attn.Forward(h, h, h, keyPaddingMask: padding));
            return Head.Forward(h);
        }
    }

    private sealed class ImageModel : Module<Tensor, Tensor>
    {
        public readonly Conv2d Down;
        public readonly GroupNorm GN;
        public readonly BatchNorm2d BN;
        public readonly ConvTranspose2d Up;
        public ImageModel(Generator g)
        {
            Down = RegisterModule("down", new Conv2d(3, 4, 3, g, stride: 2, padding: 1));
            GN = RegisterModule("gn", new GroupNorm(2, 4));
            BN = RegisterModule("bn", new BatchNorm2d(4));
            Up = RegisterModule("up", new ConvTranspose2d(4, 3, 4, g, stride: 2, padding: 1));
        }
        public override Tensor Forward(Tensor x) => Up.Forward(BN.Forward(GN.Forward(Down.Forward(x)).Silu()));
    }

    [TestMethod]
    public void EveryParameterReceivesAGradient()
    {
        var tokens = new TokenModel(new Generator(5));
        var padding = Tensor.FromArray(new float[] { 0, 0, 0, 0, 0, 0, 1, 1 }, 2, 4);
        var w = GradCheck.Randn(9, 2, 4, 3);
        (tokens.Forward(new[] { 1, 2, 3, 4, 5, 6, 0, 0 }, 2, 4, padding) * w).Sum().Backward();
        foreach (var (name, p) in tokens.NamedParameters())
        {
            Assert.IsNotNull(p.Grad, name);
            Assert.IsTrue(p.Grad!.ToArray().All(float.IsFinite), $"{name} gradient is finite despite -inf padding");
            if (name != "emb.weight") Assert.IsTrue(p.Grad.ToArray().Any(v => v != 0), $"{name} gradient is nonzero");
        }
        var embGrad = tokens.Emb.Weight.Grad!;
        Assert.IsTrue(Enumerable.Range(0, 8).All(j => embGrad[0, j] != 0), "id 0 was used (padded positions still have outputs)");

        var image = new ImageModel(new Generator(6));
        var y = image.Forward(GradCheck.Randn(3, 2, 3, 6, 6));
        CollectionAssert.AreEqual(new[] { 2, 3, 6, 6 }, y.Shape.ToArray());
        y.Square().Sum().Backward();
        foreach (var (name, p) in image.NamedParameters())
            Assert.IsTrue(p.Grad!.ToArray().Any(v => v != 0), $"{name} gradient is nonzero");
    }

    [TestMethod]
    public void CrossAttentionGradientsMatchFiniteDifferences()
    {
        var attn = new MultiheadAttention(4, 2, new Generator(2), kdim: 3, vdim: 3);
        var mask = Tensor.FromArray(new float[] { 0, -1, 0.5f, 0, 0, -2 }, 3, 2);
        GradCheck.Check(x => attn.Forward(x[0], x[1], x[1], attnMask: mask),
            new[] { GradCheck.Randn(1, 1, 3, 4), GradCheck.Randn(2, 1, 2, 3) });
    }
}
