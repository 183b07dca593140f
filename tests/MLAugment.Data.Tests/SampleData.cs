using MLAugment.Data;

namespace MLAugment.Data.Tests;

/// <summary>The small row classes the tests load, in ML.NET sample style.</summary>
public static class SampleData
{
    public sealed class Flower
    {
        public float SepalLength { get; set; }

        public string Species { get; set; } = "";

        [VectorType(3)]
        public float[] Features { get; set; } = new float[3];
    }

    public static Flower[] Flowers() =>
    [
        new() { SepalLength = 5.1f, Species = "setosa", Features = [1, 2, 3] },
        new() { SepalLength = 7.0f, Species = "versicolor", Features = [4, 5, 6] },
        new() { SepalLength = 6.3f, Species = "virginica", Features = [7, 8, 9] },
        new() { SepalLength = 4.9f, Species = "setosa", Features = [10, 11, 12] },
        new() { SepalLength = 6.4f, Species = "versicolor", Features = [13, 14, 15] },
    ];

    /// <summary>The same columns with a numeric Species: an input MapValueToKey-on-text must reject by type.</summary>
    public sealed class NumericSpecies
    {
        public float SepalLength { get; set; }

        public double Species { get; set; }

        [VectorType(3)]
        public float[] Features { get; set; } = new float[3];
    }

    public sealed class NoSpecies
    {
        public float SepalLength { get; set; }

        [VectorType(3)]
        public float[] Features { get; set; } = new float[3];
    }

    public sealed class ImageRow
    {
        [KeyType(3)]
        public uint Label { get; set; }

        public string GroupId { get; set; } = "";

        [VectorType(2, 2)]
        public float[] Pixels { get; set; } = new float[4];
    }

    public static ImageRow[] Images(int n) =>
        Enumerable.Range(0, n).Select(i => new ImageRow
        {
            Label = (uint)(i % 3) + 1,
            GroupId = $"g{i / 2}",
            Pixels = [i, i + 0.25f, i + 0.5f, i + 0.75f],
        }).ToArray();
}
