using MLAugment.Engine.Kernels;

namespace MLAugment.Engine.Tests.Kernels;

[TestClass]
public sealed class ChannelOpsTests
{
    [TestMethod]
    public void AddBiasAddsPerChannelAcrossImagesAndPixels()
    {
        // x: [n=2, c=2, spatial=3]
        var x = new float[] { 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11 };
        ChannelOps.AddBias(x, [100, -1], 2, 2, 3);
        CollectionAssert.AreEqual(new float[] { 100, 101, 102, 2, 3, 4, 106, 107, 108, 8, 9, 10 }, x);
    }

    [TestMethod]
    public void SumPerChannelIsTheBiasGradientAndOverwrites()
    {
        var x = new float[] { 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11 };
        var sums = new float[] { float.NaN, float.NaN };
        ChannelOps.SumPerChannel(x, sums, 2, 2, 3);
        CollectionAssert.AreEqual(new float[] { 0 + 1 + 2 + 6 + 7 + 8, 3 + 4 + 5 + 9 + 10 + 11 }, sums);
    }

    [TestMethod]
    public void RejectShortBuffers()
    {
        Assert.AreEqual("x", Assert.ThrowsExactly<ArgumentException>(() => ChannelOps.AddBias(new float[5], new float[2], 1, 2, 3)).ParamName);
        Assert.AreEqual("bias", Assert.ThrowsExactly<ArgumentException>(() => ChannelOps.AddBias(new float[6], new float[1], 1, 2, 3)).ParamName);
        Assert.AreEqual("sums", Assert.ThrowsExactly<ArgumentException>(() => ChannelOps.SumPerChannel(new float[6], new float[1], 1, 2, 3)).ParamName);
    }
}
