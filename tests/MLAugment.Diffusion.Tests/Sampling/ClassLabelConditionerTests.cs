using MLAugment.Diffusion.Conditioning;
using MLAugment.Diffusion.Sampling;

namespace MLAugment.Diffusion.Tests.Sampling;

[TestClass]
public sealed class ClassLabelConditionerTests
{
    private static readonly ClassLabelConditioner Fashion = new(
        new[] { "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot" },
        new Dictionary<string, string[]> { ["Ankle boot"] = new[] { "boot" } });

    [TestMethod]
    [DataRow("Sneaker", 7)]
    [DataRow("a photo of a sneaker", 7)]
    [DataRow("two Sneakers!", 7)]
    [DataRow("a t-shirt", 0)]
    [DataRow("a shirt", 6)]
    [DataRow("T-shirt/top", 0)]
    [DataRow("a pair of trousers", 1)]
    [DataRow("black ankle boots", 9)]
    [DataRow("a boot", 9)]
    [DataRow("dresses", 3)]
    public void PromptsAndLabelsMapToOneClass(string prompt, int expected) =>
        Assert.AreEqual(expected, Fashion.Encode(prompt).ClassIndex);

    [TestMethod]
    public void UnknownOrAmbiguousPromptsListTheKnownLabels()
    {
        var unknown = Assert.ThrowsExactly<UnknownConditionException>(() => Fashion.Encode("a photo of a cat"));
        StringAssert.Contains(unknown.Message, "Ankle boot");
        var twoClasses = Assert.ThrowsExactly<UnknownConditionException>(() => Fashion.Encode("a coat and a bag"));
        StringAssert.Contains(twoClasses.Message, "several");
    }

    [TestMethod]
    public void EmptyNegativePromptIsTheNullClass()
    {
        Assert.AreEqual(10, Fashion.Null(null).ClassIndex);
        Assert.AreEqual(8, Fashion.Null("bag").ClassIndex);
    }
}
