using MLAugment.Data;

namespace MLAugment.Data.Tests.DataView;

[TestClass]
public sealed class CursorSetTests
{
    [TestMethod]
    public void ParallelCursorSetsPartitionTheRows()
    {
        var mlContext = new MLContext(seed: 0);
        var data = mlContext.Transforms.CopyColumns("Copy", "Pixels").Fit(mlContext.Data.LoadFromEnumerable(SampleData.Images(20)))
            .Transform(mlContext.Data.LoadFromEnumerable(SampleData.Images(20)));

        var cursors = data.GetRowCursorSet([data.Schema["Copy"]], n: 4);
        var firsts = new List<float>();
        foreach (var cursor in cursors)
        {
            using (cursor)
            {
                var getter = cursor.GetGetter<VBuffer<float>>(data.Schema["Copy"]);
                VBuffer<float> v = default;
                while (cursor.MoveNext())
                {
                    getter(ref v);
                    firsts.Add(v.GetItemOrDefault(0));
                }
            }
        }
        CollectionAssert.AreEquivalent(Enumerable.Range(0, 20).Select(i => (float)i).ToArray(), firsts.ToArray());
    }
}
