using System.Diagnostics;
using System.Text.Json;
using MLAugment.Data;
using MLAugment.Data.Caching;
using static MLAugment.Data.Tests.Caching.CacheWriterProcess;

namespace MLAugment.Data.Tests.Caching;

[TestClass]
public sealed class GenerationCacheTests
{
    private string _folder = "";

    [TestInitialize]
    public void CreateFolder() => _folder = Path.Combine(Path.GetTempPath(), $"mlaugment-cache-{Guid.NewGuid():N}");

    [TestCleanup]
    public void DeleteFolder()
    {
        if (Directory.Exists(_folder))
            Directory.Delete(_folder, recursive: true);
    }

    private static void AssertSameImage(MLImage expected, MLImage actual, string what)
    {
        Assert.AreEqual(expected.Width, actual.Width, what);
        Assert.AreEqual(expected.Height, actual.Height, what);
        Assert.AreEqual(expected.PixelFormat, actual.PixelFormat, what);
        CollectionAssert.AreEqual(expected.Pixels.ToArray(), actual.Pixels.ToArray(), what);
    }

    [TestMethod]
    public void KeysCoverEveryInputAndNothingElse()
    {
        var source = Source(1);
        var parameters = new Dictionary<string, string> { ["strength"] = "0.5", ["steps"] = "20" };
        var key = GenerationKey.Create("model", source, null, parameters, seed: 7, sourceRowId: "a");

        Assert.AreEqual(64, key.Hash.Length);
        Assert.AreEqual(key, GenerationKey.Create("model", Source(1), null, parameters.Reverse(), seed: 7, sourceRowId: "b"),
            "parameter order and provenance do not change the key");
        Assert.AreNotEqual(key, GenerationKey.Create("model2", source, null, parameters, 7));
        Assert.AreNotEqual(key, GenerationKey.Create("model", Source(2), null, parameters, 7));
        Assert.AreNotEqual(key, GenerationKey.Create("model", source, Source(3), parameters, 7));
        Assert.AreNotEqual(key, GenerationKey.Create("model", source, null, new Dictionary<string, string> { ["strength"] = "0.6", ["steps"] = "20" }, 7));
        Assert.AreNotEqual(key, GenerationKey.Create("model", source, null, parameters, 8));
        Assert.AreEqual("0.1", GenerationKey.Format(0.1));
        var raw = GenerationKey.Create("model", source.Pixels, null, parameters, 7);
        Assert.AreNotEqual(key, raw, "raw bytes never collide with an image of the same pixels");
        Assert.AreEqual(raw, GenerationKey.Create("model", source.Pixels.ToArray(), null, parameters, 7));
        Assert.AreNotEqual(raw, GenerationKey.Create("model", source.Pixels, [0], parameters, 7));
    }

    [TestMethod]
    public void TheSecondLookupHitsWithBitIdenticalPixels()
    {
        var cache = GenerationCache.Open(_folder);
        int calls = 0;
        foreach (int i in new[] { 0, 1 })
        {
            var first = cache.GetOrAdd(Key(i), _ => { calls++; return Generated(i); });
            var second = cache.GetOrAdd(Key(i), _ => { calls++; return Generated(i); });

            AssertSameImage(Generated(i), first, $"entry {i}, generated");
            AssertSameImage(Generated(i), second, $"entry {i} ({Generated(i).PixelFormat}), from disk");
        }

        Assert.AreEqual(2, calls);
        Assert.AreEqual(2, cache.Count);
        Assert.IsTrue(GenerationCache.Open(_folder).TryGet(Key(1), out var reopened), "entries survive reopening");
        AssertSameImage(Generated(1), reopened!, "reopened");
        Assert.IsFalse(cache.TryGet(Key(2), out _));
    }

    [TestMethod]
    public void EachEntryCarriesItsProvenance()
    {
        var cache = GenerationCache.Open(_folder);
        cache.GetOrAdd(Key(3), _ => Generated(3));

        var manifest = cache.GetManifest(Key(3))!;
        var onDisk = JsonDocument.Parse(File.ReadAllText(Path.Combine(_folder, Key(3).Hash + ".json"))).RootElement;

        Assert.AreEqual("test-model@1", manifest.ModelId);
        Assert.AreEqual(3L, manifest.Seed);
        Assert.AreEqual("row-3", manifest.SourceRowId);
        Assert.AreEqual("0.75", manifest.Parameters["strength"]);
        Assert.AreEqual(Key(3).Hash, onDisk.GetProperty("key").GetString());
        Assert.IsTrue((DateTime.UtcNow - manifest.CreatedUtc).TotalMinutes < 10);
        Assert.AreEqual(64, onDisk.GetProperty("imageSha256").GetString()!.Length);
    }

    [TestMethod]
    public void CorruptAndIncompleteEntriesAreDroppedOnOpen()
    {
        var cache = GenerationCache.Open(_folder);
        for (int i = 0; i < 5; i++)
            cache.GetOrAdd(Key(i), _ => Generated(i));
        string Png(int i) => Path.Combine(_folder, Key(i).Hash + ".png");
        string Json(int i) => Path.Combine(_folder, Key(i).Hash + ".json");
        var flipped = File.ReadAllBytes(Png(0));
        flipped[^20] ^= 0xFF;
        File.WriteAllBytes(Png(0), flipped);                        // image damaged after the manifest was written
        File.Delete(Json(1));                                        // killed between image and manifest
        File.Delete(Png(2));                                         // manifest without image
        File.WriteAllText(Json(3), "{ \"key\": ");                   // manifest cut short
        File.WriteAllBytes(Path.Combine(_folder, ".generation-cache-tmp-0123"), [1]); // killed mid-write
        File.WriteAllBytes(Path.Combine(_folder, "readme.png"), [1]);  // not ours: kept

        var reopened = GenerationCache.Open(_folder);

        Assert.AreEqual(1, reopened.Count);
        Assert.IsTrue(reopened.TryGet(Key(4), out var intact));
        AssertSameImage(Generated(4), intact!, "the intact entry");
        CollectionAssert.AreEquivalent(new[] { Key(4).Hash + ".json", Key(4).Hash + ".png", "readme.png" },
            Directory.GetFiles(_folder).Select(Path.GetFileName).ToArray(), "the debris was removed, foreign files kept");
    }

    [TestMethod]
    public void DamageFoundOnReadIsAMiss()
    {
        var cache = GenerationCache.Open(_folder);
        cache.GetOrAdd(Key(0), _ => Generated(0));
        File.WriteAllBytes(Path.Combine(_folder, Key(0).Hash + ".png"), [1, 2, 3]);

        Assert.IsFalse(cache.TryGet(Key(0), out _));
        Assert.AreEqual(0, cache.Count);
        AssertSameImage(Generated(0), cache.GetOrAdd(Key(0), _ => Generated(0)), "regenerated");
    }

    [TestMethod]
    public void AnImageAlteredAfterOpeningIsAMissEvenAtTheSameLength()
    {
        var writer = GenerationCache.Open(_folder);
        writer.GetOrAdd(Key(0), _ => Generated(0));
        writer.GetOrAdd(Key(1), _ => Generated(1));
        var reader = GenerationCache.Open(_folder);
        var png = Path.Combine(_folder, Key(0).Hash + ".png");
        var flipped = File.ReadAllBytes(png);
        flipped[^20] ^= 0xFF;
        File.WriteAllBytes(png, flipped);

        Assert.IsFalse(reader.TryGet(Key(0), out _), "the hash recorded at opening no longer matches");
        Assert.IsNull(reader.GetManifest(Key(0)));
        Assert.IsTrue(reader.TryGet(Key(1), out var intact));
        AssertSameImage(Generated(1), intact!, "the untouched entry");
        Assert.AreEqual(1, reader.Count);
    }

    [TestMethod]
    public void EvictionKeepsTheCapAndDropsTheLeastRecentlyUsed()
    {
        var probe = GenerationCache.Open(Path.Combine(_folder, "probe"));
        probe.GetOrAdd(Key(0), _ => Generated(0));
        long entryBytes = probe.SizeBytes;
        var cache = GenerationCache.Open(Path.Combine(_folder, "capped"), maxSizeBytes: entryBytes * 3 + entryBytes / 2);

        for (int i = 0; i < 3; i++)
            cache.GetOrAdd(Key(i), _ => Generated(i));
        Assert.IsTrue(cache.TryGet(Key(0), out _), "entry 0 is now the most recently used");
        cache.GetOrAdd(Key(3), _ => Generated(3));

        Assert.AreEqual(3, cache.Count);
        Assert.IsTrue(cache.SizeBytes <= cache.MaxSizeBytes);
        Assert.IsFalse(cache.TryGet(Key(1), out _), "entry 1 was least recently used");
        Assert.IsTrue(cache.TryGet(Key(0), out _));
        var reopened = GenerationCache.Open(Path.Combine(_folder, "capped"), maxSizeBytes: entryBytes * 2 + entryBytes / 2);
        Assert.AreEqual(2, reopened.Count, "reopening with a smaller cap evicts");
        Assert.IsFalse(reopened.TryGet(Key(2), out _), "last use survives reopening: entry 2 is now the oldest");
    }

    [TestMethod]
    public void ClearRemovesEverything()
    {
        var cache = GenerationCache.Open(_folder);
        cache.GetOrAdd(Key(0), _ => Generated(0));
        cache.GetOrAdd(Key(1), _ => Generated(1));

        cache.Clear();

        Assert.AreEqual(0, cache.Count);
        Assert.AreEqual(0L, cache.SizeBytes);
        Assert.AreEqual(0, Directory.GetFiles(_folder).Length);
    }

    [TestMethod]
    public void ThreadsAddingTheSameKeysAgree()
    {
        var cache = GenerationCache.Open(_folder);
        int generated = 0;

        Parallel.For(0, 64, new ParallelOptions { MaxDegreeOfParallelism = 8 }, n =>
        {
            int i = n % 4;
            var image = cache.GetOrAdd(Key(i), _ =>
            {
                Interlocked.Increment(ref generated);
                return Generated(i);
            });
            AssertSameImage(Generated(i), image, $"entry {i}");
        });

        Assert.AreEqual(4, generated, "one generation per key");
        Assert.AreEqual(4, GenerationCache.Open(_folder).Count);
    }

    [TestMethod]
    [Timeout(60_000, CooperativeCancellation = true)]
    public void AWriterKilledMidRunLeavesOnlyIntactEntries()
    {
        const int total = 200;
        var child = Start(_folder, total);
        int added = 0;
        string? line;
        while ((line = child.StandardOutput.ReadLine()) is not null && added < 25)
            if (line.StartsWith("added ", StringComparison.Ordinal))
                added++;
        child.Kill(entireProcessTree: true);
        child.WaitForExit();
        Assert.IsTrue(added >= 25, $"the writer started and added entries; stderr: {child.StandardError.ReadToEnd()}");

        var afterKill = GenerationCache.Open(_folder);
        int visible = 0;
        for (int i = 0; i < total; i++)
        {
            if (!afterKill.TryGet(Key(i), out var image))
                continue;
            visible++;
            AssertSameImage(Generated(i), image!, $"entry {i} after the kill");
        }
        Assert.AreEqual(afterKill.Count, visible, "every entry the cache lists reads back intact");
        Assert.IsTrue(visible >= added && visible < total, $"{visible} entries visible after {added} reported");
        Assert.AreEqual(0, Directory.GetFiles(_folder, ".generation-cache-tmp-*").Length, "temporary files are cleared on open");

        using var restarted = Start(_folder, total);
        var output = restarted.StandardOutput.ReadToEnd();
        restarted.WaitForExit();
        Assert.AreEqual(0, restarted.ExitCode, restarted.StandardError.ReadToEnd());
        StringAssert.EndsWith(output.TrimEnd(), "done");
        Assert.AreEqual(total - visible, output.Split('\n').Count(l => l.StartsWith("added ", StringComparison.Ordinal)), "only missing entries are generated again");
        var complete = GenerationCache.Open(_folder);
        Assert.AreEqual(total, complete.Count);
        for (int i = 0; i < total; i += 37)
        {
            Assert.IsTrue(complete.TryGet(Key(i), out var image));
            AssertSameImage(Generated(i), image!, $"entry {i} after the restart");
        }
    }
}
