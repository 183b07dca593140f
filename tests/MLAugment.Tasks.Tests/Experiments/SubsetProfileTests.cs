using MLAugment.Tasks.Experiments;

namespace MLAugment.Tasks.Tests.Experiments;

[TestClass]
public sealed class SubsetProfileTests
{
    [TestMethod]
    public void LongTailRatio100KeepsTheExponentialCountsOfCui2019()
    {
        // n_c = floor(n_max * 100^(-c/9)), computed by hand (Python: int(6000 * 0.01 ** (c / 9))).
        CollectionAssert.AreEqual(new[] { 6000, 3596, 2156, 1292, 774, 464, 278, 166, 100, 60 }, new LongTailProfile(100, 6000).PerClassCounts(10));
        CollectionAssert.AreEqual(new[] { 1000, 599, 359, 215, 129, 77, 46, 27, 16, 10 }, new LongTailProfile(100, 1000).PerClassCounts(10));
    }

    [TestMethod]
    public void LongTailTailIsHeadOverRatioAndNeverEmpty()
    {
        var n = new LongTailProfile(100, 300).PerClassCounts(10);
        Assert.AreEqual(300, n[0]);
        Assert.AreEqual(3, n[9]);
        Assert.AreEqual(1, new LongTailProfile(100, 50).PerClassCounts(10)[9], "a class never drops to zero rows");
        for (int c = 1; c < n.Length; c++) Assert.IsLessThanOrEqualTo(n[c - 1], n[c]);
    }

    [TestMethod]
    public void FewShotKeepsKOfEveryClass() =>
        CollectionAssert.AreEqual(Enumerable.Repeat(10, 10).ToArray(), new FewShotProfile(10).PerClassCounts(10));

    [TestMethod]
    public void SelectionIsDeterministicPerSeedAndDrawsExactlyTheCountsOfEachClass()
    {
        var labels = Enumerable.Range(0, 3000).Select(i => (i * 7) % 10).ToArray();
        var profile = new LongTailProfile(100, 200);
        var a = profile.Select(labels, 10, seed: 5);
        var b = profile.Select(labels, 10, seed: 5);
        var other = profile.Select(labels, 10, seed: 6);
        CollectionAssert.AreEqual(a, b, "the same seed draws the same rows");
        CollectionAssert.AreNotEqual(a, other, "another seed draws other rows");
        Assert.AreEqual(a.Length, a.Distinct().Count(), "no row twice");
        var counts = profile.PerClassCounts(10);
        for (int c = 0; c < 10; c++)
            Assert.AreEqual(counts[c], a.Count(i => labels[i] == c), $"class {c}");
        var classes = a.Select(i => labels[i]).ToArray();
        CollectionAssert.AreEqual(classes.Order().ToArray(), classes, "grouped by class, class 0 first");
    }

    [TestMethod]
    public void SelectingMoreRowsThanAClassHasFailsNamingTheClass()
    {
        var labels = Enumerable.Range(0, 100).Select(i => i % 10).ToArray();   // 10 per class
        var e = Assert.ThrowsExactly<ArgumentException>(() => new FewShotProfile(11).Select(labels, 10, 1));
        StringAssert.Contains(e.Message, "class 0 needs 11 rows");
    }

    [TestMethod]
    public void BadParametersAreRejected()
    {
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new LongTailProfile(0.5, 100).PerClassCounts(10));
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new LongTailProfile(100, 0).PerClassCounts(10));
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new FewShotProfile(0).PerClassCounts(10));
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new FewShotProfile(1).Select([0, 1, 12], 10, 1));
    }
}
