using MLAugment.Diffusion.Models;
using MLAugment.Diffusion.Schedulers;
using MLAugment.Diffusion.Training;
using MLAugment.Engine;

namespace MLAugment.Diffusion.Tests.Training;

[TestClass]
public sealed class DiffusionTrainerTests
{
    private static ConditionalUNet Unet() => new(new UNetConfig
    {
        SampleSize = 4, InChannels = 2, OutChannels = 2, BlockOutChannels = new[] { 16, 16 }, AttentionLevels = new[] { false, true },
        AttentionHeadDim = 16, NormNumGroups = 8, LayersPerBlock = 1, NumClassEmbeds = 3,
    }, new Generator(0));

    private static readonly SchedulerConfig Sched = new() { NumTrainTimesteps = 100, BetaSchedule = "linear", BetaStart = 0.0001, BetaEnd = 0.02 };
    private static readonly DiffusionTrainingOptions Options = new() { MaxSteps = 6, BatchSize = 4, WarmupSteps = 2, CheckpointEvery = 3, LogEvery = 1, Seed = 5 };

    private static (Tensor, int[]) Data()
    {
        var x = Tensor.Randn(new Generator(9), 10, 2, 4, 4);
        return (x, Enumerable.Range(0, 10).Select(i => i % 3).ToArray());
    }

    [TestMethod]
    public void ResumingFromACheckpointContinuesBitIdentically()
    {
        var (x, y) = Data();
        var straight = Unet();
        new DiffusionTrainer(straight, Sched, Options).Train(x, y);

        var first = Unet();
        Dictionary<string, Tensor>? saved = null;
        new DiffusionTrainer(first, Sched, Options with { MaxSteps = 3 }).Train(x, y, checkpoint: t => saved = t.StateDict()
            .ToDictionary(kv => kv.Key, kv => Tensor.FromArray(kv.Value.ToArray(), kv.Value.Shape.ToArray())));
        var resumedModel = Unet();
        var resumed = new DiffusionTrainer(resumedModel, Sched, Options);
        resumed.LoadStateDict(saved!);
        Assert.AreEqual(3, resumed.Step);
        resumed.Train(x, y);

        foreach (var ((name, a), (_, b)) in straight.StateDict().Zip(resumedModel.StateDict()))
            CollectionAssert.AreEqual(a.ToArray(), b.ToArray(), $"{name} differs after resume");
    }

    [TestMethod]
    public void TrainingReducesTheLossAndReportsProgress()
    {
        var (x, y) = Data();
        var reports = new List<TrainingProgress>();
        new DiffusionTrainer(Unet(), Sched, Options with { MaxSteps = 40, LearningRate = 2e-3 })
            .Train(x, y, progress: new SyncProgress<TrainingProgress>(reports.Add));
        Assert.AreEqual(40, reports.Count);
        Assert.IsTrue(reports.Skip(30).Average(r => r.Loss) < reports.Take(10).Average(r => r.Loss), "loss decreases");
        Assert.IsTrue(reports[^1].ImagesPerSecond > 0);
    }

    [TestMethod]
    public void BadDataIsRejected()
    {
        var (x, _) = Data();
        Assert.ThrowsExactly<ArgumentException>(() => new DiffusionTrainer(Unet(), Sched, Options).Train(x, new[] { 1, 2 }));
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new DiffusionTrainer(Unet(), Sched, Options with { BatchSize = 0 }));
    }

    private sealed class SyncProgress<T>(Action<T> a) : IProgress<T> { public void Report(T v) => a(v); }
}
