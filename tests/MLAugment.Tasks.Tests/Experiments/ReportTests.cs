using MLAugment.Data;
using MLAugment.Data.Images.Codecs;
using MLAugment.Tasks.Experiments;

namespace MLAugment.Tasks.Tests.Experiments;

[TestClass]
public sealed class ReportTests
{
    private static ReportSection Section(string? samples)
    {
        var runs = AugmentationArms.All.SelectMany(a => new[] { 1, 2, 3 }.Select(s =>
            AggregationTests.Run(a, s, 0.6 + 0.02 * (int)a + 0.01 * s, a.UsesDiffusion() ? 50 : 0, a == AugmentationArm.ClassBalancingClassical ? 0 : a.UsesDiffusion() ? 50 : 0, 5)));
        return new ReportSection
        {
            ProfileName = "long-tail", ProfileDescription = new LongTailProfile().Describe(), ClassNames = ExperimentFixtures.Classes,
            SubsetCounts = [8, 4, 2], TestRows = 30, BalancingAdded = 10, DiffusionPerImage = 1, Settings = ExperimentFixtures.Tiny(),
            Summaries = ArmSummary.Aggregate(runs, AugmentationArms.All), SamplesFile = samples,
        };
    }

    [TestMethod]
    public void ReportFolderHasTheMarkdownWithEveryArmAndADecodableChart()
    {
        var folder = ExperimentFixtures.NewFolder("report");
        try
        {
            string path = ExperimentReport.Write(folder, "Test report", "The generator saw the train split only.", [Section(null)], ["a note"]);
            string md = File.ReadAllText(path);
            foreach (var arm in AugmentationArms.All)
                StringAssert.Contains(md, $"| {arm.DisplayName()} |", $"row of {arm}");
            StringAssert.Contains(md, "The generator saw the train split only.");
            StringAssert.Contains(md, "2× std");
            StringAssert.Contains(md, "accuracy-long-tail.png");
            var chart = PngDecoder.Decode(File.ReadAllBytes(Path.Combine(folder, "accuracy-long-tail.png")));
            Assert.IsGreaterThan(300, chart.Width);
            Assert.IsGreaterThan(200, chart.Height);
            Assert.IsTrue(chart.Pixels.Distinct().Count() > 3, "the chart is not blank");
        }
        finally { Directory.Delete(folder, true); }
    }

    [TestMethod]
    public void SampleGridPlacesEveryImageAtItsCellAndDecodes()
    {
        var white = MLImage.CreateFromPixels(4, 4, MLPixelFormat.Rgba32, Enumerable.Repeat((byte)255, 64).ToArray());
        var classes = new[] { "A", "B" };
        var grid = SampleGrid.Render(classes, [("REAL", [[white], []]), ("SYN", [[white, white], [white]])], scale: 2);
        var bytes = PngEncoder.Encode(grid);
        var decoded = PngDecoder.Decode(bytes);
        Assert.AreEqual(grid.Width, decoded.Width);
        Assert.AreEqual(grid.Height, decoded.Height);
        CollectionAssert.AreEqual(grid.ToRgb24().Pixels, decoded.ToRgb24().Pixels);
        Assert.ThrowsExactly<ArgumentException>(() => SampleGrid.Render(classes, [("REAL", [[white]])]), "one list of images per class");
    }

    [TestMethod]
    public void BarChartRejectsNonFiniteValues() =>
        Assert.ThrowsExactly<ArgumentException>(() => BarChart.Render("T", "%", [("A", double.NaN, 1, false)]));
}
