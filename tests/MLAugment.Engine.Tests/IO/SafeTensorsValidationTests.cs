using System.Buffers.Binary;
using System.Text;
using MLAugment.Engine.IO;

namespace MLAugment.Engine.Tests.IO;

/// <summary>Every malformed file is refused with a <see cref="SafeTensorsFormatException"/> that says why.</summary>
[TestClass]
public sealed class SafeTensorsValidationTests
{
    private static byte[] File(string header, int dataBytes, long? declaredLength = null)
    {
        var h = Encoding.UTF8.GetBytes(header);
        var bytes = new byte[8 + h.Length + dataBytes];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, (ulong)(declaredLength ?? h.Length));
        h.CopyTo(bytes, 8);
        for (int i = 0; i < dataBytes; i++) bytes[8 + h.Length + i] = (byte)(i * 37);
        return bytes;
    }

    private static SafeTensorsFormatException Rejects(byte[] bytes)
    {
        return Assert.ThrowsExactly<SafeTensorsFormatException>(() =>
        {
            using var r = new SafeTensorsReader(new MemoryStream(bytes), "bad.safetensors");
        });
    }

    private static void RejectsWith(byte[] bytes, string fragment)
    {
        var ex = Rejects(bytes);
        StringAssert.StartsWith(ex.Message, "bad.safetensors: ");
        StringAssert.Contains(ex.Message, fragment);
    }

    [TestMethod]
    public void A_valid_minimal_file_opens()
    {
        using var r = new SafeTensorsReader(new MemoryStream(File("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}", 8)));
        Assert.HasCount(1, r.Entries);
    }

    [TestMethod]
    public void Header_length_must_fit_in_the_file() =>
        RejectsWith(File("{}", 0, declaredLength: 1000), "header length 1000 exceeds");

    [TestMethod]
    public void Tiny_file_is_rejected() => RejectsWith(new byte[5], "too short");

    [TestMethod]
    public void Huge_header_length_is_rejected() => RejectsWith(File("{}", 0, declaredLength: long.MaxValue), "exceeds the 100000000-byte limit");

    [TestMethod]
    public void Header_must_be_well_formed_json() =>
        RejectsWith(File("{\"a\":{\"dtype\":\"F32\",", 0), "not valid JSON");

    [TestMethod]
    public void Header_must_be_an_object() => RejectsWith(File("[1,2]   ", 0), "does not start with '{'");

    [TestMethod]
    public void Unknown_dtype_is_rejected() =>
        RejectsWith(File("{\"a\":{\"dtype\":\"F128\",\"shape\":[1],\"data_offsets\":[0,16]}}", 16), "unknown dtype 'F128'");

    [TestMethod]
    public void Byte_count_must_equal_shape_times_dtype_size() =>
        RejectsWith(File("{\"a\":{\"dtype\":\"F16\",\"shape\":[3],\"data_offsets\":[0,4]}}", 4), "needs 6");

    [TestMethod]
    public void Offsets_must_lie_inside_the_data_section() =>
        RejectsWith(File("{\"a\":{\"dtype\":\"U8\",\"shape\":[8],\"data_offsets\":[0,8]}}", 4), "data section has only 4 bytes");

    [TestMethod]
    public void Tensors_must_not_overlap() =>
        RejectsWith(File("{\"a\":{\"dtype\":\"U8\",\"shape\":[4],\"data_offsets\":[0,4]},\"b\":{\"dtype\":\"U8\",\"shape\":[4],\"data_offsets\":[2,6]}}", 6), "overlaps");

    [TestMethod]
    public void Data_section_must_have_no_gaps_or_trailing_bytes()
    {
        RejectsWith(File("{\"a\":{\"dtype\":\"U8\",\"shape\":[2],\"data_offsets\":[2,4]}}", 4), "gap in the data section");
        RejectsWith(File("{\"a\":{\"dtype\":\"U8\",\"shape\":[2],\"data_offsets\":[0,2]}}", 5), "trailing bytes");
    }

    [TestMethod]
    public void Offsets_must_be_ordered_non_negative_integers()
    {
        RejectsWith(File("{\"a\":{\"dtype\":\"U8\",\"shape\":[0],\"data_offsets\":[4,0]}}", 4), "end before they begin");
        RejectsWith(File("{\"a\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[-1,0]}}", 1), "not a non-negative integer");
        RejectsWith(File("{\"a\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[0]}}", 1), "data_offsets");
        RejectsWith(File("{\"a\":{\"dtype\":\"U8\",\"shape\":[1.5],\"data_offsets\":[0,1]}}", 1), "shape entry 0");
    }

    [TestMethod]
    public void Shape_overflow_is_rejected() =>
        RejectsWith(File("{\"a\":{\"dtype\":\"F32\",\"shape\":[4294967296,4294967296],\"data_offsets\":[0,4]}}", 4), "too many elements");

    [TestMethod]
    public void Metadata_must_map_strings_to_strings() =>
        RejectsWith(File("{\"__metadata__\":{\"epoch\":3}}", 0), "expected a string");

    [TestMethod]
    public void Duplicate_tensor_names_are_rejected() =>
        RejectsWith(File("{\"a\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[0,1]},\"a\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[1,2]}}", 2), "names 'a' twice");

    [TestMethod]
    public void Header_must_be_valid_utf8()
    {
        var bytes = File("{\"a\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[0,1]}}", 1);
        bytes[10] = 0xC3; // lead byte of a two-byte sequence inside the name, followed by ASCII
        RejectsWith(bytes, "not valid UTF-8");
    }

    [TestMethod]
    public void Opening_reads_only_the_header_and_tensors_are_read_on_demand()
    {
        var w = new SafeTensorsWriter().Add("big", [256, 1024], new float[256 * 1024]).Add("small", [2], [1f, 2f]);
        var ms = new MemoryStream();
        w.WriteTo(ms);
        var counting = new CountingStream(new MemoryStream(ms.ToArray()));
        using var r = new SafeTensorsReader(counting);
        Assert.IsLessThan(1024L, counting.BytesRead, "only the header is read when opening");
        CollectionAssert.AreEqual(new[] { 1f, 2f }, r.ReadFloat32("small"));
        Assert.IsLessThan(1024L, counting.BytesRead, "reading one tensor does not touch the others");
    }

    private sealed class CountingStream(Stream inner) : Stream
    {
        public long BytesRead { get; private set; }
        public override bool CanRead => true;
        public override bool CanSeek => true;
        public override bool CanWrite => false;
        public override long Length => inner.Length;
        public override long Position { get => inner.Position; set => inner.Position = value; }
        public override void Flush() { }
        public override int Read(byte[] buffer, int offset, int count)
        {
            int n = inner.Read(buffer, offset, count);
            BytesRead += n;
            return n;
        }
        public override long Seek(long offset, SeekOrigin origin) => inner.Seek(offset, origin);
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }

    [TestMethod]
    public void Truncation_at_every_offset_is_a_format_error()
    {
        var good = System.IO.File.ReadAllBytes(Path.Combine(AppContext.BaseDirectory, "Fixtures", "safetensors", "golden.safetensors"));
        for (int len = 0; len < good.Length; len++)
            Rejects(good[..len]);
    }

    [TestMethod]
    public void Corrupted_golden_file_fails_only_with_format_errors()
    {
        var good = System.IO.File.ReadAllBytes(Path.Combine(AppContext.BaseDirectory, "Fixtures", "safetensors", "golden.safetensors"));
        int headerEnd = 8 + (int)BinaryPrimitives.ReadUInt64LittleEndian(good);
        var rng = new Random(42);
        int opened = 0;
        for (int trial = 0; trial < 2000; trial++)
        {
            var bad = (byte[])good.Clone();
            int at = trial < 64 ? trial % 8 : rng.Next(headerEnd); // the length field, then anywhere in the header
            bad[at] = trial % 3 == 0 ? (byte)"0123456789[]{},\":-"[rng.Next(18)] : (byte)rng.Next(256);
            try
            {
                using var r = new SafeTensorsReader(new MemoryStream(bad), "bad.safetensors");
                opened++;
                foreach (var e in r.Entries)
                {
                    if (!e.DType.ConvertsToFloat32() || e.ElementCount > 1 << 20) continue;
                    r.ReadFloat32(e.Name);
                }
            }
            catch (SafeTensorsFormatException ex)
            {
                StringAssert.StartsWith(ex.Message, "bad.safetensors: ");
            }
            catch (Exception ex)
            {
                Assert.Fail($"trial {trial} (byte {at} = 0x{bad[at]:X2}): {ex.GetType().Name}: {ex.Message}");
            }
        }
        Assert.IsGreaterThan(0, opened, "some corruptions (e.g. inside metadata strings) leave a valid file");
    }
}
