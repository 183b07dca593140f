using MLAugment.Engine.IO;

namespace MLAugment.Engine.Tests.IO;

[TestClass]
public sealed class StateDictFileTests
{
    [TestMethod]
    public void StateDictRoundTripsThroughSafetensorsWithMetadata()
    {
        var path = Path.Combine(Path.GetTempPath(), $"sd-{Guid.NewGuid():N}.safetensors");
        try
        {
            var state = new Dictionary<string, Tensor>
            {
                ["conv.weight"] = Tensor.FromArray(new float[] { 1, -2, 3.5f, float.Epsilon }, 1, 1, 2, 2),
                ["conv.bias"] = Tensor.Scalar(0.25f),
            };
            StateDictFile.Save(path, state, new Dictionary<string, string> { ["format"] = "pt" });
            var back = StateDictFile.Load(path, out var meta);
            Assert.AreEqual("pt", meta["format"]);
            CollectionAssert.AreEqual(state["conv.weight"].ToArray(), back["conv.weight"].ToArray());
            CollectionAssert.AreEqual(new[] { 1, 1, 2, 2 }, back["conv.weight"].Shape.ToArray());
            Assert.AreEqual(0.25f, back["conv.bias"].Item());
        }
        finally { File.Delete(path); }
    }
}
