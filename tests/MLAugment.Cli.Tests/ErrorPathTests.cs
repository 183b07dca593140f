namespace MLAugment.Cli.Tests;

/// <summary>
/// Every command's user errors: one line on stderr, nothing on stdout, exit 1 (bad input) or 2 (bad command line),
/// no stack trace. Each fails before any generation.
/// </summary>
[TestClass]
public sealed class ErrorPathTests : TempFolders
{
    private string Dataset(params (string Class, int Count)[] classes) =>
        CliFixtures.ImageFolder(Temp("data"), classes.ToDictionary(c => c.Class, c => c.Count));

    // ---- the command line itself ----

    [TestMethod]
    public void UnknownCommandIsAUsageError() =>
        CliFixtures.Run("frobnicate").AssertOneLineError(2, "frobnicate");

    [TestMethod]
    public void UnknownOptionNamesTheCommandsHelp() =>
        CliFixtures.Run("generate", "Sneaker", "--colour", "red").AssertOneLineError(2, "mlaugment generate --help");

    [TestMethod]
    public void NoArgumentsPrintsHelp()
    {
        var run = CliFixtures.Run();
        Assert.AreEqual(0, run.ExitCode);
        StringAssert.Contains(run.Out, "augment");
    }

    // ---- generate ----

    [TestMethod]
    public void GenerateWithAMissingModelFolderSaysSo() =>
        CliFixtures.Run("generate", "Sneaker", "--model", NewPath("nomodel"), "-o", NewPath("out"))
            .AssertOneLineError(1, "does not exist");

    [TestMethod]
    public void GenerateWithAFolderThatIsNotAModelSaysSo() =>
        CliFixtures.Run("generate", "Sneaker", "--model", Temp("notamodel"), "-o", NewPath("out"))
            .AssertOneLineError(1, "no model_index.json");

    [TestMethod]
    public void GenerateAnUnknownClassListsTheKnownOnes()
    {
        var run = CliFixtures.Run("generate", "Pizza", "--model", CliFixtures.ModelFolder, "-o", NewPath("out"));
        run.AssertOneLineError(1, "'Pizza'");
        StringAssert.Contains(run.Error, "T-shirt/top, Trouser, Sneaker");
    }

    [TestMethod]
    public void GenerateWithoutClassesListsTheKnownOnes() =>
        CliFixtures.Run("generate", "--model", CliFixtures.ModelFolder, "-o", NewPath("out"))
            .AssertOneLineError(2, "T-shirt/top, Trouser, Sneaker");

    [TestMethod]
    public void GenerateRejectsBadOptionValues()
    {
        CliFixtures.Run("generate", "Sneaker", "--steps", "0").AssertOneLineError(2, "--steps must be at least 1");
        CliFixtures.Run("generate", "Sneaker", "--count", "0").AssertOneLineError(2, "--count");
        CliFixtures.Run("generate", "Sneaker", "--guidance", "-1").AssertOneLineError(2, "--guidance");
        CliFixtures.Run("generate", "Sneaker", "--scheduler", "pndm").AssertOneLineError(2, "unknown scheduler 'pndm'");
        CliFixtures.Run("generate", "Sneaker", "--steps", "many").AssertOneLineError(2, "many");
    }

    [TestMethod]
    public void GenerateIntoANonEmptyFolderNeedsForce()
    {
        var output = Temp("out");
        File.WriteAllText(Path.Combine(output, "keep.txt"), "mine");
        CliFixtures.Run("generate", "Sneaker", "--model", CliFixtures.ModelFolder, "-o", output).AssertOneLineError(1, "--force");
        Assert.AreEqual("mine", File.ReadAllText(Path.Combine(output, "keep.txt")));
    }

    // ---- augment ----

    [TestMethod]
    public void AugmentAMissingFolderSaysSo() =>
        CliFixtures.Run("augment", NewPath("missing"), NewPath("out"), "--model", CliFixtures.ModelFolder)
            .AssertOneLineError(1, "does not exist");

    [TestMethod]
    public void AugmentAnEmptyFolderSaysItHasNoImages() =>
        CliFixtures.Run("augment", Temp("empty"), NewPath("out"), "--model", CliFixtures.ModelFolder)
            .AssertOneLineError(1, "contains no images");

    [TestMethod]
    public void AugmentImagesOutsideClassFoldersIsAnError()
    {
        var data = Dataset(("Trouser", 1));
        File.Copy(Path.Combine(data, "Trouser", "img00.png"), Path.Combine(data, "loose.png"));
        CliFixtures.Run("augment", data, NewPath("out"), "--model", CliFixtures.ModelFolder).AssertOneLineError(1, "class sub-folder");
    }

    [TestMethod]
    public void AugmentWithAnUnknownModelSaysSo() =>
        CliFixtures.Run("augment", Dataset(("Trouser", 1)), NewPath("out"), "--model", NewPath("nomodel"))
            .AssertOneLineError(1, "does not exist");

    [TestMethod]
    public void AugmentAClassTheModelDoesNotKnowNamesTheFolder()
    {
        var run = CliFixtures.Run("augment", Dataset(("Trouser", 1), ("Pizza", 1)), NewPath("out"), "--model", CliFixtures.ModelFolder);
        run.AssertOneLineError(1, "class folder 'Pizza'");
        StringAssert.Contains(run.Error, "T-shirt/top, Trouser, Sneaker");
    }

    [TestMethod]
    public void AugmentRejectsBadOptionValues()
    {
        var data = Dataset(("Trouser", 1));
        CliFixtures.Run("augment", data, NewPath("out"), "--strength", "1.5").AssertOneLineError(2, "--strength must be in [0, 1]");
        CliFixtures.Run("augment", data, NewPath("out"), "--strength-mix", "0.5,2").AssertOneLineError(2, "'2'");
        CliFixtures.Run("augment", data, NewPath("out"), "--per-image", "-1").AssertOneLineError(2, "--per-image");
        CliFixtures.Run("augment", data, NewPath("out"), "--mode", "inpaint").AssertOneLineError(2, "inpaint");
        CliFixtures.Run("augment", data).AssertOneLineError(2, "mlaugment augment --help");
    }

    [TestMethod]
    public void AugmentRefusesToWriteInsideItsInput()
    {
        var data = Dataset(("Trouser", 1));
        CliFixtures.Run("augment", data, Path.Combine(data, "augmented"), "--model", CliFixtures.ModelFolder).AssertOneLineError(2, "overlaps the input");
    }

    // ---- balance ----

    [TestMethod]
    public void BalanceAMissingFolderSaysSo() =>
        CliFixtures.Run("balance", NewPath("missing"), NewPath("out"), "--model", CliFixtures.ModelFolder)
            .AssertOneLineError(1, "does not exist");

    [TestMethod]
    public void BalanceAnEmptyFolderSaysItHasNoImages() =>
        CliFixtures.Run("balance", Temp("empty"), NewPath("out"), "--model", CliFixtures.ModelFolder)
            .AssertOneLineError(1, "contains no images");

    [TestMethod]
    public void BalanceWithAnUnknownModelSaysSo() =>
        CliFixtures.Run("balance", Dataset(("Trouser", 1)), NewPath("out"), "--model", Temp("notamodel"))
            .AssertOneLineError(1, "no model_index.json");

    [TestMethod]
    public void BalanceAClassTheModelDoesNotKnowNamesTheFolder() =>
        CliFixtures.Run("balance", Dataset(("Sneaker", 2), ("Pizza", 1)), NewPath("out"), "--model", CliFixtures.ModelFolder)
            .AssertOneLineError(1, "class folder 'Pizza'");

    [TestMethod]
    public void BalanceCountsForAClassNotInTheDataListTheClasses() =>
        CliFixtures.Run("balance", Dataset(("Sneaker", 2), ("Trouser", 1)), NewPath("out"), "--model", CliFixtures.ModelFolder, "--counts", "Trousers=3")
            .AssertOneLineError(1, "'Trousers'");

    [TestMethod]
    public void BalanceRejectsContradictoryOrBadTargets()
    {
        var data = Dataset(("Sneaker", 2), ("Trouser", 1));
        CliFixtures.Run("balance", data, NewPath("out"), "--ratio", "0.5", "--counts", "Sneaker=3").AssertOneLineError(2, "not both");
        CliFixtures.Run("balance", data, NewPath("out"), "--ratio", "0").AssertOneLineError(2, "--ratio must be in (0, 1]");
        CliFixtures.Run("balance", data, NewPath("out"), "--target", "ratio").AssertOneLineError(2, "--target ratio needs --ratio");
        CliFixtures.Run("balance", data, NewPath("out"), "--counts", "Sneaker=-2").AssertOneLineError(2, "Sneaker=-2");
        CliFixtures.Run("balance", data, NewPath("out"), "--cap", "-1").AssertOneLineError(2, "--cap");
    }

    // ---- evaluate ----

    [TestMethod]
    public void EvaluateAMissingModelSaysSo() =>
        CliFixtures.Run("evaluate", NewPath("model.zip"), Dataset(("Trouser", 1))).AssertOneLineError(1, "does not exist");

    [TestMethod]
    public void EvaluateAFileThatIsNotAModelSaysSo()
    {
        var file = Path.Combine(Temp("junk"), "model.zip");
        File.WriteAllText(file, "not a zip");
        CliFixtures.Run("evaluate", file, Dataset(("Trouser", 1))).AssertOneLineError(1, "error:");
    }

    [TestMethod]
    public void EvaluateAMissingOrEmptyDataFolderSaysSo()
    {
        var file = Path.Combine(Temp("junk"), "model.zip");
        File.WriteAllText(file, "not a zip");
        CliFixtures.Run("evaluate", file, NewPath("missing")).AssertOneLineError(1, "does not exist");
        var model = CliFixtures.Classifier;
        CliFixtures.Run("evaluate", model, Temp("empty")).AssertOneLineError(1, "contains no images");
    }

    [TestMethod]
    public void EvaluateNeedsExactlyOneDataSource()
    {
        CliFixtures.Run("evaluate", NewPath("model.zip")).AssertOneLineError(2, "--fashion-mnist-test");
        CliFixtures.Run("evaluate", NewPath("model.zip"), Temp("data"), "--fashion-mnist-test").AssertOneLineError(2, "one of them");
    }

    [TestMethod]
    public void EvaluateAClassTheModelNeverSawNamesIt()
    {
        var model = CliFixtures.Classifier;
        var run = CliFixtures.Run("evaluate", model, Dataset(("Sneaker", 1), ("Bag", 1)));
        run.AssertOneLineError(1, "'Bag'");
        StringAssert.Contains(run.Error, "Sneaker, Trouser");
    }

    [TestMethod]
    public void EvaluateOnAMissingFashionMnistSaysHowToGetIt()
    {
        var model = CliFixtures.Classifier;
        CliFixtures.Run("evaluate", model, "--fashion-mnist-test", "--fashion-mnist-root", Temp("nofashion"))
            .AssertOneLineError(1, "dataset-fashion-mnist");
    }

    // ---- train-diffusion (its own behaviour unchanged; its errors go through the same handler) ----

    [TestMethod]
    public void TrainDiffusionWithoutFashionMnistIsOneLine()
    {
        var previous = Environment.GetEnvironmentVariable("MLAUGMENT_FASHION_MNIST");
        Environment.SetEnvironmentVariable("MLAUGMENT_FASHION_MNIST", Temp("nofashion"));
        try
        {
            CliFixtures.Run("train-diffusion", "--work", NewPath("work"), "--out", NewPath("model"))
                .AssertOneLineError(1, "dataset-fashion-mnist");
        }
        finally
        {
            Environment.SetEnvironmentVariable("MLAUGMENT_FASHION_MNIST", previous);
        }
    }
}
