using MLAugment.Data;
using MLAugment.Diffusion.Models;
using MLAugment.Diffusion.Schedulers;
using MLAugment.Engine;
using MLAugment.Tasks;
using MLAugment.Tasks.Trainers;

namespace MLAugment.Cli.Tests;

/// <summary>What one in-process run of `mlaugment` returned and printed.</summary>
internal sealed record CliRun(int ExitCode, string Out, string Error)
{
    public string[] ErrorLines => Error.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    /// <summary>A user-facing failure: the given code, exactly one line on stderr, nothing on stdout, no stack trace.</summary>
    public void AssertOneLineError(int exitCode, string expectedText)
    {
        Assert.AreEqual(exitCode, ExitCode, $"exit code; stderr: {Error}");
        Assert.HasCount(1, ErrorLines, $"stderr should be one line: {Error}");
        StringAssert.Contains(Error, expectedText);
        Assert.DoesNotContain("   at ", Error, "no stack trace");
        Assert.AreEqual("", Out, "nothing on stdout");
    }
}

/// <summary>
/// A tiny random latent diffusion model saved as a model folder (16×16 gray images, 2×4×4 latents, three
/// Fashion-MNIST class names: the data layer's augmentation fixture), image-folder datasets, and the CLI runner.
/// </summary>
internal static class CliFixtures
{
    public static readonly string[] Classes = ["T-shirt/top", "Trouser", "Sneaker"];
    public const int Size = 16;

    private static readonly Lazy<string> SharedModel = new(() =>
    {
        var folder = NewTempFolder("model");
        var g = new Generator(0);
        var unet = new ConditionalUNet(new UNetConfig
        {
            SampleSize = 4, InChannels = 2, OutChannels = 2, BlockOutChannels = [16, 32],
            AttentionLevels = [false, true], AttentionHeadDim = 16, NormNumGroups = 8, LayersPerBlock = 1,
            NumClassEmbeds = Classes.Length,
        }, g);
        var vae = new Autoencoder(new AutoencoderConfig
        {
            InChannels = 1, OutChannels = 1, LatentChannels = 2, BlockOutChannels = [8, 16, 16],
            NormNumGroups = 4, SampleSize = Size, LayersPerBlock = 1,
        }, g);
        var scheduler = new SchedulerConfig { ClassName = "DDPMScheduler", NumTrainTimesteps = 1000, BetaSchedule = "linear", BetaStart = 0.0001, BetaEnd = 0.02 };
        new LatentDiffusionModel(unet, vae, Classes, scheduler, new Dictionary<string, string[]>()).Save(folder);
        return folder;
    });

    /// <summary>The saved tiny model, shared by every test (read only).</summary>
    public static string ModelFolder => SharedModel.Value;

    /// <summary>Deletes the shared model and classifier folders after the last test.</summary>
    public static void DeleteShared()
    {
        if (SharedModel.IsValueCreated && Directory.Exists(SharedModel.Value))
            Directory.Delete(SharedModel.Value, recursive: true);
        if (SharedClassifier.IsValueCreated && Path.GetDirectoryName(SharedClassifier.Value) is { } root && Directory.Exists(root))
            Directory.Delete(root, recursive: true);
    }

    /// <summary>Options that keep a generating command to milliseconds per image.</summary>
    public static readonly string[] Fast = ["--steps", "2", "--guidance", "2", "--model"];

    public static string NewTempFolder(string what)
    {
        var folder = Path.Combine(Path.GetTempPath(), $"mlaugment-cli-{what}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(folder);
        return folder;
    }

    /// <summary>Runs `mlaugment args` in process, capturing stdout and stderr.</summary>
    public static CliRun Run(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        int code = CliApp.Run(args, output, error);
        return new CliRun(code, output.ToString(), error.ToString());
    }

    /// <summary>A class-per-folder PNG tree under <paramref name="root"/>: for each class, that many random images.</summary>
    public static string ImageFolder(string root, IReadOnlyDictionary<string, int> counts, int size = Size, int seed = 3)
    {
        var rng = new Random(seed);
        foreach (var (label, n) in counts)
        {
            Directory.CreateDirectory(Path.Combine(root, label));
            for (int i = 0; i < n; i++)
            {
                var px = new byte[size * size * 4];
                rng.NextBytes(px);
                for (int p = 3; p < px.Length; p += 4)
                    px[p] = 255;
                using var image = MLImage.CreateFromPixels(size, size, MLPixelFormat.Rgba32, px);
                image.Save(Path.Combine(root, label, $"img{i:D2}.png"));
            }
        }
        return root;
    }

    private static readonly Lazy<string> SharedClassifier = new(() =>
    {
        var root = NewTempFolder("classifier");
        var train = ImageFolder(Path.Combine(root, "train"), new Dictionary<string, int> { ["Sneaker"] = 2, ["Trouser"] = 2 });
        return TrainClassifier(train, Path.Combine(root, "classifier.zip"));
    });

    /// <summary>A classifier of the classes Sneaker and Trouser, shared by the error-path tests (read only).</summary>
    public static string Classifier => SharedClassifier.Value;

    /// <summary>
    /// A small classifier saved as the CLI's evaluate reads it: a whole pipeline from image-folder rows (ImagePath,
    /// text Label) to Score and PredictedLabel, trained for one epoch on <paramref name="trainFolder"/>.
    /// </summary>
    public static string TrainClassifier(string trainFolder, string modelPath)
    {
        var ml = new MLContext(seed: 1);
        var data = ml.Data.LoadFromImageFolder(trainFolder);
        var pipeline = ml.Transforms.Conversion.MapValueToKey("Label")
            .Append(ml.Transforms.LoadImages("Image", imageFolder: null, inputColumnName: "ImagePath"))
            .Append(ml.Transforms.ResizeImages("Image", Size, Size))
            .Append(ml.Transforms.ExtractPixels("Features", "Image"))
            .Append(ml.MulticlassClassification.Trainers.ImageClassification(
                new ImageClassificationTrainer.Options { Epoch = 1, BatchSize = 4, ValidationSetFraction = null, Seed = 1 }));
        ml.Model.Save(pipeline.Fit(data), data.Schema, modelPath);
        return modelPath;
    }
}
