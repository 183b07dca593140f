using MLAugment.Engine.IO;
using AG = MLAugment.Engine.Autograd.Autograd;

namespace MLAugment.Engine.NN;

public abstract partial class Module
{
    /// <summary>Writes <see cref="StateDict"/> as a float32 safetensors file (atomically), keys as in PyTorch.</summary>
    public void SaveSafeTensors(string path, IReadOnlyDictionary<string, string>? metadata = null) =>
        SafeTensorsStateDict.Save(StateDict(), path, metadata);

    /// <summary>
    /// Loads parameters and buffers from a safetensors file (F32, F16, BF16 and integer tensors are converted to
    /// float32), with <see cref="LoadStateDict"/>'s rules: shape mismatches always fail, missing/unexpected keys
    /// when <paramref name="strict"/>. All names and shapes are checked before any tensor is read; tensors are
    /// then read straight into the module's storage.
    /// </summary>
    public LoadStateDictResult LoadSafeTensors(string path, bool strict = true)
    {
        using var reader = SafeTensorsReader.Open(path);
        var own = StateDict();
        LoadStateDictResult result;
        try
        {
            result = CheckLoad(own, reader.Entries.Select(e => (e.Name, SafeTensorsStateDict.IntShape(path, e))), strict);
        }
        catch (ArgumentException ex)
        {
            throw new ArgumentException($"{Path.GetFileName(path)}: {ex.Message}", ex);
        }
        using (AG.NoGrad())
            foreach (var (key, target) in own)
                if (reader.Contains(key)) reader.ReadFloat32(key, target.Span);
        return result;
    }
}

/// <summary>Saves and loads any name → tensor dictionary (module, optimizer or EMA state) as safetensors.</summary>
public static class SafeTensorsStateDict
{
    public static void Save(IEnumerable<KeyValuePair<string, Tensor>> state, string path, IReadOnlyDictionary<string, string>? metadata = null)
    {
        var writer = new SafeTensorsWriter();
        foreach (var (name, t) in state) writer.Add(name, t.Shape.ToArray(), t.Span);
        if (metadata != null)
            foreach (var (k, v) in metadata) writer.Metadata[k] = v;
        writer.Save(path);
    }

    /// <summary>Every tensor of the file, converted to float32, as unscoped tensors in file order.</summary>
    public static OrderedDictionary<string, Tensor> Load(string path)
    {
        using var reader = SafeTensorsReader.Open(path);
        var dict = new OrderedDictionary<string, Tensor>();
        foreach (var e in reader.Entries)
        {
            var t = Tensor.Unscoped(IntShape(path, e));
            reader.ReadFloat32(e.Name, t.Span);
            dict[e.Name] = t;
        }
        return dict;
    }

    internal static int[] IntShape(string path, SafeTensorsEntry e)
    {
        var shape = new int[e.Shape.Length];
        for (int i = 0; i < shape.Length; i++)
            shape[i] = e.Shape[i] <= int.MaxValue ? (int)e.Shape[i]
                : throw new NotSupportedException($"{Path.GetFileName(path)}: tensor '{e.Name}' [{string.Join(", ", e.Shape)}] has a dimension beyond int range.");
        if (e.ElementCount > int.MaxValue)
            throw new NotSupportedException($"{Path.GetFileName(path)}: tensor '{e.Name}' [{string.Join(", ", e.Shape)}] has more than int.MaxValue elements.");
        return shape;
    }
}
