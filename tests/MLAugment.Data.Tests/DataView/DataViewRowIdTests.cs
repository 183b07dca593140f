using MLAugment.Data;

namespace MLAugment.Data.Tests.DataView;

[TestClass]
public sealed class DataViewRowIdTests
{
    [TestMethod]
    public void DerivedIdsAreDeterministicAndDistinct()
    {
        var ids = new HashSet<DataViewRowId>();
        for (ulong i = 0; i < 1000; i++)
        {
            var id = new DataViewRowId(i, 0);
            Assert.IsTrue(ids.Add(id));
            Assert.IsTrue(ids.Add(id.Fork()));
            Assert.IsTrue(ids.Add(id.Next()));
            for (ulong k = 0; k < 3; k++)
                Assert.IsTrue(ids.Add(id.Combine(new DataViewRowId(k, 0))));
        }
        var a = new DataViewRowId(42, 7);
        Assert.AreEqual(a.Fork(), new DataViewRowId(42, 7).Fork());
        Assert.AreEqual(a.Combine(a.Next()), new DataViewRowId(42, 7).Combine(a.Next()));
        Assert.AreNotEqual(a.Combine(a.Next()), a.Next().Combine(a));
    }
}
