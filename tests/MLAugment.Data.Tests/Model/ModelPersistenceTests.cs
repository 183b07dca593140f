using System.IO.Compression;
using MLAugment.Data;

namespace MLAugment.Data.Tests.Model;

[TestClass]
public sealed class ModelPersistenceTests
{
    [TestMethod]
    public void AZipHoldsOneVersionedEntryPerTransformerAndTheInputSchema()
    {
        var mlContext = new MLContext(seed: 0);
        var data = mlContext.Data.LoadFromEnumerable(SampleData.Flowers());
        var model = mlContext.Transforms.Conversion.MapValueToKey("Label", "Species")
            .Append(mlContext.Transforms.Concatenate("All", "SepalLength", "Features"))
            .Fit(data);

        using var stream = new MemoryStream();
        mlContext.Model.Save(model, data.Schema, stream);

        stream.Position = 0;
        using (var zip = new ZipArchive(stream, ZipArchiveMode.Read, leaveOpen: true))
            CollectionAssert.AreEquivalent(
                new[] { "Model/Model.bin", "Model/Transform_000/Model.bin", "Model/Transform_001/Model.bin", "Schema/Schema.bin" },
                zip.Entries.Select(e => e.FullName).ToArray());
        stream.Position = 0;
        var loaded = mlContext.Model.Load(stream, out var inputSchema);
        Conformance.DataViewAssert.SchemasEqual(data.Schema, inputSchema!, "input schema");
        Conformance.DataViewAssert.AreEqual(Conformance.DataViewAssert.ReadAll(model.Transform(data)), Conformance.DataViewAssert.ReadAll(loaded.Transform(data)), "loaded model");
    }

    [TestMethod]
    public void TheInputSchemaKeepsKeyValuesAnnotations()
    {
        var mlContext = new MLContext(seed: 0);
        var flowers = mlContext.Data.LoadFromEnumerable(SampleData.Flowers());
        var keyed = mlContext.Transforms.Conversion.MapValueToKey("Label", "Species").Fit(flowers).Transform(flowers);
        var model = mlContext.Transforms.Conversion.MapKeyToValue("Species2", "Label").Fit(keyed);
        var folder = Path.Combine(Path.GetTempPath(), $"mlaugment-model-{Guid.NewGuid():N}") + Path.DirectorySeparatorChar;
        try
        {
            mlContext.Model.Save(model, keyed.Schema, folder);
            Assert.IsTrue(File.Exists(Path.Combine(folder, "Model", "Model.bin")));

            mlContext.Model.Load(folder, out var inputSchema);

            Conformance.DataViewAssert.SchemasEqual(keyed.Schema, inputSchema!, "input schema");
            VBuffer<ReadOnlyMemory<char>> keyValues = default;
            inputSchema!["Label"].GetKeyValues(ref keyValues);
            CollectionAssert.AreEqual(new[] { "setosa", "versicolor", "virginica" }, keyValues.DenseValues().Select(v => v.ToString()).ToArray());
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [TestMethod]
    public void LoadingFailsClearlyForMissingCorruptOrUnknownModels()
    {
        var mlContext = new MLContext(seed: 0);
        var missingPath = Path.Combine(Path.GetTempPath(), $"mlaugment-missing-{Guid.NewGuid():N}.zip");
        var e1 = Assert.ThrowsExactly<FileNotFoundException>(() => mlContext.Model.Load(missingPath, out _));
        StringAssert.Contains(e1.Message, missingPath);

        var e2 = Assert.ThrowsExactly<InvalidDataException>(() => mlContext.Model.Load(new MemoryStream([1, 2, 3, 4]), out _));
        StringAssert.Contains(e2.Message, "not a valid zip archive");

        using var stream = new MemoryStream();
        using (var repository = ModelRepository.CreateForWrite(stream))
        {
            using var ms = new MemoryStream();
            using (var w = new BinaryWriter(ms, System.Text.Encoding.UTF8, leaveOpen: true))
            {
                w.Write("MLAUGMDL"u8.ToArray());
                w.Write("UNKNOWN!");
                w.Write(1u);
                w.Write(1u);
                w.Write(1u);
                w.Write("NoSuchLoader");
            }
            repository.WriteEntry("Model/Model.bin", ms.ToArray());
        }
        stream.Position = 0;
        var e3 = Assert.ThrowsExactly<InvalidDataException>(() => mlContext.Model.Load(stream, out _));
        StringAssert.Contains(e3.Message, "No loader is registered for signature 'NoSuchLoader'");
    }

    [TestMethod]
    public void NewerFormatsThanWeCanReadAreRejected()
    {
        var version = new VersionInfo("TESTVERS", 0x00010002, 0x00010002, 0x00010001, "TestVersion");
        using var stream = new MemoryStream();
        using (var repository = ModelRepository.CreateForWrite(stream))
            ModelSaveContext.SaveModel(repository, new VersionedThing(new VersionInfo("TESTVERS", 0x00020000, 0x00020000, 0x00020000, "TestVersion")), "X");
        stream.Position = 0;
        using var read = ModelRepository.OpenForRead(stream);
        using var ctx = ModelLoadContext.TryOpen(read, "X")!;

        var e = Assert.ThrowsExactly<InvalidDataException>(() => ctx.CheckAtModel(version));
        StringAssert.Contains(e.Message, "needs reader version 00020000");
    }

    private sealed class VersionedThing(VersionInfo version) : ICanSaveModel
    {
        public void Save(ModelSaveContext ctx) => ctx.SetVersionInfo(version);
    }
}
