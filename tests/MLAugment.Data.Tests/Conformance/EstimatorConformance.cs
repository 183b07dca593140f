using MLAugment.Data;

namespace MLAugment.Data.Tests.Conformance;

/// <summary>An input an estimator must reject, and a fragment of the message it must use.</summary>
public sealed record InvalidInput(IDataView Data, string ExpectedMessage);

/// <summary>
/// The workout every estimator must pass (after ML.NET's TestEstimatorCore):
/// <list type="number">
/// <item>the SchemaShape promise equals the fitted transformer's output schema, both ways (names, kinds, item types,
/// key-ness, annotations);</item>
/// <item>GetOutputSchema(DataViewSchema) equals the transformed view's schema exactly (types with sizes and key counts);</item>
/// <item>two cursors read identical rows and ids; a row-to-row mapper gives the same rows, otherwise it throws;</item>
/// <item>save → load gives the same input schema, output schema and values (zip stream and folder);</item>
/// <item>bad inputs fail with ArgumentOutOfRangeException and ML.NET's wording at GetOutputSchema, Fit and
/// Transform — never mid-stream;</item>
/// <item>empty input gives empty output.</item>
/// </list>
/// </summary>
public static class EstimatorConformance
{
    public static void TestEstimatorCore<TTransformer>(IEstimator<TTransformer> estimator, IDataView validFitInput,
        IDataView? validTransformInput = null, params InvalidInput[] invalidInputs)
        where TTransformer : class, ITransformer
    {
        var ml = new MLContext(seed: 1);
        var input = validTransformInput ?? validFitInput;

        // 1. Promise versus delivery.
        var promised = estimator.GetOutputSchema(SchemaShape.Create(validFitInput.Schema));
        var transformer = estimator.Fit(validFitInput);
        var outputSchema = transformer.GetOutputSchema(input.Schema);
        CheckSameSchemaShape(promised, SchemaShape.Create(outputSchema));

        // 2. The lazy view delivers exactly the declared schema.
        var output = transformer.Transform(input);
        DataViewAssert.SchemasEqual(outputSchema, output.Schema, "Transform vs GetOutputSchema");

        // 3. Repeatable reads.
        var first = DataViewAssert.ReadAll(output);
        var second = DataViewAssert.ReadAll(output);
        DataViewAssert.AreEqual(first, second, "second cursor");
        var ids = first.Select(r => r[^1]).ToArray();
        Assert.AreEqual(ids.Length, ids.Distinct().Count(), "row ids must be distinct");
        if (output.GetRowCount() is long count)
            Assert.AreEqual(first.Count, count, "GetRowCount must be exact when not null");
        if (transformer.IsRowToRowMapper)
        {
            Assert.AreEqual(input.GetRowCount(), output.GetRowCount(), "a row-to-row transformer keeps the row count");
            var mapper = transformer.GetRowToRowMapper(input.Schema);
            DataViewAssert.SchemasEqual(outputSchema, mapper.OutputSchema, "row-to-row mapper schema");
            DataViewAssert.AreEqual(first, DataViewAssert.ReadThroughMapper(mapper, input), "row-to-row mapper values");
        }
        else
        {
            Assert.ThrowsExactly<InvalidOperationException>(() => transformer.GetRowToRowMapper(input.Schema));
        }

        // 4. Save and load: a zip stream and a folder.
        using (var stream = new MemoryStream())
        {
            ml.Model.Save(transformer, input.Schema, stream);
            stream.Position = 0;
            CheckLoaded(ml.Model.Load(stream, out var savedSchema), savedSchema, input, outputSchema, first);
        }
        var folder = Path.Combine(Path.GetTempPath(), "mlaugment-conformance-" + Guid.NewGuid().ToString("N")) + Path.DirectorySeparatorChar;
        try
        {
            ml.Model.Save(transformer, input.Schema, folder);
            CheckLoaded(ml.Model.Load(folder, out var savedSchema), savedSchema, input, outputSchema, first);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }

        // 5. Bad inputs fail up front with ML.NET's wording.
        foreach (var bad in invalidInputs)
        {
            AssertSchemaError(() => estimator.GetOutputSchema(SchemaShape.Create(bad.Data.Schema)), bad.ExpectedMessage, "estimator.GetOutputSchema");
            AssertSchemaError(() => estimator.Fit(bad.Data), bad.ExpectedMessage, "estimator.Fit");
            AssertSchemaError(() => transformer.GetOutputSchema(bad.Data.Schema), bad.ExpectedMessage, "transformer.GetOutputSchema");
            AssertSchemaError(() => transformer.Transform(bad.Data), bad.ExpectedMessage, "transformer.Transform");
        }

        // 6. Empty in, empty out.
        var empty = transformer.Transform(ml.Data.TakeRows(input, 0));
        Assert.AreEqual(0, DataViewAssert.ReadAll(empty).Count, "empty input must give empty output");
        Assert.IsTrue(empty.GetRowCount() is null or 0, "empty input: row count must be 0 or unknown");
    }

    /// <summary>As ML.NET: same columns by name, and each side compatible with the other.</summary>
    public static void CheckSameSchemaShape(SchemaShape promised, SchemaShape delivered)
    {
        CollectionAssert.AreEquivalent(promised.Select(c => c.Name).ToArray(), delivered.Select(c => c.Name).ToArray(), "promised vs delivered column names");
        foreach (var p in promised)
        {
            Assert.IsTrue(delivered.TryFindColumn(p.Name, out var d));
            Assert.IsTrue(d.IsCompatibleWith(p), $"column '{p.Name}': delivered {d.GetTypeString()} {{{string.Join(", ", d.Annotations.Select(a => a.Name))}}} is not what was promised");
            Assert.IsTrue(p.IsCompatibleWith(d), $"column '{p.Name}': promised {p.GetTypeString()} {{{string.Join(", ", p.Annotations.Select(a => a.Name))}}} is not what was delivered");
        }
    }

    private static void CheckLoaded(ITransformer loaded, DataViewSchema? savedSchema, IDataView input, DataViewSchema outputSchema, List<object?[]> expected)
    {
        Assert.IsNotNull(savedSchema, "the input schema must be saved with the model");
        DataViewAssert.SchemasEqual(input.Schema, savedSchema!, "saved input schema");
        DataViewAssert.SchemasEqual(outputSchema, loaded.GetOutputSchema(input.Schema), "loaded output schema");
        DataViewAssert.AreEqual(expected, DataViewAssert.ReadAll(loaded.Transform(input)), "loaded model output");
    }

    private static void AssertSchemaError(Action action, string expectedMessage, string where)
    {
        var e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(action, where);
        StringAssert.Contains(e.Message, expectedMessage, $"{where} message");
    }
}
