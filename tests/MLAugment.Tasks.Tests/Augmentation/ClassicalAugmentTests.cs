using MLAugment.Data;
using MLAugment.Data.Tests.Conformance;
using MLAugment.Tasks.Augmentation;
using MLAugment.Tasks.Tests.Trainers;

namespace MLAugment.Tasks.Tests.Augmentation;

[TestClass]
public sealed class ClassicalAugmentTests
{
    public sealed class Tiny
    {
        public string Name { get; set; } = "";
        [VectorType(2, 3)] public float[] Features { get; set; } = [];
    }

    private static IDataView TinyRows(MLContext ml) => ml.Data.LoadFromEnumerable(new[]
    {
        new Tiny { Name = "a", Features = [1, 2, 3, 4, 5, 6] },
        new Tiny { Name = "b", Features = [10, 20, 30, 40, 50, 60] },
    });

    /// <summary>Every operation off except the ones a test turns on.</summary>
    private static ClassicalAugmentingEstimator.Options Off() => new()
    {
        HorizontalFlipProbability = 0, CropMinimumScale = 1, RotationDegrees = 0, TranslateFraction = 0, Brightness = 0, Contrast = 0,
        Seed = 3,
    };

    [TestMethod]
    public void EmitsTheOriginalThenCopiesMarkedSyntheticAndGroupedBySourceRow()
    {
        var ml = new MLContext();
        var o = Off();
        o.HorizontalFlipProbability = 1;
        o.NumberOfCopies = 2;
        var output = ml.Transforms.ClassicalAugment(o).Fit(TinyRows(ml)).Transform(TinyRows(ml));
        Assert.AreEqual(6L, output.GetRowCount());
        var names = output.GetColumn<string>("Name").ToArray();
        var pixels = output.GetColumn<VBuffer<float>>("Features").Select(v => v.DenseValues().ToArray()).ToArray();
        var synthetic = output.GetColumn<bool>("IsSynthetic").ToArray();
        var groups = output.GetColumn<DataViewRowId>("SourceRowId").ToArray();
        CollectionAssert.AreEqual(new[] { "a", "a", "a", "b", "b", "b" }, names);
        CollectionAssert.AreEqual(new[] { false, true, true, false, true, true }, synthetic);
        CollectionAssert.AreEqual(new float[] { 1, 2, 3, 4, 5, 6 }, pixels[0]);
        CollectionAssert.AreEqual(new float[] { 3, 2, 1, 6, 5, 4 }, pixels[1], "a flip with probability 1 is exact");
        CollectionAssert.AreEqual(new float[] { 3, 2, 1, 6, 5, 4 }, pixels[2]);
        CollectionAssert.AreEqual(new float[] { 30, 20, 10, 60, 50, 40 }, pixels[4]);
        Assert.AreEqual(groups[0], groups[2]);
        Assert.AreNotEqual(groups[0], groups[3]);
    }

    [TestMethod]
    public void WithoutTheOriginalOnlyTheCopiesReplaceEachRow()
    {
        var ml = new MLContext();
        var o = Off();
        o.VerticalFlipProbability = 1;
        o.KeepOriginal = false;
        var output = ml.Transforms.ClassicalAugment(o).Fit(TinyRows(ml)).Transform(TinyRows(ml));
        var pixels = output.GetColumn<VBuffer<float>>("Features").Select(v => v.DenseValues().ToArray()).ToArray();
        Assert.HasCount(2, pixels);
        CollectionAssert.AreEqual(new float[] { 4, 5, 6, 1, 2, 3 }, pixels[0]);
        CollectionAssert.AreEqual(new[] { true, true }, output.GetColumn<bool>("IsSynthetic").ToArray());
    }

    [TestMethod]
    public void CopiesDifferFromEachOtherStayInRangeAndRepeatForTheSameSeed()
    {
        var ml = new MLContext();
        var data = ToyImages.Load(ml, perClass: 2, seed: 1);
        float[][] Read(int seed, int randAugment)
        {
            var o = new ClassicalAugmentingEstimator.Options { NumberOfCopies = 3, Seed = seed, RandAugmentOperations = randAugment };
            var output = ml.Transforms.ClassicalAugment(o).Fit(data).Transform(data);
            return output.GetColumn<VBuffer<float>>("Features").Select(v => v.DenseValues().ToArray()).ToArray();
        }
        foreach (int n in new[] { 0, 2 })
        {
            var a = Read(1, n);
            Assert.HasCount(6 * 4, a);
            for (int row = 0; row < 6; row++)
                for (int i = 1; i <= 3; i++)
                {
                    CollectionAssert.AreNotEqual(a[row * 4], a[row * 4 + i], $"copy {i} of row {row} equals its original");
                    for (int j = i + 1; j <= 3; j++)
                        CollectionAssert.AreNotEqual(a[row * 4 + i], a[row * 4 + j], $"copies {i} and {j} of row {row}");
                }
            Assert.IsTrue(a.SelectMany(p => p).All(v => v >= 0 && v <= 255), "pixels stay in [PixelMin, PixelMax]");
            var again = Read(1, n);
            for (int r = 0; r < a.Length; r++) CollectionAssert.AreEqual(a[r], again[r]);
            var other = Read(2, n);
            Assert.IsTrue(Enumerable.Range(0, a.Length).Any(r => !a[r].SequenceEqual(other[r])), "another seed gives other copies");
        }
    }

    [TestMethod]
    public void EveryRandAugmentOperationKeepsShapeAndRange()
    {
        var rng = new Random(1);
        var image = Enumerable.Range(0, 3 * 8 * 8).Select(_ => (float)rng.NextDouble()).ToArray();
        foreach (var op in Enum.GetValues<RandAugment.Operation>())
            foreach (int magnitude in new[] { 0, 9, 30 })
                foreach (bool negate in new[] { false, true })
                {
                    var x = image.ToArray();
                    RandAugment.Apply(op, magnitude, negate, x, new float[x.Length], 3, 8, 8, 0, 1);
                    Assert.IsTrue(x.All(v => v >= 0 && v <= 1 && float.IsFinite(v)), $"{op} at {magnitude}");
                    if (magnitude == 0 && op is not (RandAugment.Operation.AutoContrast or RandAugment.Operation.Equalize or RandAugment.Operation.Solarize or RandAugment.Operation.Posterize))
                        CollectionAssert.AreEqual(image, x, $"{op} at magnitude 0 is the identity");
                }
    }

    [TestMethod]
    public void ASyntheticSourceRowStaysSynthetic()
    {
        var ml = new MLContext();
        var o = Off();
        var once = ml.Transforms.ClassicalAugment(o).Fit(TinyRows(ml)).Transform(TinyRows(ml));
        var twice = ml.Transforms.ClassicalAugment(o).Fit(once).Transform(once);
        CollectionAssert.AreEqual(new[] { false, true, true, true, false, true, true, true }, twice.GetColumn<bool>("IsSynthetic").ToArray());
        var groups = twice.GetColumn<DataViewRowId>("SourceRowId").ToArray();
        Assert.AreEqual(1, groups.Take(4).Distinct().Count(), "the grouping key is copied from the first augmenter's rows");
    }

    [TestMethod]
    public void PassesTheEstimatorWorkout()
    {
        var ml = new MLContext(seed: 1);
        var data = ToyImages.Load(ml, perClass: 2, seed: 2);
        var o = new ClassicalAugmentingEstimator.Options { NumberOfCopies = 2, RandAugmentOperations = 1, Seed = 4 };
        var noFeatures = ml.Transforms.DropColumns("Features").Fit(data).Transform(data);
        var keyFeatures = ml.Transforms.Conversion.MapValueToKey("Features", "Class").Fit(data).Transform(data);
        EstimatorConformance.TestEstimatorCore(ml.Transforms.ClassicalAugment(o), data, null,
            new InvalidInput(noFeatures, "Could not find input column 'Features'"),
            new InvalidInput(keyFeatures, "Schema mismatch for input column 'Features': expected Vector<Single, C, H, W> or Vector<Single, H, W>, got Key<UInt32>"));
        // The simple overload on a separate output column keeps the input.
        EstimatorConformance.TestEstimatorCore(ml.Transforms.ClassicalAugment("Augmented", "Features", numberOfCopies: 1, seed: 5), data);
    }

    [TestMethod]
    public void BadOptionsAreRejectedUpFront()
    {
        var ml = new MLContext();
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => ml.Transforms.ClassicalAugment("Features", numberOfCopies: -1));
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => ml.Transforms.ClassicalAugment("Features", numberOfCopies: 0, keepOriginal: false));
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => ml.Transforms.ClassicalAugment(new ClassicalAugmentingEstimator.Options { RandAugmentMagnitude = 31 }));
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => ml.Transforms.ClassicalAugment(new ClassicalAugmentingEstimator.Options { PixelMin = 1, PixelMax = 1 }));
        Assert.ThrowsExactly<ArgumentException>(() => ml.Transforms.ClassicalAugment("IsSynthetic"));
    }
}
