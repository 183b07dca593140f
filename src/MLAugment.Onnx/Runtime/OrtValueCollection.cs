namespace MLAugment.Onnx.Runtime;

/// <summary>Named outputs of one run; owns them, so dispose it (or take values out with <see cref="Detach"/>).</summary>
public sealed class OrtValueCollection : IReadOnlyList<OrtValue>, IDisposable
{
    private readonly string[] _names;
    private readonly OrtValue?[] _values;

    internal OrtValueCollection(string[] names, OrtValue?[] values)
    {
        _names = names;
        _values = values;
    }

    public IReadOnlyList<string> Names => _names;
    public int Count => _values.Length;

    public OrtValue this[int index] => _values[index] ?? throw new InvalidOperationException($"Output '{_names[index]}' was detached.");

    public OrtValue this[string name]
    {
        get
        {
            int i = Array.IndexOf(_names, name);
            return i >= 0 ? this[i] : throw new KeyNotFoundException($"No output '{name}'; outputs are: {string.Join(", ", _names)}.");
        }
    }

    /// <summary>Takes ownership of one output away from the collection.</summary>
    public OrtValue Detach(string name)
    {
        var value = this[name];
        _values[Array.IndexOf(_names, name)] = null;
        return value;
    }

    public IEnumerator<OrtValue> GetEnumerator() => _values.Where(v => v is not null).Select(v => v!).GetEnumerator();
    System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();

    public void Dispose()
    {
        for (int i = 0; i < _values.Length; i++)
        {
            _values[i]?.Dispose();
            _values[i] = null;
        }
    }
}
