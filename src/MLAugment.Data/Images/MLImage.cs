using MLAugment.Data.Images.Codecs;

namespace MLAugment.Data;

/// <summary>
/// An image in a data view: 32-bit pixels (<see cref="MLPixelFormat.Bgra32"/> or <see cref="MLPixelFormat.Rgba32"/>,
/// straight alpha), row-major with no padding, decoded by this library's own PNG/JPEG/BMP/PNM codecs.
/// </summary>
/// <remarks>
/// Ownership follows ML.NET: a getter that produces images disposes whatever image is already in its <c>ref</c>
/// destination before writing a new one, and frees the last one when its cursor is disposed. Code that reads images from
/// a getter must not dispose them and must not keep them past the next call; clone what you keep (e.g. by
/// <see cref="CreateFromPixels"/>). Members throw <see cref="InvalidOperationException"/> after <see cref="Dispose"/>.
/// Mirrors <c>Microsoft.ML.Data.MLImage</c> (there backed by SkiaSharp).
/// </remarks>
public sealed class MLImage : IDisposable
{
    private RawImage? _image;
    private string? _tag;

    private MLImage(RawImage image)
    {
        _image = image.Format switch
        {
            RawPixelFormat.Bgra32 or RawPixelFormat.Rgba32 => image,
            // As ML.NET: formats without four channels are converted to BGRA on load.
            _ => image.ToBgra32(),
        };
    }

    /// <summary>Decodes an image file (PNG, JPEG, BMP or PNM, recognised by content). Errors name the file.</summary>
    /// <exception cref="InvalidImageException">The file is not a valid image.</exception>
    public static MLImage CreateFromFile(string imagePath)
    {
        ArgumentNullException.ThrowIfNull(imagePath);
        var bytes = File.ReadAllBytes(imagePath);
        return new MLImage(ImageCodecs.Decode(bytes, imagePath));
    }

    /// <summary>Decodes the rest of <paramref name="imageStream"/>.</summary>
    /// <exception cref="InvalidImageException">The stream does not hold a valid image.</exception>
    public static MLImage CreateFromStream(Stream imageStream)
    {
        ArgumentNullException.ThrowIfNull(imageStream);
        return new MLImage(ImageCodecs.Decode(imageStream, "<stream>"));
    }

    /// <summary>An image holding a copy of <paramref name="imagePixelData"/> (width × height × 4 bytes).</summary>
    public static MLImage CreateFromPixels(int width, int height, MLPixelFormat pixelFormat, ReadOnlySpan<byte> imagePixelData)
    {
        if (pixelFormat != MLPixelFormat.Bgra32 && pixelFormat != MLPixelFormat.Rgba32)
            throw new ArgumentException($"Unsupported pixel format {pixelFormat}; use Bgra32 or Rgba32.", nameof(pixelFormat));
        if (width <= 0)
            throw new ArgumentException($"Invalid width value {width}; it must be positive.", nameof(width));
        if (height <= 0)
            throw new ArgumentException($"Invalid height value {height}; it must be positive.", nameof(height));
        if ((long)width * height > int.MaxValue / 4)
            throw new ArgumentException($"A {width}x{height} image is too large.", nameof(width));
        if (imagePixelData.Length != width * height * 4)
            throw new ArgumentException(
                $"Invalid {nameof(imagePixelData)} buffer size: {imagePixelData.Length} bytes, a {width}x{height} {pixelFormat} image needs {width * height * 4}.",
                nameof(imagePixelData));
        var format = pixelFormat == MLPixelFormat.Bgra32 ? RawPixelFormat.Bgra32 : RawPixelFormat.Rgba32;
        return new MLImage(new RawImage(width, height, format, imagePixelData.ToArray()));
    }

    /// <summary>Wraps a decoded image without copying when it already has four channels (the image is taken over).</summary>
    internal static MLImage FromRaw(RawImage image)
    {
        ArgumentNullException.ThrowIfNull(image);
        if (image.Width <= 0 || image.Height <= 0)
            throw new ArgumentException($"An image needs a positive size, got {image.Width}x{image.Height}.", nameof(image));
        return new MLImage(image);
    }

    public MLPixelFormat PixelFormat => Raw.Format == RawPixelFormat.Bgra32 ? MLPixelFormat.Bgra32 : MLPixelFormat.Rgba32;

    public int Width => Raw.Width;

    public int Height => Raw.Height;

    /// <summary>Always 32.</summary>
    public int BitsPerPixel => 32;

    /// <summary>The pixel bytes in <see cref="PixelFormat"/> order, row-major, Width × Height × 4 of them.</summary>
    public ReadOnlySpan<byte> Pixels => Raw.Pixels;

    /// <summary>A new array of Width × Height × 3 bytes in blue, green, red order (alpha dropped).</summary>
    public byte[] GetBGRPixels
    {
        get
        {
            var raw = Raw;
            var src = raw.Pixels;
            var dst = new byte[raw.Width * raw.Height * 3];
            bool bgra = raw.Format == RawPixelFormat.Bgra32;
            for (int i = 0, o = 0; o < dst.Length; i += 4, o += 3)
            {
                dst[o] = bgra ? src[i] : src[i + 2];
                dst[o + 1] = src[i + 1];
                dst[o + 2] = bgra ? src[i + 2] : src[i];
            }
            return dst;
        }
    }

    /// <summary>Free-form tag; the image loader stores the file path here.</summary>
    public string? Tag
    {
        get
        {
            _ = Raw;
            return _tag;
        }
        set
        {
            _ = Raw;
            _tag = value;
        }
    }

    /// <summary>The decoded image backing this object (not a copy).</summary>
    internal RawImage Raw => _image ?? throw new InvalidOperationException("Object is disposed.");

    internal bool IsDisposed => _image is null;

    /// <summary>Saves the image in the format named by the extension: .png, .bmp, .pgm/.ppm/.pnm (no alpha).</summary>
    public void Save(string imagePath)
    {
        ArgumentNullException.ThrowIfNull(imagePath);
        var raw = Raw;
        if (ImageCodecs.FormatFromExtension(imagePath) == ImageFileFormat.Pnm)
            raw = raw.ToRgb24();
        ImageCodecs.Save(imagePath, raw);
    }

    /// <summary>The image encoded as PNG.</summary>
    internal byte[] EncodePng() => PngEncoder.Encode(Raw);

    /// <summary>A deep copy with the same tag.</summary>
    internal MLImage Clone() => new(Raw.Clone()) { _tag = _tag };

    public void Dispose() => _image = null;

    public override string ToString() => _image is null ? "MLImage (disposed)" : $"MLImage {Width}x{Height} {PixelFormat}";
}
