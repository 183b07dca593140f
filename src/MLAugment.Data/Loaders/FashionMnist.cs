namespace MLAugment.Data;

/// <summary>
/// Fashion-MNIST as raw arrays (for training models directly, outside an IDataView pipeline). Files come from
/// Debian's dataset-fashion-mnist package by default: /usr/share/datasets/fashion-mnist/{train,t10k}-*-ubyte.gz.
/// </summary>
public sealed record FashionMnist(byte[] Pixels, int[] Labels, int Count, int Height, int Width)
{
    public const string DefaultRoot = "/usr/share/datasets/fashion-mnist";
    public static IReadOnlyList<string> ClassNames => IdxLoader.FashionMnistClassNames;

    /// <param name="split">"train" (60,000 images) or "test" (10,000).</param>
    public static FashionMnist Load(string split, string? root = null)
    {
        root ??= Environment.GetEnvironmentVariable("MLAUGMENT_FASHION_MNIST") ?? DefaultRoot;
        string prefix = split switch
        {
            "train" => "train",
            "test" => "t10k",
            _ => throw new ArgumentException($"Fashion-MNIST split '{split}' is unknown; use 'train' or 'test'.", nameof(split)),
        };
        string images = Path.Combine(root, prefix + "-images-idx3-ubyte.gz"), labels = Path.Combine(root, prefix + "-labels-idx1-ubyte.gz");
        if (!File.Exists(images))
            throw new FileNotFoundException($"Fashion-MNIST file '{images}' not found; install it with 'apt-get install dataset-fashion-mnist' or set MLAUGMENT_FASHION_MNIST.", images);
        var (dims, px) = IdxLoader.ReadIdx(images, expectedRank: 3);
        var (ldims, lb) = IdxLoader.ReadIdx(labels, expectedRank: 1);
        if (dims[0] != ldims[0])
            throw new InvalidDataException($"Fashion-MNIST: '{images}' has {dims[0]} images but '{labels}' has {ldims[0]} labels.");
        var lab = new int[lb.Count];
        for (int i = 0; i < lab.Length; i++) lab[i] = lb[i];
        return new FashionMnist(px.ToArray(), lab, dims[0], dims[1], dims[2]);
    }

    /// <summary>Images as [N, 1, size, size] floats in [−1, 1], centred and padded with −1 (black) to <paramref name="size"/>.</summary>
    public float[] ToPaddedFloats(int size, int start = 0, int count = -1)
    {
        if (count < 0) count = Count - start;
        if (size < Height || size < Width) throw new ArgumentException($"Pad size {size} is smaller than the {Height}x{Width} images.");
        int oy = (size - Height) / 2, ox = (size - Width) / 2;
        var r = new float[count * size * size];
        Array.Fill(r, -1f);
        for (int n = 0; n < count; n++)
            for (int y = 0; y < Height; y++)
                for (int x = 0; x < Width; x++)
                    r[(n * size + y + oy) * size + x + ox] = Pixels[((start + n) * Height + y) * Width + x] / 127.5f - 1f;
        return r;
    }
}
