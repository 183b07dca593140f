using MLAugment.Data;
using MLAugment.Data.Images.Codecs;

namespace MLAugment.Tasks.Experiments;

/// <summary>
/// Real and synthetic images side by side: one row per class (its name at the left), one group of columns per source
/// (titled), each image enlarged <c>scale</c>× with nearest neighbours so single pixels stay visible.
/// </summary>
public static class SampleGrid
{
    private static readonly (byte, byte, byte) Background = (48, 48, 56), Text = (235, 235, 235), Empty = (70, 70, 80);

    /// <param name="columns">Per source: a title and, per class (in <paramref name="classNames"/> order), its images (fewer than the most is fine).</param>
    public static RawImage Render(IReadOnlyList<string> classNames, IReadOnlyList<(string Title, IReadOnlyList<MLImage>[] Images)> columns, int scale = 2)
    {
        ArgumentNullException.ThrowIfNull(classNames);
        ArgumentNullException.ThrowIfNull(columns);
        if (columns.Count == 0) throw new ArgumentException("SampleGrid: no columns.", nameof(columns));
        if (scale < 1) throw new ArgumentOutOfRangeException(nameof(scale), scale, "SampleGrid: scale must be >= 1.");
        foreach (var (title, images) in columns)
            if (images.Length != classNames.Count)
                throw new ArgumentException($"SampleGrid: column '{title}' has images for {images.Length} classes, expected {classNames.Count}.", nameof(columns));
        var any = columns.SelectMany(c => c.Images).SelectMany(i => i).FirstOrDefault()
            ?? throw new ArgumentException("SampleGrid: there is no image at all.", nameof(columns));
        int cw = any.Width * scale, ch = any.Height * scale, gap = 2, groupGap = 14, pad = 8;
        int labelWidth = classNames.Max(n => BitmapFont.Measure(n).Width) + 2 * pad;
        var perGroup = columns.Select(c => Math.Max(1, c.Images.Max(i => i.Count))).ToArray();
        var groupWidth = perGroup.Select((k, g) => Math.Max(k * (cw + gap) - gap, BitmapFont.Measure(columns[g].Title).Width)).ToArray();
        int header = BitmapFont.GlyphHeight + 2 * pad;
        int width = labelWidth + groupWidth.Sum() + groupGap * (columns.Count - 1) + pad;
        int height = header + classNames.Count * (ch + gap) + pad;
        var canvas = new Canvas(width, height, Background);
        int x = labelWidth;
        for (int g = 0; g < columns.Count; g++)
        {
            BitmapFont.Draw(canvas, columns[g].Title, x, pad, Text);
            for (int c = 0; c < classNames.Count; c++)
            {
                int y = header + c * (ch + gap);
                var imgs = columns[g].Images[c];
                for (int k = 0; k < perGroup[g]; k++)
                {
                    if (k < imgs.Count)
                    {
                        if (imgs[k].Width != any.Width || imgs[k].Height != any.Height)
                            throw new ArgumentException($"SampleGrid: column '{columns[g].Title}' class '{classNames[c]}' holds a {imgs[k].Width}x{imgs[k].Height} image; the others are {any.Width}x{any.Height}.", nameof(columns));
                        canvas.Paste(imgs[k].Raw, x + k * (cw + gap), y, scale);
                    }
                    else
                        canvas.FillRect(x + k * (cw + gap), y, cw, ch, Empty);
                }
            }
            x += groupWidth[g] + groupGap;
        }
        for (int c = 0; c < classNames.Count; c++)
            BitmapFont.Draw(canvas, classNames[c], pad, header + c * (ch + gap) + (ch - BitmapFont.GlyphHeight) / 2, Text);
        return canvas.Image;
    }
}
