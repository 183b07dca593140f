namespace MLAugment.Data;

/// <summary>
/// Column transforms. Most arrive as extension methods (<c>Concatenate</c>, <c>CopyColumns</c>, image and augmentation
/// transforms); type conversions hang off <see cref="Conversion"/>. Mirrors <c>Microsoft.ML.TransformsCatalog</c>.
/// </summary>
public sealed class TransformsCatalog
{
    internal TransformsCatalog(MLContext context)
    {
        Context = context;
        Conversion = new ConversionTransforms(this);
    }

    internal MLContext Context { get; }

    /// <summary>Type conversions: <c>MapValueToKey</c>, <c>MapKeyToValue</c>.</summary>
    public ConversionTransforms Conversion { get; }

    public sealed class ConversionTransforms
    {
        internal ConversionTransforms(TransformsCatalog owner)
        {
            Owner = owner;
        }

        internal TransformsCatalog Owner { get; }

        internal MLContext Context => Owner.Context;
    }
}
