using MLAugment.Data;

namespace MLAugment.Data.Tests.Schema;

/// <summary>
/// The seam the image layer uses: a structured column type with its own raw class, mapped from row classes by an
/// attribute and saved with a model's input schema.
/// </summary>
[TestClass]
public sealed class CustomTypeTests
{
    public sealed class Tile
    {
        public Tile(int size) => Size = size;

        public int Size { get; }
    }

    public sealed class TileDataViewType : StructuredDataViewType, ISavableDataViewType
    {
        public TileDataViewType(int size) : base(typeof(Tile)) => Size = size;

        public int Size { get; }

        public override bool Equals(DataViewType? other) => other is TileDataViewType t && t.Size == Size;

        public override int GetHashCode() => Size;

        public override string ToString() => $"Tile<{Size}>";

        public void Save(BinaryWriter writer) => writer.Write(Size);

        public static DataViewType Load(BinaryReader reader) => new TileDataViewType(reader.ReadInt32());
    }

    [AttributeUsage(AttributeTargets.Property)]
    public sealed class TileTypeAttribute(int size) : DataViewTypeAttribute
    {
        public int Size { get; } = size;

        public override bool Equals(DataViewTypeAttribute? other) => other is TileTypeAttribute t && t.Size == Size;

        public override int GetHashCode() => Size;

        public override void Register() => DataViewTypeManager.Register(new TileDataViewType(Size), typeof(Tile), this);
    }

    public sealed class TileRow
    {
        [TileType(8)]
        public Tile Tile { get; set; } = new(8);

        public float Weight { get; set; }
    }

    [TestMethod]
    public void RowClassesMapCustomMembersThroughTheirAttribute()
    {
        var mlContext = new MLContext(seed: 0);
        var tiles = new[] { new TileRow { Tile = new Tile(8), Weight = 1 }, new TileRow { Tile = new Tile(8), Weight = 2 } };

        var data = mlContext.Data.LoadFromEnumerable(tiles);

        Assert.AreEqual("Tile<8>", data.Schema["Tile"].Type.ToString());
        CollectionAssert.AreEqual(tiles.Select(t => t.Tile).ToArray(), data.GetColumn<Tile>("Tile").ToArray());
        var back = mlContext.Data.CreateEnumerable<TileRow>(data, reuseRowObject: false).ToArray();
        Assert.AreSame(tiles[1].Tile, back[1].Tile);
    }

    [TestMethod]
    public void CustomTypesAreSavedWithTheInputSchema()
    {
        var mlContext = new MLContext(seed: 0);
        var data = mlContext.Data.LoadFromEnumerable(new[] { new TileRow() });
        var model = mlContext.Transforms.CopyColumns("Copy", "Weight").Fit(data);
        using var stream = new MemoryStream();

        mlContext.Model.Save(model, data.Schema, stream);
        stream.Position = 0;
        mlContext.Model.Load(stream, out var inputSchema);

        Assert.AreEqual<DataViewType>(new TileDataViewType(8), inputSchema!["Tile"].Type);
        Conformance.EstimatorConformance.TestEstimatorCore(mlContext.Transforms.CopyColumns("Copy", "Tile"), data);
    }
}
