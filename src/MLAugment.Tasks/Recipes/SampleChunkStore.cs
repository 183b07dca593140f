using System.Globalization;
using MLAugment.Engine;
using MLAugment.Engine.IO;

namespace MLAugment.Tasks.Recipes;

/// <summary>
/// Generated images on disk in fixed chunks, so an expensive evaluation resumes where it stopped. Chunk j of a set always
/// holds images [j·c, (j+1)·c) (c = chunk size) whatever total is asked for, so a run asking for more samples reuses every
/// chunk of a run that asked for fewer. Files: <c>{root}/{model id}/{key}/chunk-{j:00000}.safetensors</c> with one tensor
/// "images" [c, C, H, W] and the key, model id, start, count and generation seconds as metadata; written atomically
/// (temporary sibling + rename), so a file that exists is whole.
/// </summary>
public sealed class SampleChunkStore
{
    public const string Format = "mlaugment-sample-chunk/1";

    public SampleChunkStore(string root, string modelId, int chunkSize)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(root);
        ArgumentException.ThrowIfNullOrWhiteSpace(modelId);
        if (chunkSize < 1) throw new ArgumentOutOfRangeException(nameof(chunkSize), chunkSize, "SampleChunkStore: the chunk size must be at least 1.");
        Root = root; ModelId = modelId; ChunkSize = chunkSize;
    }

    public string Root { get; }
    public string ModelId { get; }
    public int ChunkSize { get; }

    /// <summary>The folder of one set; the model id is cut to 16 characters (a SHA-256 prefix; unique enough for folder names).</summary>
    public string SetFolder(string key) => Path.Combine(Root, Sanitize(ModelId.Length > 16 ? ModelId[..16] : ModelId), Sanitize(key));

    public string ChunkPath(string key, int index) => Path.Combine(SetFolder(key), $"chunk-{index:00000}.safetensors");

    /// <summary>The stored chunk, or false when it has not been generated yet; a file of another key/model/size is an error.</summary>
    public bool TryLoad(string key, int index, out Tensor images, out double seconds)
    {
        var path = ChunkPath(key, index);
        images = null!; seconds = 0;
        if (!File.Exists(path)) return false;
        using var reader = SafeTensorsReader.Open(path);
        string Meta(string name) => reader.Metadata.TryGetValue(name, out var v) ? v
            : throw new InvalidDataException($"{path}: sample chunk metadata has no '{name}'; delete the file to regenerate it.");
        if (Meta("format") != Format || Meta("model_id") != ModelId || Meta("key") != key
            || Meta("start") != (index * ChunkSize).ToString(CultureInfo.InvariantCulture) || Meta("count") != ChunkSize.ToString(CultureInfo.InvariantCulture))
            throw new InvalidDataException($"{path}: holds chunk (model {Meta("model_id")}, key {Meta("key")}, start {Meta("start")}, count {Meta("count")}), expected (model {ModelId}, key {key}, start {index * ChunkSize}, count {ChunkSize}); delete the file to regenerate it.");
        var entry = reader.GetEntry("images");
        if (entry.Shape.Length != 4 || entry.Shape[0] != ChunkSize)
            throw new InvalidDataException($"{path}: tensor 'images' is [{string.Join(", ", entry.Shape)}], expected [{ChunkSize}, C, H, W].");
        images = Tensor.Unscoped(entry.Shape.Select(d => (int)d).ToArray());
        reader.ReadFloat32("images", images.Span);
        seconds = double.Parse(Meta("seconds"), CultureInfo.InvariantCulture);
        return true;
    }

    /// <summary>Chunks of a set already on disk among the first <paramref name="chunks"/>.</summary>
    public int CountStored(string key, int chunks)
    {
        int n = 0;
        for (int j = 0; j < chunks; j++) if (File.Exists(ChunkPath(key, j))) n++;
        return n;
    }

    public void Save(string key, int index, Tensor images, double seconds)
    {
        if (images.Rank != 4 || images.Shape[0] != ChunkSize)
            throw new ArgumentException($"SampleChunkStore: chunk {index} of '{key}' is {ShapeUtil.Format(images.Shape)}, expected [{ChunkSize}, C, H, W].", nameof(images));
        Directory.CreateDirectory(SetFolder(key));
        var w = new SafeTensorsWriter();
        w.Add("images", images.Shape.ToArray(), images.Span);
        w.Metadata["format"] = Format;
        w.Metadata["model_id"] = ModelId;
        w.Metadata["key"] = key;
        w.Metadata["start"] = (index * ChunkSize).ToString(CultureInfo.InvariantCulture);
        w.Metadata["count"] = ChunkSize.ToString(CultureInfo.InvariantCulture);
        w.Metadata["seconds"] = seconds.ToString("R", CultureInfo.InvariantCulture);
        w.Metadata["created_utc"] = DateTime.UtcNow.ToString("O", CultureInfo.InvariantCulture);
        w.Save(ChunkPath(key, index));
    }

    private static string Sanitize(string s)
    {
        var invalid = Path.GetInvalidFileNameChars();
        return new string(s.Select(ch => invalid.Contains(ch) || ch == '/' || ch == '\\' ? '_' : ch).ToArray());
    }
}
