using MLAugment.Onnx.Format;
using MLAugment.Onnx.Runtime;

namespace MLAugment.Onnx.Tests.Runtime;

/// <summary>
/// Runs models written by <see cref="OnnxModelWriter"/> through the real ONNX Runtime. The native library is found by
/// <see cref="OnnxRuntimeLibrary"/>; when it is missing these tests fail with its message (run tools/fetch-onnxruntime.sh).
/// </summary>
[TestClass]
public sealed class OrtSessionTests
{
    private static OrtSession Session(OnnxModel model, OrtSessionOptions? options = null) =>
        OrtSession.Create(OnnxModelWriter.ToBytes(model), options);

    [TestMethod]
    public void Library_IsVersion122OrNewer()
    {
        var library = OnnxRuntimeLibrary.Default;
        var version = System.Version.Parse(library.Version.Split('-')[0]);
        Assert.IsGreaterThanOrEqualTo(new System.Version(1, 22), version, library.ToString());
        Assert.Contains("CPUExecutionProvider", library.AvailableProviders);
    }

    [TestMethod]
    public void Add_WithSymbolicBatch_RunsForAnyBatchSize()
    {
        using var session = Session(TestModels.AddBias());

        var x = session.Inputs.Single();
        Assert.AreEqual("x", x.Name);
        Assert.AreEqual(OnnxDataType.Float, x.ElementType);
        CollectionAssert.AreEqual(new long[] { -1, 3 }, x.Shape.ToArray());
        Assert.AreEqual("batch", x.SymbolicDimensions[0]);
        Assert.AreEqual("y", session.Outputs.Single().Name);

        foreach (int batch in new[] { 0, 1, 4 })
        {
            var data = Enumerable.Range(0, batch * 3).Select(i => (float)i).ToArray();
            using var input = OrtValue.CreateTensor(data, [batch, 3]);
            using var outputs = session.Run(("x", input));

            var y = outputs["y"];
            CollectionAssert.AreEqual(new long[] { batch, 3 }, y.Shape.ToArray());
            CollectionAssert.AreEqual(data.Select((v, i) => v + (i % 3) + 1f).ToArray(), y.ToArray<float>());
        }
    }

    [TestMethod]
    public void MatMulAdd_ComputesXWPlusC()
    {
        using var session = Session(TestModels.Linear(w: [1, 0, 0, 1, 1, 1], c: [10, 20]));
        using var x = OrtValue.CreateTensor(new float[] { 1, 2, 3, 4, 5, 6 }, [2, 3]);

        using var outputs = session.Run(("x", x));

        // [[1,2,3],[4,5,6]] · [[1,0],[0,1],[1,1]] = [[4,5],[10,11]]; + [10,20]
        CollectionAssert.AreEqual(new float[] { 14, 25, 20, 31 }, outputs[0].ToArray<float>());
    }

    [TestMethod]
    public void ConvRelu_MatchesHandComputedValues()
    {
        // Kernel: +1 at the centre, -1 bottom-right, so y[i,j] = relu(x[i,j] - x[i+1,j+1] + 0.5) with zero padding.
        using var session = Session(TestModels.ConvRelu([0, 0, 0, 0, 1, 0, 0, 0, -1], bias: 0.5f));
        var x = Enumerable.Range(1, 16).Select(v => (float)v).ToArray(); // x[i,j] = 4i + j + 1
        using var input = OrtValue.CreateTensor(x, [1, 1, 4, 4]);

        using var outputs = session.Run(("x", input));

        var expected = new float[]
        {
            0, 0, 0, 4.5f,     // interior: x[i,j] - x[i+1,j+1] = -5 → -4.5 → 0
            0, 0, 0, 8.5f,     // last column has no bottom-right neighbour: x + 0.5
            0, 0, 0, 12.5f,
            13.5f, 14.5f, 15.5f, 16.5f,
        };
        CollectionAssert.AreEqual(expected, outputs["y"].ToArray<float>());
        CollectionAssert.AreEqual(new long[] { 1, 1, 4, 4 }, outputs["y"].Shape.ToArray());
    }

    [TestMethod]
    public void ExternalDataModel_LoadsItsWeightsFromBesideTheModel()
    {
        const int n = 16, m = 64; // W is 4 KiB, above the 1 KiB threshold
        var w = new float[n * m];
        for (int r = 0; r < n; r++)
            for (int c = 0; c < m; c++) w[r * m + c] = r == c % n ? 1f : 0f; // y[b, c] = x[b, c mod n]
        string dir = TestModels.TempDirectory();
        try
        {
            string path = Path.Combine(dir, "model.onnx");
            OnnxModelWriter.Save(TestModels.BigMatMul(w, n, m), path, new OnnxExternalDataOptions());
            Assert.IsTrue(File.Exists(Path.Combine(dir, "weights.pb")));

            using var session = OrtSession.Create(path);
            var x = Enumerable.Range(0, 2 * n).Select(i => (float)i).ToArray();
            using var input = OrtValue.CreateTensor(x, [2, n]);
            using var outputs = session.Run(("x", input));

            var y = outputs["y"].ToArray<float>();
            for (int b = 0; b < 2; b++)
                for (int c = 0; c < m; c++)
                    Assert.AreEqual(x[b * n + c % n], y[b * m + c], $"y[{b},{c}]");
        }
        finally { Directory.Delete(dir, recursive: true); }
    }

    [TestMethod]
    public void IntegerHalfAndBoolTensors_PassThroughUnchanged()
    {
        var model = new OnnxGraphBuilder("identities")
            .Input("i32", OnnxDataType.Int32, [3]).Node("Identity", ["i32"], ["o_i32"]).Output("o_i32", OnnxDataType.Int32, [3])
            .Input("i64", OnnxDataType.Int64, [2]).Node("Identity", ["i64"], ["o_i64"]).Output("o_i64", OnnxDataType.Int64, [2])
            .Input("f16", OnnxDataType.Float16, [2]).Node("Identity", ["f16"], ["o_f16"]).Output("o_f16", OnnxDataType.Float16, [2])
            .Input("b", OnnxDataType.Bool, [3]).Node("Not", ["b"], ["o_b"]).Output("o_b", OnnxDataType.Bool, [3])
            .BuildModel();
        using var session = Session(model);
        using var i32 = OrtValue.CreateTensor(new[] { 1, -2, int.MaxValue }, [3]);
        using var i64 = OrtValue.CreateTensor(new[] { long.MinValue, 49407L }, [2]);
        using var f16 = OrtValue.CreateTensor(new[] { (Half)1.5f, (Half)(-0.25f) }, [2]);
        using var b = OrtValue.CreateTensor(new[] { true, false, true }, [3]);

        using var o = session.Run(("i32", i32), ("i64", i64), ("f16", f16), ("b", b));

        CollectionAssert.AreEqual(new[] { 1, -2, int.MaxValue }, o["o_i32"].ToArray<int>());
        CollectionAssert.AreEqual(new[] { long.MinValue, 49407L }, o["o_i64"].ToArray<long>());
        CollectionAssert.AreEqual(new[] { (Half)1.5f, (Half)(-0.25f) }, o["o_f16"].ToArray<Half>());
        CollectionAssert.AreEqual(new[] { false, true, false }, o["o_b"].ToArray<bool>());
    }

    [TestMethod]
    public void InputTensor_WrapsTheManagedBufferWithoutCopying()
    {
        var data = new float[] { 1, 2, 3 };
        using var value = OrtValue.CreateTensor(data, [1, 3]);
        value.GetTensorData<float>()[1] = 42;
        Assert.AreEqual(42f, data[1]);
    }

    [TestMethod]
    public void RequestedOutputs_AreTheOnlyOnesReturned()
    {
        var model = new OnnxGraphBuilder("two_outputs")
            .Input("x", OnnxDataType.Float, [2])
            .Node("Relu", ["x"], ["r"])
            .Node("Neg", ["x"], ["n"])
            .Output("r", OnnxDataType.Float, [2])
            .Output("n", OnnxDataType.Float, [2])
            .BuildModel();
        using var session = Session(model, new OrtSessionOptions { IntraOpNumThreads = 1, InterOpNumThreads = 1, GraphOptimizationLevel = OrtGraphOptimizationLevel.DisableAll });
        using var x = OrtValue.CreateTensor(new float[] { -1, 2 }, [2]);

        using var outputs = session.Run([KeyValuePair.Create("x", x)], ["n"]);

        Assert.HasCount(1, outputs);
        CollectionAssert.AreEqual(new float[] { 1, -2 }, outputs["n"].ToArray<float>());
        Assert.Throws<KeyNotFoundException>(() => outputs["r"]);
    }

    [TestMethod]
    public void WrongInputShape_ReportsOrtsMessageAndTheInputName()
    {
        using var session = Session(TestModels.AddBias());
        using var x = OrtValue.CreateTensor(new float[8], [2, 4]);

        var e = Assert.Throws<OnnxRuntimeException>(() => session.Run(("x", x)));

        Assert.AreEqual(OrtErrorCode.InvalidArgument, e.ErrorCode);
        Assert.AreEqual("x", e.InputName);
        StringAssert.Contains(e.Message, e.OrtMessage, "ORT's own message is kept");
        StringAssert.Contains(e.OrtMessage, "dimension", StringComparison.OrdinalIgnoreCase);
        StringAssert.Contains(e.Message, "input 'x'");
        StringAssert.Contains(e.Message, "[2, 4]");
    }

    [TestMethod]
    public void WrongInputType_ReportsTheInputName()
    {
        using var session = Session(TestModels.AddBias());
        using var x = OrtValue.CreateTensor(new long[3], [1, 3]);

        var e = Assert.Throws<OnnxRuntimeException>(() => session.Run(("x", x)));

        Assert.AreEqual("x", e.InputName);
        StringAssert.Contains(e.Message, "Int64");
    }

    [TestMethod]
    public void MissingInput_IsAttributed()
    {
        var model = new OnnxGraphBuilder("sum")
            .Input("a", OnnxDataType.Float, [1]).Input("b", OnnxDataType.Float, [1])
            .Node("Add", ["a", "b"], ["y"]).Output("y", OnnxDataType.Float, [1]).BuildModel();
        using var session = Session(model);
        using var a = OrtValue.CreateTensor(new float[1], [1]);

        var e = Assert.Throws<OnnxRuntimeException>(() => session.Run(("a", a)));

        Assert.AreEqual("b", e.InputName);
    }

    [TestMethod]
    public void UnknownInputOrOutputName_ListsTheModelsNames()
    {
        using var session = Session(TestModels.AddBias());
        using var x = OrtValue.CreateTensor(new float[3], [1, 3]);

        StringAssert.Contains(Assert.Throws<ArgumentException>(() => session.Run(("input_ids", x))).Message, "x: Float[batch, 3]");
        StringAssert.Contains(Assert.Throws<ArgumentException>(() => session.Run([KeyValuePair.Create("x", x)], ["z"])).Message, "y: Float[batch, 3]");
    }

    [TestMethod]
    public void BufferOfWrongLength_IsRejectedBeforeOrtSeesIt()
    {
        var e = Assert.Throws<ArgumentException>(() => OrtValue.CreateTensor(new float[5], [2, 3]));
        StringAssert.Contains(e.Message, "[2, 3]");
        StringAssert.Contains(e.Message, "6");
    }

    [TestMethod]
    public void ReadingAsTheWrongType_Throws()
    {
        using var x = OrtValue.CreateTensor(new float[3], [3]);
        Assert.Throws<InvalidOperationException>(() => x.ToArray<long>());
    }

    [TestMethod]
    public void InvalidModelBytes_BecomeAnOrtError()
    {
        var e = Assert.Throws<OnnxRuntimeException>(() => OrtSession.Create([1, 2, 3, 4]));
        Assert.AreNotEqual(OrtErrorCode.Ok, e.ErrorCode);
    }

    [TestMethod]
    public void UnsupportedOperator_ReportsOrtsError()
    {
        var model = new OnnxGraphBuilder("bad").Input("x", OnnxDataType.Float, [1])
            .Node("NoSuchOperator", ["x"], ["y"]).Output("y", OnnxDataType.Float, [1]).BuildModel();
        var e = Assert.Throws<OnnxRuntimeException>(() => Session(model));
        StringAssert.Contains(e.OrtMessage, "NoSuchOperator");
    }

    [TestMethod]
    public void CudaIfAvailable_UsesCudaOrFallsBackToCpuWithAReason()
    {
        var notes = new List<string>();
        using var session = Session(TestModels.AddBias(),
            new OrtSessionOptions { ExecutionProvider = OrtExecutionProviderPreference.CudaIfAvailable, Log = notes.Add });

        if (session.ExecutionProvider == "CUDAExecutionProvider")
        {
            Assert.IsNull(session.ExecutionProviderFallbackReason);
            return;
        }
        Assert.AreEqual("CPUExecutionProvider", session.ExecutionProvider);
        Assert.IsNotNull(session.ExecutionProviderFallbackReason);
        StringAssert.Contains(notes.Single(), "falling back to CPU");
        using var x = OrtValue.CreateTensor(new float[] { 0, 0, 0 }, [1, 3]);
        using var outputs = session.Run(("x", x));
        CollectionAssert.AreEqual(new float[] { 1, 2, 3 }, outputs[0].ToArray<float>());

        var strict = Assert.Throws<OnnxRuntimeException>(() =>
            Session(TestModels.AddBias(), new OrtSessionOptions { ExecutionProvider = OrtExecutionProviderPreference.Cuda }));
        Assert.AreEqual(OrtErrorCode.EpFail, strict.ErrorCode);
    }

    [TestMethod]
    public void LoggingLevel_CanBeChanged()
    {
        var env = OrtEnvironment.Instance;
        var before = env.LoggingLevel;
        env.LoggingLevel = OrtLoggingLevel.Error;
        Assert.AreEqual(OrtLoggingLevel.Error, env.LoggingLevel);
        env.LoggingLevel = before;
    }
}
