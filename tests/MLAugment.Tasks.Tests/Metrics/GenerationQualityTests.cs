using MLAugment.Tasks.Metrics;

namespace MLAugment.Tasks.Tests.Metrics;

[TestClass]
public sealed class GenerationQualityTests
{
    [TestMethod]
    public void FrechetDistanceOfDiagonalGaussiansHasTheClosedForm()
    {
        // For diagonal covariances FD = Σ(μ1−μ2)² + Σ(σ1² + σ2² − 2σ1σ2).
        double[] m1 = { 0, 1, 2 }, m2 = { 1, 1, 0 };
        double[] v1 = { 1, 4, 9 }, v2 = { 4, 1, 1 };
        var c1 = new double[3, 3]; var c2 = new double[3, 3];
        for (int i = 0; i < 3; i++) { c1[i, i] = v1[i]; c2[i, i] = v2[i]; }
        double expected = 1 + 0 + 4 + (1 + 4 - 4) + (4 + 1 - 4) + (9 + 1 - 6);
        Assert.AreEqual(expected, FrechetDistance.Compute(m1, c1, m2, c2), 1e-9);
    }

    [TestMethod]
    public void FrechetDistanceOfASetWithItselfIsZeroAndRotationInvariant()
    {
        var rng = new Random(3);
        int n = 200, d = 4;
        var a = Enumerable.Range(0, n * d).Select(_ => (float)rng.NextDouble()).ToArray();
        Assert.AreEqual(0, FrechetDistance.Compute(a, n, a, n, d), 1e-8);
        // Correlated covariances: FD between A and A shifted by c in every dim = d·c².
        var b = a.Select(v => v + 0.5f).ToArray();
        Assert.AreEqual(d * 0.25, FrechetDistance.Compute(a, n, b, n, d), 1e-5);
    }

    [TestMethod]
    public void PsnrAndSsimOfKnownPairs()
    {
        var a = Enumerable.Range(0, 16 * 16).Select(i => (float)((i * 37 % 101) / 100.0)).ToArray();
        Assert.AreEqual(double.PositiveInfinity, ImageQuality.Psnr(a, a));
        var b = a.Select(v => v + 0.1f).ToArray();
        Assert.AreEqual(20.0, ImageQuality.Psnr(a, b), 1e-4); // MSE 0.01 → 10·log10(1/0.01)
        Assert.AreEqual(1.0, ImageQuality.Ssim(a, a, 16, 16), 1e-12);
        double s = ImageQuality.Ssim(a, b, 16, 16);
        Assert.IsTrue(s < 1 && s > 0.9, $"a brightness shift keeps structure: SSIM {s}");
        var inverted = a.Select(v => 1 - v).ToArray();
        Assert.IsTrue(ImageQuality.Ssim(a, inverted, 16, 16) < 0, "an inverted image is anti-correlated");
    }
}
