using System.Text.Json;
using MLAugment.Engine.NN;

namespace MLAugment.Engine.Tests.NN;

/// <summary>Reader for nn_golden.json (make_nn_golden.py): PyTorch modules' state dicts, inputs and outputs.</summary>
internal static class NNGolden
{
    private static readonly Lazy<JsonElement> Root = new(() =>
        JsonDocument.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "NN", "nn_golden.json"))).RootElement);

    public static JsonElement Case(string name) =>
        Root.Value.GetProperty("cases").EnumerateArray().Single(c => c.GetProperty("name").GetString() == name);

    public static JsonElement UNetLike => Root.Value.GetProperty("unet_like");

    public static Tensor Tensor(JsonElement e) =>
        Engine.Tensor.FromArray(e.GetProperty("data").EnumerateArray().Select(v => (float)v.GetDouble()).ToArray(),
            e.GetProperty("shape").EnumerateArray().Select(v => v.GetInt32()).ToArray());

    public static Dictionary<string, Tensor> State(JsonElement c, string key = "state") =>
        c.GetProperty(key).EnumerateObject().ToDictionary(p => p.Name, p => Tensor(p.Value));

    public static Tensor Input(JsonElement c, int i = 0) => Tensor(c.GetProperty("inputs")[i]);

    /// <summary>Loads the case's state dict strictly (names and shapes must equal PyTorch's) and returns the module.</summary>
    public static T Loaded<T>(T module, JsonElement c) where T : Module
    {
        module.LoadStateDict(State(c), strict: true);
        return module;
    }

    public static void AssertClose(Tensor expected, Tensor actual, float atol = 1e-5f, float rtol = 1e-4f, string what = "")
    {
        CollectionAssert.AreEqual(expected.Shape.ToArray(), actual.Shape.ToArray(), $"{what} shape");
        var e = expected.ToArray(); var a = actual.ToArray();
        for (int i = 0; i < e.Length; i++)
            if (!(Math.Abs(e[i] - a[i]) <= atol + rtol * Math.Abs(e[i])))
                Assert.Fail($"{what}[{i}]: expected {e[i]:R}, got {a[i]:R}");
    }
}
