using MLAugment.Data;

namespace MLAugment.Tasks.Experiments;

/// <summary>A row of an experiment's data: a gray image (any size; the pipeline resizes) and its class name.</summary>
public sealed class ExperimentRow
{
    [ImageType]
    public MLImage Image { get; set; } = null!;

    public string Label { get; set; } = "";

    /// <summary>Rows of a raw split (e.g. Fashion-MNIST), each image centred on a black <paramref name="size"/>² canvas (as the diffusion recipe pads 28 → 32).</summary>
    public static ExperimentRow[] FromSplit(FashionMnist split, IReadOnlyList<string> classNames, int size, IEnumerable<int>? indices = null)
    {
        ArgumentNullException.ThrowIfNull(split);
        ArgumentNullException.ThrowIfNull(classNames);
        if (size < split.Height || size < split.Width)
            throw new ArgumentException($"Experiment: the {split.Height}x{split.Width} images do not fit the model's {size}x{size} canvas.", nameof(size));
        int oy = (size - split.Height) / 2, ox = (size - split.Width) / 2;
        var rows = new List<ExperimentRow>();
        foreach (int i in indices ?? Enumerable.Range(0, split.Count))
        {
            if ((uint)i >= (uint)split.Count) throw new ArgumentOutOfRangeException(nameof(indices), i, $"Experiment: row {i} is outside the split's {split.Count} rows.");
            int y = split.Labels[i];
            if ((uint)y >= (uint)classNames.Count)
                throw new ArgumentException($"Experiment: row {i} has label {y}, but only {classNames.Count} class names are given.", nameof(classNames));
            var px = new byte[size * size * 4];
            for (int p = 3; p < px.Length; p += 4) px[p] = 255;
            for (int r = 0; r < split.Height; r++)
                for (int c = 0; c < split.Width; c++)
                {
                    byte v = split.Pixels[(i * split.Height + r) * split.Width + c];
                    int o = ((r + oy) * size + c + ox) * 4;
                    px[o] = px[o + 1] = px[o + 2] = v;
                }
            rows.Add(new ExperimentRow { Image = MLImage.CreateFromPixels(size, size, MLPixelFormat.Rgba32, px), Label = classNames[y] });
        }
        return rows.ToArray();
    }
}
