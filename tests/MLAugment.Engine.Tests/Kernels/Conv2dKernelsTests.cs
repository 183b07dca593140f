using MLAugment.Engine.Kernels;

namespace MLAugment.Engine.Tests.Kernels;

[TestClass]
public sealed class Conv2dKernelsTests
{
    internal static float[] Random(Random rng, int len)
    {
        var x = new float[len];
        for (int i = 0; i < len; i++) x[i] = (float)(rng.NextDouble() * 2 - 1);
        return x;
    }

    /// <summary>Naive double-precision convolution and its gradients for loss = sum(output * gy), straight from the definition
    /// y[n,oc,oh,ow] = b[oc] + sum_{ci,kh,kw} x[n, g*Cg+ci, oh*sh-ph+kh*dh, ow*sw-pw+kw*dw] * w[oc,ci,kh,kw].</summary>
    internal static (double[] y, double[] gx, double[] gw, double[] gb) Reference(Conv2dShape s, float[] x, float[] w, float[]? b, float[] gy)
    {
        var y = new double[s.OutputLength]; var gx = new double[s.InputLength];
        var gw = new double[s.WeightLength]; var gb = new double[s.OutC];
        int cg = s.GroupC, ocg = s.GroupOutC, OH = s.OutH, OW = s.OutW;
        for (int n = 0; n < s.N; n++)
            for (int oc = 0; oc < s.OutC; oc++)
            {
                int g = oc / ocg;
                for (int oh = 0; oh < OH; oh++)
                    for (int ow = 0; ow < OW; ow++)
                    {
                        int yi = ((n * s.OutC + oc) * OH + oh) * OW + ow;
                        double acc = b?[oc] ?? 0;
                        gb[oc] += gy[yi];
                        for (int ci = 0; ci < cg; ci++)
                            for (int kh = 0; kh < s.KH; kh++)
                                for (int kw = 0; kw < s.KW; kw++)
                                {
                                    int ih = oh * s.StrideH - s.PadH + kh * s.DilationH;
                                    int iw = ow * s.StrideW - s.PadW + kw * s.DilationW;
                                    if (ih < 0 || ih >= s.H || iw < 0 || iw >= s.W) continue;
                                    int xi = ((n * s.C + g * cg + ci) * s.H + ih) * s.W + iw;
                                    int wi = ((oc * cg + ci) * s.KH + kh) * s.KW + kw;
                                    acc += (double)x[xi] * w[wi];
                                    gx[xi] += (double)gy[yi] * w[wi];
                                    gw[wi] += (double)gy[yi] * x[xi];
                                }
                        y[yi] = acc;
                    }
            }
        return (y, gx, gw, gb);
    }

    /// <summary>Each element within 1e-4 of itself plus <paramref name="ofScale"/> of the largest expected magnitude.
    /// The default suits im2col and direct sums; Winograd's transforms round at about 5e-6 of the scale.</summary>
    internal static void AssertClose(double[] expected, float[] actual, string what, double ofScale = 1e-6)
    {
        Assert.AreEqual(expected.Length, actual.Length, what);
        double scale = 0;
        foreach (var e in expected) scale = Math.Max(scale, Math.Abs(e));
        for (int i = 0; i < expected.Length; i++)
        {
            double err = Math.Abs(actual[i] - expected[i]) / (Math.Abs(expected[i]) + ofScale / 1e-4 * scale + 1e-6);
            if (!(err <= 1e-4)) Assert.Fail($"{what}[{i}] = {actual[i]}, expected {expected[i]} (scale {scale})");
        }
    }

    /// <summary>Tolerance of <see cref="AssertClose"/> for Winograd results (measured worst case ~5e-6 of the scale).</summary>
    internal const double WinogradOfScale = 2e-5;

    internal static IEnumerable<Conv2dShape> Shapes() =>
    [
        new(2, 3, 7, 9, 4, 3, 3, padH: 1, padW: 1),
        new(2, 4, 11, 10, 6, 5, 5, strideH: 2, strideW: 2, padH: 2, padW: 1),
        new(1, 2, 9, 9, 3, 3, 3, padH: 2, padW: 2, dilationH: 2, dilationW: 2),
        new(2, 4, 8, 8, 6, 3, 3, padH: 1, padW: 1, groups: 2),
        new(2, 5, 8, 7, 5, 3, 3, padH: 1, padW: 1, groups: 5),                  // depthwise
        new(1, 3, 6, 6, 6, 3, 3, strideH: 2, strideW: 1, padH: 1, groups: 3),   // depthwise, multiplier 2
        new(2, 8, 5, 5, 4, 1, 1),                                               // pointwise: straight to GEMM
        new(2, 4, 7, 7, 3, 1, 1, strideH: 2, strideW: 2),                       // 1x1 strided: needs im2col
        new(3, 2, 5, 6, 3, 1, 3, padW: 1),
        new(1, 3, 13, 11, 2, 2, 3, strideH: 3, strideW: 2),
        new(1, 1, 1, 1, 1, 1, 1),
        new(1, 2, 3, 3, 2, 3, 3, padH: 3, padW: 3, strideH: 2, strideW: 2, dilationH: 2, dilationW: 1),
        new(1, 2, 4, 4, 3, 3, 3, padH: 3, padW: 1),                             // pad > K-1: input grad via col2im
        new(4, 16, 12, 12, 24, 3, 3, padH: 1, padW: 1),                         // per-image GEMM takes the packed path
        new(2, 16, 9, 7, 8, 3, 3, padH: 2, padW: 2, dilationH: 2, dilationW: 2, groups: 2), // input grad as flipped-kernel conv
        new(2, 8, 6, 7, 5, 1, 3, padW: 1),                                      // flipped-kernel conv, 1x3 kernel
        new(3, 8, 6, 6, 4, 3, 3),                                               // flipped-kernel conv of an unpadded conv
        new(2, 8, 16, 16, 9, 3, 3, padH: 1, padW: 1),                           // output rows of 16: two runs per panel
        new(2, 4, 5, 32, 8, 3, 3, padH: 1, padW: 1),                            // output rows of 32: one run per panel
        new(2, 4, 6, 8, 8, 3, 3, padH: 1, padW: 1),                             // output rows of 8: four runs per panel
        new(10, 4, 6, 6, 8, 3, 3, padH: 1, padW: 1),                            // uneven weight-gradient chunks
    ];

    [TestMethod]
    public void ForwardAndGradientsMatchNaiveDefinitionForBothAlgorithms()
    {
        var rng = new Random(42);
        foreach (var s in Shapes())
        {
            var x = Random(rng, s.InputLength); var w = Random(rng, s.WeightLength);
            var b = Random(rng, s.OutC); var gy = Random(rng, s.OutputLength);
            var (ey, egx, egw, egb) = Reference(s, x, w, b, gy);
            foreach (var algo in new[] { Conv2dAlgorithm.Im2ColGemm, Conv2dAlgorithm.Direct, Conv2dAlgorithm.Auto })
            {
                string tag = $"{algo} {s}";
                var y = new float[s.OutputLength];
                Array.Fill(y, float.NaN); // outputs are overwritten, never read
                Conv2dKernels.Forward(x, w, b, y, s, algo);
                // Auto may take Winograd for the forward and for the input gradient (a 3x3 conv of its own).
                double ofScale = algo == Conv2dAlgorithm.Auto ? WinogradOfScale : 1e-6;
                AssertClose(ey, y, "y " + tag, ofScale);
                var gx = new float[s.InputLength];
                Array.Fill(gx, float.NaN);
                Conv2dKernels.BackwardInput(gy, w, gx, s, algo);
                AssertClose(egx, gx, "gx " + tag, ofScale);
                var gw = new float[s.WeightLength]; var gb = new float[s.OutC];
                Array.Fill(gw, float.NaN); Array.Fill(gb, float.NaN);
                Conv2dKernels.BackwardWeight(x, gy, gw, gb, s, algo);
                AssertClose(egw, gw, "gw " + tag);
                AssertClose(egb, gb, "gb " + tag);
            }
        }
    }

    [TestMethod]
    public void ForwardWithoutBiasAndWeightGradWithoutBiasGrad()
    {
        var rng = new Random(3);
        var s = new Conv2dShape(2, 3, 6, 6, 4, 3, 3, padH: 1, padW: 1);
        var x = Random(rng, s.InputLength); var w = Random(rng, s.WeightLength); var gy = Random(rng, s.OutputLength);
        var (ey, _, egw, _) = Reference(s, x, w, null, gy);
        var y = new float[s.OutputLength];
        Conv2dKernels.Forward(x, w, ReadOnlySpan<float>.Empty, y, s);
        AssertClose(ey, y, "y");
        var gw = new float[s.WeightLength];
        Conv2dKernels.BackwardWeight(x, gy, gw, Span<float>.Empty, s);
        AssertClose(egw, gw, "gw");
    }

    [TestMethod]
    public void ResultsAreBitIdenticalForOneAndTwoThreads()
    {
        var rng = new Random(8);
        Conv2dShape[] shapes =
        [
            new(9, 8, 10, 10, 12, 3, 3, padH: 1, padW: 1),
            new(1, 16, 20, 20, 32, 3, 3, padH: 1, padW: 1),    // N < threads: the GEMM itself is threaded
            new(5, 6, 9, 9, 6, 3, 3, padH: 1, padW: 1, groups: 6),
            new(3, 32, 8, 8, 16, 1, 1),
            new(40, 8, 4, 4, 16, 3, 3, padH: 1, padW: 1),     // small planes: images side by side in one GEMM
        ];
        int saved = EngineOptions.MaxDegreeOfParallelism;
        try
        {
            foreach (var s in shapes)
                foreach (var algo in new[] { Conv2dAlgorithm.Im2ColGemm, Conv2dAlgorithm.Direct })
                {
                    var x = Random(rng, s.InputLength); var w = Random(rng, s.WeightLength);
                    var b = Random(rng, s.OutC); var gy = Random(rng, s.OutputLength);
                    float[][] Run(int threads)
                    {
                        EngineOptions.MaxDegreeOfParallelism = threads;
                        var y = new float[s.OutputLength]; var gx = new float[s.InputLength];
                        var gw = new float[s.WeightLength]; var gb = new float[s.OutC];
                        Conv2dKernels.Forward(x, w, b, y, s, algo);
                        Conv2dKernels.BackwardInput(gy, w, gx, s, algo);
                        Conv2dKernels.BackwardWeight(x, gy, gw, gb, s, algo);
                        return [y, gx, gw, gb];
                    }
                    var one = Run(1); var two = Run(2); var three = Run(3);
                    for (int i = 0; i < one.Length; i++)
                    {
                        CollectionAssert.AreEqual(one[i], two[i], $"output {i} of {algo} {s}");
                        CollectionAssert.AreEqual(one[i], three[i], $"output {i} of {algo} {s}");
                    }
                }
        }
        finally { EngineOptions.MaxDegreeOfParallelism = saved; }
    }

    [TestMethod]
    public void SmallPlanesSharingTilesAcrossImagesGiveTheSameBitsAsPerImageProducts()
    {
        var rng = new Random(11);
        Conv2dShape[] shapes =
        [
            new(40, 16, 4, 4, 24, 3, 3, padH: 1, padW: 1),                 // 640 columns: two side-by-side chunks
            new(7, 8, 2, 2, 8, 3, 3, padH: 1, padW: 1),
            new(5, 8, 3, 3, 8, 1, 1),                                         // pointwise
            new(6, 8, 9, 9, 8, 3, 3, strideH: 2, strideW: 2, padH: 1, padW: 1), // stride 2: one column per run
            new(4, 8, 6, 6, 8, 3, 3, padH: 2, padW: 2, dilationH: 2, dilationW: 2, groups: 2),
            new(3, 8, 5, 5, 8, 3, 3),                                         // unpadded: images read in place
        ];
        foreach (var s in shapes)
        {
            Assert.IsTrue(Conv2dKernels.SharesTilesAcrossImages(s), s.ToString());
            var x = Random(rng, s.InputLength); var w = Random(rng, s.WeightLength); var b = Random(rng, s.OutC);
            float[] Run(bool perImageOnly)
            {
                Conv2dKernels.PerImageTilesOnly = perImageOnly;
                try
                {
                    var y = new float[s.OutputLength];
                    Conv2dKernels.Forward(x, w, b, y, s, Conv2dAlgorithm.Im2ColGemm);
                    return y;
                }
                finally { Conv2dKernels.PerImageTilesOnly = false; }
            }
            CollectionAssert.AreEqual(Run(true), Run(false), s.ToString());
        }
    }

    [TestMethod]
    public void ShapeComputesOutputSizeAndRejectsBadFields()
    {
        var s = new Conv2dShape(1, 3, 32, 31, 8, 3, 3, strideH: 2, strideW: 2, padH: 1, padW: 1);
        Assert.AreEqual(16, s.OutH);
        Assert.AreEqual(16, s.OutW);
        Assert.AreEqual("groups", Assert.ThrowsExactly<ArgumentException>(() => new Conv2dShape(1, 3, 8, 8, 8, 3, 3, groups: 0)).ParamName);
        Assert.AreEqual("c", Assert.ThrowsExactly<ArgumentException>(() => new Conv2dShape(1, 3, 8, 8, 8, 3, 3, groups: 2)).ParamName);
        Assert.AreEqual("outC", Assert.ThrowsExactly<ArgumentException>(() => new Conv2dShape(1, 4, 8, 8, 3, 3, 3, groups: 2)).ParamName);
        Assert.AreEqual("kh", Assert.ThrowsExactly<ArgumentException>(() => new Conv2dShape(1, 1, 2, 8, 1, 3, 3)).ParamName);
        Assert.AreEqual("kw", Assert.ThrowsExactly<ArgumentException>(() => new Conv2dShape(1, 1, 8, 8, 1, 3, 3, padW: 0, dilationW: 4)).ParamName);
        Assert.AreEqual("padH", Assert.ThrowsExactly<ArgumentException>(() => new Conv2dShape(1, 1, 8, 8, 1, 3, 3, padH: -1)).ParamName);
        Assert.AreEqual("strideW", Assert.ThrowsExactly<ArgumentException>(() => new Conv2dShape(1, 1, 8, 8, 1, 3, 3, strideW: 0)).ParamName);
        Assert.AreEqual("n", Assert.ThrowsExactly<ArgumentException>(() => new Conv2dShape(1 << 16, 1 << 16, 1, 1, 1, 1, 1)).ParamName);
    }

    [TestMethod]
    public void KernelsRejectWrongBufferLengths()
    {
        var s = new Conv2dShape(1, 2, 4, 4, 3, 3, 3, padH: 1, padW: 1);
        var x = new float[s.InputLength]; var w = new float[s.WeightLength]; var y = new float[s.OutputLength];
        Assert.AreEqual("weight", Assert.ThrowsExactly<ArgumentException>(() => Conv2dKernels.Forward(x, new float[5], default, y, s)).ParamName);
        Assert.AreEqual("output", Assert.ThrowsExactly<ArgumentException>(() => Conv2dKernels.Forward(x, w, default, new float[7], s)).ParamName);
        Assert.AreEqual("bias", Assert.ThrowsExactly<ArgumentException>(() => Conv2dKernels.Forward(x, w, new float[2], y, s)).ParamName);
        Assert.AreEqual("gradInput", Assert.ThrowsExactly<ArgumentException>(() => Conv2dKernels.BackwardInput(y, w, new float[1], s)).ParamName);
        Assert.AreEqual("gradBias", Assert.ThrowsExactly<ArgumentException>(() => Conv2dKernels.BackwardWeight(x, y, w, new float[1], s)).ParamName);
        Assert.ThrowsExactly<ArgumentException>(() => Conv2dKernels.Forward(x, w, default, y, default));
    }

    [TestMethod]
    public void UnfoldThenFoldSumsEachPixelOncePerCoveringTap()
    {
        // Folding the unfold of an all-ones image counts, for each pixel, how many output windows contain it.
        var s = new Conv2dShape(1, 2, 5, 4, 1, 3, 2, strideH: 2, strideW: 1, padH: 1, padW: 0);
        var img = Enumerable.Repeat(1f, s.C * s.H * s.W).ToArray();
        var cols = new float[s.C * s.KH * s.KW * s.OutH * s.OutW];
        Im2Col.Unfold(img, cols, s);
        var back = new float[img.Length];
        Im2Col.Fold(cols, back, s);
        for (int c = 0; c < s.C; c++)
            for (int ih = 0; ih < s.H; ih++)
                for (int iw = 0; iw < s.W; iw++)
                {
                    int count = 0;
                    for (int oh = 0; oh < s.OutH; oh++)
                        for (int ow = 0; ow < s.OutW; ow++)
                            for (int kh = 0; kh < s.KH; kh++)
                                for (int kw = 0; kw < s.KW; kw++)
                                    if (oh * s.StrideH - s.PadH + kh == ih && ow * s.StrideW - s.PadW + kw == iw) count++;
                    Assert.AreEqual(count, back[(c * s.H + ih) * s.W + iw], $"pixel ({c},{ih},{iw})");
                }
    }
}
