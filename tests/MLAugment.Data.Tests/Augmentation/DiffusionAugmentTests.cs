using MLAugment.Data.Tests.Conformance;
using MLAugment.Data.Tests.Operations;
using MLAugment.Data.Transforms.Augmentation;
using MLAugment.Diffusion.Sampling;
using static MLAugment.Data.Tests.Augmentation.AugmentationFixtures;

namespace MLAugment.Data.Tests.Augmentation;

[TestClass]
public sealed class DiffusionAugmentTests
{
    private static IEstimator<ITransformer> Load(MLContext ml, int size = Size) =>
        ml.Transforms.LoadImages("Image", null, "ImagePath").Append(ml.Transforms.ResizeImages("Image", size, size));

    private static IDataView Folder(MLContext ml, Dictionary<string, int> counts, int size = Size) =>
        ml.Data.LoadFromImageFolder(ImageFolder(counts, size), labelAsKey: true);

    [TestMethod]
    public void APipelineFromAnImageFolderYieldsTheOriginalPlusMSyntheticRowsPerImage()
    {
        var ml = new MLContext(seed: 1);
        var data = Folder(ml, new() { ["Trouser"] = 3, ["Sneaker"] = 1 });
        var pipeline = Load(ml)
            .Append(ml.Transforms.DiffusionAugment(Fast(new DiffusionAugmentOptions { Model = TinyLdm, SyntheticPerImage = 2 })))
            .Append(ml.Transforms.ExtractPixels("Pixels", "Image"));

        var output = pipeline.Fit(data).Transform(data);

        Assert.AreEqual(12L, output.GetRowCount());
        var s = output.Schema;
        Assert.AreEqual(BooleanDataViewType.Instance, s[AugmentationColumns.IsSynthetic].Type);
        Assert.AreEqual(RowIdDataViewType.Instance, s[AugmentationColumns.SourceRowId].Type);
        Assert.AreEqual(NumberDataViewType.Int64, s[AugmentationColumns.Seed].Type);
        Assert.AreEqual(NumberDataViewType.Single, s[AugmentationColumns.Strength].Type);
        Assert.AreEqual(TextDataViewType.Instance, s[AugmentationColumns.Prompt].Type);
        Assert.AreEqual(new ImageDataViewType(Size, Size), s["Image"].Type);
        Assert.IsInstanceOfType<KeyDataViewType>(s["Label"].Type, "the label is carried over unchanged");
        Assert.AreEqual(new VectorDataViewType(NumberDataViewType.Single, 3, Size, Size), s["Pixels"].Type);

        var rows = Rows(output, "Label", "IsSynthetic", "SourceRowId", "Seed", "Strength", "Prompt", "Pixels");
        Assert.AreEqual(12, rows.Count);
        Assert.AreEqual(8, rows.Count(r => (bool)r["IsSynthetic"]!));
        foreach (var group in rows.GroupBy(r => (DataViewRowId)r["SourceRowId"]!))
        {
            var g = group.ToArray();
            Assert.AreEqual(3, g.Length, "each source row: original then 2 synthetic rows");
            Assert.IsFalse((bool)g[0]["IsSynthetic"]!);
            Assert.IsTrue(g.Skip(1).All(r => (bool)r["IsSynthetic"]! && (float)r["Strength"]! == 0.5f));
            Assert.IsTrue(g.All(r => (uint)r["Label"]! == (uint)g[0]["Label"]!), "synthetic rows keep their source's label");
            Assert.AreNotEqual((long)g[1]["Seed"]!, (long)g[2]["Seed"]!);
            Assert.IsFalse(((float[])g[1]["Pixels"]!).SequenceEqual((float[])g[0]["Pixels"]!), "a synthetic image differs from its source");
        }
        var sneaker = rows.First(r => (bool)r["IsSynthetic"]! && (uint)r["Label"]! == 1u);
        Assert.AreEqual("a photo of a Sneaker", sneaker["Prompt"]);
    }

    [TestMethod]
    public void AnOutputColumnOfItsOwnLeavesTheInputImageAsItWas()
    {
        var ml = new MLContext(seed: 1);
        var raw = Folder(ml, new() { ["Trouser"] = 2 });
        var data = Load(ml).Fit(raw).Transform(raw);
        var estimator = ml.Transforms.DiffusionAugment(TinyLdm, outputColumnName: "Augmented", inputColumnName: "Image", syntheticPerImage: 1);
        var output = estimator.Fit(data).Transform(data);

        Assert.AreEqual(new ImageDataViewType(Size, Size), output.Schema["Augmented"].Type);
        var rows = Rows(output, "Image", "Augmented", "IsSynthetic");
        Assert.AreEqual(4, rows.Count);
        foreach (var r in rows)
        {
            bool same = ((byte[])r["Image"]!).SequenceEqual((byte[])r["Augmented"]!);
            Assert.AreEqual(!(bool)r["IsSynthetic"]!, same, "originals copy the image; synthetic rows differ from it");
        }
        Assert.IsTrue(estimator.GetOutputSchema(SchemaShape.Create(data.Schema)).TryFindColumn("Augmented", out _));
    }

    [TestMethod]
    public void GenerationIsLazyAndHappensOnlyWhenTheImageIsRead()
    {
        var ml = new MLContext(seed: 1);
        var data = Folder(ml, new() { ["Trouser"] = 2 });
        var counting = new CountingBackend(TinyLdm);
        var model = Load(ml).Append(ml.Transforms.DiffusionAugment(Fast(new DiffusionAugmentOptions { Model = counting }))).Fit(data);

        var output = model.Transform(data);
        Assert.AreEqual(0, counting.PredictCalls, "Transform only checks the schema");
        Assert.AreEqual(6, Rows(output, "Label", "IsSynthetic", "Seed").Count);
        Assert.AreEqual(0, counting.PredictCalls, "reading other columns generates nothing");
        Rows(output, "Image");
        Assert.IsTrue(counting.PredictCalls > 0);
    }

    [TestMethod]
    public void ResultsDoNotDependOnBatchSizeAndReadsRepeat()
    {
        var ml = new MLContext(seed: 1);
        var data = Load(ml).Fit(Folder(ml, new() { ["Trouser"] = 2 })).Transform(Folder(ml, new() { ["Trouser"] = 2 }));
        IDataView Run(int batch) => ml.Transforms.DiffusionAugment(Fast(new DiffusionAugmentOptions
        {
            Model = TinyLdm, SyntheticPerImage = 3, BatchSize = batch, StrengthMix = DiffusionAugmentOptions.DaFusionStrengths, Seed = 11,
        })).Fit(data).Transform(data);

        var one = Rows(Run(1), "Image", "Strength", "Seed");
        var many = Rows(Run(16), "Image", "Strength", "Seed");
        var output = Run(2);
        var again = Rows(output, "Image", "Strength", "Seed");
        var again2 = Rows(output, "Image", "Strength", "Seed");
        for (int i = 0; i < one.Count; i++)
        {
            CollectionAssert.AreEqual((byte[])one[i]["Image"]!, (byte[])many[i]["Image"]!, $"row {i}: batch 1 vs 16");
            CollectionAssert.AreEqual((byte[])one[i]["Image"]!, (byte[])again[i]["Image"]!, $"row {i}: batch 1 vs 2");
            CollectionAssert.AreEqual((byte[])again[i]["Image"]!, (byte[])again2[i]["Image"]!, $"row {i}: second cursor");
            Assert.AreEqual(one[i]["Seed"], many[i]["Seed"]);
        }
        Assert.IsTrue(one.All(r => DiffusionAugmentOptions.DaFusionStrengths.Contains((float)r["Strength"]!) || (float)r["Strength"]! == 0f));
    }

    [TestMethod]
    public void SyntheticRowsOfSeveralSourceRowsShareOneBatch()
    {
        var ml = new MLContext(seed: 1);
        var raw = Folder(ml, new() { ["Trouser"] = 4 });
        var data = Load(ml).Fit(raw).Transform(raw);
        (int Calls, List<Dictionary<string, object?>> Rows) Run(int batch)
        {
            var counting = new CountingBackend(TinyLdm);
            var output = ml.Transforms.DiffusionAugment(Fast(new DiffusionAugmentOptions { Model = counting, BatchSize = batch, Seed = 2 }))
                .Fit(data).Transform(data);
            var rows = Rows(output, "Image");
            return (counting.PredictCalls, rows);
        }

        var perRow = Run(2);     // one source row's 2 images per batch: 4 batches
        var together = Run(8);   // all 8 synthetic images of the 4 rows in one batch

        Assert.AreEqual(perRow.Calls, 4 * together.Calls, "the denoiser runs once per step for the whole batch");
        for (int i = 0; i < perRow.Rows.Count; i++)
            CollectionAssert.AreEqual((byte[])perRow.Rows[i]["Image"]!, (byte[])together.Rows[i]["Image"]!, $"row {i}");
    }

    [TestMethod]
    public void WithTrainingScopeFitSeesAugmentedRowsAndScoringSkipsThem()
    {
        var ml = new MLContext(seed: 1);
        var data = Folder(ml, new() { ["Trouser"] = 2, ["Sneaker"] = 2 });
        IEstimator<ITransformer> augmentation = Load(ml)
            .Append(ml.Transforms.DiffusionAugment(Fast(new DiffusionAugmentOptions { Model = TinyLdm, SyntheticPerImage = 2 })), TransformerScope.Training);

        var model = augmentation.Append(new RowCountingEstimator()).Fit(data);

        Assert.AreEqual(12, model.LastTransformer.RowsSeenAtFit, "the trainer's Fit sees originals and synthetic rows");
        Assert.AreEqual(4L, model.Transform(data).GetRowCount(), "scoring skips the augmenter");
    }

    [TestMethod]
    public void ReplaceProbabilityOneDropsEveryOriginal()
    {
        var ml = new MLContext(seed: 1);
        var data = Load(ml).Fit(Folder(ml, new() { ["Trouser"] = 3 })).Transform(Folder(ml, new() { ["Trouser"] = 3 }));
        var output = ml.Transforms.DiffusionAugment(Fast(new DiffusionAugmentOptions { Model = TinyLdm, SyntheticPerImage = 1, ReplaceProbability = 1f }))
            .Fit(data).Transform(data);
        Assert.AreEqual(3L, output.GetRowCount());
        Assert.IsTrue(Rows(output, "IsSynthetic").All(r => (bool)r["IsSynthetic"]!));

        var half = ml.Transforms.DiffusionAugment(Fast(new DiffusionAugmentOptions { Model = TinyLdm, SyntheticPerImage = 1, ReplaceProbability = 0.5f }))
            .Fit(data).Transform(data);
        Assert.IsNull(half.GetRowCount(), "a random drop makes the count unknown");
        int rows = Rows(half, "IsSynthetic").Count;
        Assert.IsTrue(rows >= 3 && rows <= 6);
    }

    [TestMethod]
    public void BackgroundOnlyKeepsObjectPixelsExactly()
    {
        var ml = new MLContext(seed: 1);
        var data = ml.Data.LoadFromEnumerable(MaskedRows(2));
        var output = ml.Transforms.DiffusionAugment(Fast(new DiffusionAugmentOptions
        {
            Model = TinyLdm, Mode = DiffusionAugmentMode.BackgroundOnly, MaskColumnName = "Mask", Strength = 1f,
        })).Fit(data).Transform(data);

        var rows = Rows(output, "Image", "Mask", "IsSynthetic", "SourceRowId");
        foreach (var group in rows.GroupBy(r => (DataViewRowId)r["SourceRowId"]!))
        {
            var source = (byte[])group.First()["Image"]!;
            var mask = (byte[])group.First()["Mask"]!;
            foreach (var synthetic in group.Skip(1).Select(r => (byte[])r["Image"]!))
            {
                int changed = 0;
                for (int p = 0; p < Size * Size; p++)
                {
                    if (mask[p * 4] != 0)
                        CollectionAssert.AreEqual(source[(p * 4)..(p * 4 + 4)], synthetic[(p * 4)..(p * 4 + 4)], $"object pixel {p} must be exact");
                    else if (!source.AsSpan(p * 4, 4).SequenceEqual(synthetic.AsSpan(p * 4, 4)))
                        changed++;
                }
                Assert.IsTrue(changed > 0, "the background was regenerated");
            }
        }
    }

    [TestMethod]
    public void PassesTheEstimatorWorkout()
    {
        var ml = new MLContext(seed: 1);
        var data = Load(ml).Fit(Folder(ml, new() { ["Trouser"] = 2, ["Sneaker"] = 1 })).Transform(Folder(ml, new() { ["Trouser"] = 2, ["Sneaker"] = 1 }));
        var noImage = ml.Transforms.DropColumns("Image").Fit(data).Transform(data);
        var textImage = ml.Transforms.CopyColumns("Image", "ImagePath").Fit(data).Transform(data);
        var floatLabel = ml.Data.LoadFromEnumerable(new[] { new FloatLabelRow() });
        var estimator = ml.Transforms.DiffusionAugment(Fast(new DiffusionAugmentOptions { ModelPath = ModelFolder, SyntheticPerImage = 1 }));

        EstimatorConformance.TestEstimatorCore(estimator, data, invalidInputs:
        [
            new InvalidInput(noImage, "Could not find image column 'Image'"),
            new InvalidInput(textImage, "Schema mismatch for image column 'Image': expected Image, got "),
            new InvalidInput(floatLabel, "Schema mismatch for label column 'Label': expected Key<UInt32> with KeyValues, or Text, got Single"),
        ]);
    }

    public sealed class FloatLabelRow
    {
        [ImageType(Size, Size)]
        public MLImage Image { get; set; } = MLImage.CreateFromPixels(Size, Size, MLPixelFormat.Rgba32, new byte[Size * Size * 4]);

        public float Label { get; set; }
    }

    [TestMethod]
    public void AnImageOfAnotherSizeThanTheModelFailsNamingBothSizes()
    {
        var ml = new MLContext(seed: 1);
        var raw = Folder(ml, new() { ["Trouser"] = 1 }, size: 20);
        var data = Load(ml, 20).Fit(raw).Transform(raw);
        var e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() =>
            ml.Transforms.DiffusionAugment(Fast(new DiffusionAugmentOptions { Model = TinyLdm })).Fit(data).Transform(data));
        StringAssert.Contains(e.Message, "Image<16, 16>");
        StringAssert.Contains(e.Message, "Image<20, 20>");
    }

    [TestMethod]
    public void ALabelTheModelDoesNotKnowListsTheKnownOnes()
    {
        var ml = new MLContext(seed: 1);
        var raw = Folder(ml, new() { ["Banana"] = 1, ["Trouser"] = 1 });
        var data = Load(ml).Fit(raw).Transform(raw);
        var e = Assert.ThrowsExactly<UnknownConditionException>(() =>
            ml.Transforms.DiffusionAugment(Fast(new DiffusionAugmentOptions { Model = TinyLdm })).Fit(data).Transform(data));
        StringAssert.Contains(e.Message, "Banana");
        StringAssert.Contains(e.Message, "T-shirt/top, Trouser, Sneaker");
    }

    [TestMethod]
    public void AnInMemoryModelCannotBeSavedAndAChangedModelFolderIsRefusedOnLoad()
    {
        var ml = new MLContext(seed: 1);
        var data = Load(ml).Fit(Folder(ml, new() { ["Trouser"] = 1 })).Transform(Folder(ml, new() { ["Trouser"] = 1 }));
        var inMemory = ml.Transforms.DiffusionAugment(Fast(new DiffusionAugmentOptions { Model = TinyLdm })).Fit(data);
        var e = Assert.ThrowsExactly<InvalidOperationException>(() => ml.Model.Save(inMemory, data.Schema, new MemoryStream()));
        StringAssert.Contains(e.Message, "in memory");

        var folder = NewTempFolder("model-changing");
        TinyModel(seed: 0).Save(folder);
        var saved = ml.Transforms.DiffusionAugment(Fast(new DiffusionAugmentOptions { ModelPath = folder })).Fit(data);
        using var stream = new MemoryStream();
        ml.Model.Save(saved, data.Schema, stream);
        TinyModel(seed: 9).Save(folder);
        stream.Position = 0;
        var load = Assert.ThrowsExactly<InvalidDataException>(() => ml.Model.Load(stream, out _));
        StringAssert.Contains(load.Message, "ModelId");
    }
}
