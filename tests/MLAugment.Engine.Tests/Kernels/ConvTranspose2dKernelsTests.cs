using MLAugment.Engine.Kernels;
using static MLAugment.Engine.Tests.Kernels.Conv2dKernelsTests;

namespace MLAugment.Engine.Tests.Kernels;

[TestClass]
public sealed class ConvTranspose2dKernelsTests
{
    private sealed record Layer(int N, int InC, int InH, int InW, int OutC, int K, int Stride, int Pad, int OutPad, int Dil, int Groups);

    /// <summary>Definition of ConvTranspose2d (PyTorch semantics): every input pixel scatters weight-scaled copies,
    /// y[n, g*OCg+oj, ih*s - p + kh*d, iw*s - p + kw*d] += x[n, ic, ih, iw] * w[ic, oj, kh, kw]; plus bias.
    /// Gradients for loss = sum(y * gy) are read off the same scatter.</summary>
    private static (double[] y, double[] gx, double[] gw, double[] gb) Reference(Layer l, int outH, int outW,
        float[] x, float[] w, float[] b, float[] gy)
    {
        int icg = l.InC / l.Groups, ocg = l.OutC / l.Groups;
        var y = new double[l.N * l.OutC * outH * outW];
        var gx = new double[x.Length]; var gw = new double[w.Length]; var gb = new double[l.OutC];
        for (int n = 0; n < l.N; n++)
            for (int oc = 0; oc < l.OutC; oc++)
                for (int i = 0; i < outH * outW; i++)
                {
                    int yi = (n * l.OutC + oc) * outH * outW + i;
                    y[yi] = b[oc];
                    gb[oc] += gy[yi];
                }
        for (int n = 0; n < l.N; n++)
            for (int ic = 0; ic < l.InC; ic++)
            {
                int g = ic / icg;
                for (int ih = 0; ih < l.InH; ih++)
                    for (int iw = 0; iw < l.InW; iw++)
                    {
                        int xi = ((n * l.InC + ic) * l.InH + ih) * l.InW + iw;
                        for (int oj = 0; oj < ocg; oj++)
                            for (int kh = 0; kh < l.K; kh++)
                                for (int kw = 0; kw < l.K; kw++)
                                {
                                    int oh = ih * l.Stride - l.Pad + kh * l.Dil, ow = iw * l.Stride - l.Pad + kw * l.Dil;
                                    if (oh < 0 || oh >= outH || ow < 0 || ow >= outW) continue;
                                    int oc = g * ocg + oj;
                                    int yi = ((n * l.OutC + oc) * outH + oh) * outW + ow;
                                    int wi = ((ic * ocg + oj) * l.K + kh) * l.K + kw;
                                    y[yi] += (double)x[xi] * w[wi];
                                    gx[xi] += (double)gy[yi] * w[wi];
                                    gw[wi] += (double)gy[yi] * x[xi];
                                }
                    }
            }
        return (y, gx, gw, gb);
    }

    [TestMethod]
    public void MatchesScatterDefinitionIncludingGradients()
    {
        var rng = new Random(17);
        Layer[] layers =
        [
            new(2, 4, 5, 5, 3, 4, 2, 1, 0, 1, 1),   // the usual 2x upsampler
            new(1, 3, 4, 6, 2, 3, 2, 1, 1, 1, 1),   // output padding
            new(2, 4, 3, 3, 6, 3, 1, 1, 0, 2, 2),   // dilation + groups
            new(3, 2, 7, 5, 2, 1, 1, 0, 0, 1, 1),   // 1x1: the GEMM-only path
            new(1, 4, 4, 4, 4, 3, 3, 0, 2, 1, 4),   // depthwise, stride 3 with output padding
        ];
        foreach (var l in layers)
        {
            var s = ConvTranspose2dKernels.Shape(l.N, l.InC, l.InH, l.InW, l.OutC, l.K, l.K, l.Stride, l.Stride,
                l.Pad, l.Pad, l.OutPad, l.OutPad, l.Dil, l.Dil, l.Groups);
            Assert.AreEqual((l.InH - 1) * l.Stride - 2 * l.Pad + l.Dil * (l.K - 1) + l.OutPad + 1, s.H);
            var x = Random(rng, l.N * l.InC * l.InH * l.InW);
            var w = Random(rng, l.InC * (l.OutC / l.Groups) * l.K * l.K);
            var b = Random(rng, l.OutC);
            var gy = Random(rng, l.N * l.OutC * s.H * s.W);
            var (ey, egx, egw, egb) = Reference(l, s.H, s.W, x, w, b, gy);
            foreach (var algo in new[] { Conv2dAlgorithm.Im2ColGemm, Conv2dAlgorithm.Direct })
            {
                string tag = $"{algo} {l}";
                var y = new float[ey.Length];
                ConvTranspose2dKernels.Forward(x, w, b, y, s, algo);
                AssertClose(ey, y, "y " + tag);
                var gx = new float[x.Length];
                ConvTranspose2dKernels.BackwardInput(gy, w, gx, s, algo);
                AssertClose(egx, gx, "gx " + tag);
                var gw = new float[w.Length]; var gb = new float[l.OutC];
                ConvTranspose2dKernels.BackwardWeight(x, gy, gw, gb, s, algo);
                AssertClose(egw, gw, "gw " + tag);
                AssertClose(egb, gb, "gb " + tag);
            }
        }
    }

    [TestMethod]
    public void ShapeRejectsOutputPaddingNotBelowStride()
    {
        var ex = Assert.ThrowsExactly<ArgumentException>(() => ConvTranspose2dKernels.Shape(1, 2, 4, 4, 2, 3, 3, 2, 2, 1, 1, 2, 0));
        Assert.AreEqual("outputPaddingH", ex.ParamName);
    }

    [TestMethod]
    public void RejectsWrongBufferLengthsNamingTransposedTensors()
    {
        var s = ConvTranspose2dKernels.Shape(1, 2, 3, 3, 4, 2, 2, 2, 2);
        var x = new float[1 * 2 * 3 * 3]; var w = new float[2 * 4 * 2 * 2]; var y = new float[1 * 4 * 6 * 6];
        Assert.AreEqual("input", Assert.ThrowsExactly<ArgumentException>(() => ConvTranspose2dKernels.Forward(new float[3], w, default, y, s)).ParamName);
        Assert.AreEqual("output", Assert.ThrowsExactly<ArgumentException>(() => ConvTranspose2dKernels.Forward(x, w, default, new float[3], s)).ParamName);
        Assert.AreEqual("bias", Assert.ThrowsExactly<ArgumentException>(() => ConvTranspose2dKernels.Forward(x, w, new float[2], y, s)).ParamName);
    }
}
