namespace MLAugment.Tasks.Experiments;

/// <summary>
/// A 5×7 pixel font (the classic character-LCD shapes) for labels in report PNGs: digits, A–Z (lower case is drawn
/// as upper case) and a few symbols; anything else draws as '?'. Each glyph is 7 rows of 5 bits, hex, top row first.
/// </summary>
internal static class BitmapFont
{
    public const int GlyphWidth = 5, GlyphHeight = 7, Advance = 6;

    private static readonly Dictionary<char, string> Glyphs = new()
    {
        ['0'] = "0E11131519110E", ['1'] = "040C040404040E", ['2'] = "0E11010204081F", ['3'] = "1F02040201110E",
        ['4'] = "02060A121F0202", ['5'] = "1F101E0101110E", ['6'] = "0608101E11110E", ['7'] = "1F010204080808",
        ['8'] = "0E11110E11110E", ['9'] = "0E11110F01020C",
        ['A'] = "0E1111111F1111", ['B'] = "1E11111E11111E", ['C'] = "0E11101010110E", ['D'] = "1C12111111121C",
        ['E'] = "1F10101E10101F", ['F'] = "1F10101E101010", ['G'] = "0E11101711110F", ['H'] = "1111111F111111",
        ['I'] = "0E04040404040E", ['J'] = "0702020202120C", ['K'] = "11121418141211", ['L'] = "1010101010101F",
        ['M'] = "111B1515111111", ['N'] = "11111915131111", ['O'] = "0E11111111110E", ['P'] = "1E11111E101010",
        ['Q'] = "0E11111115120D", ['R'] = "1E11111E141211", ['S'] = "0F10100E01011E", ['T'] = "1F040404040404",
        ['U'] = "1111111111110E", ['V'] = "11111111110A04", ['W'] = "1111111515150A", ['X'] = "11110A040A1111",
        ['Y'] = "1111110A040404", ['Z'] = "1F01020408101F",
        [' '] = "00000000000000", ['.'] = "00000000000C0C", [','] = "00000000000C04", ['-'] = "0000001F000000",
        ['+'] = "0004041F040400", ['%'] = "18190204081303", [':'] = "000C0C000C0C00", ['/'] = "00010204081000",
        ['('] = "02040808080402", [')'] = "08040202020408", ['='] = "00001F001F0000", ['±'] = "04041F0404001F",
        ['_'] = "0000000000001F", ['?'] = "0E110102040004", ['*'] = "00040A1F0A0400",
    };

    /// <summary>Pixels a string takes at <paramref name="scale"/> (width, height).</summary>
    public static (int Width, int Height) Measure(string text, int scale = 1) =>
        (text.Length == 0 ? 0 : (text.Length * Advance - 1) * scale, GlyphHeight * scale);

    /// <summary>Draws <paramref name="text"/> with its top-left corner at (x, y); pixels off the canvas are skipped.</summary>
    public static void Draw(Canvas canvas, string text, int x, int y, (byte R, byte G, byte B) color, int scale = 1)
    {
        foreach (char ch in text)
        {
            if (!Glyphs.TryGetValue(char.ToUpperInvariant(ch), out var hex))
                hex = Glyphs['?'];
            for (int row = 0; row < GlyphHeight; row++)
            {
                int bits = Convert.ToInt32(hex.Substring(row * 2, 2), 16);
                for (int col = 0; col < GlyphWidth; col++)
                    if ((bits & (1 << (GlyphWidth - 1 - col))) != 0)
                        canvas.FillRect(x + col * scale, y + row * scale, scale, scale, color);
            }
            x += Advance * scale;
        }
    }
}
