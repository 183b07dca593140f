using System.Buffers.Binary;
using System.IO.Compression;

namespace MLAugment.Data;

/// <summary>
/// Reads IDX files (LeCun's MNIST format: two zero bytes, a type code, a dimension count, big-endian int32 dimensions,
/// then row-major data) for unsigned-byte images and labels, gzip-compressed or not.
/// </summary>
internal static class IdxLoader
{
    /// <summary>Fashion-MNIST's ten classes, in label order 0..9.</summary>
    public static readonly IReadOnlyList<string> FashionMnistClassNames =
        ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"];

    private const byte UnsignedByteType = 0x08;

    public static IDataView Load(string imagesPath, string labelsPath, IReadOnlyList<string> classNames, bool imageAsBytes)
    {
        ArgumentException.ThrowIfNullOrEmpty(imagesPath);
        ArgumentException.ThrowIfNullOrEmpty(labelsPath);
        ArgumentNullException.ThrowIfNull(classNames);
        if (classNames.Count == 0)
            throw new ArgumentException("At least one class name is required.", nameof(classNames));

        var (imageDims, pixels) = ReadIdx(imagesPath, expectedRank: 3);
        var (labelDims, labels) = ReadIdx(labelsPath, expectedRank: 1);
        if (imageDims[0] != labelDims[0])
            throw new InvalidDataException($"IDX files disagree on the item count: '{imagesPath}' has {imageDims[0]} images, '{labelsPath}' has {labelDims[0]} labels.");
        for (int i = 0; i < labels.Count; i++)
            if (labels[i] >= classNames.Count)
                throw new InvalidDataException($"IDX label file '{labelsPath}' has label {labels[i]} at item {i}, but only {classNames.Count} class names were given.");
        return new IdxDataView(pixels, labels, imageDims[1], imageDims[2], classNames.ToArray(), imageAsBytes);
    }

    private static (int[] Dims, ArraySegment<byte> Data) ReadIdx(string path, int expectedRank)
    {
        if (!File.Exists(path))
            throw new FileNotFoundException($"IDX file '{path}' does not exist.", path);
        byte[] bytes;
        int length;
        try
        {
            using var file = File.OpenRead(path);
            using var ms = new MemoryStream();
            bool gz = file.Length >= 2 && file.ReadByte() == 0x1f && file.ReadByte() == 0x8b;
            file.Position = 0;
            if (gz)
            {
                using var unzip = new GZipStream(file, CompressionMode.Decompress);
                unzip.CopyTo(ms);
            }
            else
            {
                file.CopyTo(ms);
            }
            // The stream's own buffer: a 60000-image file is 47 MB, so avoid copying it again.
            bytes = ms.GetBuffer();
            length = (int)ms.Length;
        }
        catch (InvalidDataException e)
        {
            throw new InvalidDataException($"IDX file '{path}' is not valid gzip data: {e.Message}", e);
        }

        if (length < 4 || bytes[0] != 0 || bytes[1] != 0)
            throw new InvalidDataException($"IDX file '{path}' does not start with the IDX magic (two zero bytes, type, rank).");
        if (bytes[2] != UnsignedByteType)
            throw new InvalidDataException($"IDX file '{path}' has element type 0x{bytes[2]:X2}; only unsigned bytes (0x08) are supported.");
        int rank = bytes[3];
        if (rank != expectedRank)
            throw new InvalidDataException($"IDX file '{path}' has {rank} dimensions; expected {expectedRank}.");
        int header = 4 + 4 * rank;
        if (length < header)
            throw new InvalidDataException($"IDX file '{path}' is truncated inside its header.");
        var dims = new int[rank];
        long count = 1;
        for (int i = 0; i < rank; i++)
        {
            dims[i] = BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(4 + 4 * i));
            if (dims[i] <= 0)
                throw new InvalidDataException($"IDX file '{path}' declares dimension {i} as {dims[i]}.");
            count *= dims[i];
        }
        if (length - header != count)
            throw new InvalidDataException($"IDX file '{path}' declares [{string.Join(", ", dims)}] = {count} bytes of data but holds {length - header}.");
        return (dims, new ArraySegment<byte>(bytes, header, length - header));
    }
}
