using MLAugment.Data.Images.Codecs;

namespace MLAugment.Data.Transforms.Image;

/// <summary>
/// Getters that make a new MLImage on every call own what they deliver: each call disposes the image its previous call
/// left in the caller's variable, and the cursor's disposer disposes the last one. Upstream images are never disposed.
/// </summary>
internal static class OwnedImageGetter
{
    /// <summary>A getter delivering <paramref name="make"/>() (null for a missing image), with the ownership above.</summary>
    public static ValueGetter<MLImage?> Create(Func<MLImage?> make, out Action disposer)
    {
        MLImage? last = null;
        disposer = () =>
        {
            last?.Dispose();
            last = null;
        };
        return (ref MLImage? dst) =>
        {
            dst?.Dispose();
            dst = null;
            dst = make();
            last = dst;
        };
    }

    /// <summary>An image-to-image getter: <paramref name="map"/> of each source image, keeping its tag; a missing source stays missing.</summary>
    public static ValueGetter<MLImage?> Map(DataViewRow input, DataViewSchema.Column source, Func<MLImage, RawImage> map, out Action disposer)
    {
        var getSrc = input.GetGetter<MLImage?>(source);
        // src belongs to the upstream getter; only what this getter creates is disposed here.
        MLImage? src = null;
        return Create(() =>
        {
            getSrc(ref src);
            if (src is null)
                return null;
            var image = MLImage.FromRaw(map(src));
            image.Tag = src.Tag;
            return image;
        }, out disposer);
    }
}
