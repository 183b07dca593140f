using MLAugment.Onnx.Format;

namespace MLAugment.Onnx.Tests.Format;

[TestClass]
public sealed class OnnxModelWriterTests
{
    [TestMethod]
    public void WrittenModel_ReadsBackWithTheSameStructure()
    {
        var model = TestModels.ConvRelu([1, 2, 3, 4, 5, 6, 7, 8, 9], 0.5f);

        var read = OnnxModelReader.Parse(OnnxModelWriter.ToBytes(model));

        Assert.AreEqual(8L, read.IrVersion);
        Assert.AreEqual(new OnnxOpsetImport("", 17), read.OpsetImports.Single());
        Assert.AreEqual("MLAugment", read.ProducerName);
        Assert.AreEqual("conv_relu", read.Graph.Name);
        CollectionAssert.AreEqual(new[] { "Conv", "Relu" }, read.Graph.Nodes.Select(n => n.OpType).ToArray());
        var conv = read.Graph.Nodes[0];
        Assert.AreEqual("conv0", conv.Name);
        CollectionAssert.AreEqual(new[] { "x", "k", "kb" }, conv.Inputs.ToArray());
        CollectionAssert.AreEqual(new[] { "conv" }, conv.Outputs.ToArray());
        CollectionAssert.AreEqual(new long[] { 1, 1, 1, 1 }, conv.Attributes.Single(a => a.Name == "pads").Ints.ToArray());
        var kernel = read.Graph.Initializers.Single(t => t.Name == "k");
        CollectionAssert.AreEqual(new long[] { 1, 1, 3, 3 }, kernel.Dims.ToArray());
        CollectionAssert.AreEqual(new float[] { 1, 2, 3, 4, 5, 6, 7, 8, 9 }, kernel.ToFloats());
        Assert.AreEqual("x: Float[1, 1, 4, 4]", read.Graph.Inputs.Single().ToString());
        Assert.AreEqual("y: Float[1, 1, 4, 4]", read.Graph.Outputs.Single().ToString());
    }

    [TestMethod]
    public void EveryAttributeKind_RoundTrips()
    {
        var tensor = OnnxTensor.FromInt64s("value", [2], [7, -8]);
        var model = new OnnxGraphBuilder("attrs")
            .Node("Constant", [], ["c"], "const", OnnxAttribute.Tensor("value", tensor))
            .Node("Identity", ["c"], ["y"], "id",
                OnnxAttribute.Int("i", -3), OnnxAttribute.Float("f", 0.25f), OnnxAttribute.String("s", "héllo"),
                OnnxAttribute.IntList("is", [1, 2, 3]), OnnxAttribute.FloatList("fs", [0.5f, -1.5f]))
            .Output("y", OnnxDataType.Int64, [2])
            .BuildModel();

        var nodes = OnnxModelReader.Parse(OnnxModelWriter.ToBytes(model)).Graph.Nodes;

        CollectionAssert.AreEqual(new long[] { 7, -8 }, nodes[0].Attributes.Single().TensorValue!.ToInt64s());
        var attrs = nodes[1].Attributes.ToDictionary(a => a.Name);
        Assert.AreEqual(-3L, attrs["i"].IntValue);
        Assert.AreEqual(0.25f, attrs["f"].FloatValue);
        Assert.AreEqual("héllo", attrs["s"].StringValue);
        CollectionAssert.AreEqual(new long[] { 1, 2, 3 }, attrs["is"].Ints.ToArray());
        CollectionAssert.AreEqual(new[] { 0.5f, -1.5f }, attrs["fs"].Floats.ToArray());
    }

    [TestMethod]
    public void SymbolicAndUnknownDimensions_RoundTrip()
    {
        var model = new OnnxGraphBuilder("dims")
            .Input("x", OnnxDataType.Float16, ["batch", 4, OnnxDimension.Unknown])
            .Node("Identity", ["x"], ["y"])
            .Output("y", OnnxDataType.Float16, null)
            .BuildModel();

        var graph = OnnxModelReader.Parse(OnnxModelWriter.ToBytes(model)).Graph;

        var shape = graph.Inputs.Single().Shape!;
        Assert.AreEqual("batch", shape[0].Param);
        Assert.AreEqual(4L, shape[1].Value);
        Assert.IsTrue(shape[2].IsUnknown);
        Assert.AreEqual(OnnxDataType.Float16, graph.Inputs.Single().ElementType);
        Assert.IsNull(graph.Outputs.Single().Shape, "an output without shape stays rank-unknown");
    }

    [TestMethod]
    public void ExternalData_MovesLargeInitializersBesideTheModel()
    {
        const int n = 64, m = 32;
        var w = Enumerable.Range(0, n * m).Select(i => i * 0.001f).ToArray();
        string dir = TestModels.TempDirectory();
        try
        {
            string path = Path.Combine(dir, "model.onnx");
            OnnxModelWriter.Save(TestModels.BigMatMul(w, n, m), path, new OnnxExternalDataOptions { FileName = "weights.pb" });

            var read = OnnxModelReader.Load(path);
            var big = read.Graph.Initializers.Single(t => t.Name == "W");
            var tiny = read.Graph.Initializers.Single(t => t.Name == "tiny");
            Assert.IsNotNull(big.ExternalData);
            Assert.AreEqual("weights.pb", big.ExternalData.Location);
            Assert.AreEqual(0L, big.ExternalData.Offset);
            Assert.AreEqual((long)n * m * 4, big.ExternalData.Length);
            Assert.IsNull(tiny.ExternalData, "initializers under the threshold stay inline");
            Assert.IsLessThan(1024L, new FileInfo(path).Length);
            CollectionAssert.AreEqual(w, System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(OnnxModelReader.ReadExternalData(big, dir)).ToArray());
        }
        finally { Directory.Delete(dir, recursive: true); }
    }

    [TestMethod]
    public void ExternalData_AlignsEachTensor()
    {
        var model = new OnnxGraphBuilder("two")
            .Initializer(OnnxTensor.FromFloats("a", [3], [1, 2, 3]))
            .Initializer(OnnxTensor.FromFloats("b", [2], [4, 5]))
            .Node("Concat", ["a", "b"], ["y"], null, OnnxAttribute.Int("axis", 0))
            .Output("y", OnnxDataType.Float, [5])
            .BuildModel();
        string dir = TestModels.TempDirectory();
        try
        {
            string path = Path.Combine(dir, "model.onnx");
            OnnxModelWriter.Save(model, path, new OnnxExternalDataOptions { SizeThreshold = 0, Alignment = 16 });
            var inits = OnnxModelReader.Load(path).Graph.Initializers;
            Assert.AreEqual(0L, inits[0].ExternalData!.Offset);
            Assert.AreEqual(16L, inits[1].ExternalData!.Offset);
            CollectionAssert.AreEqual(new byte[] { 0, 0, 0x80, 0x40, 0, 0, 0xA0, 0x40 }, OnnxModelReader.ReadExternalData(inits[1], dir));
        }
        finally { Directory.Delete(dir, recursive: true); }
    }

    [TestMethod]
    public void Tensor_WithWrongDataLength_NamesTensorAndShape()
    {
        var e = Assert.Throws<ArgumentException>(() => OnnxTensor.FromFloats("W", [2, 3], [1f, 2f]));
        StringAssert.Contains(e.Message, "'W'");
        StringAssert.Contains(e.Message, "[2, 3]");
    }

    [TestMethod]
    public void Builder_RejectsUseBeforeDefinitionAndDuplicates()
    {
        var b = new OnnxGraphBuilder("g").Input("x", OnnxDataType.Float, [1]);
        StringAssert.Contains(Assert.Throws<ArgumentException>(() => b.Node("Relu", ["nope"], ["y"])).Message, "'nope'");
        StringAssert.Contains(Assert.Throws<ArgumentException>(() => b.Node("Relu", ["x"], ["x"])).Message, "'x'");
        StringAssert.Contains(Assert.Throws<InvalidOperationException>(() => b.Output("z", OnnxDataType.Float, [1]).BuildGraph()).Message, "'z'");
    }

    [TestMethod]
    public void Reader_RejectsGarbageWithTheFileName()
    {
        string dir = TestModels.TempDirectory();
        try
        {
            string path = Path.Combine(dir, "junk.onnx");
            File.WriteAllBytes(path, [0x0A, 0xFF, 0xFF, 0xFF, 0x0F, 0x01]);
            var e = Assert.Throws<InvalidDataException>(() => OnnxModelReader.Load(path));
            StringAssert.Contains(e.Message, "junk.onnx");
        }
        finally { Directory.Delete(dir, recursive: true); }
    }
}
