using MLAugment.Data.Images.Codecs;

namespace MLAugment.Data.Tests.Codecs;

/// <summary>What the encoders write, the decoders read back bit-exactly.</summary>
[TestClass]
public sealed class RoundTripTests
{
    private static RawImage Random(int w, int h, RawPixelFormat fmt, int seed)
    {
        var rng = new Random(seed);
        var px = new byte[w * h * fmt.BytesPerPixel()];
        // half smooth gradient (so filters other than None win), half noise
        for (int i = 0; i < px.Length; i++) px[i] = i % 7 < 4 ? (byte)(i / 3 + (i % fmt.BytesPerPixel()) * 40) : (byte)rng.Next(256);
        return new RawImage(w, h, fmt, px);
    }

    [TestMethod]
    [DataRow(RawPixelFormat.Gray8)]
    [DataRow(RawPixelFormat.Rgb24)]
    [DataRow(RawPixelFormat.Rgba32)]
    public void Png_encode_then_decode_is_lossless(RawPixelFormat fmt)
    {
        foreach (var (w, h) in new[] { (1, 1), (17, 5), (64, 33) })
        {
            var img = Random(w, h, fmt, w * 31 + h);
            var back = PngDecoder.Decode(PngEncoder.Encode(img), "rt.png");
            Assert.AreEqual(fmt, back.Format);
            CollectionAssert.AreEqual(img.Pixels, back.Pixels, $"{fmt} {w}x{h}");
        }
    }

    [TestMethod]
    public void Png_encoder_writes_bgra_as_rgba()
    {
        var img = Random(9, 4, RawPixelFormat.Bgra32, 3);
        var back = PngDecoder.Decode(PngEncoder.Encode(img));
        Assert.AreEqual(RawPixelFormat.Rgba32, back.Format);
        CollectionAssert.AreEqual(img.ToRgba32().Pixels, back.Pixels);
    }

    [TestMethod]
    public void Bmp_round_trips_rgb_as_24_bit_and_alpha_as_32_bit()
    {
        var rgb = Random(13, 7, RawPixelFormat.Rgb24, 1); // 13 * 3 = 39: rows need padding
        var bytes = BmpEncoder.Encode(rgb);
        Assert.AreEqual(24, BitConverter.ToUInt16(bytes, 28));
        CollectionAssert.AreEqual(rgb.Pixels, BmpDecoder.Decode(bytes).Pixels);

        var rgba = Random(13, 7, RawPixelFormat.Rgba32, 2);
        bytes = BmpEncoder.Encode(rgba);
        Assert.AreEqual(32, BitConverter.ToUInt16(bytes, 28));
        var back = BmpDecoder.Decode(bytes);
        Assert.AreEqual(RawPixelFormat.Rgba32, back.Format);
        CollectionAssert.AreEqual(rgba.Pixels, back.Pixels);

        var gray = Random(5, 3, RawPixelFormat.Gray8, 4);
        CollectionAssert.AreEqual(gray.ToRgb24().Pixels, BmpDecoder.Decode(BmpEncoder.Encode(gray)).Pixels);
    }

    [TestMethod]
    [DataRow(false)]
    [DataRow(true)]
    public void Pnm_round_trips_gray_and_rgb(bool plain)
    {
        var gray = Random(11, 6, RawPixelFormat.Gray8, 5);
        var g = PnmDecoder.Decode(PnmEncoder.Encode(gray, plain));
        Assert.AreEqual(RawPixelFormat.Gray8, g.Format);
        CollectionAssert.AreEqual(gray.Pixels, g.Pixels);
        var rgb = Random(11, 6, RawPixelFormat.Rgb24, 6);
        var c = PnmDecoder.Decode(PnmEncoder.Encode(rgb, plain));
        Assert.AreEqual(RawPixelFormat.Rgb24, c.Format);
        CollectionAssert.AreEqual(rgb.Pixels, c.Pixels);
    }

    [TestMethod]
    public void Pnm_refuses_to_drop_alpha_silently()
    {
        var rgba = Random(2, 2, RawPixelFormat.Rgba32, 7);
        Assert.ThrowsExactly<ArgumentException>(() => PnmEncoder.Encode(rgba));
    }

    [TestMethod]
    public void Save_picks_encoder_by_extension_and_Load_sniffs_content()
    {
        var dir = Directory.CreateTempSubdirectory("mlaugment-codecs-");
        try
        {
            var rgba = Random(10, 8, RawPixelFormat.Rgba32, 8);
            var rgb = rgba.ToRgb24();
            ImageCodecs.Save(Path.Combine(dir.FullName, "a.png"), rgba);
            ImageCodecs.Save(Path.Combine(dir.FullName, "a.BMP"), rgba);
            ImageCodecs.Save(Path.Combine(dir.FullName, "a.ppm"), rgb);
            ImageCodecs.Save(Path.Combine(dir.FullName, "a.pgm"), rgb);

            CollectionAssert.AreEqual(rgba.Pixels, ImageCodecs.Load(Path.Combine(dir.FullName, "a.png")).Pixels);
            CollectionAssert.AreEqual(rgba.Pixels, ImageCodecs.Load(Path.Combine(dir.FullName, "a.BMP")).Pixels);
            CollectionAssert.AreEqual(rgb.Pixels, ImageCodecs.Load(Path.Combine(dir.FullName, "a.ppm")).Pixels);
            CollectionAssert.AreEqual(rgb.ToGray8().Pixels, ImageCodecs.Load(Path.Combine(dir.FullName, "a.pgm")).Pixels);

            // The format comes from the bytes, not the name.
            File.Copy(Path.Combine(dir.FullName, "a.png"), Path.Combine(dir.FullName, "misnamed.jpg"));
            Assert.AreEqual(RawPixelFormat.Rgba32, ImageCodecs.Load(Path.Combine(dir.FullName, "misnamed.jpg")).Format);

            Assert.ThrowsExactly<ArgumentException>(() => ImageCodecs.Save(Path.Combine(dir.FullName, "a.tiff"), rgb));
            Assert.ThrowsExactly<NotSupportedException>(() => ImageCodecs.Save(Path.Combine(dir.FullName, "a.jpg"), rgb));
            Assert.ThrowsExactly<ArgumentException>(() => ImageCodecs.Save(Path.Combine(dir.FullName, "b.ppm"), rgba));
            Assert.IsFalse(File.Exists(Path.Combine(dir.FullName, "b.ppm")));
            Assert.HasCount(5, dir.GetFiles(), "no temporary files left behind");
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    [TestMethod]
    public void Load_names_the_file_in_errors()
    {
        var dir = Directory.CreateTempSubdirectory("mlaugment-codecs-");
        try
        {
            var p = Path.Combine(dir.FullName, "photo.png");
            var bytes = FixtureManifest.Bytes("png_rgb8.png");
            File.WriteAllBytes(p, bytes[..100]);
            var ex = Assert.ThrowsExactly<InvalidImageException>(() => ImageCodecs.Load(p));
            StringAssert.StartsWith(ex.Message, "photo.png: truncated IDAT chunk at offset");
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    [TestMethod]
    public void Decode_from_stream_matches_decode_from_bytes()
    {
        var bytes = FixtureManifest.Bytes("jpeg_420.jpg");
        using var fs = new MemoryStream(bytes, writable: false);
        var a = ImageCodecs.Decode(fs, "s.jpg");
        var b = ImageCodecs.Decode(bytes, "s.jpg");
        CollectionAssert.AreEqual(b.Pixels, a.Pixels);
    }

    [TestMethod]
    public void Png_Decode16_keeps_full_precision()
    {
        var data = FixtureManifest.Bytes("png_gray16.png");
        var img16 = PngDecoder.Decode16(data, "png_gray16.png");
        var expected = FixtureManifest.Bytes("png_gray16.u16be");
        Assert.AreEqual(1, img16.Channels);
        Assert.HasCount(expected.Length / 2, img16.Samples);
        for (int i = 0; i < img16.Samples.Length; i++)
            Assert.AreEqual((expected[2 * i] << 8) | expected[2 * i + 1], img16.Samples[i], $"sample {i}");

        // 8-bit and palette inputs are widened exactly (v * 257) with tRNS as a fourth channel.
        var pal = PngDecoder.Decode16(FixtureManifest.Bytes("png_pal4_trns.png"));
        var pal8 = PngDecoder.Decode(FixtureManifest.Bytes("png_pal4_trns.png"));
        Assert.AreEqual(4, pal.Channels);
        for (int i = 0; i < pal8.Pixels.Length; i++) Assert.AreEqual(pal8.Pixels[i] * 257, pal.Samples[i]);
    }
}
