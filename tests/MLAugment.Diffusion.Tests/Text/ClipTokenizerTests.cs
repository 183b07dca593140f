using System.Text.Json;
using MLAugment.Diffusion.Text;

namespace MLAugment.Diffusion.Tests.Text;

[TestClass]
public sealed class ClipTokenizerTests
{
    private static ClipTokenizer? _clip;

    internal static string BpeVocabPath => Path.Combine(AppContext.BaseDirectory, "models", "clip", "bpe_simple_vocab_16e6.txt.gz");

    private static ClipTokenizer Clip => _clip ??= ClipTokenizer.FromBpeSimpleVocab(BpeVocabPath);

    private sealed record Golden(string Text, int[] Ids);

    private static IEnumerable<Golden> Goldens()
    {
        var json = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Text", "Golden", "clip_goldens.json"));
        return JsonSerializer.Deserialize<Golden[]>(json, new JsonSerializerOptions { PropertyNameCaseInsensitive = true })!;
    }

    [TestMethod]
    public void APhotoOfACat_GivesTheWellKnownIds()
    {
        int[] ids = Clip.Encode("a photo of a cat", out int length);

        CollectionAssert.AreEqual(new[] { 49406, 320, 1125, 539, 320, 2368, 49407 }, ids[..length]);
        Assert.HasCount(77, ids);
        Assert.IsTrue(ids[length..].All(id => id == 49407), "SD v1 pads with the end token");
    }

    [TestMethod]
    public void BpeSimpleVocab_BuildsTheClipVocabulary()
    {
        Assert.AreEqual(49408, Clip.VocabularySize);
        Assert.AreEqual(49406, Clip.StartTokenId);
        Assert.AreEqual(49407, Clip.EndTokenId);
        Assert.AreEqual("!", Clip.IdToToken(0));
        Assert.AreEqual("!</w>", Clip.IdToToken(256));
        Assert.AreEqual("in", Clip.IdToToken(512), "first merge 'i n'");
        Assert.HasCount(ClipTokenizer.ClipMergeCount, Clip.Merges);
    }

    [TestMethod]
    public void VariedPrompts_MatchTheReferenceImplementation()
    {
        int checkedCount = 0;
        foreach (var golden in Goldens())
        {
            CollectionAssert.AreEqual(golden.Ids, Clip.EncodeWithoutSpecialTokens(golden.Text), $"prompt: \"{golden.Text}\"");
            checkedCount++;
        }
        Assert.IsGreaterThanOrEqualTo(10, checkedCount);
    }

    [TestMethod]
    public void CaseAndWhitespace_DoNotChangeTheIds()
    {
        CollectionAssert.AreEqual(Clip.Encode("a photo of a cat"), Clip.Encode("  A   PHOTO\tof a\n cat "));
    }

    [TestMethod]
    public void Apostrophes_AreSplitAsContractions()
    {
        var tokens = Clip.EncodeWithoutSpecialTokens("don't").Select(Clip.IdToToken).ToArray();
        CollectionAssert.AreEqual(new[] { "don</w>", "'t</w>" }, tokens);
    }

    [TestMethod]
    public void Numbers_AreOneTokenPerDigit()
    {
        var tokens = Clip.EncodeWithoutSpecialTokens("2024").Select(Clip.IdToToken).ToArray();
        CollectionAssert.AreEqual(new[] { "2</w>", "0</w>", "2</w>", "4</w>" }, tokens);
    }

    [TestMethod]
    public void LongPrompt_IsTruncatedTo77KeepingTheEndToken()
    {
        var golden = Goldens().Single(g => g.Ids.Length > 75);
        int[] ids = Clip.Encode(golden.Text, out int length);

        Assert.AreEqual(77, length);
        Assert.AreEqual(49406, ids[0]);
        CollectionAssert.AreEqual(golden.Ids[..75], ids[1..76]);
        Assert.AreEqual(49407, ids[76]);
    }

    [TestMethod]
    public void EmptyPrompt_IsStartEndAndPadding()
    {
        int[] ids = Clip.Encode("   ", out int length);
        Assert.AreEqual(2, length);
        Assert.AreEqual(49406, ids[0]);
        Assert.IsTrue(ids[1..].All(id => id == 49407));
    }

    [TestMethod]
    public void PadTokenId_IsConfigurable()
    {
        var tokenizer = new ClipTokenizer(Clip.Vocabulary, Clip.Merges, new ClipTokenizerOptions { PadTokenId = 0, MaxLength = 10 });
        int[] ids = tokenizer.Encode("a cat");
        CollectionAssert.AreEqual(new[] { 49406, 320, 2368, 49407, 0, 0, 0, 0, 0, 0 }, ids);
    }

    [TestMethod]
    public void PadTokenId_OutsideTheVocabulary_IsRejected()
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() =>
            new ClipTokenizer(Clip.Vocabulary, Clip.Merges, new ClipTokenizerOptions { PadTokenId = 49408 }));
        StringAssert.Contains(e.Message, "PadTokenId");
    }

    [TestMethod]
    public void HtmlEntities_AreUnescapedUnlessDisabled()
    {
        CollectionAssert.AreEqual(Clip.Encode("tom & jerry"), Clip.Encode("tom &amp; jerry"));
        var raw = new ClipTokenizer(Clip.Vocabulary, Clip.Merges, new ClipTokenizerOptions { HtmlUnescape = false });
        CollectionAssert.AreNotEqual(raw.Encode("tom & jerry"), raw.Encode("tom &amp; jerry"));
    }

    [TestMethod]
    public void Decode_JoinsTokensAndTurnsWordEndsIntoSpaces()
    {
        Assert.AreEqual("a photo of a cat", Clip.Decode(Clip.Encode("A photo of a CAT")));
        Assert.AreEqual("café 東京 🐱", Clip.Decode(Clip.Encode("café 東京 🐱")), "multi-byte UTF-8 survives the byte alphabet");
        // Like CLIP, decoding is not the inverse of pre-tokenization: contractions and digits come back as separate words.
        Assert.AreEqual("don 't stop , 5 0 %", Clip.Decode(Clip.Encode("don't stop, 50%")));
    }

    [TestMethod]
    public void Decode_CanKeepSpecialTokens()
    {
        Assert.AreEqual("<|startoftext|>a cat <|endoftext|>", Clip.Decode(Clip.Encode("a cat", out int n)[..n], skipSpecialTokens: false));
    }

    [TestMethod]
    public void WrittenVocabAndMerges_LoadToAnIdenticalTokenizer()
    {
        string dir = Path.Combine(Path.GetTempPath(), "mlaugment-clip-" + Guid.NewGuid().ToString("N"));
        try
        {
            ClipVocabularyFiles.Write(Clip, Path.Combine(dir, "tokenizer"));
            var reloaded = ClipTokenizer.FromDirectory(dir);

            Assert.AreEqual(Clip.VocabularySize, reloaded.VocabularySize);
            Assert.StartsWith("#version: 0.2\n", File.ReadAllText(Path.Combine(dir, "tokenizer", "merges.txt")));
            foreach (var golden in Goldens())
                CollectionAssert.AreEqual(golden.Ids, reloaded.EncodeWithoutSpecialTokens(golden.Text), golden.Text);
        }
        finally
        {
            if (Directory.Exists(dir)) Directory.Delete(dir, recursive: true);
        }
    }

    [TestMethod]
    public void TokenizerConfig_SuppliesMaxLengthAndPadToken()
    {
        string dir = Path.Combine(Path.GetTempPath(), "mlaugment-clip-" + Guid.NewGuid().ToString("N"));
        try
        {
            // As in SD 2.x: pads with "!" (id 0) instead of the end token.
            var sd2 = new ClipTokenizer(Clip.Vocabulary, Clip.Merges, new ClipTokenizerOptions { PadTokenId = 0, MaxLength = 12 });
            ClipVocabularyFiles.Write(sd2, dir);
            StringAssert.Contains(File.ReadAllText(Path.Combine(dir, "tokenizer_config.json")), "\"model_max_length\": 12");

            var reloaded = ClipTokenizer.FromDirectory(dir);

            Assert.AreEqual(12, reloaded.MaxLength);
            Assert.AreEqual(0, reloaded.PadTokenId);
            CollectionAssert.AreEqual(new[] { 49406, 320, 2368, 49407, 0, 0, 0, 0, 0, 0, 0, 0 }, reloaded.Encode("a cat"));

            File.WriteAllText(Path.Combine(dir, "tokenizer_config.json"), "{\"model_max_length\": 1000000000000000019884624838656, \"pad_token\": {\"content\": \"<|endoftext|>\"}}");
            var hfDefault = ClipTokenizer.FromDirectory(dir);
            Assert.AreEqual(77, hfDefault.MaxLength, "HF's 'no limit' sentinel keeps CLIP's 77");
            Assert.AreEqual(49407, hfDefault.PadTokenId);
        }
        finally
        {
            if (Directory.Exists(dir)) Directory.Delete(dir, recursive: true);
        }
    }

    [TestMethod]
    public void MissingFiles_NameThePath()
    {
        var e = Assert.Throws<FileNotFoundException>(() => ClipTokenizer.FromBpeSimpleVocab("/no/such/bpe.txt.gz"));
        StringAssert.Contains(e.Message, "/no/such/bpe.txt.gz");
        var d = Assert.Throws<FileNotFoundException>(() => ClipTokenizer.FromDirectory("/no/such/model"));
        StringAssert.Contains(d.Message, "/no/such/model");
    }

    [TestMethod]
    public void MalformedMerges_NameTheLine()
    {
        string path = Path.GetTempFileName();
        try
        {
            File.WriteAllText(path, "#version: 0.2\ni n\nthisisnotamerge\n");
            var e = Assert.Throws<InvalidDataException>(() => ClipVocabularyFiles.ReadMergesTxt(path));
            StringAssert.Contains(e.Message, "line 3");
        }
        finally { File.Delete(path); }
    }

    [TestMethod]
    public void MergesNotMatchingTheVocabulary_AreRejected()
    {
        var vocab = new Dictionary<string, int> { ["a"] = 0, ["b</w>"] = 1, ["<|startoftext|>"] = 2, ["<|endoftext|>"] = 3 };
        var e = Assert.Throws<ArgumentException>(() => new ClipTokenizer(vocab, [("a", "b</w>")]));
        StringAssert.Contains(e.Message, "ab</w>");
    }
}
