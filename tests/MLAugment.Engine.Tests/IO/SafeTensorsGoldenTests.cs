using System.Text.Json;
using MLAugment.Engine.IO;

namespace MLAugment.Engine.Tests.IO;

/// <summary>A file laid out by Python (torch + struct, per the spec) reads back to the values torch computed.</summary>
[TestClass]
public sealed class SafeTensorsGoldenTests
{
    private static string Dir => Path.Combine(AppContext.BaseDirectory, "Fixtures", "safetensors");
    private static string GoldenPath => Path.Combine(Dir, "golden.safetensors");

    private static JsonElement Expected()
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(Dir, "golden_expected.json")));
        return doc.RootElement.Clone();
    }

    [TestMethod]
    public void Golden_entries_match_header()
    {
        var expected = Expected();
        using var r = SafeTensorsReader.Open(GoldenPath);
        var order = expected.GetProperty("order").EnumerateArray().Select(e => e.GetString()!).ToList();
        CollectionAssert.AreEqual(order, r.Entries.Select(e => e.Name).ToList(), "entries are listed in data order");
        foreach (var name in order)
        {
            var x = expected.GetProperty("tensors").GetProperty(name);
            var e = r.GetEntry(name);
            Assert.AreEqual(x.GetProperty("dtype").GetString(), e.DType.ToString(), name);
            CollectionAssert.AreEqual(x.GetProperty("shape").EnumerateArray().Select(v => v.GetInt64()).ToArray(), e.Shape, name);
            var off = x.GetProperty("data_offsets").EnumerateArray().Select(v => v.GetInt64()).ToArray();
            Assert.AreEqual(off[0], e.DataBegin, name);
            Assert.AreEqual(off[1], e.DataEnd, name);
        }
        Assert.AreEqual("pt", r.Metadata["format"]);
        Assert.AreEqual("make_safetensors.py", r.Metadata["source"]);
        Assert.HasCount(2, r.Metadata);
    }

    [TestMethod]
    public void Golden_values_convert_exactly_to_float32()
    {
        var expected = Expected().GetProperty("tensors");
        using var r = SafeTensorsReader.Open(GoldenPath);
        foreach (var t in expected.EnumerateObject())
        {
            var bits = t.Value.GetProperty("f32_bits").EnumerateArray().Select(v => v.GetUInt32()).ToArray();
            var values = r.ReadFloat32(t.Name);
            Assert.HasCount(bits.Length, values, t.Name);
            for (int i = 0; i < bits.Length; i++)
                Assert.AreEqual(bits[i], BitConverter.SingleToUInt32Bits(values[i]),
                    $"{t.Name}[{i}]: got {values[i]:R}, expected {BitConverter.UInt32BitsToSingle(bits[i]):R}");
        }
    }

    [TestMethod]
    public void Half_and_bfloat16_special_values_survive()
    {
        using var r = SafeTensorsReader.Open(GoldenPath);
        var half = r.ReadFloat32("layers.0.half");
        Assert.AreEqual(65504f, half[2]);
        Assert.IsTrue(float.IsNegative(half[1]) && half[1] == 0, "-0.0 keeps its sign");
        Assert.IsTrue(float.IsPositiveInfinity(half[5]));
        var bf = r.ReadFloat32("layers.0.bf16");
        Assert.AreEqual(-3.140625f, bf[1]);
        Assert.IsTrue(float.IsNegativeInfinity(bf[3]));
        Assert.HasCount(0, r.ReadFloat32("empty"));
        Assert.AreEqual(2.75f, r.ReadFloat32("scalar").Single());
        Assert.IsEmpty(r.GetEntry("scalar").Shape);
    }

    [TestMethod]
    public void Concurrent_reads_of_different_tensors_are_safe()
    {
        using var r = SafeTensorsReader.Open(GoldenPath);
        var names = r.Entries.Select(e => e.Name).ToArray();
        var expected = names.ToDictionary(n => n, r.ReadFloat32);
        Parallel.For(0, 400, new ParallelOptions { MaxDegreeOfParallelism = 4 }, i =>
        {
            var n = names[i % names.Length];
            CollectionAssert.AreEqual(expected[n], r.ReadFloat32(n), n);
        });
    }

    [TestMethod]
    public void Raw_bytes_are_available_for_any_dtype()
    {
        using var r = SafeTensorsReader.Open(GoldenPath);
        var mask = new byte[4];
        r.ReadBytes("mask", mask);
        CollectionAssert.AreEqual(new byte[] { 0, 255, 1, 128 }, mask);
    }

    [TestMethod]
    public void Destination_of_wrong_length_and_unknown_names_are_caller_errors()
    {
        using var r = SafeTensorsReader.Open(GoldenPath);
        var ex = Assert.ThrowsExactly<ArgumentException>(() => r.ReadFloat32("embed.weight", new float[11]));
        StringAssert.Contains(ex.Message, "'embed.weight'");
        StringAssert.Contains(ex.Message, "12 elements");
        var k = Assert.ThrowsExactly<KeyNotFoundException>(() => r.GetEntry("nope"));
        StringAssert.Contains(k.Message, "golden.safetensors");
    }
}
