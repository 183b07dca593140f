using System.Collections.Concurrent;
using System.Net;
using System.Text;
using System.Text.RegularExpressions;

namespace MLAugment.Diffusion.Text;

/// <summary>
/// Byte-level BPE tokenizer of OpenAI CLIP (Radford et al. 2021), the text front-end of Stable Diffusion.
/// Produces the same ids as CLIP's SimpleTokenizer / HF CLIPTokenizer (without ftfy): clean, lower-case,
/// pre-tokenize, map UTF-8 bytes to the byte alphabet, append <c>&lt;/w&gt;</c> to each word, merge pairs by rank.
/// </summary>
public sealed partial class ClipTokenizer
{
    public const string StartOfTextToken = "<|startoftext|>";
    public const string EndOfTextToken = "<|endoftext|>";
    internal const string EndOfWord = "</w>";

    /// <summary>Number of merges CLIP takes from bpe_simple_vocab_16e6.txt (49152 - 256 - 2).</summary>
    public const int ClipMergeCount = 48894;

    private readonly Dictionary<string, int> _encoder;
    private readonly string[] _decoder;
    private readonly Dictionary<(string, string), int> _mergeRanks;
    private readonly (string Left, string Right)[] _merges;
    private readonly ConcurrentDictionary<string, string[]> _cache = new(StringComparer.Ordinal);

    public ClipTokenizerOptions Options { get; }
    public int StartTokenId { get; }
    public int EndTokenId { get; }
    public int PadTokenId { get; }
    public int VocabularySize => _decoder.Length;
    public int MaxLength => Options.MaxLength;

    /// <summary>The merges in rank order (lowest rank merges first).</summary>
    public IReadOnlyList<(string Left, string Right)> Merges => _merges;

    /// <summary>Builds a tokenizer from a token→id vocabulary and rank-ordered merges.</summary>
    public ClipTokenizer(IReadOnlyDictionary<string, int> vocabulary, IReadOnlyList<(string Left, string Right)> merges,
        ClipTokenizerOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(vocabulary);
        ArgumentNullException.ThrowIfNull(merges);
        Options = options ?? new ClipTokenizerOptions();
        if (Options.MaxLength < 2)
            throw new ArgumentOutOfRangeException(nameof(options), Options.MaxLength, "MaxLength must leave room for the start and end tokens (>= 2).");

        _encoder = new Dictionary<string, int>(vocabulary, StringComparer.Ordinal);
        int size = 0;
        foreach (var id in _encoder.Values)
        {
            if (id < 0) throw new ArgumentException($"Vocabulary contains a negative id {id}.", nameof(vocabulary));
            size = Math.Max(size, id + 1);
        }
        _decoder = new string[size];
        foreach (var (token, id) in _encoder)
        {
            if (_decoder[id] is not null)
                throw new ArgumentException($"Vocabulary maps both '{_decoder[id]}' and '{token}' to id {id}.", nameof(vocabulary));
            _decoder[id] = token;
        }

        _merges = merges.ToArray();
        _mergeRanks = new Dictionary<(string, string), int>(_merges.Length);
        for (int rank = 0; rank < _merges.Length; rank++)
        {
            var (left, right) = _merges[rank];
            if (string.IsNullOrEmpty(left) || string.IsNullOrEmpty(right))
                throw new ArgumentException($"Merge #{rank} has an empty side.", nameof(merges));
            if (!_encoder.ContainsKey(left + right))
                throw new ArgumentException($"Merge #{rank} '{left} {right}' produces '{left + right}', which is not in the vocabulary.", nameof(merges));
            _mergeRanks.TryAdd(_merges[rank], rank); // a repeated merge keeps its first (best) rank, as a dict built in order does
        }

        StartTokenId = RequireToken(StartOfTextToken);
        EndTokenId = RequireToken(EndOfTextToken);
        PadTokenId = Options.PadTokenId ?? EndTokenId;
        if (PadTokenId < 0 || PadTokenId >= _decoder.Length || _decoder[PadTokenId] is null)
            throw new ArgumentOutOfRangeException(nameof(options), PadTokenId, $"PadTokenId is not an id of the vocabulary (size {_decoder.Length}).");
        _cache[StartOfTextToken] = [StartOfTextToken];
        _cache[EndOfTextToken] = [EndOfTextToken];
    }

    /// <summary>Loads a HF/diffusers tokenizer from <c>vocab.json</c> and <c>merges.txt</c>.</summary>
    public static ClipTokenizer FromVocabAndMerges(string vocabJsonPath, string mergesTxtPath, ClipTokenizerOptions? options = null) =>
        new(ClipVocabularyFiles.ReadVocabJson(vocabJsonPath), ClipVocabularyFiles.ReadMergesTxt(mergesTxtPath), options);

    /// <summary>
    /// Loads from a folder holding <c>vocab.json</c> + <c>merges.txt</c>, or a diffusers model folder whose
    /// <c>tokenizer/</c> subfolder holds them. Without <paramref name="options"/>, <c>model_max_length</c> and
    /// <c>pad_token</c> come from <c>tokenizer_config.json</c> when present (SD 2.x pads with "!", not the end token).
    /// </summary>
    public static ClipTokenizer FromDirectory(string directory, ClipTokenizerOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        foreach (var dir in new[] { directory, Path.Combine(directory, "tokenizer") })
        {
            string vocabPath = Path.Combine(dir, ClipVocabularyFiles.VocabFileName), mergesPath = Path.Combine(dir, ClipVocabularyFiles.MergesFileName);
            if (!File.Exists(vocabPath) || !File.Exists(mergesPath)) continue;
            var vocab = ClipVocabularyFiles.ReadVocabJson(vocabPath);
            var merges = ClipVocabularyFiles.ReadMergesTxt(mergesPath);
            string configPath = Path.Combine(dir, ClipVocabularyFiles.TokenizerConfigFileName);
            if (options is null && File.Exists(configPath))
                options = ClipVocabularyFiles.ReadTokenizerConfig(configPath, vocab);
            return new ClipTokenizer(vocab, merges, options);
        }
        throw new FileNotFoundException(
            $"No {ClipVocabularyFiles.VocabFileName} + {ClipVocabularyFiles.MergesFileName} in '{directory}' or '{Path.Combine(directory, "tokenizer")}'.");
    }

    /// <summary>Loads OpenAI's original <c>bpe_simple_vocab_16e6.txt.gz</c> (shipped in the repository under models/clip/).</summary>
    public static ClipTokenizer FromBpeSimpleVocab(string path, ClipTokenizerOptions? options = null)
    {
        var (vocab, merges) = ClipVocabularyFiles.ReadBpeSimpleVocab(path);
        return new ClipTokenizer(vocab, merges, options);
    }

    private int RequireToken(string token) =>
        _encoder.TryGetValue(token, out int id)
            ? id
            : throw new ArgumentException($"Vocabulary has no '{token}' token; a CLIP vocabulary must contain it.", "vocabulary");

    /// <summary>Id of a token string, or null when it is not in the vocabulary.</summary>
    public int? TokenToId(string token) => _encoder.TryGetValue(token, out int id) ? id : null;

    /// <summary>The token string of an id.</summary>
    public string IdToToken(int id) =>
        id >= 0 && id < _decoder.Length && _decoder[id] is { } t
            ? t
            : throw new ArgumentOutOfRangeException(nameof(id), id, $"Not an id of this vocabulary (size {_decoder.Length}).");

    /// <summary>The vocabulary as token→id.</summary>
    public IReadOnlyDictionary<string, int> Vocabulary => _encoder;

    /// <summary>CLIP's text cleanup: optional double HTML unescape, whitespace collapsed to one space, trimmed, lower-cased.</summary>
    public string Normalize(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (Options.HtmlUnescape) text = WebUtility.HtmlDecode(WebUtility.HtmlDecode(text));
        return PythonLowercase.ToLower(Whitespace().Replace(text.Trim(), " ").Trim());
    }

    [GeneratedRegex(@"\s+")]
    private static partial Regex Whitespace();

    /// <summary>BPE ids of <paramref name="text"/>, without start/end tokens, padding or truncation.</summary>
    public List<int> EncodeWithoutSpecialTokens(string text)
    {
        var ids = new List<int>();
        foreach (var piece in ClipPreTokenizer.Split(Normalize(text)))
            foreach (var bpeToken in Bpe(ToByteAlphabet(piece)))
                ids.Add(_encoder.TryGetValue(bpeToken, out int id)
                    ? id
                    : throw new InvalidOperationException($"BPE produced '{bpeToken}', which is not in the vocabulary; vocabulary and merges do not belong together."));
        return ids;
    }

    /// <summary>
    /// Ids the CLIP text encoder takes: start token, the BPE ids truncated so the end token still fits,
    /// end token, then <see cref="PadTokenId"/> up to <see cref="MaxLength"/>.
    /// </summary>
    public int[] Encode(string text) => Encode(text, out _);

    /// <summary>As <see cref="Encode(string)"/>; <paramref name="length"/> counts the ids before padding (start and end included).</summary>
    public int[] Encode(string text, out int length)
    {
        var body = EncodeWithoutSpecialTokens(text);
        int keep = Math.Min(body.Count, MaxLength - 2);
        var ids = new int[MaxLength];
        ids[0] = StartTokenId;
        for (int i = 0; i < keep; i++) ids[i + 1] = body[i];
        ids[keep + 1] = EndTokenId;
        length = keep + 2;
        Array.Fill(ids, PadTokenId, length, MaxLength - length);
        return ids;
    }

    /// <summary>Encodes several prompts into one row-major [batch, MaxLength] id buffer.</summary>
    public int[] EncodeBatch(IReadOnlyList<string> texts)
    {
        ArgumentNullException.ThrowIfNull(texts);
        var all = new int[texts.Count * MaxLength];
        for (int b = 0; b < texts.Count; b++)
            Encode(texts[b]).CopyTo(all, b * MaxLength);
        return all;
    }

    /// <summary>
    /// Text of a sequence of ids: tokens concatenated, byte alphabet mapped back to UTF-8 (invalid sequences become U+FFFD),
    /// each <c>&lt;/w&gt;</c> becomes a space, result trimmed. Special and pad tokens are dropped unless asked for.
    /// </summary>
    public string Decode(IEnumerable<int> ids, bool skipSpecialTokens = true)
    {
        ArgumentNullException.ThrowIfNull(ids);
        var bytes = new List<byte>();
        var text = new StringBuilder();
        void FlushBytes()
        {
            if (bytes.Count == 0) return;
            text.Append(Encoding.UTF8.GetString(bytes.ToArray()));
            bytes.Clear();
        }
        foreach (int id in ids)
        {
            string token = IdToToken(id);
            bool special = token == StartOfTextToken || token == EndOfTextToken || id == PadTokenId;
            if (special)
            {
                if (skipSpecialTokens) continue;
                FlushBytes();
                text.Append(token);
                continue;
            }
            bool endsWord = token.EndsWith(EndOfWord, StringComparison.Ordinal);
            var body = endsWord ? token.AsSpan(0, token.Length - EndOfWord.Length) : token.AsSpan();
            foreach (char c in body)
            {
                if (!ByteLevelAlphabet.TryDecode(c, out byte b))
                    throw new InvalidOperationException($"Token {id} ('{token}') has character U+{(int)c:X4} outside the byte alphabet.");
                bytes.Add(b);
            }
            if (endsWord) bytes.Add((byte)' ');
        }
        FlushBytes();
        return text.ToString().Trim();
    }

    private static string ToByteAlphabet(string piece)
    {
        var utf8 = Encoding.UTF8.GetBytes(piece);
        var chars = new char[utf8.Length];
        for (int i = 0; i < utf8.Length; i++) chars[i] = ByteLevelAlphabet.Encode(utf8[i]);
        return new string(chars);
    }

    // Sennrich et al. 2016 BPE: repeatedly merge the adjacent pair with the lowest merge rank, all of its occurrences left to right.
    private string[] Bpe(string token)
    {
        if (_cache.TryGetValue(token, out var cached)) return cached;

        var word = new List<string>(token.Length);
        for (int i = 0; i < token.Length - 1; i++) word.Add(token[i].ToString());
        word.Add(token[^1] + EndOfWord);

        while (word.Count > 1)
        {
            int bestRank = int.MaxValue;
            (string, string) best = default;
            for (int i = 0; i < word.Count - 1; i++)
                if (_mergeRanks.TryGetValue((word[i], word[i + 1]), out int rank) && rank < bestRank)
                {
                    bestRank = rank;
                    best = (word[i], word[i + 1]);
                }
            if (bestRank == int.MaxValue) break;

            var merged = new List<string>(word.Count);
            for (int i = 0; i < word.Count; i++)
            {
                if (i < word.Count - 1 && word[i] == best.Item1 && word[i + 1] == best.Item2)
                {
                    merged.Add(best.Item1 + best.Item2);
                    i++;
                }
                else merged.Add(word[i]);
            }
            word = merged;
        }

        var result = word.ToArray();
        _cache.TryAdd(token, result);
        return result;
    }
}
