using MLAugment.Diffusion.Sampling;

namespace MLAugment.Onnx.StableDiffusion;

/// <summary>
/// A prompt encoded by a Stable Diffusion text encoder: its <c>last_hidden_state</c> [SequenceLength, HiddenSize],
/// row-major. <see cref="Owner"/> ties it to the backend (and so the text encoder) that produced it.
/// </summary>
public sealed record OnnxTextCondition : Condition
{
    internal OnnxTextCondition(string text, int[] tokenIds, float[] hiddenStates, int sequenceLength, int hiddenSize, object owner)
        : base(text)
    {
        TokenIds = tokenIds;
        HiddenStates = hiddenStates;
        SequenceLength = sequenceLength;
        HiddenSize = hiddenSize;
        Owner = owner;
    }

    /// <summary>The CLIP token ids fed to the text encoder (start, BPE ids, end, padding).</summary>
    public IReadOnlyList<int> TokenIds { get; }
    public int SequenceLength { get; }
    public int HiddenSize { get; }
    internal float[] HiddenStates { get; }
    internal object Owner { get; }

    /// <summary>A copy of the encoder's hidden states.</summary>
    public float[] ToArray() => (float[])HiddenStates.Clone();
}
