using System.Buffers.Binary;
using System.Text;
using MLAugment.Engine.IO;

namespace MLAugment.Engine.Tests.IO;

[TestClass]
public sealed class SafeTensorsWriterTests
{
    private static float[] Values(int n, int seed)
    {
        var rng = new Random(seed);
        return Enumerable.Range(0, n).Select(_ => (float)(rng.NextDouble() * 2 - 1)).ToArray();
    }

    [TestMethod]
    public void Write_then_read_round_trips_values_shapes_and_metadata()
    {
        var w = new SafeTensorsWriter();
        var a = Values(6, 1);
        var b = Values(24, 2);
        w.Add("zeta", [2, 3], a);
        w.Add("alpha.weight", [2, 3, 4], b);
        w.Add("scalar", [], [float.NaN]);
        w.Add("empty", [0], ReadOnlySpan<float>.Empty);
        w.Metadata["format"] = "pt";
        w.Metadata["note"] = "héllo \"quoted\"";
        var ms = new MemoryStream();
        w.WriteTo(ms);

        ms.Position = 0;
        using var r = new SafeTensorsReader(ms, "mem.safetensors");
        CollectionAssert.AreEqual(new[] { "alpha.weight", "empty", "scalar", "zeta" }, r.Entries.Select(e => e.Name).ToArray(),
            "tensors are laid out sorted by name");
        CollectionAssert.AreEqual(a, r.ReadFloat32("zeta"));
        CollectionAssert.AreEqual(b, r.ReadFloat32("alpha.weight"));
        CollectionAssert.AreEqual(new long[] { 2, 3, 4 }, r.GetEntry("alpha.weight").Shape);
        Assert.IsTrue(float.IsNaN(r.ReadFloat32("scalar")[0]));
        Assert.AreEqual(SafeTensorsDType.F32, r.GetEntry("zeta").DType);
        Assert.AreEqual("héllo \"quoted\"", r.Metadata["note"]);
    }

    [TestMethod]
    public void Header_is_space_padded_to_8_bytes_and_compact()
    {
        var w = new SafeTensorsWriter();
        w.Add("x", [1], [1f]);
        var ms = new MemoryStream();
        w.WriteTo(ms);
        var bytes = ms.ToArray();
        long n = (long)BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        Assert.AreEqual(0, n % 8);
        string header = Encoding.UTF8.GetString(bytes, 8, (int)n);
        Assert.AreEqual("{\"x\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}", header.TrimEnd(' '));
        Assert.AreEqual(8 + n + 4, bytes.Length);
    }

    [TestMethod]
    public void Save_replaces_existing_file_atomically()
    {
        var dir = Directory.CreateTempSubdirectory("mlaugment-st-");
        try
        {
            var path = Path.Combine(dir.FullName, "model.safetensors");
            new SafeTensorsWriter().Add("old", [2], [1f, 2f]).Save(path);
            var before = File.ReadAllBytes(path);

            // A failure after the temporary file is written leaves the old file untouched and no debris.
            var failing = new SafeTensorsWriter().Add("new", [3], [3f, 4f, 5f]);
            failing.BeforeCommit = _ => throw new IOException("simulated crash before rename");
            Assert.ThrowsExactly<IOException>(() => failing.Save(path));
            CollectionAssert.AreEqual(before, File.ReadAllBytes(path));
            Assert.HasCount(1, dir.GetFiles());

            new SafeTensorsWriter().Add("new", [3], [3f, 4f, 5f]).Save(path);
            using var r = SafeTensorsReader.Open(path);
            CollectionAssert.AreEqual(new[] { 3f, 4f, 5f }, r.ReadFloat32("new"));
            Assert.IsFalse(r.Contains("old"));
            Assert.HasCount(1, dir.GetFiles());
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    [TestMethod]
    public void Invalid_tensors_are_rejected_when_added()
    {
        var w = new SafeTensorsWriter();
        Assert.ThrowsExactly<ArgumentException>(() => w.Add("a", [2, 2], new float[3]));
        Assert.ThrowsExactly<ArgumentException>(() => w.Add("a", [-1], new float[0]));
        Assert.ThrowsExactly<ArgumentException>(() => w.Add("__metadata__", [1], new float[1]));
        Assert.ThrowsExactly<ArgumentException>(() => w.Add("", [1], new float[1]));
        w.Add("a", [1], new float[1]);
        var ex = Assert.ThrowsExactly<ArgumentException>(() => w.Add("a", [1], new float[1]));
        StringAssert.Contains(ex.Message, "'a'");
    }
}
