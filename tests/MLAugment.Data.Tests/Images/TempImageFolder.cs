using MLAugment.Data;
using MLAugment.Data.Images.Codecs;

namespace MLAugment.Data.Tests.Images;

/// <summary>A temporary folder of small generated images, deleted on dispose.</summary>
public sealed class TempImageFolder : IDisposable
{
    public TempImageFolder()
    {
        Root = Directory.CreateDirectory(Path.Combine(Path.GetTempPath(), $"mlaugment-img-{Guid.NewGuid():N}")).FullName;
    }

    public string Root { get; }

    /// <summary>Writes a width×height RGBA image whose pixel (x, y) is <see cref="Pixel"/>(seed, x, y) to <paramref name="relativePath"/>.</summary>
    public string Write(string relativePath, int width, int height, int seed = 0)
    {
        var path = Path.Combine(Root, relativePath);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        ImageCodecs.Save(path, Pattern(width, height, seed));
        return path;
    }

    public string WriteBytes(string relativePath, byte[] content)
    {
        var path = Path.Combine(Root, relativePath);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllBytes(path, content);
        return path;
    }

    /// <summary>A deterministic RGBA pattern (alpha 255 for PNM compatibility is not needed: PNG keeps alpha).</summary>
    public static RawImage Pattern(int width, int height, int seed = 0)
    {
        var pixels = new byte[width * height * 4];
        for (int y = 0; y < height; y++)
            for (int x = 0; x < width; x++)
            {
                var (r, g, b, a) = Pixel(seed, x, y);
                int o = (y * width + x) * 4;
                pixels[o] = r;
                pixels[o + 1] = g;
                pixels[o + 2] = b;
                pixels[o + 3] = a;
            }
        return new RawImage(width, height, RawPixelFormat.Rgba32, pixels);
    }

    public static (byte R, byte G, byte B, byte A) Pixel(int seed, int x, int y) =>
        ((byte)(10 * x + seed), (byte)(20 * y + seed), (byte)(x * y + 3 * seed), (byte)(200 + x + seed % 7));

    public void Dispose()
    {
        if (Directory.Exists(Root))
            Directory.Delete(Root, recursive: true);
    }
}
