using MLAugment.Data.Transforms.Image;

namespace MLAugment.Data;

/// <summary>Image transforms on <c>mlContext.Transforms</c>. Mirrors <c>Microsoft.ML.ImageEstimatorsCatalog</c>.</summary>
/// <example>
/// <code>
/// var pipeline = mlContext.Transforms.LoadImages("Image", imageFolder: null, inputColumnName: "ImagePath")
///     .Append(mlContext.Transforms.ResizeImages("Image", imageWidth: 32, imageHeight: 32))
///     .Append(mlContext.Transforms.ExtractPixels("Pixels", "Image", scaleImage: 1f / 255));
/// </code>
/// </example>
public static class ImageEstimatorsCatalog
{
    /// <summary>
    /// Loads the images whose paths are in <paramref name="inputColumnName"/> (text), relative to
    /// <paramref name="imageFolder"/> unless it is null or blank, into <paramref name="outputColumnName"/> (<c>Image</c>).
    /// <paramref name="errorPolicy"/> (ours) decides what an unreadable or corrupt file does: throw (default, as ML.NET)
    /// or log and give a missing image.
    /// </summary>
    public static ImageLoadingEstimator LoadImages(this TransformsCatalog catalog, string outputColumnName, string? imageFolder,
        string? inputColumnName = null, ImageLoadErrorPolicy errorPolicy = ImageLoadErrorPolicy.Fail)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        return new ImageLoadingEstimator(catalog.Context, imageFolder, asImage: true, errorPolicy, outputColumnName, inputColumnName);
    }

    /// <summary>As <see cref="LoadImages"/>, but the output is the file's bytes (a variable-size vector of Byte), undecoded.</summary>
    public static ImageLoadingEstimator LoadRawImageBytes(this TransformsCatalog catalog, string outputColumnName, string? imageFolder,
        string? inputColumnName = null, ImageLoadErrorPolicy errorPolicy = ImageLoadErrorPolicy.Fail)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        return new ImageLoadingEstimator(catalog.Context, imageFolder, asImage: false, errorPolicy, outputColumnName, inputColumnName);
    }

    /// <summary>
    /// Resizes images to <paramref name="imageWidth"/> × <paramref name="imageHeight"/> (bilinear); the output column type
    /// is <c>Image&lt;imageHeight, imageWidth&gt;</c>.
    /// </summary>
    public static ImageResizingEstimator ResizeImages(this TransformsCatalog catalog, string outputColumnName, int imageWidth, int imageHeight,
        string? inputColumnName = null,
        ImageResizingEstimator.ResizingKind resizing = ImageResizingEstimator.Defaults.Resizing,
        ImageResizingEstimator.Anchor cropAnchor = ImageResizingEstimator.Defaults.CropAnchor)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        return new ImageResizingEstimator(outputColumnName, imageWidth, imageHeight, inputColumnName, resizing, cropAnchor);
    }

    /// <summary>
    /// Extracts the pixels of fixed-size images as a vector, <c>(value - offsetImage) * scaleImage</c>: shape (channels,
    /// height, width), or (height, width, channels) when <paramref name="interleavePixelColors"/>.
    /// </summary>
    public static ImagePixelExtractingEstimator ExtractPixels(this TransformsCatalog catalog, string outputColumnName, string? inputColumnName = null,
        ImagePixelExtractingEstimator.ColorBits colorsToExtract = ImagePixelExtractingEstimator.Defaults.Colors,
        ImagePixelExtractingEstimator.ColorsOrder orderOfExtraction = ImagePixelExtractingEstimator.Defaults.Order,
        bool interleavePixelColors = ImagePixelExtractingEstimator.Defaults.Interleave,
        float offsetImage = ImagePixelExtractingEstimator.Defaults.Offset,
        float scaleImage = ImagePixelExtractingEstimator.Defaults.Scale,
        bool outputAsFloatArray = ImagePixelExtractingEstimator.Defaults.Convert)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        return new ImagePixelExtractingEstimator(outputColumnName, inputColumnName, colorsToExtract, orderOfExtraction, interleavePixelColors,
            offsetImage, scaleImage, outputAsFloatArray);
    }

    /// <summary>Converts images to grayscale (0.3 R + 0.59 G + 0.11 B, opaque).</summary>
    public static ImageGrayscalingEstimator ConvertToGrayscale(this TransformsCatalog catalog, string outputColumnName, string? inputColumnName = null)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        return new ImageGrayscalingEstimator(outputColumnName, inputColumnName);
    }

    /// <summary>
    /// Builds <paramref name="imageHeight"/> × <paramref name="imageWidth"/> images from a known-size vector of Single,
    /// Double or Byte laid out as <c>ExtractPixels</c> writes it; each value becomes <c>value * scaleImage - offsetImage</c>,
    /// rounded and clamped to 0..255. Parameter order as ML.NET's <c>ConvertToImage</c>.
    /// </summary>
    public static VectorToImageConvertingEstimator ConvertToImage(this TransformsCatalog catalog, int imageHeight, int imageWidth,
        string outputColumnName, string? inputColumnName = null,
        ImagePixelExtractingEstimator.ColorBits colorsPresent = ImagePixelExtractingEstimator.Defaults.Colors,
        ImagePixelExtractingEstimator.ColorsOrder orderOfColors = ImagePixelExtractingEstimator.Defaults.Order,
        bool interleavedColors = ImagePixelExtractingEstimator.Defaults.Interleave,
        float scaleImage = VectorToImageConvertingEstimator.Defaults.Scale,
        float offsetImage = VectorToImageConvertingEstimator.Defaults.Offset,
        int defaultAlpha = VectorToImageConvertingEstimator.Defaults.DefaultAlpha,
        int defaultRed = VectorToImageConvertingEstimator.Defaults.DefaultRed,
        int defaultGreen = VectorToImageConvertingEstimator.Defaults.DefaultGreen,
        int defaultBlue = VectorToImageConvertingEstimator.Defaults.DefaultBlue)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        return new VectorToImageConvertingEstimator(new VectorToImageConvertingTransformer.ColumnOptions(outputColumnName,
            inputColumnName ?? outputColumnName, imageHeight, imageWidth, colorsPresent, orderOfColors, interleavedColors, scaleImage, offsetImage,
            defaultAlpha, defaultRed, defaultGreen, defaultBlue));
    }
}
