using MLAugment.Data;

namespace MLAugment.Data.Tests.DataView;

[TestClass]
public sealed class VBufferTests
{
    [TestMethod]
    public void SparseMeansDenseWithDefaultFill()
    {
        var sparse = new VBuffer<float>(5, 2, [1.5f, 2.5f], [1, 3]);

        Assert.IsFalse(sparse.IsDense);
        CollectionAssert.AreEqual(new[] { 0f, 1.5f, 0f, 2.5f, 0f }, sparse.DenseValues().ToArray());
        Assert.AreEqual(2.5f, sparse.GetItemOrDefault(3));
        Assert.AreEqual(0f, sparse.GetItemOrDefault(4));
        CollectionAssert.AreEqual(new[] { 1, 3 }, sparse.GetIndices().ToArray());
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => sparse.GetItemOrDefault(5));
    }

    [TestMethod]
    public void SparseIndicesMustBeIncreasingAndInRange()
    {
        Assert.ThrowsExactly<ArgumentException>(() => new VBuffer<float>(5, 2, [1f, 2f], [3, 1]));
        Assert.ThrowsExactly<ArgumentException>(() => new VBuffer<float>(5, 2, [1f, 2f], [1, 5]));
        Assert.ThrowsExactly<ArgumentException>(() => new VBuffer<float>(4, [1f, 2f]));
    }

    [TestMethod]
    public void EditorReusesTheDestinationArrays()
    {
        var dst = new VBuffer<float>(4, [1f, 2f, 3f, 4f]);
        var before = dst.GetValues().ToArray();

        var editor = VBufferEditor.Create(ref dst, 3);
        Assert.IsFalse(editor.CreatedNewValues);
        editor.Values.Fill(7f);
        dst = editor.Commit();

        Assert.AreEqual(3, dst.Length);
        CollectionAssert.AreEqual(new[] { 7f, 7f, 7f }, dst.DenseValues().ToArray());
        Assert.AreEqual(4, before.Length);

        var grown = VBufferEditor.Create(ref dst, 10);
        Assert.IsTrue(grown.CreatedNewValues);
    }

    [TestMethod]
    public void CopyToDenseDensifies()
    {
        var sparse = new VBuffer<int>(4, 1, [9], [2]);
        VBuffer<int> dense = default;

        sparse.CopyToDense(ref dense);

        Assert.IsTrue(dense.IsDense);
        CollectionAssert.AreEqual(new[] { 0, 0, 9, 0 }, dense.DenseValues().ToArray());
        var span = new int[6];
        sparse.CopyTo(span, 1, -1);
        CollectionAssert.AreEqual(new[] { 0, -1, -1, 9, -1, 0 }, span);
    }
}
