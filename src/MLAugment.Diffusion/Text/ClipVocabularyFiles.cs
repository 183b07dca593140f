using System.IO.Compression;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace MLAugment.Diffusion.Text;

/// <summary>
/// Reads and writes the two on-disk forms of the CLIP vocabulary: the HF/diffusers pair <c>vocab.json</c> + <c>merges.txt</c>
/// (as in a Stable Diffusion <c>tokenizer/</c> folder), and OpenAI's original <c>bpe_simple_vocab_16e6.txt.gz</c>.
/// </summary>
public static class ClipVocabularyFiles
{
    public const string VocabFileName = "vocab.json";
    public const string MergesFileName = "merges.txt";
    public const string MergesHeader = "#version: 0.2";
    public const string TokenizerConfigFileName = "tokenizer_config.json";
    public const string SpecialTokensMapFileName = "special_tokens_map.json";

    /// <summary>Reads a token→id map from a HF <c>vocab.json</c>.</summary>
    public static Dictionary<string, int> ReadVocabJson(string path)
    {
        using var stream = OpenExisting(path);
        try
        {
            return JsonSerializer.Deserialize<Dictionary<string, int>>(stream)
                   ?? throw new InvalidDataException($"'{path}' holds JSON null; expected an object of token → id.");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"'{path}' is not a JSON object of token → integer id: {e.Message}", e);
        }
    }

    /// <summary>Reads rank-ordered merges from a HF <c>merges.txt</c> (an optional <c>#version</c> first line, then "left right" per line).</summary>
    public static List<(string Left, string Right)> ReadMergesTxt(string path)
    {
        using var reader = new StreamReader(OpenExisting(path), Encoding.UTF8);
        return ParseMerges(reader, path, maxCount: int.MaxValue, firstLineIsHeader: false);
    }

    /// <summary>
    /// Reads OpenAI's <c>bpe_simple_vocab_16e6.txt.gz</c> and rebuilds the vocabulary as CLIP's SimpleTokenizer does:
    /// the 256 byte characters, the same with <c>&lt;/w&gt;</c>, the first <paramref name="mergeCount"/> merges joined,
    /// then <c>&lt;|startoftext|&gt;</c> and <c>&lt;|endoftext|&gt;</c> (49406 and 49407 for the default 48894 merges).
    /// </summary>
    public static (Dictionary<string, int> Vocabulary, List<(string Left, string Right)> Merges) ReadBpeSimpleVocab(
        string path, int mergeCount = ClipTokenizer.ClipMergeCount)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(mergeCount);
        using var file = OpenExisting(path);
        Stream stream = path.EndsWith(".gz", StringComparison.OrdinalIgnoreCase) ? new GZipStream(file, CompressionMode.Decompress) : file;
        string content;
        try
        {
            using var reader = new StreamReader(stream, Encoding.UTF8);
            content = reader.ReadToEnd();
        }
        catch (InvalidDataException e)
        {
            throw new InvalidDataException($"'{path}' is not a valid gzip file: {e.Message}", e);
        }
        // CLIP drops the first line unread: in the published file it is a header ('"bpe_simple_vocab_16e6.txt#version: 0.2').
        var merges = ParseMerges(new StringReader(content), path, mergeCount, firstLineIsHeader: true);
        if (merges.Count < mergeCount)
            throw new InvalidDataException($"'{path}' has {merges.Count} merges; {mergeCount} were requested.");

        var tokens = new List<string>(512 + merges.Count + 2);
        foreach (char c in ByteLevelAlphabet.VocabularyOrder) tokens.Add(c.ToString());
        foreach (char c in ByteLevelAlphabet.VocabularyOrder) tokens.Add(c + ClipTokenizer.EndOfWord);
        foreach (var (l, r) in merges) tokens.Add(l + r);
        tokens.Add(ClipTokenizer.StartOfTextToken);
        tokens.Add(ClipTokenizer.EndOfTextToken);

        var vocab = new Dictionary<string, int>(tokens.Count, StringComparer.Ordinal);
        for (int id = 0; id < tokens.Count; id++)
            if (!vocab.TryAdd(tokens[id], id))
                throw new InvalidDataException($"'{path}': token '{tokens[id]}' (id {id}) occurs twice; the merges list is not a CLIP merges list.");
        return (vocab, merges);
    }

    /// <summary>
    /// Reads <c>model_max_length</c> and <c>pad_token</c> from a HF <c>tokenizer_config.json</c>
    /// (a token is a string or an object with "content"); absent fields keep the defaults.
    /// </summary>
    public static ClipTokenizerOptions ReadTokenizerConfig(string path, IReadOnlyDictionary<string, int> vocabulary)
    {
        ArgumentNullException.ThrowIfNull(vocabulary);
        using var stream = OpenExisting(path);
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(stream);
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"'{path}' is not valid JSON: {e.Message}", e);
        }
        using (doc)
        {
            var options = new ClipTokenizerOptions();
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object) throw new InvalidDataException($"'{path}' must hold a JSON object.");
            if (root.TryGetProperty("model_max_length", out var max) && max.ValueKind == JsonValueKind.Number)
            {
                // HF writes a huge sentinel (1e30) when no limit was set; CLIP's context length then applies.
                if (max.TryGetInt32(out int length) && length >= 2 && length <= 1 << 16) options = options with { MaxLength = length };
            }
            if (root.TryGetProperty("pad_token", out var pad) && TokenContent(pad) is { } padToken)
            {
                if (!vocabulary.TryGetValue(padToken, out int padId))
                    throw new InvalidDataException($"'{path}': pad_token '{padToken}' is not in the vocabulary.");
                options = options with { PadTokenId = padId };
            }
            return options;
        }
    }

    private static string? TokenContent(JsonElement token) => token.ValueKind switch
    {
        JsonValueKind.String => token.GetString(),
        JsonValueKind.Object when token.TryGetProperty("content", out var c) && c.ValueKind == JsonValueKind.String => c.GetString(),
        _ => null,
    };

    /// <summary>
    /// Writes a HF/diffusers tokenizer folder: <c>vocab.json</c> (tokens in id order), <c>merges.txt</c>,
    /// and <c>tokenizer_config.json</c> + <c>special_tokens_map.json</c> carrying max length and special tokens,
    /// creating the folder if needed.
    /// </summary>
    public static void Write(ClipTokenizer tokenizer, string directory)
    {
        ArgumentNullException.ThrowIfNull(tokenizer);
        ArgumentException.ThrowIfNullOrEmpty(directory);
        Directory.CreateDirectory(directory);

        using (var stream = File.Create(Path.Combine(directory, VocabFileName)))
        using (var json = new Utf8JsonWriter(stream, new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            json.WriteStartObject();
            foreach (var (token, id) in tokenizer.Vocabulary.OrderBy(kv => kv.Value))
                json.WriteNumber(token, id);
            json.WriteEndObject();
        }

        using (var merges = new StreamWriter(Path.Combine(directory, MergesFileName), false, new UTF8Encoding(false)))
        {
            merges.NewLine = "\n";
            merges.WriteLine(MergesHeader);
            foreach (var (l, r) in tokenizer.Merges) merges.WriteLine($"{l} {r}");
        }

        string pad = tokenizer.IdToToken(tokenizer.PadTokenId);
        WriteJson(Path.Combine(directory, SpecialTokensMapFileName), json =>
        {
            json.WriteString("bos_token", ClipTokenizer.StartOfTextToken);
            json.WriteString("eos_token", ClipTokenizer.EndOfTextToken);
            json.WriteString("unk_token", ClipTokenizer.EndOfTextToken);
            json.WriteString("pad_token", pad);
        });
        WriteJson(Path.Combine(directory, TokenizerConfigFileName), json =>
        {
            json.WriteString("tokenizer_class", "CLIPTokenizer");
            json.WriteNumber("model_max_length", tokenizer.MaxLength);
            json.WriteBoolean("do_lower_case", true);
            json.WriteString("errors", "replace");
            json.WriteBoolean("add_prefix_space", false);
            json.WriteString("bos_token", ClipTokenizer.StartOfTextToken);
            json.WriteString("eos_token", ClipTokenizer.EndOfTextToken);
            json.WriteString("unk_token", ClipTokenizer.EndOfTextToken);
            json.WriteString("pad_token", pad);
        });
    }

    private static void WriteJson(string path, Action<Utf8JsonWriter> body)
    {
        using var stream = File.Create(path);
        using var json = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping });
        json.WriteStartObject();
        body(json);
        json.WriteEndObject();
    }

    private static List<(string, string)> ParseMerges(TextReader reader, string path, int maxCount, bool firstLineIsHeader)
    {
        var merges = new List<(string, string)>();
        int lineNumber = 0;
        string? line;
        while (merges.Count < maxCount && (line = reader.ReadLine()) is not null)
        {
            lineNumber++;
            if (lineNumber == 1 && (firstLineIsHeader || line.StartsWith("#version", StringComparison.Ordinal))) continue;
            if (line.Length == 0) continue;
            int space = line.IndexOf(' ');
            if (space <= 0 || space == line.Length - 1 || line.IndexOf(' ', space + 1) >= 0)
                throw new InvalidDataException($"'{path}' line {lineNumber}: expected a merge \"left right\", got \"{line}\".");
            merges.Add((line[..space], line[(space + 1)..]));
        }
        return merges;
    }

    private static FileStream OpenExisting(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (!File.Exists(path)) throw new FileNotFoundException($"CLIP vocabulary file '{path}' does not exist.", path);
        return File.OpenRead(path);
    }
}
