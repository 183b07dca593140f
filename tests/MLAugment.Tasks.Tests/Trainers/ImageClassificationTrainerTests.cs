using MLAugment.Data;
using MLAugment.Data.Tests.Conformance;
using MLAugment.Tasks.Trainers;

namespace MLAugment.Tasks.Tests.Trainers;

[TestClass]
public sealed class ImageClassificationTrainerTests
{
    private static ImageClassificationTrainer.Options Fast(ImageClassificationArchitecture arch = ImageClassificationArchitecture.SmallCnn, int seed = 7) => new()
    {
        Epoch = 12,
        BatchSize = 16,
        LearningRate = 0.01f,
        Width = 8,
        Arch = arch,
        Seed = seed,
        ValidationSetFraction = null,
    };

    [TestMethod]
    [DataRow(ImageClassificationArchitecture.SmallCnn)]
    [DataRow(ImageClassificationArchitecture.SmallResNet)]
    public void LearnsASeparableToySetToAtLeast99Percent(ImageClassificationArchitecture arch)
    {
        var ml = new MLContext(seed: 1);
        var train = ToyImages.Load(ml, perClass: 40, seed: 1);
        var test = ToyImages.Load(ml, perClass: 40, seed: 2);
        var model = ml.MulticlassClassification.Trainers.ImageClassification(Fast(arch)).Fit(train);
        var metrics = ml.MulticlassClassification.Evaluate(model.Transform(test));
        Assert.IsGreaterThanOrEqualTo(0.99, metrics.MicroAccuracy, $"{arch}: {metrics.MicroAccuracy}\n{metrics.ConfusionMatrix.GetFormattedConfusionTable()}");
        CollectionAssert.AreEqual(ToyImages.ClassNames, metrics.ConfusionMatrix.ClassNames.ToArray());
    }

    [TestMethod]
    public void SameDataAndSeedGiveBitIdenticalWeights()
    {
        var ml = new MLContext();
        var train = ToyImages.Load(ml, perClass: 10, seed: 3);
        byte[] Weights(int seed)
        {
            var o = Fast(seed: seed);
            o.Epoch = 2;
            o.ValidationSetFraction = 0.2f;
            return Save(ml.MulticlassClassification.Trainers.ImageClassification(o).Fit(train));
        }
        CollectionAssert.AreEqual(Weights(5), Weights(5));
        CollectionAssert.AreNotEqual(Weights(5), Weights(6));
    }

    [TestMethod]
    public void ScoreIsASoftmaxWithSlotNamesAndPredictedLabelIsItsArgmaxKey()
    {
        var ml = new MLContext(seed: 1);
        var data = ToyImages.Load(ml, perClass: 4, seed: 4);
        var o = Fast(); o.Epoch = 1;
        var scored = ml.MulticlassClassification.Trainers.ImageClassification(o).Fit(data).Transform(data);
        var score = scored.Schema["Score"];
        Assert.AreEqual(new VectorDataViewType(NumberDataViewType.Single, 3), score.Type);
        var slots = default(VBuffer<ReadOnlyMemory<char>>);
        score.GetSlotNames(ref slots);
        CollectionAssert.AreEqual(ToyImages.ClassNames, slots.DenseValues().Select(s => s.ToString()).ToArray());
        var predicted = scored.Schema["PredictedLabel"];
        Assert.AreEqual(new KeyDataViewType(typeof(uint), 3), predicted.Type);
        var keys = default(VBuffer<ReadOnlyMemory<char>>);
        predicted.GetKeyValues(ref keys);
        CollectionAssert.AreEqual(ToyImages.ClassNames, keys.DenseValues().Select(s => s.ToString()).ToArray());

        var scores = scored.GetColumn<VBuffer<float>>("Score").Select(v => v.DenseValues().ToArray()).ToArray();
        var labels = scored.GetColumn<uint>("PredictedLabel").ToArray();
        Assert.HasCount(12, scores);
        for (int i = 0; i < scores.Length; i++)
        {
            Assert.AreEqual(1.0, scores[i].Sum(), 1e-5);
            Assert.AreEqual((uint)Array.IndexOf(scores[i], scores[i].Max()) + 1, labels[i]);
        }
    }

    [TestMethod]
    public void SaveAndLoadGiveIdenticalScores()
    {
        var ml = new MLContext(seed: 1);
        var data = ToyImages.Load(ml, perClass: 5, seed: 5);
        var o = Fast(ImageClassificationArchitecture.SmallResNet); o.Epoch = 2;
        var model = ml.MulticlassClassification.Trainers.ImageClassification(o).Fit(data);
        using var stream = new MemoryStream();
        ml.Model.Save(model, data.Schema, stream);
        stream.Position = 0;
        var loaded = ml.Model.Load(stream, out _);
        var before = model.Transform(data).GetColumn<VBuffer<float>>("Score").SelectMany(v => v.DenseValues()).ToArray();
        var after = loaded.Transform(data).GetColumn<VBuffer<float>>("Score").SelectMany(v => v.DenseValues()).ToArray();
        CollectionAssert.AreEqual(before, after);
    }

    [TestMethod]
    public void PassesTheEstimatorWorkout()
    {
        var ml = new MLContext(seed: 1);
        var data = ToyImages.Load(ml, perClass: 4, seed: 6);
        var o = Fast(); o.Epoch = 1;
        var noFeatures = ml.Transforms.DropColumns("Features").Fit(data).Transform(data);
        var scalarFeatures = ml.Transforms.Conversion.MapValueToKey("Features", "Class").Fit(data).Transform(data);
        EstimatorConformance.TestEstimatorCore(ml.MulticlassClassification.Trainers.ImageClassification(o), data, null,
            new InvalidInput(noFeatures, "Could not find feature column 'Features'"),
            new InvalidInput(scalarFeatures, "Schema mismatch for feature column 'Features': expected Vector<Single, C, H, W> or Vector<Single, H, W>, got Key<UInt32>"));
    }

    [TestMethod]
    public void RejectsMissingOrNonKeyLabelsWithMLNetWording()
    {
        var ml = new MLContext(seed: 1);
        var data = ToyImages.Load(ml, perClass: 2, seed: 7);
        var trainer = ml.MulticlassClassification.Trainers.ImageClassification(Fast());
        var e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => trainer.Fit(ml.Transforms.DropColumns("Label").Fit(data).Transform(data)));
        StringAssert.Contains(e.Message, "Could not find label column 'Label'");
        var textLabel = ml.Transforms.CopyColumns("Label", "Class").Fit(data).Transform(data);
        e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => trainer.Fit(textLabel));
        StringAssert.Contains(e.Message, "Schema mismatch for label column 'Label': expected Key<UInt32>, got String");
        e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => trainer.GetOutputSchema(SchemaShape.Create(textLabel.Schema)));
        StringAssert.Contains(e.Message, "Schema mismatch for label column 'Label': expected Key<UInt32>, got String");
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => ml.MulticlassClassification.Trainers.ImageClassification(new ImageClassificationTrainer.Options { Epoch = 0 }));
    }

    [TestMethod]
    public void ReportsEveryEpochAndStopsEarlyWhenTheMetricStalls()
    {
        var ml = new MLContext(seed: 1);
        var data = ToyImages.Load(ml, perClass: 10, seed: 8);
        var reports = new List<ImageClassificationMetrics>();
        var progress = new List<ImageClassificationMetrics>();
        var o = Fast();
        o.Epoch = 30;
        o.ValidationSetFraction = 0.2f;
        // An impossible improvement threshold: the first epoch sets the best value, the next two stall.
        o.EarlyStoppingCriteria = new EarlyStopping(minDelta: 2f, patience: 2);
        o.MetricsCallback = reports.Add;
        o.Progress = new SyncProgress(progress.Add);
        ml.MulticlassClassification.Trainers.ImageClassification(o).Fit(data);
        Assert.HasCount(3, reports);
        CollectionAssert.AreEqual(new[] { 1, 2, 3 }, reports.Select(r => r.Epoch).ToArray());
        Assert.IsTrue(reports[^1].EarlyStopped);
        Assert.IsTrue(reports.All(r => r.ValidationAccuracy is not null && r.ImagesPerSecond > 0 && double.IsFinite(r.TrainLoss)));
        CollectionAssert.AreEqual(reports, progress);
        Assert.IsTrue(reports.All(r => r.TrainingImages == 24 && r.ValidationImages == 6), "30 rows, a fifth held out");
    }

    [TestMethod]
    public void PenultimateFeaturesHaveTheNetworkWidthAndGiveZeroFrechetDistanceToThemselves()
    {
        var ml = new MLContext(seed: 1);
        var data = ToyImages.Load(ml, perClass: 20, seed: 9);
        var o = Fast(); o.Epoch = 2;
        var model = ml.MulticlassClassification.Trainers.ImageClassification(o).Fit(data);
        var features = model.ExtractFeatures(data, out int rows);
        Assert.AreEqual(60, rows);
        Assert.AreEqual(16, model.FeatureDimension); // SmallCnn: 2 × width
        Assert.HasCount(60 * 16, features);
        Assert.AreEqual(0.0, model.FrechetDistance(data, data), 1e-6);
        var other = ToyImages.Load(ml, perClass: 20, seed: 10);
        Assert.IsGreaterThan(0.0, model.FrechetDistance(data, other));
    }

    [TestMethod]
    public void BatchedCursorScoresEqualPerRowScoresEvenWhenRowsAreSkipped()
    {
        var ml = new MLContext(seed: 1);
        var data = ToyImages.Load(ml, perClass: 50, seed: 16);      // 150 rows: three batches of up to 64
        var o = Fast(); o.Epoch = 1;
        var model = ml.MulticlassClassification.Trainers.ImageClassification(o).Fit(data);
        var scored = model.Transform(data);
        var batched = scored.GetColumn<VBuffer<float>>("Score").SelectMany(v => v.DenseValues()).ToArray();
        var pixels = data.GetColumn<VBuffer<float>>("Features").SelectMany(v => v.DenseValues()).ToArray();
        CollectionAssert.AreEqual(model.PredictProbabilities(pixels, 150), batched);
        var perRow = DataViewAssert.ReadThroughMapper(model.GetRowToRowMapper(data.Schema), data);
        int scoreIndex = scored.Schema["Score"].Index;
        for (int i = 0; i < 150; i++)
            CollectionAssert.AreEqual(batched.AsSpan(i * 3, 3).ToArray(), ((object[])perRow[i][scoreIndex]!).Cast<float>().ToArray(), $"row {i}");

        // Reading only every third row's label still pairs each row with its own score.
        var score = scored.Schema["Score"];
        var predicted = scored.Schema["PredictedLabel"];
        using var cursor = scored.GetRowCursor([score, predicted]);
        var getPredicted = cursor.GetGetter<uint>(predicted);
        var expected = scored.GetColumn<uint>("PredictedLabel").ToArray();
        uint key = 0;
        while (cursor.MoveNext())
            if (cursor.Position % 3 == 2)
            {
                getPredicted(ref key);
                Assert.AreEqual(expected[cursor.Position], key, $"row {cursor.Position}");
            }
        // A shuffled cursor scores row by row and agrees too.
        var shuffled = DataViewAssert.ReadAll(scored, new Random(5));
        Assert.HasCount(150, shuffled);
    }

    public sealed class Flat
    {
        public string Class { get; set; } = "";
        [VectorType(ToyImages.Size, ToyImages.Size)] public float[] Features { get; set; } = [];
    }

    [TestMethod]
    public void ValidatesOnAGivenSetAndAcceptsHeightByWidthVectorsAsOneChannel()
    {
        var ml = new MLContext(seed: 1);
        IDataView Flatten(IDataView d)
        {
            var rows = ml.Data.CreateEnumerable<ToyImages.Row>(d, reuseRowObject: false).Select(r => new Flat { Class = r.Class, Features = r.Features }).ToArray();
            var keys = ml.Data.LoadFromEnumerable(ToyImages.ClassNames.Select(n => new Flat { Class = n, Features = new float[64] }));
            var view = ml.Data.LoadFromEnumerable(rows);
            return ml.Transforms.Conversion.MapValueToKey("Label", "Class", keyData: ml.Transforms.SelectColumns("Class").Fit(keys).Transform(keys)).Fit(view).Transform(view);
        }
        var train = Flatten(ToyImages.Load(ml, perClass: 20, seed: 13));
        var validation = Flatten(ToyImages.Load(ml, perClass: 5, seed: 14));
        Assert.AreEqual(new VectorDataViewType(NumberDataViewType.Single, 8, 8), train.Schema["Features"].Type);
        var reports = new List<ImageClassificationMetrics>();
        var o = Fast();
        o.ValidationSet = validation;
        o.MetricsCallback = reports.Add;
        var model = ml.MulticlassClassification.Trainers.ImageClassification(o).Fit(train);
        Assert.AreEqual((1, 8, 8), model.ImageShape);
        Assert.IsTrue(reports.All(r => r.TrainingImages == 60 && r.ValidationImages == 15));
        Assert.IsGreaterThanOrEqualTo(0.99, reports[^1].ValidationAccuracy!.Value);

        var wrongShape = ToyImages.Load(ml, perClass: 2, seed: 15);   // [1, 8, 8] is the same image, so it is accepted
        Assert.AreEqual(6, ml.MulticlassClassification.Evaluate(model.Transform(wrongShape)).ConfusionMatrix.Counts.Sum(r => r.Sum()));
        o.ValidationSet = ml.Transforms.Conversion.MapValueToKey("Label", "Features").Fit(train).Transform(train);
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => ml.MulticlassClassification.Trainers.ImageClassification(o).Fit(train));
    }

    [TestMethod]
    public void CosineDecayStillLearnsTheToySetAndIsItsOwnDeterministicRun()
    {
        var ml = new MLContext(seed: 1);
        var train = ToyImages.Load(ml, perClass: 40, seed: 1);
        var test = ToyImages.Load(ml, perClass: 40, seed: 2);
        ImageClassificationTransformer Fit(bool cosine)
        {
            var o = Fast();
            o.CosineDecay = cosine;
            return ml.MulticlassClassification.Trainers.ImageClassification(o).Fit(train);
        }
        var decayed = Fit(true);
        Assert.IsGreaterThanOrEqualTo(0.99, ml.MulticlassClassification.Evaluate(decayed.Transform(test)).MicroAccuracy);
        // Compare what the models compute (the saved zip also carries entry times).
        var pixels = ToyImages.Rows(4, seed: 3).SelectMany(r => r.Features).ToArray();
        CollectionAssert.AreEqual(decayed.ExtractFeatures(pixels, 12), Fit(true).ExtractFeatures(pixels, 12));
        CollectionAssert.AreNotEqual(decayed.ExtractFeatures(pixels, 12), Fit(false).ExtractFeatures(pixels, 12));
    }

    private static byte[] Save(ITransformer model)
    {
        using var stream = new MemoryStream();
        new MLContext().Model.Save(model, null, stream);
        return stream.ToArray();
    }

    private sealed class SyncProgress(Action<ImageClassificationMetrics> report) : IProgress<ImageClassificationMetrics>
    {
        public void Report(ImageClassificationMetrics value) => report(value);
    }
}
