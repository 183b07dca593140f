using System.Globalization;

namespace MLAugment.Diffusion.Tests.Schedulers;

/// <summary>The test-only torch RNG replay against draws recorded from torch itself (Golden/make_torch_randn.py).</summary>
[TestClass]
public sealed class TorchCpuGeneratorTests
{
    private static Dictionary<string, double[]> Golden()
    {
        string path = Path.Combine(AppContext.BaseDirectory, "Schedulers", "Golden", "torch_randn.txt");
        var d = new Dictionary<string, double[]>();
        foreach (string line in File.ReadAllLines(path))
        {
            if (line.StartsWith('#') || line.Length == 0) continue;
            string[] parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            int valuesFrom = parts[0].StartsWith("tail", StringComparison.Ordinal) ? 1 : 2;
            string key = valuesFrom == 1 ? parts[0] : parts[0] + " " + parts[1];
            d[key] = parts.Skip(valuesFrom).Select(s => double.Parse(s, CultureInfo.InvariantCulture)).ToArray();
        }
        return d;
    }

    [TestMethod]
    public void ReplaysTorchManualSeedZeroRandn()
    {
        var golden = Golden();
        var g = new TorchCpuGenerator(0);
        for (int draw = 0; draw < 3; draw++)
        {
            float[] x = g.Randn(768);
            double[] first = golden[$"draw{draw} first16"], last = golden[$"draw{draw} last16"];
            for (int i = 0; i < 16; i++)
            {
                Assert.AreEqual(first[i], x[i], 1e-5, $"draw {draw} element {i}");
                Assert.AreEqual(last[i], x[768 - 16 + i], 1e-5, $"draw {draw} element {768 - 16 + i}");
            }
            Assert.AreEqual(golden[$"draw{draw} sum"][0], x.Sum(v => (double)v), 1e-3, $"draw {draw} sum");
        }
        float[] tail = g.Randn(20);
        double[] expected = golden["tail20"];
        for (int i = 0; i < 20; i++) Assert.AreEqual(expected[i], tail[i], 1e-5, $"tail element {i}");
    }
}
