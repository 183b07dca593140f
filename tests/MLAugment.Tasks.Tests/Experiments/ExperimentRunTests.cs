using MLAugment.Data.Images.Codecs;
using MLAugment.Tasks.Experiments;

namespace MLAugment.Tasks.Tests.Experiments;

/// <summary>A whole experiment on the tiny model: runs persist as they finish, an interrupted run resumes, the cache spares regeneration.</summary>
[TestClass]
public sealed class ExperimentRunTests
{
    private static AugmentationExperiment New(ExperimentSettings settings, string folder, Action<string>? log = null) =>
        new(settings, ExperimentFixtures.Model, ExperimentFixtures.Split(20, seed: 1), ExperimentFixtures.Split(10, seed: 2), ExperimentFixtures.Classes, folder)
        {
            Log = log,
        };

    [TestMethod]
    public void AnInterruptedExperimentResumesWithoutRedoingFinishedRuns()
    {
        var folder = ExperimentFixtures.NewFolder("resume");
        try
        {
            var settings = ExperimentFixtures.Tiny(AugmentationArm.NoAugmentation, AugmentationArm.ClassBalancing);
            using var cts = new CancellationTokenSource();
            // Stop as soon as the first run has finished (it is saved before the next one starts).
            var first = New(settings, folder, line => { if (line.Contains("macro-acc")) cts.Cancel(); });
            Assert.ThrowsExactly<OperationCanceledException>(() => first.Run(cts.Token));
            var saved = Directory.GetFiles(first.RunsDirectory, "*.json");
            Assert.HasCount(1, saved, "one finished run on disk");
            Assert.AreEqual(first.RunPath(AugmentationArm.NoAugmentation, 1), saved[0]);
            var before = first.LoadResults().Single();

            var log = new List<string>();
            var resumed = New(settings, folder, log.Add).Run();
            Assert.HasCount(4, resumed, "2 arms × 2 seeds");
            Assert.AreEqual(before.FinishedUtc, resumed[0].FinishedUtc, "the finished run is read back, not redone");
            Assert.AreEqual(before.TrainSeconds, resumed[0].TrainSeconds);
            Assert.AreEqual(1, log.Count(l => l.Contains("skipped")));
            Assert.HasCount(4, Directory.GetFiles(first.RunsDirectory, "*.json"));

            var cb = resumed.Single(r => r.Arm == AugmentationArm.ClassBalancing && r.Seed == 1);
            Assert.AreEqual(6L + 4, cb.SyntheticImages, "long-tail 8/4/2 balanced to 8: 4 + 6 added");
            Assert.AreEqual(cb.SyntheticImages, cb.ImagesGenerated);
            Assert.AreEqual(24, cb.TrainingRows);
            Assert.AreEqual(14, resumed.Single(r => r.Arm == AugmentationArm.NoAugmentation && r.Seed == 1).TrainingRows);

            // Rerunning a deleted run reads its images from the generation cache instead of generating them.
            File.Delete(first.RunPath(AugmentationArm.ClassBalancing, 1));
            var again = New(settings, folder).Run().Single(r => r.Arm == AugmentationArm.ClassBalancing && r.Seed == 1);
            Assert.AreEqual(0L, again.ImagesGenerated);
            Assert.AreEqual(cb.SyntheticImages, again.CacheHits);
            Assert.AreEqual(cb.MacroAccuracy, again.MacroAccuracy, "same images, same seed: the same classifier");
        }
        finally { Directory.Delete(folder, true); }
    }

    [TestMethod]
    public void AFolderWithRunsOfOtherSettingsIsRefused()
    {
        var folder = ExperimentFixtures.NewFolder("fingerprint");
        try
        {
            var settings = ExperimentFixtures.Tiny(AugmentationArm.NoAugmentation) with { Seeds = [1] };
            New(settings, folder).Run();
            var e = Assert.ThrowsExactly<InvalidOperationException>(() => New(settings with { ClassifierWidth = 8 }, folder).Run());
            StringAssert.Contains(e.Message, "other settings");
            Assert.HasCount(1, New(settings with { Seeds = [1] }, folder).Run(), "same settings: resumes");
        }
        finally { Directory.Delete(folder, true); }
    }

    [TestMethod]
    public void EveryArmRunsAndTheSuiteOfSectionsWritesTheReportFolder()
    {
        var folder = ExperimentFixtures.NewFolder("arms");
        try
        {
            var settings = ExperimentFixtures.Tiny() with { Seeds = [1] };
            var experiment = New(settings, Path.Combine(folder, "runs"));
            Assert.AreEqual(1, experiment.DiffusionPerImage, "10 added / 14 real rounds to 1");
            var results = experiment.Run();
            CollectionAssert.AreEqual(AugmentationArms.All.ToArray(), results.Select(r => r.Arm).ToArray());
            foreach (var r in results)
            {
                Assert.AreEqual(experiment.ExpectedTrainingRows(r.Arm), r.TrainingRows, r.Arm.ToString());
                Assert.AreEqual(30, r.TestRows);
                Assert.IsTrue(r.MacroAccuracy is >= 0 and <= 1);
            }
            var cbc = results.Single(r => r.Arm == AugmentationArm.ClassBalancingClassical);
            Assert.AreEqual(0L, cbc.ImagesGenerated, "ClassBalancing + classical reads ClassBalancing's images from the cache");
            Assert.AreEqual(10L, cbc.CacheHits);

            string samples = experiment.WriteSamples(folder, perClass: 3);
            var grid = PngDecoder.Decode(File.ReadAllBytes(Path.Combine(folder, samples)));
            Assert.IsGreaterThan(3 * 3 * 16 * 2, grid.Width, "three groups of three 32-pixel cells");
            string report = ExperimentReport.Write(folder, "Tiny", "note", [experiment.ToReportSection(results, samples)]);
            StringAssert.Contains(File.ReadAllText(report), samples);
        }
        finally { Directory.Delete(folder, true); }
    }
}
