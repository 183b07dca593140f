namespace MLAugment.Data.Images.Codecs;

/// <summary>Image file formats the codecs read and write.</summary>
public enum ImageFileFormat { Unknown, Png, Jpeg, Bmp, Pnm }

/// <summary>
/// Entry point: decodes PNG, JPEG, BMP and Netpbm by sniffing magic bytes (never by file name), and
/// encodes PNG, BMP and Netpbm chosen by file extension.
/// </summary>
public static class ImageCodecs
{
    public static ImageFileFormat DetectFormat(ReadOnlySpan<byte> header)
    {
        if (PngDecoder.IsPng(header)) return ImageFileFormat.Png;
        if (JpegDecoder.IsJpeg(header)) return ImageFileFormat.Jpeg;
        if (BmpDecoder.IsBmp(header)) return ImageFileFormat.Bmp;
        if (PnmDecoder.IsPnm(header)) return ImageFileFormat.Pnm;
        return ImageFileFormat.Unknown;
    }

    /// <summary>Decodes an encoded image held in memory.</summary>
    /// <param name="fileNameForErrors">Name used in exception messages (e.g. the source path).</param>
    /// <exception cref="InvalidImageException">Unknown format, corrupt or truncated data.</exception>
    public static RawImage Decode(byte[] data, string? fileNameForErrors = null)
    {
        ArgumentNullException.ThrowIfNull(data);
        return DetectFormat(data) switch
        {
            ImageFileFormat.Png => PngDecoder.Decode(data, fileNameForErrors),
            ImageFileFormat.Jpeg => JpegDecoder.Decode(data, fileNameForErrors),
            ImageFileFormat.Bmp => BmpDecoder.Decode(data, fileNameForErrors),
            ImageFileFormat.Pnm => PnmDecoder.Decode(data, fileNameForErrors),
            _ => throw InvalidImageException.For(fileNameForErrors,
                data.Length == 0 ? "empty file" : $"unrecognized image format (first bytes {Convert.ToHexString(data.AsSpan(0, Math.Min(8, data.Length)))}); expected PNG, JPEG, BMP or PNM"),
        };
    }

    /// <summary>Reads the rest of <paramref name="stream"/> and decodes it.</summary>
    public static RawImage Decode(Stream stream, string? fileNameForErrors = null)
    {
        ArgumentNullException.ThrowIfNull(stream);
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        var data = copy.ToArray();
        return Decode(data, fileNameForErrors);
    }

    /// <summary>Loads and decodes the file at <paramref name="path"/>; errors name the file.</summary>
    public static RawImage Load(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        return Decode(File.ReadAllBytes(path), Path.GetFileName(path));
    }

    /// <summary>The format Save would use for <paramref name="path"/>, from its extension.</summary>
    public static ImageFileFormat FormatFromExtension(string path) => Path.GetExtension(path).ToLowerInvariant() switch
    {
        ".png" => ImageFileFormat.Png,
        ".bmp" or ".dib" => ImageFileFormat.Bmp,
        ".pgm" or ".ppm" or ".pnm" => ImageFileFormat.Pnm,
        ".jpg" or ".jpeg" or ".jpe" or ".jfif" => ImageFileFormat.Jpeg,
        _ => ImageFileFormat.Unknown,
    };

    /// <summary>
    /// Encodes <paramref name="image"/> in the format named by the extension of <paramref name="path"/>:
    /// .png; .bmp; .pgm (converted to gray), .ppm (converted to RGB) or .pnm (gray stays PGM, else PPM).
    /// Netpbm has no alpha, so saving an image with alpha as .pgm/.ppm/.pnm throws rather than dropping it.
    /// The file is written to a temporary sibling and renamed, so a failed save leaves no partial file.
    /// </summary>
    public static void Save(string path, RawImage image)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(image);
        var ext = Path.GetExtension(path).ToLowerInvariant();
        Action<Stream> write = FormatFromExtension(path) switch
        {
            ImageFileFormat.Png => s => PngEncoder.Encode(image, s),
            ImageFileFormat.Bmp => s => BmpEncoder.Encode(image, s),
            ImageFileFormat.Pnm => PnmWriter(image, ext),
            ImageFileFormat.Jpeg => throw new NotSupportedException($"Cannot save '{path}': JPEG encoding is not implemented; use .png, .bmp, .pgm or .ppm."),
            _ => throw new ArgumentException($"Cannot save '{path}': unknown image extension '{ext}' (expected .png, .bmp, .pgm, .ppm or .pnm).", nameof(path)),
        };
        var full = Path.GetFullPath(path);
        var tmp = full + ".tmp-" + Guid.NewGuid().ToString("N");
        try
        {
            using (var fs = new FileStream(tmp, FileMode.CreateNew, FileAccess.Write))
                write(fs);
            File.Move(tmp, full, overwrite: true);
        }
        finally
        {
            if (File.Exists(tmp)) File.Delete(tmp);
        }
    }

    private static Action<Stream> PnmWriter(RawImage image, string ext)
    {
        if (image.Format.HasAlpha())
            throw new ArgumentException($"Cannot save a {image.Format} image as {ext}: Netpbm has no alpha channel. Convert with ToRgb24()/ToGray8() first.", nameof(image));
        var img = ext switch
        {
            ".pgm" => image.Format == RawPixelFormat.Gray8 ? image : image.ToGray8(),
            ".ppm" => image.Format == RawPixelFormat.Rgb24 ? image : image.ToRgb24(),
            _ => image,
        };
        return s => PnmEncoder.Encode(img, s);
    }
}
