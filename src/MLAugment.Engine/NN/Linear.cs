namespace MLAugment.Engine.NN;

/// <summary>y = x·Wᵀ + b over the last dim; weight [out, in], bias [out] (torch.nn.Linear).</summary>
public sealed class Linear : Module<Tensor, Tensor>
{
    public int InFeatures { get; }
    public int OutFeatures { get; }
    public Tensor Weight { get; }
    public Tensor? Bias { get; }

    public Linear(int inFeatures, int outFeatures, Generator generator, bool bias = true)
    {
        if (inFeatures <= 0 || outFeatures <= 0)
            throw new ArgumentOutOfRangeException(nameof(inFeatures), $"Linear: features must be positive, got in={inFeatures}, out={outFeatures}.");
        InFeatures = inFeatures;
        OutFeatures = outFeatures;
        Weight = RegisterParameter("weight", Parameter.Create(outFeatures, inFeatures));
        if (bias) Bias = RegisterParameter("bias", Parameter.Create(outFeatures));
        Init.DefaultLayerInit(Weight, Bias, generator);
    }

    public override Tensor Forward(Tensor input) => F.Linear(input, Weight, Bias);
}
