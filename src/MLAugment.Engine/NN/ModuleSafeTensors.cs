using MLAugment.Engine.IO;
using AG = MLAugment.Engine.Autograd.Autograd;

namespace MLAugment.Engine.NN;

public abstract partial class Module
{
    /// <summary>Writes <see cref="StateDict"/> as a float32 safetensors file (atomically), keys as in PyTorch.</summary>
    public void SaveSafeTensors(string path, IReadOnlyDictionary<string, string>? metadata = null) =>
        StateDictFile.Save(path, StateDict(), metadata);

    /// <summary>
    /// Loads parameters and buffers from a safetensors file (F32, F16, BF16 and integer tensors are converted to
    /// float32), with <see cref="LoadStateDict"/>'s rules: shape mismatches always fail, missing/unexpected keys
    /// when <paramref name="strict"/>. All names and shapes are checked from the header before any tensor is read;
    /// tensors are then read straight into the module's storage (no second copy of the weights in memory).
    /// </summary>
    public LoadStateDictResult LoadSafeTensors(string path, bool strict = true)
    {
        using var reader = SafeTensorsReader.Open(path);
        var own = StateDict();
        LoadStateDictResult result;
        try
        {
            result = CheckLoad(own, reader.Entries.Select(e => (e.Name, IntShape(path, e))), strict);
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

    private static int[] IntShape(string path, SafeTensorsEntry e)
    {
        if (e.ElementCount > int.MaxValue || e.Shape.Any(d => d > int.MaxValue))
            throw new NotSupportedException($"{Path.GetFileName(path)}: tensor '{e.Name}' [{string.Join(", ", e.Shape)}] is too large for one tensor.");
        return e.Shape.Select(d => (int)d).ToArray();
    }
}
