using MLAugment.Data;

namespace MLAugment.Data.Tests.Schema;

[TestClass]
public sealed class DataViewTypeTests
{
    [TestMethod]
    public void NumberTypesPrintTheirDotNetNameAndAreSingletons()
    {
        Assert.AreEqual("Single", NumberDataViewType.Single.ToString());
        Assert.AreEqual("Int64", NumberDataViewType.Int64.ToString());
        Assert.AreEqual(typeof(float), NumberDataViewType.Single.RawType);
        Assert.AreSame(NumberDataViewType.Single, NumberDataViewType.FromRawType(typeof(float)));
        Assert.AreEqual("String", TextDataViewType.Instance.ToString());
        Assert.AreEqual(typeof(ReadOnlyMemory<char>), TextDataViewType.Instance.RawType);
        Assert.AreEqual(typeof(bool), BooleanDataViewType.Instance.RawType);
        Assert.AreEqual(typeof(DataViewRowId), RowIdDataViewType.Instance.RawType);
    }

    [TestMethod]
    public void KeysAreOneBasedWithACountAndShareTheirRawTypeWithNumbers()
    {
        var key = new KeyDataViewType(typeof(uint), 10);

        Assert.AreEqual("Key<UInt32, 0-9>", key.ToString());
        Assert.AreEqual(10UL, key.Count);
        Assert.AreEqual(NumberDataViewType.UInt32.RawType, key.RawType);
        Assert.AreNotEqual<DataViewType>(NumberDataViewType.UInt32, key);
        Assert.AreEqual<DataViewType>(new KeyDataViewType(typeof(uint), 10), key);
        Assert.AreNotEqual<DataViewType>(new KeyDataViewType(typeof(uint), 9), key);
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new KeyDataViewType(typeof(uint), 0));
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new KeyDataViewType(typeof(byte), 256));
        Assert.ThrowsExactly<ArgumentException>(() => new KeyDataViewType(typeof(int), 3));
    }

    [TestMethod]
    public void VectorsKnowTheirSizeAndDimensions()
    {
        var image = new VectorDataViewType(NumberDataViewType.Single, 28, 28);
        var variable = new VectorDataViewType(NumberDataViewType.Single);

        Assert.AreEqual(784, image.Size);
        Assert.IsTrue(image.IsKnownSize);
        CollectionAssert.AreEqual(new[] { 28, 28 }, image.Dimensions.ToArray());
        Assert.AreEqual("Vector<Single, 28, 28>", image.ToString());
        Assert.AreEqual(typeof(VBuffer<float>), image.RawType);
        Assert.IsFalse(variable.IsKnownSize);
        Assert.AreEqual("Vector<Single>", variable.ToString());
        Assert.AreNotEqual<DataViewType>(new VectorDataViewType(NumberDataViewType.Single, 784), image);
        Assert.AreEqual<DataViewType>(new VectorDataViewType(NumberDataViewType.Single, 28, 28), image);
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new VectorDataViewType(NumberDataViewType.Single, -1));
    }
}
