using MLAugment.Engine.Kernels;
using static MLAugment.Engine.Tests.Kernels.Conv2dKernelsTests;

namespace MLAugment.Engine.Tests.Kernels;

[TestClass]
public sealed class Conv2dWinogradTests
{
    private static IEnumerable<Conv2dShape> Shapes() =>
    [
        new(3, 16, 8, 8, 16, 3, 3, padH: 1, padW: 1),       // whole 4x4 tiles, 12 tiles: one full and one half vector
        new(2, 19, 7, 9, 21, 3, 3, padH: 1, padW: 1),       // partial tiles both ways, channels not a multiple of 8
        new(1, 8, 4, 4, 5, 3, 3, padH: 1, padW: 1),         // one tile: seven empty lanes
        new(2, 5, 10, 6, 7, 3, 3),                          // unpadded: 8x4 output
        new(2, 3, 5, 5, 4, 3, 3, padH: 2, padW: 2),         // pad 2: 7x7 output
        new(5, 16, 4, 4, 24, 3, 3, padH: 1, padW: 0),       // asymmetric padding: 4x2 output
        new(4, 64, 8, 8, 64, 3, 3, padH: 1, padW: 1),       // the embedded UNet's 8x8 level
        new(4, 128, 4, 4, 128, 3, 3, padH: 1, padW: 1),     // and its 4x4 level
    ];

    [TestMethod]
    public void ForwardMatchesNaiveDefinitionWithAndWithoutBias()
    {
        var rng = new Random(7);
        foreach (var s in Shapes())
        {
            var x = Random(rng, s.InputLength); var w = Random(rng, s.WeightLength); var b = Random(rng, s.OutC);
            var gy = new float[s.OutputLength];
            foreach (bool withBias in new[] { true, false })
            {
                var (ey, _, _, _) = Reference(s, x, w, withBias ? b : null, gy);
                var y = new float[s.OutputLength];
                Array.Fill(y, float.NaN); // every output element is written
                Conv2dKernels.Forward(x, w, withBias ? b : ReadOnlySpan<float>.Empty, y, s, Conv2dAlgorithm.Winograd);
                AssertClose(ey, y, $"Winograd y (bias {withBias}) {s}", WinogradOfScale);
            }
        }
    }

    [TestMethod]
    public void AutoUsesWinogradWhereTilesHalveTheWorkAndIm2ColElsewhere()
    {
        var rng = new Random(11);
        var winogradShapes = new Conv2dShape[]
        {
            new(4, 192, 8, 8, 64, 3, 3, padH: 1, padW: 1), new(16, 128, 4, 4, 128, 3, 3, padH: 1, padW: 1),
            new(1, 128, 8, 8, 128, 3, 3, padH: 1, padW: 1),    // a single image too: the choice ignores the batch size
        };
        var im2colShapes = new Conv2dShape[]
        {
            new(16, 128, 2, 2, 128, 3, 3, padH: 1, padW: 1),   // one tile per 2x2 plane: no saving
            new(16, 64, 8, 8, 64, 3, 3, padH: 1, padW: 1),     // too few channels for the transforms to pay
            new(16, 256, 8, 8, 16, 3, 3, padH: 1, padW: 1),    // too few output channels
            new(4, 128, 8, 8, 128, 3, 3, strideH: 2, strideW: 2, padH: 1, padW: 1),
        };
        foreach (var (shapes, expected) in new[] { (winogradShapes, Conv2dAlgorithm.Winograd), (im2colShapes, Conv2dAlgorithm.Im2ColGemm) })
            foreach (var s in shapes)
            {
                var x = Random(rng, s.InputLength); var w = Random(rng, s.WeightLength); var b = Random(rng, s.OutC);
                var auto = new float[s.OutputLength]; var chosen = new float[s.OutputLength];
                Conv2dKernels.Forward(x, w, b, auto, s, Conv2dAlgorithm.Auto);
                Conv2dKernels.Forward(x, w, b, chosen, s, expected);
                CollectionAssert.AreEqual(chosen, auto, $"Auto should compute {s} by {expected}");
            }
    }

    [TestMethod]
    public void AutoInputGradientOfA3x3ConvRunsAsAWinogradConvAndMatchesTheDefinition()
    {
        var rng = new Random(5);
        var s = new Conv2dShape(2, 96, 8, 8, 128, 3, 3, padH: 1, padW: 1);
        var x = Random(rng, s.InputLength); var w = Random(rng, s.WeightLength); var gy = Random(rng, s.OutputLength);
        var (_, egx, _, _) = Reference(s, x, w, null, gy);
        var auto = new float[s.InputLength]; var im2col = new float[s.InputLength];
        Conv2dKernels.BackwardInput(gy, w, auto, s, Conv2dAlgorithm.Auto);
        Conv2dKernels.BackwardInput(gy, w, im2col, s, Conv2dAlgorithm.Im2ColGemm);
        AssertClose(egx, auto, "gx Auto", WinogradOfScale);
        AssertClose(egx, im2col, "gx Im2ColGemm");
        CollectionAssert.AreNotEqual(im2col, auto, "Auto should take the Winograd adjoint here, which rounds differently");
    }

    [TestMethod]
    public void AnImagesResultDoesNotDependOnTheBatchItCameIn()
    {
        // Auto decides by the image shape alone, and chunks, lanes and GEMM columns compute every tile alike.
        var rng = new Random(13);
        var batch = new Conv2dShape(37, 128, 8, 8, 96, 3, 3, padH: 1, padW: 1);
        var x = Random(rng, batch.InputLength); var w = Random(rng, batch.WeightLength); var b = Random(rng, batch.OutC);
        var all = new float[batch.OutputLength];
        Conv2dKernels.Forward(x, w, b, all, batch);
        int inLen = 128 * 8 * 8, outLen = 96 * 8 * 8;
        foreach (int n in new[] { 0, 9, 36 })
        {
            var one = new Conv2dShape(1, 128, 8, 8, 96, 3, 3, padH: 1, padW: 1);
            var y = new float[outLen];
            Conv2dKernels.Forward(x.AsSpan(n * inLen, inLen), w, b, y, one);
            CollectionAssert.AreEqual(all.AsSpan(n * outLen, outLen).ToArray(), y, $"image {n}");
        }
    }

    [TestMethod]
    public void ResultsAreBitIdenticalForOneAndTwoThreads()
    {
        var rng = new Random(3);
        var s = new Conv2dShape(6, 32, 8, 8, 40, 3, 3, padH: 1, padW: 1);
        var x = Random(rng, s.InputLength); var w = Random(rng, s.WeightLength); var b = Random(rng, s.OutC);
        int saved = EngineOptions.MaxDegreeOfParallelism;
        try
        {
            var outputs = new List<float[]>();
            foreach (int threads in new[] { 1, 2 })
            {
                EngineOptions.MaxDegreeOfParallelism = threads;
                var y = new float[s.OutputLength];
                Conv2dKernels.Forward(x, w, b, y, s, Conv2dAlgorithm.Winograd);
                outputs.Add(y);
            }
            CollectionAssert.AreEqual(outputs[0], outputs[1]);
        }
        finally { EngineOptions.MaxDegreeOfParallelism = saved; }
    }

    [TestMethod]
    public void WinogradRejectsShapesItDoesNotCompute()
    {
        var shapes = new Conv2dShape[]
        {
            new(2, 4, 8, 8, 4, 3, 3, strideH: 2, strideW: 2, padH: 1, padW: 1),
            new(2, 4, 8, 8, 4, 3, 3, padH: 1, padW: 1, groups: 2),
            new(2, 4, 8, 8, 4, 5, 5, padH: 2, padW: 2),
            new(2, 4, 9, 9, 4, 3, 3, padH: 2, padW: 2, dilationH: 2, dilationW: 2),
        };
        foreach (var s in shapes)
        {
            var ex = Assert.ThrowsExactly<ArgumentException>(() => Conv2dKernels.Forward(
                new float[s.InputLength], new float[s.WeightLength], ReadOnlySpan<float>.Empty, new float[s.OutputLength], s, Conv2dAlgorithm.Winograd));
            StringAssert.Contains(ex.Message, "3x3 stride-1 undilated");
        }
    }
}
