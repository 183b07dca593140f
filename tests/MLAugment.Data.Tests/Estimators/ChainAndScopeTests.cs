using MLAugment.Data;
using MLAugment.Data.Tests.Operations;

namespace MLAugment.Data.Tests.Estimators;

[TestClass]
public sealed class ChainAndScopeTests
{
    [TestMethod]
    public void AnEstimatorChainPassesTheEstimatorWorkout()
    {
        var mlContext = new MLContext(seed: 0);
        var data = mlContext.Data.LoadFromEnumerable(SampleData.Flowers());
        var missing = mlContext.Data.LoadFromEnumerable(new[] { new SampleData.NoSpecies() });

        var pipeline = mlContext.Transforms.Conversion.MapValueToKey("Label", "Species")
            .Append(mlContext.Transforms.Concatenate("All", "SepalLength", "Features"))
            .Append(mlContext.Transforms.Conversion.MapKeyToValue("SpeciesText", "Label"))
            .Append(mlContext.Transforms.DropColumns("Features"));

        Conformance.EstimatorConformance.TestEstimatorCore(pipeline, data, invalidInputs:
        [
            new Conformance.InvalidInput(missing, "Could not find input column 'Species'"),
        ]);
    }

    [TestMethod]
    public void FitAppliesTrainingStepsButScoringSkipsThem()
    {
        var mlContext = new MLContext(seed: 0);
        var data = mlContext.Data.LoadFromEnumerable(SampleData.Images(4));

        // An augmenter that doubles every row, for training only, followed by a step that sees its output.
        var pipeline = new RepeatRowsEstimator(copies: 2).Append(new RowCountingEstimator(), TransformerScope.Everything);
        var fitted = pipeline.Fit(data);
        var model = new TransformerChain<ITransformer>(fitted, [TransformerScope.Training, TransformerScope.Everything]);

        Assert.AreEqual(8, fitted.LastTransformer.RowsSeenAtFit, "EstimatorChain.Fit applies every step regardless of scope");
        Assert.AreEqual(4L, model.Transform(data).GetRowCount(), "Transform defaults to Scoring and skips Training-only steps");
        Assert.AreEqual(8L, model.Transform(data, TransformerScope.Training).GetRowCount());
        Assert.AreEqual(1, model.GetModelFor(TransformerScope.Scoring).Count());
        Assert.AreEqual(2, model.GetModelFor(TransformerScope.Training).Count());
    }

    [TestMethod]
    public void NestedChainsApplyTheirTrainingStepsDuringFit()
    {
        var mlContext = new MLContext(seed: 0);
        var data = mlContext.Data.LoadFromEnumerable(SampleData.Images(4));
        IEstimator<ITransformer> augmentation = mlContext.Transforms.CopyColumns("Copy", "Pixels")
            .Append(new RepeatRowsEstimator(copies: 3), TransformerScope.Training);
        var counter = new RowCountingEstimator();

        // The extension Append nests the first chain as a single step of a new one.
        var model = augmentation.Append(counter).Fit(data);

        Assert.AreEqual(12, model.LastTransformer.RowsSeenAtFit, "the nested chain's training-only step ran during Fit");
        Assert.AreEqual(4L, model.Transform(data).GetRowCount(), "and is skipped when scoring");
    }

    [TestMethod]
    public void AppendWithAScopeRecordsItInTheFittedChain()
    {
        var mlContext = new MLContext(seed: 0);
        var data = mlContext.Data.LoadFromEnumerable(SampleData.Images(4));

        var pipeline = mlContext.Transforms.CopyColumns("Copy", "Pixels")
            .Append(new RepeatRowsEstimator(copies: 3), TransformerScope.Training)
            .Append(mlContext.Transforms.CopyColumns("LabelValue", "Label"), TransformerScope.TrainTest);
        var model = pipeline.Fit(data);

        CollectionAssert.AreEqual(new[] { TransformerScope.Everything, TransformerScope.Training, TransformerScope.TrainTest }, model.Scopes.ToArray());
        var scored = model.Transform(data);
        Assert.IsNotNull(scored.Schema.GetColumnOrNull("Copy"));
        Assert.IsNull(scored.Schema.GetColumnOrNull("LabelValue"), "TrainTest steps do not run at Scoring");
        Assert.IsNull(scored.Schema.GetColumnOrNull("GroupKey"));
        Assert.AreEqual(12L, model.Transform(data, TransformerScope.Training).GetRowCount());
    }

    [TestMethod]
    public void RowToRowMappingIgnoresScopesUntilGetModelForFiltersThem()
    {
        var mlContext = new MLContext(seed: 0);
        var data = mlContext.Data.LoadFromEnumerable(SampleData.Images(4));
        var model = mlContext.Transforms.CopyColumns("Copy", "Pixels")
            .Append(new RepeatRowsEstimator(copies: 2), TransformerScope.Training)
            .Fit(data);

        // As in ML.NET: the chain is not row-to-row while it holds a training-only row-changing step.
        Assert.IsFalse(model.IsRowToRowMapper);
        var e = Assert.ThrowsExactly<InvalidOperationException>(() => model.GetRowToRowMapper(data.Schema));
        StringAssert.Contains(e.Message, "GetModelFor(TransformerScope.Scoring)");

        var scoring = model.GetModelFor(TransformerScope.Scoring);
        Assert.IsTrue(scoring.IsRowToRowMapper);
        var mapper = scoring.GetRowToRowMapper(data.Schema);
        Assert.IsNotNull(mapper.OutputSchema.GetColumnOrNull("Copy"));
    }

    [TestMethod]
    public void ChainFitValidatesEveryStepBeforeTrainingAny()
    {
        var mlContext = new MLContext(seed: 0);
        var data = mlContext.Data.LoadFromEnumerable(SampleData.Images(4));
        var counter = new RowCountingEstimator();
        var pipeline = counter.Append(mlContext.Transforms.Conversion.MapKeyToValue("Out", "NoSuchColumn"));

        var e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => pipeline.Fit(data));
        StringAssert.Contains(e.Message, "Could not find input column 'NoSuchColumn'");
        Assert.AreEqual(0, counter.FitCalls, "no estimator is fitted when a later step cannot accept its input");
    }

    [TestMethod]
    public void TransformerChainsSaveAndLoadWithTheirScopes()
    {
        var mlContext = new MLContext(seed: 0);
        var data = mlContext.Data.LoadFromEnumerable(SampleData.Flowers());
        var model = mlContext.Transforms.Conversion.MapValueToKey("Label", "Species")
            .Append(mlContext.Transforms.Concatenate("All", "SepalLength", "Features"), TransformerScope.Training)
            .Fit(data);
        var path = Path.Combine(Path.GetTempPath(), $"mlaugment-chain-{Guid.NewGuid():N}.zip");
        try
        {
            mlContext.Model.Save(model, data.Schema, path);
            var loaded = (TransformerChain<ITransformer>)mlContext.Model.Load(path, out var inputSchema);

            CollectionAssert.AreEqual(model.Scopes.ToArray(), loaded.Scopes.ToArray());
            Assert.AreEqual(data.Schema.Count, inputSchema!.Count);
            Assert.IsNull(loaded.Transform(data).Schema.GetColumnOrNull("All"));
            CollectionAssert.AreEqual(new uint[] { 1, 2, 3, 1, 2 }, loaded.Transform(data).GetColumn<uint>("Label").ToArray());
        }
        finally
        {
            File.Delete(path);
        }
    }
}
