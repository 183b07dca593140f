using System.Collections;

namespace MLAugment.Engine.NN;

/// <summary>Applies its modules in order; children are named "0", "1", … like torch.nn.Sequential.</summary>
public sealed class Sequential : Module<Tensor, Tensor>, IReadOnlyList<Module<Tensor, Tensor>>
{
    private readonly List<Module<Tensor, Tensor>> _items = new();

    public Sequential(params IEnumerable<Module<Tensor, Tensor>> modules)
    {
        foreach (var m in modules) Add(m);
    }

    public Sequential Add(Module<Tensor, Tensor> module)
    {
        _items.Add(RegisterModule(_items.Count.ToString(System.Globalization.CultureInfo.InvariantCulture), module));
        return this;
    }

    public override Tensor Forward(Tensor input)
    {
        foreach (var m in _items) input = m.Forward(input);
        return input;
    }

    public Module<Tensor, Tensor> this[int index] => (uint)index < (uint)_items.Count ? _items[index]
        : throw new ArgumentOutOfRangeException(nameof(index), $"Sequential: index {index} is out of range for {_items.Count} modules.");

    public int Count => _items.Count;
    public IEnumerator<Module<Tensor, Tensor>> GetEnumerator() => _items.GetEnumerator();
    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
