using MLAugment.Data;

namespace MLAugment.Tasks.Tests.Trainers;

/// <summary>
/// A separable toy set: 8x8 one-channel images (0..255 scale) of a horizontal bar, a vertical bar or a 3x3 square at a
/// random place, plus noise. Labels are text mapped to keys, so the label carries KeyValues like real data.
/// </summary>
public static class ToyImages
{
    public const int Size = 8;
    public static readonly string[] ClassNames = ["horizontal", "vertical", "square"];

    public sealed class Row
    {
        public string Class { get; set; } = "";

        [VectorType(1, Size, Size)]
        public float[] Features { get; set; } = [];
    }

    private sealed class KeyRow
    {
        public string Class { get; set; } = "";
    }

    public static Row[] Rows(int perClass, int seed)
    {
        var rng = new Random(seed);
        var rows = new List<Row>();
        for (int i = 0; i < perClass; i++)
            for (int c = 0; c < ClassNames.Length; c++)
            {
                var px = new float[Size * Size];
                for (int p = 0; p < px.Length; p++) px[p] = (float)(rng.NextDouble() * 40);
                int a = rng.Next(1, Size - 2), b = rng.Next(1, Size - 2);
                for (int t = 0; t < Size; t++)
                {
                    if (c == 0) px[a * Size + t] = 230;
                    if (c == 1) px[t * Size + a] = 230;
                }
                if (c == 2)
                    for (int dy = 0; dy < 3; dy++)
                        for (int dx = 0; dx < 3; dx++)
                            px[(Math.Min(a, Size - 3) + dy) * Size + Math.Min(b, Size - 3) + dx] = 230;
                rows.Add(new Row { Class = ClassNames[c], Features = px });
            }
        return rows.ToArray();
    }

    /// <summary>Rows with a key <c>Label</c> (KeyValues = <see cref="ClassNames"/>, in that order) and <c>Features</c> [1, 8, 8].</summary>
    public static IDataView Load(MLContext ml, int perClass, int seed)
    {
        var data = ml.Data.LoadFromEnumerable(Rows(perClass, seed));
        var keys = ml.Data.LoadFromEnumerable(ClassNames.Select(n => new KeyRow { Class = n }));
        return ml.Transforms.Conversion.MapValueToKey("Label", "Class", keyData: keys).Fit(data).Transform(data);
    }
}
