using MLAugment.Data;

namespace MLAugment.Data.Tests.Schema;

[TestClass]
public sealed class DataViewSchemaTests
{
    [TestMethod]
    public void LaterColumnsHideEarlierOnesOfTheSameName()
    {
        var builder = new DataViewSchema.Builder();
        builder.AddColumn("Image", NumberDataViewType.Single);
        builder.AddColumn("Label", NumberDataViewType.Single);
        builder.AddColumn("Image", new VectorDataViewType(NumberDataViewType.Single, 4));
        var schema = builder.ToSchema();

        Assert.AreEqual(3, schema.Count);
        Assert.IsTrue(schema[0].IsHidden);
        Assert.IsFalse(schema[2].IsHidden);
        Assert.AreEqual(2, schema["Image"].Index);
        Assert.AreEqual("3 columns", schema.ToString());
        Assert.IsNull(schema.GetColumnOrNull("Missing"));
        var e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => schema["Missing"]);
        StringAssert.Contains(e.Message, "Column 'Missing' not found");
    }

    [TestMethod]
    public void KeyValuesAnnotationLabelsEachKey()
    {
        var names = new[] { "cat".AsMemory(), "dog".AsMemory() };
        var annotations = new DataViewSchema.Annotations.Builder();
        annotations.AddKeyValues(2, TextDataViewType.Instance, (ref VBuffer<ReadOnlyMemory<char>> dst) => dst = new VBuffer<ReadOnlyMemory<char>>(2, names.ToArray()));
        var builder = new DataViewSchema.Builder();
        builder.AddColumn("Label", new KeyDataViewType(typeof(uint), 2), annotations.ToAnnotations());
        var label = builder.ToSchema()["Label"];

        VBuffer<ReadOnlyMemory<char>> keyValues = default;
        label.GetKeyValues(ref keyValues);

        CollectionAssert.AreEqual(new[] { "cat", "dog" }, keyValues.DenseValues().Select(m => m.ToString()).ToArray());
        Assert.IsTrue(label.HasKeyValues());
        Assert.AreEqual("Label: Key<UInt32, 0-1> {KeyValues}", label.ToString());
    }

    [TestMethod]
    public void AnnotationBuilderRejectsValuesOfTheWrongType()
    {
        var annotations = new DataViewSchema.Annotations.Builder();
        Assert.ThrowsExactly<ArgumentException>(() =>
            annotations.Add("SlotNames", NumberDataViewType.Single, (ref double d) => d = 1));
        Assert.ThrowsExactly<InvalidOperationException>(() =>
        {
            int v = 0;
            DataViewSchema.Annotations.Empty.GetValue("KeyValues", ref v);
        });
    }

    [TestMethod]
    public void SchemaShapeRelaxesSizesAndKeyCounts()
    {
        var builder = new DataViewSchema.Builder();
        builder.AddColumn("Label", new KeyDataViewType(typeof(uint), 10));
        builder.AddColumn("Image", new VectorDataViewType(NumberDataViewType.Single, 28, 28));
        builder.AddColumn("Tokens", new VectorDataViewType(TextDataViewType.Instance));
        builder.AddColumn("Image", NumberDataViewType.Single);
        var shape = SchemaShape.Create(builder.ToSchema());

        Assert.AreEqual(3, shape.Count, "hidden columns are not part of the shape");
        Assert.IsTrue(shape.TryFindColumn("Label", out var label));
        Assert.AreEqual("Key<UInt32>", label.GetTypeString());
        Assert.IsTrue(label.IsKey);
        Assert.AreSame(NumberDataViewType.UInt32, label.ItemType);
        Assert.IsTrue(shape.TryFindColumn("Tokens", out var tokens));
        Assert.AreEqual("VarVector<String>", tokens.GetTypeString());
        Assert.IsTrue(shape.TryFindColumn("Image", out var image));
        Assert.AreEqual("Single", image.GetTypeString());
        Assert.AreEqual("Vector<Single>", new SchemaShape.Column("X", SchemaShape.Column.VectorKind.Vector, NumberDataViewType.Single, false).GetTypeString());
        Assert.ThrowsExactly<ArgumentException>(() => new SchemaShape.Column("X", SchemaShape.Column.VectorKind.Scalar, new KeyDataViewType(typeof(uint), 2), true));
    }
}
