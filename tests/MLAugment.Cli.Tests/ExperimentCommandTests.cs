using MLAugment.Tasks.Experiments;

namespace MLAugment.Cli.Tests;

/// <summary>
/// `mlaugment experiment` and `mlaugment demo`: a tiny end-to-end experiment prints every arm's row and writes the report
/// folder, a rerun resumes instead of retraining; mistakes are one line and a non-zero exit.
/// </summary>
[TestClass]
public sealed class ExperimentCommandTests : TempFolders
{
    private (string Model, string Data) TinyWorld()
    {
        string model = Temp("experiment-model"), data = Temp("experiment-data");
        FashionFixtures.TinyModel().Save(model);
        FashionFixtures.WriteFakeSplit(data, "train", 60);
        FashionFixtures.WriteFakeSplit(data, "t10k", 20);
        return (model, data);
    }

    private string[] TinyExperiment(string model, string data, string output) =>
    [
        "experiment", "--model", model, "--data", data, "--out", output, "--seeds", "1,2",
        "--max-per-class", "6", "--ratio", "3", "--shots", "2", "--few-shot-target", "4", "--training-examples", "60", "--steps", "2",
    ];

    [TestMethod]
    public void ATinyExperimentPrintsEveryArmPerProfileWritesTheReportAndResumes()
    {
        var (model, data) = TinyWorld();
        string output = NewPath("experiment-out");
        var first = CliFixtures.Run(TinyExperiment(model, data, output));
        Assert.AreEqual(0, first.ExitCode, first.Error);
        Assert.AreEqual("", first.Error);
        foreach (var arm in AugmentationArms.All)
            Assert.AreEqual(2, CountOccurrences(first.Out, "| " + arm.DisplayName() + " | 2 |"), $"one table row per profile for {arm.DisplayName()}:\n{first.Out}");
        StringAssert.Contains(first.Out, "long-tail (exponential, imbalance ratio 3, 6 rows in the head class)");
        StringAssert.Contains(first.Out, "ClassBalancing − no augmentation = ");
        StringAssert.Contains(first.Out, "report: ");
        foreach (var file in new[] { "report.md", "accuracy-long-tail.png", "accuracy-few-shot.png" })
            Assert.IsTrue(File.Exists(Path.Combine(output, file)), file);
        Assert.HasCount(2 * AugmentationArms.All.Count, Directory.GetFiles(Path.Combine(output, "long-tail", "runs"), "*.json"));

        var again = CliFixtures.Run(TinyExperiment(model, data, output));
        Assert.AreEqual(0, again.ExitCode, again.Error);
        Assert.AreEqual(4 * AugmentationArms.All.Count, CountOccurrences(again.Out, "done before"), "every (profile, arm, seed) is read back, none retrained");
        Assert.AreEqual(Table(first.Out), Table(again.Out), "the same table from the saved runs");
    }

    [TestMethod]
    public void OtherSettingsInAnExistingOutputFolderAreRefusedInOneLine()
    {
        var (model, data) = TinyWorld();
        string output = NewPath("experiment-out");
        string[] args = [.. TinyExperiment(model, data, output), "--profile", "few-shot", "--arms", "no-augmentation"];
        Assert.AreEqual(0, CliFixtures.Run(args).ExitCode);
        var other = CliFixtures.Run([.. args, "--constant-lr"]);
        Assert.AreEqual(1, other.ExitCode);
        Assert.HasCount(1, other.ErrorLines, other.Error);
        StringAssert.Contains(other.Error, "holds runs made with other settings");
        Assert.DoesNotContain("   at ", other.Error);
    }

    [TestMethod]
    public void AMissingModelFolderSaysHowToGetOne()
    {
        var missing = NewPath("no-model");
        CliFixtures.Run("experiment", "--model", missing, "--out", NewPath("out")).AssertOneLineError(1, $"model folder '{missing}' does not exist; train the embedded model with 'mlaugment train-diffusion'");
        CliFixtures.Run("demo", "--model", missing, "--out", NewPath("out")).AssertOneLineError(1, $"model folder '{missing}' does not exist");
    }

    [TestMethod]
    public void MissingFashionMnistIsOneLineNamingTheFolder()
    {
        var (model, _) = TinyWorld();
        var empty = Temp("no-fashion");
        var run = CliFixtures.Run("experiment", "--model", model, "--data", empty, "--out", NewPath("out"));
        Assert.AreEqual(1, run.ExitCode, run.Out + run.Error);
        Assert.HasCount(1, run.ErrorLines, run.Error);
        StringAssert.Contains(run.Error, empty);
        Assert.DoesNotContain("   at ", run.Error);
        var demo = CliFixtures.Run("demo", "--model", model, "--data", empty, "--out", NewPath("out"));
        Assert.AreEqual(1, demo.ExitCode);
        StringAssert.Contains(demo.Error, empty);
    }

    [TestMethod]
    [DataRow("--seeds", "1,x", "--seeds: 'x' is not an integer")]
    [DataRow("--seeds", "1,1", "--seeds: '1,1' repeats a seed.")]
    [DataRow("--seeds", ",", "--seeds: give at least one seed.")]
    [DataRow("--arms", "no-augmentation,mixup", "--arms: Unknown arm 'mixup'; the arms are: no-augmentation, classical")]
    [DataRow("--profile", "imbalanced", "--profile 'imbalanced' is unknown; use long-tail, few-shot or all.")]
    public void BadOptionValuesAreUsageErrors(string option, string value, string message)
    {
        var (model, _) = TinyWorld();
        CliFixtures.Run("experiment", "--model", model, "--out", NewPath("out"), option, value).AssertOneLineError(2, message);
    }

    [TestMethod]
    public void AnUnknownOptionNamesTheCommandsHelp() =>
        CliFixtures.Run("demo", "--arms", "all").AssertOneLineError(2, "see 'mlaugment demo --help'");

    private static int CountOccurrences(string text, string what)
    {
        int n = 0;
        for (int i = text.IndexOf(what, StringComparison.Ordinal); i >= 0; i = text.IndexOf(what, i + what.Length, StringComparison.Ordinal)) n++;
        return n;
    }

    /// <summary>The printed tables and criteria (log lines start with a time stamp, the report line with the run's seconds).</summary>
    private static string Table(string stdout) => string.Join('\n', stdout.Split('\n')
        .Where(l => l.StartsWith('|') || l.StartsWith("  ClassBalancing", StringComparison.Ordinal)));
}
