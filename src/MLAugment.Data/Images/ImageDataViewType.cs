namespace MLAugment.Data;

/// <summary>
/// The column type of images; the raw type is <see cref="MLImage"/>. <see cref="Height"/> and <see cref="Width"/> are 0
/// when images vary in size ("Image"), otherwise every image in the column has that size ("Image&lt;h, w&gt;").
/// Two image types are equal when their sizes are. Mirrors <c>Microsoft.ML.Data.ImageDataViewType</c>.
/// </summary>
public sealed class ImageDataViewType : StructuredDataViewType, ISavableDataViewType
{
    /// <summary>An image column whose images may differ in size.</summary>
    public ImageDataViewType() : base(typeof(MLImage))
    {
    }

    /// <summary>An image column whose images are all <paramref name="height"/> × <paramref name="width"/>.</summary>
    public ImageDataViewType(int height, int width) : base(typeof(MLImage))
    {
        if (height <= 0)
            throw new ArgumentOutOfRangeException(nameof(height), height, "Must be positive.");
        if (width <= 0)
            throw new ArgumentOutOfRangeException(nameof(width), width, "Must be positive.");
        if ((long)height * width > int.MaxValue / 4)
            throw new ArgumentOutOfRangeException(nameof(height), $"height * width is too large ({height} x {width}).");
        Height = height;
        Width = width;
    }

    public readonly int Height;

    public readonly int Width;

    /// <summary>True when the size is fixed.</summary>
    internal bool IsKnownSize => Height > 0;

    public override bool Equals(DataViewType? other) =>
        other is ImageDataViewType image && image.Height == Height && image.Width == Width;

    public override bool Equals(object? obj) => obj is DataViewType other && Equals(other);

    public override int GetHashCode() => HashCode.Combine(typeof(MLImage), Height, Width);

    public override string ToString() => Height == 0 && Width == 0 ? "Image" : $"Image<{Height}, {Width}>";

    /// <summary>*** Binary format *** int: height; int: width (both 0 for unknown size).</summary>
    public void Save(BinaryWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.Write(Height);
        writer.Write(Width);
    }

    public static DataViewType Load(BinaryReader reader)
    {
        ArgumentNullException.ThrowIfNull(reader);
        int height = reader.ReadInt32();
        int width = reader.ReadInt32();
        if (height == 0 && width == 0)
            return new ImageDataViewType();
        if (height <= 0 || width <= 0 || (long)height * width > int.MaxValue / 4)
            throw new InvalidDataException($"Saved image type has an invalid size {height} x {width}.");
        return new ImageDataViewType(height, width);
    }
}

/// <summary>
/// Marks an <see cref="MLImage"/> member of a row class as an image column of a fixed size (or of varying size, without
/// arguments) for <c>LoadFromEnumerable</c> and <c>CreateEnumerable</c>. Mirrors <c>Microsoft.ML.Transforms.Image.ImageTypeAttribute</c>.
/// </summary>
[AttributeUsage(AttributeTargets.Field | AttributeTargets.Property, AllowMultiple = false, Inherited = true)]
public sealed class ImageTypeAttribute : DataViewTypeAttribute
{
    /// <summary>Images whose size is not known in advance.</summary>
    public ImageTypeAttribute()
    {
    }

    /// <summary>Images of <paramref name="height"/> × <paramref name="width"/> pixels.</summary>
    public ImageTypeAttribute(int height, int width)
    {
        if (height <= 0)
            throw new ArgumentOutOfRangeException(nameof(height), height, "Should be positive number");
        if (width <= 0)
            throw new ArgumentOutOfRangeException(nameof(width), width, "Should be positive number");
        Height = height;
        Width = width;
    }

    internal int Height { get; }

    internal int Width { get; }

    public override bool Equals(DataViewTypeAttribute? other) =>
        other is ImageTypeAttribute image && image.Height == Height && image.Width == Width;

    public override int GetHashCode() => HashCode.Combine(Height, Width);

    public override void Register() =>
        DataViewTypeManager.Register(Height == 0 ? new ImageDataViewType() : new ImageDataViewType(Height, Width), typeof(MLImage), this);
}
