namespace MLAugment.Data.Transforms.Image;

/// <summary>
/// Where each colour of each pixel sits in a pixel vector (ExtractPixels writes one, ConvertToImage reads one): the
/// chosen colours in ML.NET's channel order, planar (channel, y, x) or interleaved (y, x, channel). Colours are
/// numbered <see cref="Alpha"/>, <see cref="Red"/>, <see cref="Green"/>, <see cref="Blue"/> throughout.
/// </summary>
internal sealed class PixelVectorLayout
{
    public const int Alpha = 0, Red = 1, Green = 2, Blue = 3;

    private readonly int[] _start;

    public PixelVectorLayout(ImagePixelExtractingEstimator.ColorsOrder order, ImagePixelExtractingEstimator.ColorBits colors, int height, int width,
        bool interleave)
    {
        ImagePixelExtractingEstimator.GetOrder(order, colors, out int a, out int r, out int b, out int g);
        int pixels = height * width;
        int planes = ImagePixelExtractingEstimator.CountPlanes(colors);
        // Planar: a channel is a whole plane and neighbouring pixels are adjacent; interleaved: the reverse.
        int channelStride = interleave ? 1 : pixels;
        PixelStride = interleave ? planes : 1;
        _start = [a, r, g, b];
        for (int k = 0; k < 4; k++)
            _start[k] = _start[k] < 0 ? -1 : _start[k] * channelStride;
    }

    /// <summary>The distance in the vector between one pixel's value of a colour and the next pixel's.</summary>
    public int PixelStride { get; }

    /// <summary>The vector index of <paramref name="colour"/> at the first pixel, or −1 when the vector does not hold it.</summary>
    public int Start(int colour) => _start[colour];

    /// <summary>The byte of <paramref name="colour"/> within a 4-byte pixel, Bgra32 or Rgba32.</summary>
    public static int ByteInPixel(int colour, bool bgra) => colour switch
    {
        Alpha => 3,
        Green => 1,
        Red => bgra ? 2 : 0,
        _ => bgra ? 0 : 2,
    };
}
