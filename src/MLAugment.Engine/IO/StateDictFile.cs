namespace MLAugment.Engine.IO;

/// <summary>
/// A state dict (name → tensor) as one safetensors file: how modules, trainers and models persist weights.
/// Saving is atomic (temp file + rename); loading returns GC-managed tensors ready for LoadStateDict.
/// </summary>
public static class StateDictFile
{
    public static void Save(string path, IEnumerable<KeyValuePair<string, Tensor>> state, IReadOnlyDictionary<string, string>? metadata = null)
    {
        var w = new SafeTensorsWriter();
        foreach (var (name, t) in state) w.Add(name, t.Shape.ToArray(), t.Span);
        if (metadata != null) foreach (var (k, v) in metadata) w.Metadata[k] = v;
        w.Save(path);
    }

    public static Dictionary<string, Tensor> Load(string path) => Load(path, out _);

    public static Dictionary<string, Tensor> Load(string path, out IReadOnlyDictionary<string, string> metadata)
    {
        using var r = SafeTensorsReader.Open(path);
        metadata = r.Metadata;
        var d = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        foreach (var e in r.Entries)
        {
            var shape = new int[e.Shape.Length];
            for (int i = 0; i < shape.Length; i++)
                shape[i] = e.Shape[i] <= int.MaxValue ? (int)e.Shape[i]
                    : throw new SafeTensorsFormatException($"{path}: tensor '{e.Name}' dim {i} = {e.Shape[i]} is too large.");
            var t = Tensor.Unscoped(shape);
            r.ReadFloat32(e.Name, t.Span);
            d[e.Name] = t;
        }
        return d;
    }
}
