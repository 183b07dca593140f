using System.Collections;

namespace MLAugment.Engine.NN;

/// <summary>An indexable list of submodules named "0", "1", … in the state dict (torch.nn.ModuleList).</summary>
public sealed class ModuleList<T> : Module, IReadOnlyList<T> where T : Module
{
    private readonly List<T> _items = new();

    public ModuleList(params IEnumerable<T> modules)
    {
        foreach (var m in modules) Add(m);
    }

    public T Add(T module)
    {
        _items.Add(RegisterModule(_items.Count.ToString(System.Globalization.CultureInfo.InvariantCulture), module));
        return module;
    }

    public T this[int index] => (uint)index < (uint)_items.Count ? _items[index]
        : throw new ArgumentOutOfRangeException(nameof(index), $"ModuleList: index {index} is out of range for {_items.Count} modules.");

    public int Count => _items.Count;
    public IEnumerator<T> GetEnumerator() => _items.GetEnumerator();
    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
