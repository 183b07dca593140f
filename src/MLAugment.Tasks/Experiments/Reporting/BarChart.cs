using System.Globalization;
using MLAugment.Data.Images.Codecs;

namespace MLAugment.Tasks.Experiments;

/// <summary>
/// A bar chart with error whiskers (mean ± std) drawn with the built-in bitmap font. The value axis starts at the
/// multiple of 10 below the lowest whisker (minus a margin), not at 0, and says so in its tick labels.
/// </summary>
public static class BarChart
{
    private static readonly (byte, byte, byte) White = (255, 255, 255), Ink = (30, 30, 30), Grid = (225, 225, 225),
        Bar = (88, 130, 200), Highlight = (230, 140, 50);

    /// <param name="bars">Label (upper case reads best), mean and std in axis units (e.g. percent), and whether to highlight it.</param>
    public static RawImage Render(string title, string axisLabel, IReadOnlyList<(string Label, double Mean, double Std, bool Highlight)> bars)
    {
        ArgumentNullException.ThrowIfNull(bars);
        if (bars.Count == 0) throw new ArgumentException("BarChart: no bars.", nameof(bars));
        foreach (var b in bars)
            if (!double.IsFinite(b.Mean) || !double.IsFinite(b.Std) || b.Std < 0)
                throw new ArgumentException($"BarChart: bar '{b.Label}' has mean {b.Mean} and std {b.Std}; both must be finite, std >= 0.", nameof(bars));
        double lo = Math.Max(0, Math.Floor((bars.Min(b => b.Mean - b.Std) - 5) / 10) * 10);
        double hi = Math.Ceiling((bars.Max(b => b.Mean + b.Std) + 2) / 10) * 10;
        if (hi <= lo) hi = lo + 10;
        double step = hi - lo <= 30 ? 5 : 10;
        int slot = Math.Max(90, bars.Max(b => BitmapFont.Measure(b.Label).Width) + 16), left = 50, top = 40, plotH = 260, bottom = 40;
        int width = left + slot * bars.Count + 20, height = top + plotH + bottom;
        var canvas = new Canvas(width, height, White);
        BitmapFont.Draw(canvas, title, left, 10, Ink, scale: 2);
        int Y(double v) => top + plotH - (int)Math.Round((v - lo) / (hi - lo) * plotH);
        for (double t = lo; t <= hi + 1e-9; t += step)
        {
            canvas.HLine(left, width - 10, Y(t), Grid);
            string s = t.ToString("0", CultureInfo.InvariantCulture);
            BitmapFont.Draw(canvas, s, left - 6 - BitmapFont.Measure(s).Width, Y(t) - 3, Ink);
        }
        BitmapFont.Draw(canvas, axisLabel, 4, top - 14, Ink);
        canvas.VLine(left, top, top + plotH, Ink);
        canvas.HLine(left, width - 10, top + plotH, Ink);
        for (int i = 0; i < bars.Count; i++)
        {
            var b = bars[i];
            int cx = left + slot * i + slot / 2, bw = slot / 2;
            int yTop = Y(Math.Max(lo, b.Mean));
            canvas.FillRect(cx - bw / 2, yTop, bw, top + plotH - yTop, b.Highlight ? Highlight : Bar);
            int y0 = Y(Math.Max(lo, b.Mean - b.Std)), y1 = Y(Math.Min(hi, b.Mean + b.Std));
            canvas.VLine(cx, y0, y1, Ink, 2);
            canvas.HLine(cx - 6, cx + 6, y0, Ink, 2);
            canvas.HLine(cx - 6, cx + 6, y1, Ink, 2);
            string v = b.Mean.ToString("0.0", CultureInfo.InvariantCulture);
            BitmapFont.Draw(canvas, v, cx - BitmapFont.Measure(v).Width / 2, y1 - 14, Ink);
            BitmapFont.Draw(canvas, b.Label, cx - BitmapFont.Measure(b.Label).Width / 2, top + plotH + 10, Ink);
        }
        return canvas.Image;
    }
}
