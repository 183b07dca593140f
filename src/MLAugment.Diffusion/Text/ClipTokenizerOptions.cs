namespace MLAugment.Diffusion.Text;

/// <summary>Settings of <see cref="ClipTokenizer"/>; the defaults match Stable Diffusion v1's tokenizer.</summary>
public sealed record ClipTokenizerOptions
{
    /// <summary>Length of the id sequences the text encoder expects (CLIP's context length).</summary>
    public int MaxLength { get; init; } = 77;

    /// <summary>Id used to pad to <see cref="MaxLength"/>; null means the end-of-text id (SD v1 pads with 49407).</summary>
    public int? PadTokenId { get; init; }

    /// <summary>Decode HTML entities (twice, as CLIP's basic_clean does) before tokenizing.</summary>
    public bool HtmlUnescape { get; init; } = true;
}
