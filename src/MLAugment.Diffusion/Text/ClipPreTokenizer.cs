using System.Globalization;
using System.Text;

namespace MLAugment.Diffusion.Text;

/// <summary>
/// CLIP's pre-tokenizer, i.e. the matches of
/// <c>&lt;|startoftext|&gt;|&lt;|endoftext|&gt;|'s|'t|'re|'ve|'m|'ll|'d|[\p{L}]+|[\p{N}]|[^\s\p{L}\p{N}]+</c> (case-insensitive),
/// scanned by code point rather than with .NET Regex so letters outside the BMP are classified like Python's
/// <c>regex</c> module does (a .NET Regex sees them as two surrogate chars).
/// </summary>
internal static class ClipPreTokenizer
{
    private static readonly string[] Specials = ["<|startoftext|>", "<|endoftext|>"];
    private static readonly string[] Contractions = ["'s", "'t", "'re", "'ve", "'m", "'ll", "'d"];

    public static List<string> Split(string text)
    {
        var pieces = new List<string>();
        int i = 0;
        while (i < text.Length)
        {
            int matched = MatchAt(text, i);
            if (matched == 0)
            {
                i += RuneLength(text, i); // whitespace: no alternative matches, the regex moves on
                continue;
            }
            pieces.Add(text.Substring(i, matched));
            i += matched;
        }
        return pieces;
    }

    // Length of the first alternative that matches at `start` (regex alternation order), or 0.
    private static int MatchAt(string text, int start)
    {
        foreach (var s in Specials)
            if (start + s.Length <= text.Length && string.Compare(text, start, s, 0, s.Length, StringComparison.OrdinalIgnoreCase) == 0)
                return s.Length;
        foreach (var c in Contractions)
            if (start + c.Length <= text.Length && string.Compare(text, start, c, 0, c.Length, StringComparison.OrdinalIgnoreCase) == 0)
                return c.Length;

        var first = Classify(text, start, out int firstLen);
        switch (first)
        {
            case CharClass.Letter:
            {
                int end = start + firstLen;
                while (end < text.Length && Classify(text, end, out int len) == CharClass.Letter) end += len;
                return end - start;
            }
            case CharClass.Number:
                return firstLen;
            case CharClass.Other:
            {
                int end = start + firstLen;
                while (end < text.Length && Classify(text, end, out int len) == CharClass.Other) end += len;
                return end - start;
            }
            default:
                return 0;
        }
    }

    private enum CharClass { Letter, Number, Space, Other }

    private static CharClass Classify(string text, int index, out int length)
    {
        if (Rune.DecodeFromUtf16(text.AsSpan(index), out var rune, out length) != System.Buffers.OperationStatus.Done)
        {
            length = 1; // lone surrogate: neither letter, number nor space
            return CharClass.Other;
        }
        if (Rune.IsWhiteSpace(rune)) return CharClass.Space;
        return Rune.GetUnicodeCategory(rune) switch
        {
            UnicodeCategory.UppercaseLetter or UnicodeCategory.LowercaseLetter or UnicodeCategory.TitlecaseLetter
                or UnicodeCategory.ModifierLetter or UnicodeCategory.OtherLetter => CharClass.Letter,
            UnicodeCategory.DecimalDigitNumber or UnicodeCategory.LetterNumber or UnicodeCategory.OtherNumber => CharClass.Number,
            _ => CharClass.Other,
        };
    }

    private static int RuneLength(string text, int index) =>
        Rune.DecodeFromUtf16(text.AsSpan(index), out _, out int length) == System.Buffers.OperationStatus.Done ? length : 1;
}
