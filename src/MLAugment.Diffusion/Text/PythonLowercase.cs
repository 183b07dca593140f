using System.Globalization;
using System.Text;

namespace MLAugment.Diffusion.Text;

/// <summary>
/// Lower-casing as Python's <c>str.lower()</c> does it (CLIP lower-cases with it), which differs from .NET's invariant
/// simple case mapping in two places: the full mapping of U+0130 'İ' to "i̇" (i + combining dot), and the
/// Final_Sigma rule (Unicode 3.13) that lower-cases a word-final 'Σ' to 'ς' instead of 'σ'.
/// </summary>
internal static class PythonLowercase
{
    private const char CapitalSigma = 'Σ', SmallSigma = 'σ', FinalSigma = 'ς', CapitalIWithDot = 'İ';

    public static string ToLower(string text)
    {
        if (text.IndexOf(CapitalSigma) < 0 && text.IndexOf(CapitalIWithDot) < 0) return text.ToLowerInvariant();

        var result = new StringBuilder(text.Length + 4);
        for (int i = 0; i < text.Length; i++)
        {
            char c = text[i];
            if (c == CapitalIWithDot) result.Append("i\u0307");
            else if (c == CapitalSigma) result.Append(IsFinal(text, i) ? FinalSigma : SmallSigma);
            else if (char.IsSurrogate(c) && i + 1 < text.Length && char.IsSurrogatePair(c, text[i + 1]))
            {
                result.Append(text.AsSpan(i, 2).ToString().ToLowerInvariant());
                i++;
            }
            else result.Append(char.ToLowerInvariant(c));
        }
        return result.ToString();
    }

    // Final_Sigma: a cased letter before (skipping case-ignorables) and no cased letter after (skipping case-ignorables).
    private static bool IsFinal(string text, int index)
    {
        int before = index - 1;
        while (before >= 0 && IsCaseIgnorable(text[before])) before--;
        if (before < 0 || !IsCased(text[before])) return false;
        int after = index + 1;
        while (after < text.Length && IsCaseIgnorable(text[after])) after++;
        return after >= text.Length || !IsCased(text[after]);
    }

    private static bool IsCased(char c) => CharUnicodeInfo.GetUnicodeCategory(c) is
        UnicodeCategory.UppercaseLetter or UnicodeCategory.LowercaseLetter or UnicodeCategory.TitlecaseLetter;

    private static bool IsCaseIgnorable(char c) => c is '\'' or '.' or ':' or '^' or '`' or '\u00AD' or '\u2019' ||
        CharUnicodeInfo.GetUnicodeCategory(c) is UnicodeCategory.NonSpacingMark or UnicodeCategory.EnclosingMark
            or UnicodeCategory.Format or UnicodeCategory.ModifierLetter or UnicodeCategory.ModifierSymbol;
}
