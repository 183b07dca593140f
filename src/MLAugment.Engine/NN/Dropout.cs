namespace MLAugment.Engine.NN;

/// <summary>Inverted dropout in training mode, the identity in eval mode; masks come from the generator given here.</summary>
public sealed class Dropout : Module<Tensor, Tensor>
{
    private readonly Generator _generator;

    public float P { get; }

    public Dropout(float p, Generator generator)
    {
        if (!(p >= 0f && p <= 1f)) throw new ArgumentOutOfRangeException(nameof(p), p, "Dropout: probability must be in [0, 1].");
        P = p;
        _generator = generator;
    }

    public override Tensor Forward(Tensor input) => F.Dropout(input, P, Training, _generator);
}
