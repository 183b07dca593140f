using MLAugment.Data.Tests.Conformance;
using MLAugment.Data.Transforms.Augmentation;
using static MLAugment.Data.Tests.Augmentation.AugmentationFixtures;

namespace MLAugment.Data.Tests.Augmentation;

[TestClass]
public sealed class ClassBalancingTests
{
    private static IDataView Images(MLContext ml, Dictionary<string, int> counts)
    {
        var raw = ml.Data.LoadFromImageFolder(ImageFolder(counts), labelAsKey: true);
        return ml.Transforms.LoadImages("Image", null, "ImagePath").Fit(raw).Transform(raw);
    }

    private static Dictionary<uint, int> CountByLabel(IDataView data) =>
        Rows(data, "Label").GroupBy(r => (uint)r["Label"]!).ToDictionary(g => g.Key, g => g.Count());

    [TestMethod]
    public void BalancedFillsEveryClassUpToTheLargestAndReportsIt()
    {
        var ml = new MLContext(seed: 1);
        var logs = new List<string>();
        ml.Log += (_, e) => logs.Add(e.Message);
        var data = Images(ml, new() { ["Trouser"] = 4, ["Sneaker"] = 1 });

        var balancer = ml.Transforms.ClassBalancing(Fast(new ClassBalancingOptions { Model = TinyLdm })).Fit(data);
        var output = balancer.Transform(data);

        var sneaker = balancer.Report.Single(r => r.ClassName == "Sneaker");
        Assert.AreEqual((1, 4, 3), (sneaker.RealCount, sneaker.TargetCount, sneaker.Added));
        Assert.AreEqual(0, balancer.Report.Single(r => r.ClassName == "Trouser").Added);
        Assert.AreEqual(8L, output.GetRowCount(), "exact after Fit");
        var counts = CountByLabel(output);
        Assert.AreEqual(4, counts[1u]);
        Assert.AreEqual(4, counts[2u]);
        Assert.AreEqual(3, Rows(output, "IsSynthetic", "Image").Count(r => (bool)r["IsSynthetic"]!));
        Assert.IsTrue(logs.Any(l => l.Contains("Sneaker: 1 real + 3 added")), "the report is logged");
    }

    [TestMethod]
    public void RatioCapAndPerClassTargetsBoundTheAdditions()
    {
        var ml = new MLContext(seed: 1);
        var data = Images(ml, new() { ["Trouser"] = 6, ["Sneaker"] = 2 });

        var ratio = ml.Transforms.ClassBalancing(Fast(new ClassBalancingOptions { Model = TinyLdm, Target = BalancingTarget.RatioOfLargest, Ratio = 0.5f })).Fit(data);
        Assert.AreEqual(1, ratio.Report.Single(r => r.ClassName == "Sneaker").Added, "ceil(0.5 × 6) − 2");

        var capped = ml.Transforms.ClassBalancing(Fast(new ClassBalancingOptions { Model = TinyLdm, MaxSyntheticPerClass = 3 })).Fit(data);
        Assert.AreEqual(3, capped.Report.Single(r => r.ClassName == "Sneaker").Added);
        Assert.AreEqual(5, CountByLabel(capped.Transform(data))[1u], "2 real + 3 synthetic, round robin over both real rows");

        var perClass = ml.Transforms.ClassBalancing(Fast(new ClassBalancingOptions
        {
            Model = TinyLdm, Target = BalancingTarget.PerClass, PerClassTargets = new Dictionary<string, int> { ["Sneaker"] = 5 },
            Mode = BalancingMode.GenerateFromLabel,
        })).Fit(data);
        var output = perClass.Transform(data);
        Assert.AreEqual(11L, output.GetRowCount());
        Assert.AreEqual(5, CountByLabel(output)[1u]);
        Assert.AreEqual(3, Rows(output, "IsSynthetic", "Image").Count(r => (bool)r["IsSynthetic"]!));

        var e = Assert.ThrowsExactly<ArgumentException>(() => ml.Transforms.ClassBalancing(Fast(new ClassBalancingOptions
        {
            Model = TinyLdm, Target = BalancingTarget.PerClass, PerClassTargets = new Dictionary<string, int> { ["Dress"] = 5 },
        })).Fit(data));
        StringAssert.Contains(e.Message, "Sneaker, Trouser");
    }

    [TestMethod]
    public void PassesTheEstimatorWorkout()
    {
        var ml = new MLContext(seed: 1);
        var data = Images(ml, new() { ["Trouser"] = 3, ["Sneaker"] = 1 });
        var noLabel = ml.Transforms.DropColumns("Label").Fit(data).Transform(data);
        EstimatorConformance.TestEstimatorCore(ml.Transforms.ClassBalancing(Fast(new ClassBalancingOptions { ModelPath = ModelFolder })), data,
            invalidInputs: [new InvalidInput(noLabel, "Could not find label column 'Label'")]);
    }

    [TestMethod]
    public void AQualityFilterMakesTheBalancedCountUnknown()
    {
        var ml = new MLContext(seed: 1);
        var data = Images(ml, new() { ["Trouser"] = 3, ["Sneaker"] = 1 });
        var balancer = ml.Transforms.ClassBalancing(Fast(new ClassBalancingOptions { Model = TinyLdm, QualityScorer = (_, _) => 0f })).Fit(data);
        var output = balancer.Transform(data);
        Assert.IsNull(output.GetRowCount());
        Assert.AreEqual(4, Rows(output, "Label").Count, "every synthetic row was rejected");
        Assert.AreEqual(0.0, balancer.Statistics.AcceptanceRate);
        Assert.IsNull(balancer.Transform(ml.Data.TakeRows(data, 4)).GetRowCount(), "another view: unknown");
    }

    [TestMethod]
    public void EmptyInputGivesAnEmptyReportAndNoRows()
    {
        var ml = new MLContext(seed: 1);
        var data = ml.Data.TakeRows(Images(ml, new() { ["Trouser"] = 1 }), 0);
        var balancer = ml.Transforms.ClassBalancing(Fast(new ClassBalancingOptions { Model = TinyLdm })).Fit(data);
        Assert.IsTrue(balancer.Report.All(r => r.Added == 0));
        Assert.AreEqual(0, Rows(balancer.Transform(data), "Image").Count);
    }
}

[TestClass]
public sealed class CounterfactualTests
{
    [TestMethod]
    public void AMaskedEditRelabelsAndKeepsEveryPixelOutsideTheMaskBitIdentical()
    {
        var ml = new MLContext(seed: 1);
        var data = ml.Data.LoadFromEnumerable(MaskedRows(3));
        var output = ml.Transforms.Counterfactual(Fast(new CounterfactualOptions { Model = TinyLdm, TargetLabel = "Sneaker", KeepOriginal = true }))
            .Fit(data).Transform(data);

        Assert.AreEqual(6L, output.GetRowCount());
        var rows = Rows(output, "Image", "Mask", "Label", "SourceLabel", "IsSynthetic", "Prompt", "Strength");
        for (int i = 0; i < rows.Count; i += 2)
        {
            var (original, edited) = (rows[i], rows[i + 1]);
            Assert.IsFalse((bool)original["IsSynthetic"]!);
            Assert.IsTrue((bool)edited["IsSynthetic"]!);
            Assert.AreEqual("Sneaker", edited["Label"]);
            Assert.AreEqual(original["Label"], edited["SourceLabel"]);
            Assert.AreEqual("a photo of a Sneaker", edited["Prompt"]);
            Assert.AreEqual(1f, edited["Strength"]);
            byte[] src = (byte[])original["Image"]!, dst = (byte[])edited["Image"]!, mask = (byte[])original["Mask"]!;
            int changedInside = 0;
            for (int p = 0; p < Size * Size; p++)
            {
                bool inside = mask[p * 4] != 0;
                bool same = src.AsSpan(p * 4, 4).SequenceEqual(dst.AsSpan(p * 4, 4));
                if (!inside)
                    Assert.IsTrue(same, $"pixel {p} outside the mask must be bit-identical");
                else if (!same)
                    changedInside++;
            }
            Assert.IsTrue(changedInside > 0, "the masked region was edited");
        }
    }

    [TestMethod]
    public void AMappingEditsOnlyMappedLabelsAndKeyLabelsGetTheTargetKey()
    {
        var ml = new MLContext(seed: 1);
        var data = ml.Data.LoadFromEnumerable(MaskedRows(4));
        var output = ml.Transforms.Counterfactual(Fast(new CounterfactualOptions
        {
            Model = TinyLdm, LabelMapping = new Dictionary<string, string> { ["Trouser"] = "T-shirt/top" },
        })).Fit(data).Transform(data);
        var rows = Rows(output, "Label", "SourceLabel", "IsSynthetic");
        Assert.IsNull(output.GetRowCount());
        Assert.AreEqual(4, rows.Count);
        Assert.IsTrue(rows.All(r => (string)r["Label"]! == "T-shirt/top"));
        Assert.AreEqual(2, rows.Count(r => (bool)r["IsSynthetic"]!), "only the Trouser rows are edited");
    }

    [TestMethod]
    public void StructurePreservingTranslationRelabelsTheWholeImage()
    {
        var ml = new MLContext(seed: 1);
        var data = ml.Data.LoadFromEnumerable(MaskedRows(2));
        var output = ml.Transforms.Counterfactual(Fast(new CounterfactualOptions
        {
            Model = TinyLdm, Mode = CounterfactualMode.StructurePreserving, TargetLabel = "Sneaker", MaskColumnName = null,
        })).Fit(data).Transform(data);
        var rows = Rows(output, "Image", "Label", "Strength");
        Assert.AreEqual(2, rows.Count);
        Assert.IsTrue(rows.All(r => (string)r["Label"]! == "Sneaker" && (float)r["Strength"]! == 0.6f));
        Assert.IsTrue(rows.All(r => ((byte[])r["Image"]!).Length == Size * Size * 4));
    }

    public sealed class VectorMaskRow
    {
        [ImageType(Size, Size)]
        public MLImage Image { get; set; } = null!;

        [VectorType(Size * Size)]
        public float[] Mask { get; set; } = null!;

        public string Label { get; set; } = "";
    }

    [TestMethod]
    public void AVectorMaskWorksLikeAnImageMask()
    {
        var ml = new MLContext(seed: 1);
        var images = MaskedRows(2);
        var square = SquareMask(Size, 8).Pixels.ToArray();
        var vectorRows = images.Select(r => new VectorMaskRow
        {
            Image = r.Image, Label = r.Label,
            Mask = Enumerable.Range(0, Size * Size).Select(p => square[p * 4] != 0 ? 1f : 0f).ToArray(),
        }).ToArray();
        var options = Fast(new CounterfactualOptions { Model = TinyLdm, TargetLabel = "Sneaker" });
        var fromImage = Rows(ml.Transforms.Counterfactual(options).Fit(ml.Data.LoadFromEnumerable(images)).Transform(ml.Data.LoadFromEnumerable(images)), "Image");
        var vectorData = ml.Data.LoadFromEnumerable(vectorRows);
        var fromVector = Rows(ml.Transforms.Counterfactual(options).Fit(vectorData).Transform(vectorData), "Image");
        for (int i = 0; i < fromImage.Count; i++)
            CollectionAssert.AreEqual((byte[])fromImage[i]["Image"]!, (byte[])fromVector[i]["Image"]!, $"row {i}");
    }

    [TestMethod]
    public void KeyLabelsAreRelabelledWithTheTargetsKey()
    {
        var ml = new MLContext(seed: 1);
        var raw = ml.Data.LoadFromImageFolder(ImageFolder(new Dictionary<string, int> { ["Trouser"] = 2, ["Sneaker"] = 1 }), labelAsKey: true);
        var data = ml.Transforms.LoadImages("Image", null, "ImagePath").Fit(raw).Transform(raw);
        var output = ml.Transforms.Counterfactual(Fast(new CounterfactualOptions
        {
            Model = TinyLdm, Mode = CounterfactualMode.StructurePreserving, MaskColumnName = null,
            LabelMapping = new Dictionary<string, string> { ["Trouser"] = "Sneaker" },
        })).Fit(data).Transform(data);
        var rows = Rows(output, "Label", "SourceLabel", "IsSynthetic");
        Assert.IsTrue(rows.All(r => (uint)r["Label"]! == 1u), "Sneaker is key 1 (KeyValues: Sneaker, Trouser)");
        Assert.AreEqual(2, rows.Count(r => (uint)r["SourceLabel"]! == 2u && (bool)r["IsSynthetic"]!));

        var e = Assert.ThrowsExactly<ArgumentException>(() => ml.Transforms.Counterfactual(Fast(new CounterfactualOptions
        {
            Model = TinyLdm, Mode = CounterfactualMode.StructurePreserving, MaskColumnName = null, TargetLabel = "T-shirt/top",
        })).Fit(data));
        StringAssert.Contains(e.Message, "its values are: Sneaker, Trouser");
    }

    [TestMethod]
    public void AVectorMaskOfTheWrongLengthNamesBothSizes()
    {
        var ml = new MLContext(seed: 1);
        var data = ml.Data.LoadFromEnumerable(new[] { new WrongVectorMaskRow { Image = RandomImage(new Random(1), Size, Size), Mask = new float[10], Label = "Trouser" } });
        var e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() =>
            ml.Transforms.Counterfactual(Fast(new CounterfactualOptions { Model = TinyLdm, TargetLabel = "Sneaker" })).Fit(data));
        StringAssert.Contains(e.Message, "Vector<Single, 256>");
        StringAssert.Contains(e.Message, "Vector<Single, 10>");
    }

    public sealed class WrongVectorMaskRow
    {
        [ImageType(Size, Size)]
        public MLImage Image { get; set; } = null!;

        [VectorType(10)]
        public float[] Mask { get; set; } = null!;

        public string Label { get; set; } = "";
    }

    [TestMethod]
    public void TheStructureTermPullsTheTranslationTowardTheSourcesCoarseLayout()
    {
        var ml = new MLContext(seed: 1);
        var data = ml.Data.LoadFromEnumerable(MaskedRows(3));
        double CoarseDistance(float weight)
        {
            var rows = Rows(ml.Transforms.Counterfactual(Fast(new CounterfactualOptions
            {
                Model = TinyLdm, Mode = CounterfactualMode.StructurePreserving, TargetLabel = "Sneaker", MaskColumnName = null,
                StructureWeight = weight, NumInferenceSteps = 10, Seed = 3,
            })).Fit(data).Transform(data), "Image");
            var sources = MaskedRows(3);
            double total = 0;
            for (int i = 0; i < rows.Count; i++)
                total += CoarseL2((byte[])rows[i]["Image"]!, sources[i].Image.Pixels.ToArray());
            return total;
        }

        double free = CoarseDistance(0f), guided = CoarseDistance(200f);
        Assert.IsTrue(guided < free, $"4x4-pooled distance to the source: guided {guided:F1} vs unguided {free:F1}");
    }

    /// <summary>Squared distance between the 4×4 average-pooled luma of two RGBA images.</summary>
    private static double CoarseL2(byte[] a, byte[] b)
    {
        double sum = 0;
        for (int by = 0; by < Size; by += 4)
            for (int bx = 0; bx < Size; bx += 4)
            {
                double ma = 0, mb = 0;
                for (int y = by; y < by + 4; y++)
                    for (int x = bx; x < bx + 4; x++)
                    {
                        int p = (y * Size + x) * 4;
                        ma += 0.299 * a[p] + 0.587 * a[p + 1] + 0.114 * a[p + 2];
                        mb += 0.299 * b[p] + 0.587 * b[p + 1] + 0.114 * b[p + 2];
                    }
                sum += Math.Pow((ma - mb) / 16, 2);
            }
        return sum;
    }

    [TestMethod]
    public void AMaskOfTheWrongSizeNamesBothSizes()
    {
        var ml = new MLContext(seed: 1);
        var data = ml.Data.LoadFromEnumerable(new[]
        {
            new SmallMaskRow { Image = RandomImage(new Random(1), Size, Size), Mask = SquareMask(8, 4), Label = "Trouser" },
        });
        var estimator = ml.Transforms.Counterfactual(Fast(new CounterfactualOptions { Model = TinyLdm, TargetLabel = "Sneaker" }));
        var e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => estimator.Fit(data));
        StringAssert.Contains(e.Message, "mask column 'Mask'");
        StringAssert.Contains(e.Message, "Image<16, 16>");
        StringAssert.Contains(e.Message, "Image<8, 8>");
    }

    [TestMethod]
    public void AnUnknownTargetListsTheKnownLabels()
    {
        var ml = new MLContext(seed: 1);
        var e = Assert.ThrowsExactly<Diffusion.Sampling.UnknownConditionException>(() =>
            ml.Transforms.Counterfactual(new CounterfactualOptions { Model = TinyLdm, TargetLabel = "Banana" }));
        StringAssert.Contains(e.Message, "T-shirt/top, Trouser, Sneaker");
    }

    [TestMethod]
    public void PassesTheEstimatorWorkout()
    {
        var ml = new MLContext(seed: 1);
        var data = ml.Data.LoadFromEnumerable(MaskedRows(2));
        var noMask = ml.Transforms.DropColumns("Mask").Fit(data).Transform(data);
        var textMask = ml.Transforms.CopyColumns("Mask", "Label").Fit(data).Transform(data);
        EstimatorConformance.TestEstimatorCore(
            ml.Transforms.Counterfactual(Fast(new CounterfactualOptions { ModelPath = ModelFolder, TargetLabel = "Sneaker", KeepOriginal = true })), data,
            invalidInputs:
            [
                new InvalidInput(noMask, "Could not find mask column 'Mask'"),
                new InvalidInput(textMask, "Schema mismatch for mask column 'Mask': expected Image, or Vector<Single> of height×width values, got "),
            ]);
    }
}
