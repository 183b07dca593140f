namespace MLAugment.Engine.Optim;

/// <summary>
/// A set of named parameters sharing a learning rate and weight decay (PyTorch's param_groups), e.g. to exempt
/// biases and norm weights from weight decay. Null hyperparameters take the optimizer's defaults.
/// </summary>
public sealed class ParamGroup
{
    public IReadOnlyList<(string Name, Tensor Parameter)> Parameters => Items;
    internal readonly List<(string Name, Tensor Parameter)> Items;

    /// <summary>Current learning rate; LR schedulers rewrite it every step.</summary>
    public double Lr { get; set; }

    public double WeightDecay { get; set; }

    /// <summary>The learning rate the group started with; schedulers scale this one.</summary>
    public double InitialLr { get; internal set; }

    internal double? RequestedLr { get; }
    internal double? RequestedWeightDecay { get; }

    public ParamGroup(IEnumerable<(string Name, Tensor Parameter)> parameters, double? lr = null, double? weightDecay = null)
    {
        Items = parameters.ToList();
        RequestedLr = lr;
        RequestedWeightDecay = weightDecay;
    }

    /// <summary>Unnamed parameters get the names "0", "1", … (in the order given).</summary>
    public static IEnumerable<(string Name, Tensor Parameter)> Numbered(IEnumerable<Tensor> parameters) =>
        parameters.Select((p, i) => (i.ToString(System.Globalization.CultureInfo.InvariantCulture), p));
}
