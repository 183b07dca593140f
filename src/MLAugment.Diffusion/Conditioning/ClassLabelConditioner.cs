using System.Text.RegularExpressions;
using MLAugment.Diffusion.Sampling;

namespace MLAugment.Diffusion.Conditioning;

/// <summary>A class-conditional model's condition: the class embedding row to use.</summary>
public sealed record ClassCondition(string Text, int ClassIndex) : Condition(Text);

/// <summary>
/// Maps labels and prompts to class indices for a class-conditional model: an exact label ("Sneaker"), or a prompt
/// that names exactly one class ("a photo of a sneaker"), matched on whole words against each class's name and
/// aliases (longest first, so "t-shirt" wins over "shirt"). Anything else is an error listing the known labels,
/// never a silent guess.
/// </summary>
public sealed class ClassLabelConditioner
{
    public IReadOnlyList<string> ClassNames { get; }
    private readonly List<(string Phrase, int Class)> _phrases = new();
    public int NullClass { get; }

    public ClassLabelConditioner(IReadOnlyList<string> classNames, IReadOnlyDictionary<string, string[]>? aliases = null)
    {
        if (classNames.Count == 0) throw new ArgumentException("ClassLabelConditioner: no class names.");
        ClassNames = classNames.ToArray();
        NullClass = classNames.Count;
        for (int c = 0; c < classNames.Count; c++)
        {
            AddPhrase(classNames[c], c);
            foreach (var part in classNames[c].Split('/', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)) AddPhrase(part, c);
            if (aliases != null && aliases.TryGetValue(classNames[c], out var al))
                foreach (var a in al) AddPhrase(a, c);
        }
        _phrases.Sort((a, b) => b.Phrase.Length.CompareTo(a.Phrase.Length));
    }

    private void AddPhrase(string phrase, int c)
    {
        var p = Normalize(phrase);
        if (p.Length == 0) return;
        if (_phrases.Any(x => x.Phrase == p && x.Class != c))
            throw new ArgumentException($"ClassLabelConditioner: '{phrase}' names two classes.");
        if (!_phrases.Any(x => x.Phrase == p)) _phrases.Add((p, c));
    }

    public ClassCondition Encode(string promptOrLabel)
    {
        ArgumentNullException.ThrowIfNull(promptOrLabel);
        var text = " " + Normalize(promptOrLabel) + " ";
        var found = new HashSet<int>();
        foreach (var (phrase, c) in _phrases)
        {
            int at = text.IndexOf(" " + phrase + " ", StringComparison.Ordinal);
            if (at < 0) continue;
            found.Add(c);
            text = text.Remove(at + 1, phrase.Length).Insert(at + 1, new string('_', phrase.Length)); // consume: "t-shirt" hides "shirt"
        }
        if (found.Count == 1) return new ClassCondition(promptOrLabel, found.First());
        throw new UnknownConditionException(promptOrLabel, ClassNames,
            found.Count == 0 ? "no known class named" : "names several classes: " + string.Join(", ", found.Select(i => ClassNames[i])));
    }

    public ClassCondition Null(string? negativePrompt) =>
        string.IsNullOrWhiteSpace(negativePrompt) ? new ClassCondition("", NullClass) : Encode(negativePrompt);

    /// <summary>Lower case, punctuation other than '-' and '/' to spaces, plural 's' folded by matching both forms.</summary>
    private static string Normalize(string s)
    {
        var lower = Regex.Replace(s.ToLowerInvariant(), @"[^\p{L}\p{N}\-]+", " ").Trim();
        // Fold simple plurals word by word ("sneakers" -> "sneaker", "dresses" -> "dress").
        var words = lower.Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(w =>
            w.EndsWith("sses") ? w[..^2] : w.EndsWith("s") && !w.EndsWith("ss") && w.Length > 3 ? w[..^1] : w);
        return string.Join(' ', words);
    }
}
