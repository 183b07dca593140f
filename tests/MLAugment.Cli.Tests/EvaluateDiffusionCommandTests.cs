using System.CommandLine;
using System.IO.Compression;
using MLAugment.Cli;
using MLAugment.Cli.Commands;
using MLAugment.Data;
using MLAugment.Diffusion.Models;
using MLAugment.Diffusion.Schedulers;
using MLAugment.Engine;
using MLAugment.Tasks.Recipes;

namespace MLAugment.Cli.Tests;

/// <summary>`mlaugment evaluate-diffusion`: command-line mistakes are one line and a non-zero exit; a tiny end-to-end run writes both files.</summary>
[TestClass]
public sealed class EvaluateDiffusionCommandTests
{
    private sealed record Result(int ExitCode, string Out, string Error)
    {
        public void AssertOneLineError(int exitCode, string contains)
        {
            Assert.AreEqual(exitCode, ExitCode, $"stdout: {Out}\nstderr: {Error}");
            var lines = Error.Split('\n', StringSplitOptions.RemoveEmptyEntries);
            Assert.HasCount(1, lines, Error);
            StringAssert.StartsWith(lines[0], "error: ");
            StringAssert.Contains(lines[0], contains);
        }
    }

    private static Result Run(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        int code = CliApp.Run(["evaluate-diffusion", .. args], output, error);
        return new Result(code, output.ToString(), error.ToString());
    }

    private static string Temp()
    {
        var d = Path.Combine(Path.GetTempPath(), "mlaugment-evalcli-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(d);
        return d;
    }

    [TestMethod]
    public void AnUnknownOptionIsOneLineAndExitCode2() =>
        Run("--colour", "red").AssertOneLineError(2, "--colour");

    [TestMethod]
    [DataRow("--fd-samples", "1", "--fd-samples must be 0 (skip) or at least 2, got 1.")]
    [DataRow("--ddpm-samples", "-3", "--ddpm-samples must be 0 (skip) or at least 2, got -3.")]
    [DataRow("--fidelity-samples", "-1", "--fidelity-samples must be 0 (skip) or more, got -1.")]
    [DataRow("--chunk-size", "0", "--chunk-size must be at least 1, got 0.")]
    [DataRow("--guidance", "0.5", "--guidance must be a finite number of at least 1, got 0.5.")]
    [DataRow("--max-minutes", "-2", "--max-minutes must be 0 or a positive number, got -2.")]
    [DataRow("--judge-epochs", "0", "--judge-epochs must be at least 1, got 0.")]
    [DataRow("--img2img-samples", "many", "many")]
    public void AnOutOfRangeValueIsOneLineNamingTheOption(string option, string value, string message) =>
        Run(option, value).AssertOneLineError(2, message);

    [TestMethod]
    public void AMissingModelFolderIsOneLineAndExitCode1()
    {
        var missing = Path.Combine(Temp(), "no-model");
        Run("--model", missing).AssertOneLineError(1, $"Model folder '{missing}' does not exist.");
    }

    [TestMethod]
    public void AFolderThatIsNotAModelIsOneLineAndExitCode1()
    {
        var dir = Temp();
        try { Run("--model", dir, "--work", Path.Combine(dir, "w")).AssertOneLineError(1, "model_index.json"); }
        finally { Directory.Delete(dir, true); }
    }

    [TestMethod]
    public void CardOnlyWithoutMetricsIsOneLineAndRerendersWhenPresent()
    {
        var dir = Temp();
        try
        {
            Run("--card-only", "--out", dir).AssertOneLineError(1, "metrics.json");
            var metrics = new DiffusionQualityMetrics { Command = "mlaugment evaluate-diffusion", Complete = true, Settings = new QualitySettings { GuidanceScale = 3 } };
            FashionDiffusionEvaluation.Write(dir, metrics);
            File.Delete(Path.Combine(dir, "README.md"));
            var r = Run("--card-only", "--out", dir);
            Assert.AreEqual(0, r.ExitCode, r.Error);
            Assert.AreEqual(DiffusionModelCard.Render(metrics), File.ReadAllText(Path.Combine(dir, "README.md")));
        }
        finally { Directory.Delete(dir, true); }
    }

    [TestMethod]
    public void ATinyEndToEndRunWritesMetricsAndCardAndResumesFromItsChunks()
    {
        var dir = Temp();
        try
        {
            string model = Path.Combine(dir, "model"), data = Path.Combine(dir, "data"), judge = Path.Combine(dir, "judge"), work = Path.Combine(dir, "work"), output = Path.Combine(dir, "out");
            FashionFixtures.TinyModel().Save(model);
            Directory.CreateDirectory(Path.Combine(model, "training"));
            File.WriteAllLines(Path.Combine(model, "training", "train.log"), ["00:00:00 unet: step 50/100 loss 1", "00:01:30 unet: step 100/100 loss 1"]);
            FashionFixtures.WriteFakeSplit(data, "train", 40);
            FashionFixtures.WriteFakeSplit(data, "t10k", 20);
            string[] args = ["--model", model, "--judge", judge, "--work", work, "--out", output, "--data", data, "--judge-epochs", "1",
                "--fidelity-samples", "10", "--fd-samples", "0", "--ddpm-samples", "0", "--img2img-samples", "0", "--inversion-samples", "0", "--chunk-size", "10"];
            var r = Run(args);
            Assert.AreEqual(0, r.ExitCode, r.Out + r.Error);
            var m = DiffusionQualityMetrics.FromJson(File.ReadAllText(Path.Combine(output, "metrics.json")), "metrics.json");
            Assert.IsTrue(m.Complete);
            Assert.AreEqual("mlaugment evaluate-diffusion " + string.Join(" ", args), m.Command);
            Assert.AreEqual(10, m.ClassFidelity!.Samples);
            Assert.AreEqual(Environment.ProcessorCount, m.Environment!.ProcessorCount);
            Assert.AreEqual(90.0, m.Training!.Stages[0].LoggedSeconds);
            Assert.IsTrue(File.Exists(Path.Combine(judge, "model.zip")));
            var card = File.ReadAllText(Path.Combine(output, "README.md"));
            StringAssert.Contains(card, m.Command);
            StringAssert.Contains(card, "> - class fidelity: 10 samples (issue: 1,000).");

            var again = Run(args);
            Assert.AreEqual(0, again.ExitCode, again.Error);
            var m2 = DiffusionQualityMetrics.FromJson(File.ReadAllText(Path.Combine(output, "metrics.json")), "metrics.json");
            Assert.AreEqual(1, m2.ClassFidelity!.Run.ChunksReused);
            Assert.AreEqual(0, m2.ClassFidelity.Run.ChunksGenerated);
            Assert.AreEqual(m.ClassFidelity.Accuracy, m2.ClassFidelity.Accuracy);
        }
        finally { Directory.Delete(dir, true); }
    }

    /// <summary>A random 32×32×1 latent diffusion model with Fashion-MNIST's class names (what the judge expects).</summary>
}
