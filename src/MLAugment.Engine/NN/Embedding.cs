namespace MLAugment.Engine.NN;

/// <summary>A lookup table of <see cref="NumEmbeddings"/> vectors of size <see cref="EmbeddingDim"/>, weight ~ N(0, 1) (torch.nn.Embedding).</summary>
public sealed class Embedding : Module
{
    public int NumEmbeddings { get; }
    public int EmbeddingDim { get; }
    public Tensor Weight { get; }

    public Embedding(int numEmbeddings, int embeddingDim, Generator generator)
    {
        if (numEmbeddings <= 0 || embeddingDim <= 0)
            throw new ArgumentOutOfRangeException(nameof(numEmbeddings), $"Embedding: sizes must be positive, got {numEmbeddings} x {embeddingDim}.");
        NumEmbeddings = numEmbeddings;
        EmbeddingDim = embeddingDim;
        Weight = RegisterParameter("weight", Parameter.Create(numEmbeddings, embeddingDim));
        Init.Normal(Weight, 0f, 1f, generator);
    }

    /// <summary>The rows for <paramref name="ids"/> laid out as <paramref name="idsShape"/> → [..idsShape, EmbeddingDim].</summary>
    public Tensor Forward(ReadOnlySpan<int> ids, params int[] idsShape) => F.Embedding(Weight, ids, idsShape);
}
