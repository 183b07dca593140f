using MLAugment.Data;

namespace MLAugment.Data.Tests.Loaders;

[TestClass]
public sealed class LoadFromEnumerableTests
{
    private sealed class AllTypes
    {
        public float Single { get; set; }

        public double Double;

        public int Int32 { get; set; }

        public uint UInt32 { get; set; }

        public long Int64 { get; set; }

        public bool Flag { get; set; }

        [ColumnName("Text")]
        public string Name { get; set; } = "";

        [VectorType(3)]
        public float[] Features { get; set; } = [];

        public byte[] Bytes { get; set; } = [];

        [KeyType(4)]
        public uint Category { get; set; }

        [KeyType(4)]
        [VectorType(2)]
        public uint[] Categories { get; set; } = [];

        public string[] Tags { get; set; } = [];

        [NoColumn]
        public int Ignored { get; set; }
    }

    private static AllTypes[] Rows() =>
    [
        new() { Single = 1.5f, Double = 2.5, Int32 = -3, UInt32 = 4, Int64 = 5L << 40, Flag = true, Name = "a", Features = [1, 2, 3], Bytes = [1, 2], Category = 2, Categories = [1, 4], Tags = ["x"] },
        new() { Single = -1f, Double = 0, Int32 = 7, UInt32 = 8, Int64 = -9, Flag = false, Name = "", Features = [4, 5, 6], Bytes = [], Category = 0, Categories = [0, 3], Tags = ["y", "z"] },
    ];

    [TestMethod]
    public void MembersBecomeColumnsOfTheMatchingTypes()
    {
        var mlContext = new MLContext(seed: 0);
        var data = mlContext.Data.LoadFromEnumerable(Rows());

        var s = data.Schema;
        Assert.AreEqual(12, s.Count);
        Assert.AreEqual(NumberDataViewType.Single, s["Single"].Type);
        Assert.AreEqual(NumberDataViewType.Double, s["Double"].Type);
        Assert.AreEqual(NumberDataViewType.Int64, s["Int64"].Type);
        Assert.AreEqual(BooleanDataViewType.Instance, s["Flag"].Type);
        Assert.AreEqual(TextDataViewType.Instance, s["Text"].Type);
        Assert.AreEqual("Vector<Single, 3>", s["Features"].Type.ToString());
        Assert.AreEqual("Vector<Byte>", s["Bytes"].Type.ToString());
        Assert.AreEqual("Key<UInt32, 0-3>", s["Category"].Type.ToString());
        Assert.AreEqual("Vector<Key<UInt32, 0-3>, 2>", s["Categories"].Type.ToString());
        Assert.AreEqual("Vector<String>", s["Tags"].Type.ToString());
        Assert.IsNull(s.GetColumnOrNull("Ignored"));
        Assert.AreEqual(2L, data.GetRowCount());
    }

    [TestMethod]
    public void CreateEnumerableRoundTripsEveryType()
    {
        var mlContext = new MLContext(seed: 0);
        var data = mlContext.Data.LoadFromEnumerable(Rows());

        var back = mlContext.Data.CreateEnumerable<AllTypes>(data, reuseRowObject: false).ToArray();

        Assert.AreEqual(2, back.Length);
        var expected = Rows();
        for (int i = 0; i < 2; i++)
        {
            Assert.AreEqual(expected[i].Single, back[i].Single);
            Assert.AreEqual(expected[i].Double, back[i].Double);
            Assert.AreEqual(expected[i].Int32, back[i].Int32);
            Assert.AreEqual(expected[i].UInt32, back[i].UInt32);
            Assert.AreEqual(expected[i].Int64, back[i].Int64);
            Assert.AreEqual(expected[i].Flag, back[i].Flag);
            Assert.AreEqual(expected[i].Name, back[i].Name);
            CollectionAssert.AreEqual(expected[i].Features, back[i].Features);
            CollectionAssert.AreEqual(expected[i].Bytes, back[i].Bytes);
            Assert.AreEqual(expected[i].Category, back[i].Category);
            CollectionAssert.AreEqual(expected[i].Categories, back[i].Categories);
            CollectionAssert.AreEqual(expected[i].Tags, back[i].Tags);
        }
    }

    [TestMethod]
    public void ReuseRowObjectRefillsOneInstance()
    {
        var mlContext = new MLContext(seed: 0);
        var data = mlContext.Data.LoadFromEnumerable(SampleData.Flowers());

        var rows = mlContext.Data.CreateEnumerable<SampleData.Flower>(data, reuseRowObject: true).ToArray();

        Assert.AreEqual(5, rows.Length);
        Assert.AreEqual(1, rows.Distinct().Count());
    }

    private sealed class Narrow
    {
        public float SepalLength { get; set; }

        public float Missing { get; set; }
    }

    private sealed class WrongType
    {
        public int SepalLength { get; set; }
    }

    [TestMethod]
    public void BindingFailsUpFrontWithMLNetWording()
    {
        var mlContext = new MLContext(seed: 0);
        var data = mlContext.Data.LoadFromEnumerable(SampleData.Flowers());

        var missing = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => mlContext.Data.CreateEnumerable<Narrow>(data, reuseRowObject: false));
        StringAssert.Contains(missing.Message, "Could not find column 'Missing'");
        var narrow = mlContext.Data.CreateEnumerable<Narrow>(data, reuseRowObject: false, ignoreMissingColumns: true).ToArray();
        Assert.AreEqual(5.1f, narrow[0].SepalLength);

        var wrong = Assert.ThrowsExactly<InvalidOperationException>(() => mlContext.Data.CreateEnumerable<WrongType>(data, reuseRowObject: false));
        StringAssert.Contains(wrong.Message, "Can't bind the IDataView column 'SepalLength' of type 'Single' to field or property 'SepalLength' of type 'System.Int32'.");
    }

    [TestMethod]
    public void AKnownSizeVectorRejectsArraysOfAnotherLength()
    {
        var mlContext = new MLContext(seed: 0);
        var flowers = SampleData.Flowers();
        flowers[1].Features = [1, 2];
        var data = mlContext.Data.LoadFromEnumerable(flowers);

        var e = Assert.ThrowsExactly<InvalidOperationException>(() => data.GetColumn<float[]>("Features").ToArray());
        StringAssert.Contains(e.Message, "'Features'");
        StringAssert.Contains(e.Message, "holds 2 items");
    }

    private sealed class Unsupported
    {
        public DateTime When { get; set; }
    }

    [TestMethod]
    public void UnsupportedMemberTypesAreNamed()
    {
        var mlContext = new MLContext(seed: 0);
        var e = Assert.ThrowsExactly<InvalidOperationException>(() => mlContext.Data.LoadFromEnumerable(new[] { new Unsupported() }));
        StringAssert.Contains(e.Message, "member 'When' of type DateTime");
    }

    [TestMethod]
    public void CursorsServeOnlyActiveColumnsAndExactTypes()
    {
        var mlContext = new MLContext(seed: 0);
        var data = mlContext.Data.LoadFromEnumerable(SampleData.Flowers());
        var length = data.Schema["SepalLength"];
        var species = data.Schema["Species"];

        using var cursor = data.GetRowCursor([length]);

        Assert.IsTrue(cursor.IsColumnActive(length));
        Assert.IsFalse(cursor.IsColumnActive(species));
        Assert.ThrowsExactly<InvalidOperationException>(() => cursor.GetGetter<ReadOnlyMemory<char>>(species));
        Assert.ThrowsExactly<InvalidOperationException>(() => cursor.GetGetter<double>(length));
        var getter = cursor.GetGetter<float>(length);
        Assert.AreSame(getter, cursor.GetGetter<float>(length), "a cursor returns the same delegate each time");
        float value = 0;
        Assert.ThrowsExactly<InvalidOperationException>(() => getter(ref value), "reading before MoveNext");
        Assert.AreEqual(-1L, cursor.Position);
        Assert.IsTrue(cursor.MoveNext());
        Assert.AreEqual(0L, cursor.Position);
        getter(ref value);
        Assert.AreEqual(5.1f, value);
    }

    [TestMethod]
    public void ShuffledCursorsPermuteRowsButKeepTheirIds()
    {
        var mlContext = new MLContext(seed: 0);
        var data = mlContext.Data.LoadFromEnumerable(SampleData.Images(50));
        Assert.IsTrue(data.CanShuffle);

        var ordered = Conformance.DataViewAssert.ReadAll(data);
        var shuffled = Conformance.DataViewAssert.ReadAll(data, new Random(3));
        var again = Conformance.DataViewAssert.ReadAll(data, new Random(3));

        Conformance.DataViewAssert.AreEqual(shuffled, again, "same Random seed, same order");
        CollectionAssert.AreNotEqual(ordered.Select(r => r[^1]).ToArray(), shuffled.Select(r => r[^1]).ToArray());
        var byId = ordered.ToDictionary(r => r[^1]!, r => r);
        foreach (var row in shuffled)
            Conformance.DataViewAssert.AreEqual([byId[row[^1]!]], [row], "a row keeps its values and id when shuffled");
    }

    [TestMethod]
    public void StreamedSequencesHaveNoKnownCount()
    {
        var mlContext = new MLContext(seed: 0);
        var data = mlContext.Data.LoadFromEnumerable(SampleData.Flowers().Where(f => f.SepalLength > 5));

        Assert.IsNull(data.GetRowCount());
        Assert.IsFalse(data.CanShuffle);
        CollectionAssert.AreEqual(new[] { "setosa", "versicolor", "virginica", "versicolor" }, data.GetColumn<string>("Species").ToArray());
    }
}
