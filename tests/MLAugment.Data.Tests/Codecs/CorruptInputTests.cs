using MLAugment.Data.Images.Codecs;

namespace MLAugment.Data.Tests.Codecs;

/// <summary>
/// Damaged files: whatever the damage, decoding either succeeds or throws <see cref="InvalidImageException"/>
/// naming the file; never IndexOutOfRange, overflow, or any other exception type.
/// </summary>
[TestClass]
public sealed class CorruptInputTests
{
    public static IEnumerable<object[]> AllFixtures => FixtureManifest.Named(_ => true);

    [TestMethod]
    [DynamicData(nameof(AllFixtures))]
    public void Truncated_fixture_throws_InvalidImageException_or_decodes(string file)
    {
        var data = FixtureManifest.Bytes(file);
        foreach (int len in CutPoints(data.Length))
        {
            var cut = data.AsSpan(0, len).ToArray();
            AssertDecodesOrRejects(cut, file, $"truncated to {len} of {data.Length} bytes");
        }
    }

    [TestMethod]
    [DynamicData(nameof(AllFixtures))]
    public void Corrupted_fixture_throws_InvalidImageException_or_decodes(string file)
    {
        var data = FixtureManifest.Bytes(file);
        var rng = new Random(file.Sum(c => c * 31)); // stable per file (string.GetHashCode is randomized per process)
        for (int trial = 0; trial < 150; trial++)
        {
            var bad = (byte[])data.Clone();
            int flips = 1 + trial % 3;
            // Headers are where lengths and sizes live: aim half the damage at the first 64 bytes.
            for (int f = 0; f < flips; f++)
            {
                int at = trial % 2 == 0 ? rng.Next(Math.Min(64, bad.Length)) : rng.Next(bad.Length);
                bad[at] = trial % 5 == 0 ? (byte)0xFF : (byte)rng.Next(256);
            }
            AssertDecodesOrRejects(bad, file, $"corruption trial {trial}");
        }
    }

    [TestMethod]
    public void Truncated_png_message_names_file_and_problem()
    {
        var data = FixtureManifest.Bytes("png_rgb8.png");
        var ex = Assert.ThrowsExactly<InvalidImageException>(() => ImageCodecs.Decode(data[..(data.Length / 2)], "photo.png"));
        StringAssert.StartsWith(ex.Message, "photo.png: truncated IDAT chunk at offset ");
    }

    [TestMethod]
    public void Png_crc_mismatch_is_reported_unless_ignored()
    {
        var data = FixtureManifest.Bytes("png_rgb8.png");
        int idat = data.AsSpan().IndexOf("IDAT"u8);
        data[idat + 10] ^= 0x01; // inside the compressed data
        var ex = Assert.ThrowsExactly<InvalidImageException>(() => PngDecoder.Decode(data, "x.png"));
        StringAssert.Contains(ex.Message, "CRC mismatch in IDAT chunk");
        try
        {
            PngDecoder.Decode(data, "x.png", new PngDecoderOptions { IgnoreCrc = true });
        }
        catch (InvalidImageException)
        {
            // also acceptable: the flipped bit may break the zlib stream itself
        }
    }

    [TestMethod]
    public void Unknown_format_is_rejected_with_its_first_bytes()
    {
        var ex = Assert.ThrowsExactly<InvalidImageException>(() => ImageCodecs.Decode("GIF89a.."u8.ToArray(), "anim.gif"));
        StringAssert.Contains(ex.Message, "anim.gif: unrecognized image format");
        StringAssert.Contains(ex.Message, "4749463839"); // "GIF89" in hex
        Assert.ThrowsExactly<InvalidImageException>(() => ImageCodecs.Decode(Array.Empty<byte>(), "empty.png"));
    }

    [TestMethod]
    public void Truncated_jpeg_scan_is_an_error_not_gray_padding()
    {
        var data = FixtureManifest.Bytes("jpeg_420.jpg");
        var ex = Assert.ThrowsExactly<InvalidImageException>(() => JpegDecoder.Decode(data[..(data.Length - 200)], "cam.jpg"));
        StringAssert.StartsWith(ex.Message, "cam.jpg: ");
    }

    [TestMethod]
    public void Lying_dimensions_are_rejected_before_allocating()
    {
        var png = FixtureManifest.Bytes("png_gray8.png");
        // IHDR width/height -> 60000 x 60000, CRC fixed up so only the size check can object
        png[16] = 0; png[17] = 0; png[18] = 0xEA; png[19] = 0x60;
        png[20] = 0; png[21] = 0; png[22] = 0xEA; png[23] = 0x60;
        var ex = Assert.ThrowsExactly<InvalidImageException>(() => PngDecoder.Decode(png, "big.png", new PngDecoderOptions { IgnoreCrc = true }));
        StringAssert.Contains(ex.Message, "big.png");

        var jpg = FixtureManifest.Bytes("jpeg_444.jpg");
        int sof = IndexOfMarker(jpg, 0xC0);
        jpg[sof + 5] = 0x3F; jpg[sof + 6] = 0xFF; // height 16383
        jpg[sof + 7] = 0x3F; jpg[sof + 8] = 0xFF; // width 16383
        ex = Assert.ThrowsExactly<InvalidImageException>(() => JpegDecoder.Decode(jpg, "big.jpg"));
        StringAssert.Contains(ex.Message, "blocks");
    }

    private static int IndexOfMarker(byte[] d, byte marker)
    {
        for (int i = 0; i + 1 < d.Length; i++) if (d[i] == 0xFF && d[i + 1] == marker) return i;
        throw new InvalidOperationException("marker not found");
    }

    private static IEnumerable<int> CutPoints(int length)
    {
        var set = new SortedSet<int>();
        for (int i = 0; i < Math.Min(length, 80); i++) set.Add(i);
        for (int i = 0; i < 120; i++) set.Add((int)((long)length * i / 120));
        for (int i = 1; i <= 16; i++) set.Add(Math.Max(0, length - i));
        set.Remove(length);
        return set;
    }

    private static void AssertDecodesOrRejects(byte[] data, string file, string what)
    {
        try
        {
            var img = ImageCodecs.Decode(data, file);
            Assert.AreEqual((long)img.Width * img.Height * img.BytesPerPixel, img.Pixels.LongLength);
        }
        catch (InvalidImageException ex)
        {
            StringAssert.StartsWith(ex.Message, file + ": ", what);
        }
        catch (Exception ex)
        {
            Assert.Fail($"{file} {what}: {ex.GetType().Name}: {ex.Message}\n{ex.StackTrace}");
        }
        if (PngDecoder.IsPng(data))
        {
            // Without the CRC gate the damage reaches the filter and zlib code paths too.
            try { PngDecoder.Decode(data, file, new PngDecoderOptions { IgnoreCrc = true }); }
            catch (InvalidImageException) { }
            catch (Exception ex) { Assert.Fail($"{file} {what} (CRC ignored): {ex.GetType().Name}: {ex.Message}\n{ex.StackTrace}"); }
        }
    }
}
