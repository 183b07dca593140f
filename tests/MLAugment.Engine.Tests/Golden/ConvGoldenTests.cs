using MLAugment.Engine;

namespace MLAugment.Engine.Tests.Golden;

/// <summary>
/// Convolution against PyTorch 1.13 (Golden/data/conv.json: conv2d with stride, padding, dilation, groups, with and
/// without bias; conv_transpose2d with stride, padding, output padding, dilation, groups). Forward within 1e-4 and
/// gradients w.r.t. input, weight and bias within 1e-3 (see <see cref="Golden"/>).
/// Rename to ConvGoldenTests.cs once F.Conv2d / F.ConvTranspose2d are wired to the kernels.
/// </summary>
[TestClass]
public sealed class ConvGoldenTests
{
    [TestMethod]
    public void Conv2dMatchesTorch() => Golden.Run("conv", c => c.Op != "conv2d" ? null
        : F.Conv2d(c.In("x"), c.In("w"), c.InOrNull("b"), c.Int("stride"), c.Int("padding"), c.Int("dilation"), c.Int("groups")));

    [TestMethod]
    public void ConvTranspose2dMatchesTorch() => Golden.Run("conv", c => c.Op != "conv_transpose2d" ? null
        : F.ConvTranspose2d(c.In("x"), c.In("w"), c.InOrNull("b"), c.Int("stride"), c.Int("padding"), c.Int("outputPadding"),
            c.Int("dilation"), c.Int("groups")));

    [TestMethod]
    public void Conv2dChannelMismatchNamesOpAndShapes()
    {
        var ex = Assert.ThrowsExactly<ArgumentException>(() => F.Conv2d(Tensor.Zeros(2, 3, 8, 8), Tensor.Zeros(16, 4, 3, 3), null));
        StringAssert.Contains(ex.Message, "Conv2d");
        StringAssert.Contains(ex.Message, "[2, 3, 8, 8]");
        StringAssert.Contains(ex.Message, "[16, 4, 3, 3]");
    }
}
