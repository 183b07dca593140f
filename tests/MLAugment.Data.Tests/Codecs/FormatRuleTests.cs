using System.Buffers.Binary;
using MLAugment.Data.Images.Codecs;

namespace MLAugment.Data.Tests.Codecs;

/// <summary>Format rules that a well-formed-looking file can still break.</summary>
[TestClass]
public sealed class FormatRuleTests
{
    private static byte[] Chunk(string type, byte[] data)
    {
        var c = new byte[12 + data.Length];
        BinaryPrimitives.WriteUInt32BigEndian(c, (uint)data.Length);
        for (int i = 0; i < 4; i++) c[4 + i] = (byte)type[i];
        data.CopyTo(c, 8);
        BinaryPrimitives.WriteUInt32BigEndian(c.AsSpan(8 + data.Length), Crc32.Compute(c.AsSpan(4, 4 + data.Length)));
        return c;
    }

    /// <summary>A valid PNG with <paramref name="chunk"/> inserted right after IHDR.</summary>
    private static byte[] PngWith(byte[] chunk)
    {
        var png = PngEncoder.Encode(new RawImage(3, 2, RawPixelFormat.Gray8, [1, 2, 3, 4, 5, 6]));
        const int afterIhdr = 8 + 25;
        return [.. png.AsSpan(0, afterIhdr), .. chunk, .. png.AsSpan(afterIhdr)];
    }

    [TestMethod]
    public void Png_ancillary_chunks_are_skipped()
    {
        var img = PngDecoder.Decode(PngWith(Chunk("tEXt", "Comment\0hello"u8.ToArray())));
        CollectionAssert.AreEqual(new byte[] { 1, 2, 3, 4, 5, 6 }, img.Pixels);
    }

    [TestMethod]
    public void Png_unknown_critical_chunk_is_an_error()
    {
        var ex = Assert.ThrowsExactly<InvalidImageException>(() => PngDecoder.Decode(PngWith(Chunk("ZZZZ", [1])), "c.png"));
        StringAssert.Contains(ex.Message, "unknown critical chunk ZZZZ");
    }

    [TestMethod]
    public void Png_palette_index_outside_palette_is_an_error_not_black()
    {
        // 8-bit palette image with 2 entries whose pixel uses index 5
        byte[] ihdr = [0, 0, 0, 1, 0, 0, 0, 1, 8, 3, 0, 0, 0];
        var idat = new MemoryStream();
        using (var z = new System.IO.Compression.ZLibStream(idat, System.IO.Compression.CompressionLevel.Fastest, leaveOpen: true))
            z.Write([0, 5]);
        byte[] png = [.. PngDecoder.Signature, .. Chunk("IHDR", ihdr), .. Chunk("PLTE", [0, 0, 0, 255, 255, 255]),
            .. Chunk("IDAT", idat.ToArray()), .. Chunk("IEND", [])];
        var ex = Assert.ThrowsExactly<InvalidImageException>(() => PngDecoder.Decode(png, "p.png"));
        StringAssert.Contains(ex.Message, "palette index 5 at pixel (0,0)");
    }

    [TestMethod]
    public void Png_missing_IEND_is_truncation()
    {
        var png = PngEncoder.Encode(new RawImage(2, 2, RawPixelFormat.Gray8));
        var ex = Assert.ThrowsExactly<InvalidImageException>(() => PngDecoder.Decode(png.AsSpan(0, png.Length - 12), "t.png"));
        StringAssert.Contains(ex.Message, "missing IEND");
    }

    [TestMethod]
    public void Jpeg_restart_markers_must_come_in_sequence()
    {
        var data = FixtureManifest.Bytes("jpeg_420_restart.jpg");
        int rst1 = -1;
        for (int i = 0; i + 1 < data.Length; i++)
            if (data[i] == 0xFF && data[i + 1] == 0xD1) { rst1 = i; break; }
        Assert.IsGreaterThan(0, rst1);
        data[rst1 + 1] = 0xD5;
        var ex = Assert.ThrowsExactly<InvalidImageException>(() => JpegDecoder.Decode(data, "r.jpg"));
        StringAssert.Contains(ex.Message, "expected RST1 marker");
    }

    [TestMethod]
    public void Jpeg_arithmetic_coding_is_reported_as_unsupported()
    {
        var data = FixtureManifest.Bytes("jpeg_444.jpg");
        for (int i = 0; i + 1 < data.Length; i++)
            if (data[i] == 0xFF && data[i + 1] == 0xC0) { data[i + 1] = 0xC9; break; }
        var ex = Assert.ThrowsExactly<InvalidImageException>(() => JpegDecoder.Decode(data, "a.jpg"));
        StringAssert.Contains(ex.Message, "unsupported JPEG process (SOF9");
    }

    [TestMethod]
    public void Bmp_rle_is_reported_as_unsupported()
    {
        var data = BmpEncoder.Encode(new RawImage(2, 2, RawPixelFormat.Rgb24));
        data[28] = 8; // 8 bpp
        data[30] = 1; // BI_RLE8
        var ex = Assert.ThrowsExactly<InvalidImageException>(() => BmpDecoder.Decode(data, "r.bmp"));
        StringAssert.Contains(ex.Message, "RLE8-compressed BMP is not supported");
    }

    [TestMethod]
    public void Pnm_sample_above_maxval_is_an_error()
    {
        var ex = Assert.ThrowsExactly<InvalidImageException>(() => PnmDecoder.Decode("P2 2 1 100 50 101\n"u8, "m.pgm"));
        StringAssert.Contains(ex.Message, "sample 101");
        StringAssert.Contains(ex.Message, "exceeds maxval 100");
    }
}
