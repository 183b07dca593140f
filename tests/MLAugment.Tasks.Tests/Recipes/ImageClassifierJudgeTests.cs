using MLAugment.Data;
using MLAugment.Engine;
using MLAugment.Tasks.Recipes;
using MLAugment.Tasks.Trainers;
using MLAugment.Tasks.Tests.Trainers;

namespace MLAugment.Tasks.Tests.Recipes;

[TestClass]
public sealed class ImageClassifierJudgeTests
{
    private static ImageClassificationTransformer Toy(MLContext ml, IDataView data) =>
        ml.MulticlassClassification.Trainers.ImageClassification(new ImageClassificationTrainer.Options
        {
            Epoch = 2, BatchSize = 8, Width = 4, Seed = 3, ValidationSetFraction = null,
        }).Fit(data);

    [TestMethod]
    public void JudgeGivesTheClassifiersScoresAndPenultimateFeatures()
    {
        var ml = new MLContext(seed: 1);
        var data = ToyImages.Load(ml, perClass: 6, seed: 1);
        var classifier = Toy(ml, data);
        var judge = new ImageClassifierJudge(classifier);
        CollectionAssert.AreEqual(ToyImages.ClassNames, judge.ClassNames.ToArray());
        Assert.AreEqual(classifier.FeatureDimension, judge.FeatureDimension);

        var pixels = ToyImages.Rows(2, seed: 9).SelectMany(r => r.Features).ToArray();
        int n = 6;
        var (p, f) = judge.Score(Tensor.FromArray(pixels, n, 1, ToyImages.Size, ToyImages.Size));
        CollectionAssert.AreEqual(classifier.PredictProbabilities(pixels, n), p);
        CollectionAssert.AreEqual(classifier.ExtractFeatures(pixels, n), f);
        // The same images one at a time: batch-independent.
        var (p0, f0) = judge.Score(Tensor.FromArray(pixels.AsSpan(0, 64), 1, 1, ToyImages.Size, ToyImages.Size));
        CollectionAssert.AreEqual(p[..3], p0);
        CollectionAssert.AreEqual(f[..judge.FeatureDimension], f0);
    }

    [TestMethod]
    public void JudgeRejectsImagesOfAnotherShapeAndClassifiersWithoutClassNames()
    {
        var ml = new MLContext(seed: 1);
        var data = ToyImages.Load(ml, perClass: 3, seed: 2);
        var judge = new ImageClassifierJudge(Toy(ml, data));
        var e = Assert.ThrowsExactly<ArgumentException>(() => judge.Score(Tensor.Zeros(2, 1, 16, 16)));
        StringAssert.Contains(e.Message, "[2, 1, 16, 16] do not match the classifier's input [N, 1, 8, 8]");

        var keysWithoutNames = ml.Data.LoadFromEnumerable(ToyImages.Rows(3, seed: 2).Select((r, i) => new KeyedRow { Label = (uint)(i % 3) + 1, Features = r.Features }).ToArray());
        e = Assert.ThrowsExactly<ArgumentException>(() => new ImageClassifierJudge(Toy(ml, keysWithoutNames)));
        StringAssert.Contains(e.Message, "no class names");
    }

    private sealed class KeyedRow
    {
        [KeyType(3)]
        public uint Label { get; set; }

        [VectorType(1, ToyImages.Size, ToyImages.Size)]
        public float[] Features { get; set; } = [];
    }

    /// <summary>A fake Fashion-MNIST: class c is a bright square whose side grows with c, 28×28 bytes.</summary>
    private static FashionMnist FakeFashion(int perClass, int seed)
    {
        var rng = new Random(seed);
        int n = perClass * 10;
        var px = new byte[n * 784]; var labels = new int[n];
        for (int i = 0; i < n; i++)
        {
            int c = i % 10, side = 4 + 2 * c, o = rng.Next(0, 28 - side + 1);
            labels[i] = c;
            for (int y = 0; y < side; y++)
                for (int x = 0; x < side; x++) px[i * 784 + (o + y) * 28 + o + x] = 200;
        }
        return new FashionMnist(px, labels, n, 28, 28);
    }

    [TestMethod]
    public void FashionJudgeIsTrainedOnceWithItsCardAndReusedAfterwards()
    {
        var dir = Path.Combine(Path.GetTempPath(), "mlaugment-judge-" + Guid.NewGuid().ToString("N"));
        try
        {
            var options = new FashionJudgeOptions { Width = 2, Epochs = 1, BatchSize = 10 };
            int trainCalls = 0;
            var (judge, facts, trained) = FashionClassifierJudge.LoadOrTrain(dir, () => { trainCalls++; return FakeFashion(3, 1); }, () => FakeFashion(2, 2), options, "mlaugment evaluate-diffusion");
            Assert.IsTrue(trained);
            Assert.AreEqual(30, facts.TrainingImages);
            Assert.AreEqual(20, facts.TestImages);
            Assert.AreEqual(10, facts.PerClassTestAccuracy.Count);
            Assert.AreEqual((double)facts.PerClassTestAccuracy.Sum(c => c.Correct) / 20, facts.TestAccuracy);
            CollectionAssert.AreEqual(FashionMnist.ClassNames.ToArray(), judge.ClassNames.ToArray());
            foreach (var f in new[] { FashionClassifierJudge.ModelFile, FashionClassifierJudge.MetricsFile, FashionClassifierJudge.CardFile })
                Assert.IsTrue(File.Exists(Path.Combine(dir, f)), f);
            var card = File.ReadAllText(Path.Combine(dir, FashionClassifierJudge.CardFile));
            StringAssert.Contains(card, "Fashion-MNIST train split, all 30 images");
            StringAssert.Contains(card, "`mlaugment evaluate-diffusion`");

            var (again, facts2, trainedAgain) = FashionClassifierJudge.LoadOrTrain(dir, () => { trainCalls++; return FakeFashion(3, 1); }, () => FakeFashion(2, 2), options);
            Assert.IsFalse(trainedAgain);
            Assert.AreEqual(1, trainCalls);
            Assert.AreEqual(facts.TestAccuracy, facts2.TestAccuracy);
            var images = Tensor.FromArray(FakeFashion(1, 5).ToPaddedFloats(32), 10, 1, 32, 32);
            CollectionAssert.AreEqual(judge.Score(images).Features, again.Score(images).Features);
        }
        finally { if (Directory.Exists(dir)) Directory.Delete(dir, true); }
    }
}
