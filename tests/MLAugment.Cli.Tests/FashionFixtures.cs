using System.IO.Compression;
using MLAugment.Data;
using MLAugment.Diffusion.Models;
using MLAugment.Engine;
using MLAugment.Tasks.Recipes;

namespace MLAugment.Cli.Tests;

/// <summary>Stand-ins for the Fashion-MNIST commands: a tiny random 32×32 model knowing the ten class names, and IDX files.</summary>
internal static class FashionFixtures
{
    public static LatentDiffusionModel TinyModel()
    {
        var g = new Generator(0);
        var unet = new ConditionalUNet(new UNetConfig { SampleSize = 8, InChannels = 2, OutChannels = 2, BlockOutChannels = [8, 8],
            AttentionLevels = [false, false], NormNumGroups = 4, LayersPerBlock = 1, NumClassEmbeds = 10 }, g);
        var vae = new Autoencoder(new AutoencoderConfig { InChannels = 1, OutChannels = 1, LatentChannels = 2, BlockOutChannels = [4, 4, 4], NormNumGroups = 2, SampleSize = 32, LayersPerBlock = 1 }, g);
        return new LatentDiffusionModel(unet, vae, FashionMnist.ClassNames.ToArray(), FashionDiffusionRecipe.SchedulerConfig);
    }

    /// <summary>IDX files as Fashion-MNIST ships them (gzip): class c is a bright square of side 4 + 2c.</summary>
    public static void WriteFakeSplit(string folder, string prefix, int count)
    {
        Directory.CreateDirectory(folder);
        var rng = new Random(prefix.Length);
        using (var images = new BinaryWriter(new GZipStream(File.Create(Path.Combine(folder, prefix + "-images-idx3-ubyte.gz")), CompressionLevel.Fastest)))
        {
            foreach (var v in new[] { 0x803, count, 28, 28 }) images.Write(System.Buffers.Binary.BinaryPrimitives.ReverseEndianness(v));
            for (int i = 0; i < count; i++)
            {
                var px = new byte[784];
                int side = 4 + 2 * (i % 10), o = rng.Next(0, 28 - side + 1);
                for (int y = 0; y < side; y++) for (int x = 0; x < side; x++) px[(o + y) * 28 + o + x] = 220;
                images.Write(px);
            }
        }
        using var labels = new BinaryWriter(new GZipStream(File.Create(Path.Combine(folder, prefix + "-labels-idx1-ubyte.gz")), CompressionLevel.Fastest));
        foreach (var v in new[] { 0x801, count }) labels.Write(System.Buffers.Binary.BinaryPrimitives.ReverseEndianness(v));
        for (int i = 0; i < count; i++) labels.Write((byte)(i % 10));
    }
}
