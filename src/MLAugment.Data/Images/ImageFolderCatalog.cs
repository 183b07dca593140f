using MLAugment.Data.Images.Codecs;

namespace MLAugment.Data;

/// <summary>
/// Image folders on <c>mlContext.Data</c>: loading a folder with one sub-folder per class, and writing a view's images
/// out as such a folder (e.g. a Fashion-MNIST subset for tests, demos and the CLI). Ours: ML.NET leaves this to samples.
/// </summary>
public static class ImageFolderCatalog
{
    /// <summary>The column of image paths made by <see cref="LoadFromImageFolder"/>.</summary>
    public const string ImagePathColumnName = "ImagePath";

    /// <summary>The class column made by <see cref="LoadFromImageFolder"/>.</summary>
    public const string LabelColumnName = "Label";

    /// <summary>
    /// Lists the images under <paramref name="root"/> (files whose extension the codecs read: PNG, JPEG, BMP, PNM) as
    /// rows with <c>ImagePath</c> (text, full path) and, when <paramref name="useFolderNameAsLabel"/>, <c>Label</c>: the
    /// name of the image's top-level sub-folder (its class), as text, or with <paramref name="labelAsKey"/> as a
    /// <c>Key&lt;UInt32&gt;</c> whose <c>KeyValues</c> are the class names in ordinal order. With
    /// <paramref name="recursive"/> images in nested folders count for their top-level class folder. Rows are in ordinal
    /// path order. Decoding happens later, in <c>LoadImages</c>, where a corrupt file fails naming the file (or is skipped,
    /// per its error policy).
    /// </summary>
    /// <exception cref="DirectoryNotFoundException"><paramref name="root"/> does not exist.</exception>
    /// <exception cref="InvalidDataException">No images were found, or (with labels) an image is not in a class folder.</exception>
    /// <example>
    /// <code>
    /// var data = mlContext.Data.LoadFromImageFolder("fashion/train", labelAsKey: true);
    /// var pipeline = mlContext.Transforms.LoadImages("Image", imageFolder: null, inputColumnName: "ImagePath")
    ///     .Append(mlContext.Transforms.ResizeImages("Image", 28, 28))
    ///     .Append(mlContext.Transforms.ExtractPixels("Pixels", "Image", scaleImage: 1f / 255));
    /// </code>
    /// </example>
    public static IDataView LoadFromImageFolder(this DataOperationsCatalog catalog, string root, bool useFolderNameAsLabel = true,
        bool labelAsKey = false, bool recursive = true)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        return ImageFolderDataView.Create(root, useFolderNameAsLabel, labelAsKey, recursive);
    }

    /// <summary>
    /// Writes the images of <paramref name="data"/> as PNG files <c>root/&lt;label&gt;/&lt;row&gt;.png</c>, the layout
    /// <see cref="LoadFromImageFolder"/> reads. The image column may be an image column or a vector of Single or Byte
    /// with dimensions (height, width) holding gray values 0..255 (e.g. <c>LoadFromIdx</c>'s <c>Image</c>); the label
    /// column may be text or a key with <c>KeyValues</c> (its values name the folders). Characters not allowed in folder
    /// names become '_' (Fashion-MNIST's "T-shirt/top" becomes "T-shirt_top"). At most <paramref name="maxImagesPerClass"/>
    /// images per class are written, taking rows in order. Returns the number of files written.
    /// </summary>
    public static int SaveAsImageFolder(this DataOperationsCatalog catalog, IDataView data, string root, string imageColumnName = "Image",
        string labelColumnName = LabelColumnName, int? maxImagesPerClass = null)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        ArgumentNullException.ThrowIfNull(data);
        ArgumentException.ThrowIfNullOrWhiteSpace(root);
        if (maxImagesPerClass is <= 0)
            throw new ArgumentOutOfRangeException(nameof(maxImagesPerClass), maxImagesPerClass, "Must be positive when given.");
        var imageCol = data.Schema.GetColumnOrNull(imageColumnName)
            ?? throw SchemaExceptions.ExceptSchemaMismatch(nameof(imageColumnName), "image", imageColumnName);
        var labelCol = data.Schema.GetColumnOrNull(labelColumnName)
            ?? throw SchemaExceptions.ExceptSchemaMismatch(nameof(labelColumnName), "label", labelColumnName);
        var readImage = ImageReader(imageCol);
        var readLabel = LabelReader(labelCol);

        Directory.CreateDirectory(root);
        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        int written = 0;
        using var cursor = data.GetRowCursor([imageCol, labelCol]);
        var image = readImage(cursor);
        var label = readLabel(cursor);
        while (cursor.MoveNext())
        {
            string folder = SafeName(label());
            counts.TryGetValue(folder, out int n);
            if (maxImagesPerClass is int max && n >= max)
                continue;
            counts[folder] = n + 1;
            var raw = image();
            if (raw is null)
                continue;
            var dir = Path.Combine(root, folder);
            Directory.CreateDirectory(dir);
            ImageCodecs.Save(Path.Combine(dir, $"{cursor.Position:D6}.png"), raw);
            written++;
        }
        return written;
    }

    /// <summary>
    /// Writes a Fashion-MNIST (or any IDX) subset as a PNG image folder: at most <paramref name="maxImagesPerClass"/>
    /// images of each class from the IDX image and label files (gzip or not). Returns the number of files written.
    /// </summary>
    public static int WriteIdxAsImageFolder(this DataOperationsCatalog catalog, string imagesPath, string labelsPath, string root,
        int? maxImagesPerClass = null, IReadOnlyList<string>? classNames = null)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        var data = catalog.LoadFromIdx(imagesPath, labelsPath, classNames, imageAsBytes: true);
        return catalog.SaveAsImageFolder(data, root, "Image", "Label", maxImagesPerClass);
    }

    private static string SafeName(string label)
    {
        if (string.IsNullOrWhiteSpace(label))
            throw new InvalidDataException("SaveAsImageFolder: a row has an empty label; every image needs a class folder name.");
        var invalid = Path.GetInvalidFileNameChars().Concat(['/', '\\', ':']).ToHashSet();
        var chars = label.Select(c => invalid.Contains(c) ? '_' : c).ToArray();
        var name = new string(chars);
        return name is "." or ".." ? name.Replace('.', '_') : name;
    }

    private static Func<DataViewRow, Func<RawImage?>> ImageReader(DataViewSchema.Column column)
    {
        if (column.Type is ImageDataViewType)
            return row =>
            {
                var getter = row.GetGetter<MLImage?>(column);
                MLImage? img = null;
                return () =>
                {
                    getter(ref img);
                    return img?.Raw;
                };
            };
        if (column.Type is VectorDataViewType { Dimensions.Count: 2 } v && (v.ItemType == NumberDataViewType.Byte || v.ItemType == NumberDataViewType.Single))
        {
            int h = v.Dimensions[0], w = v.Dimensions[1];
            if (v.ItemType == NumberDataViewType.Byte)
                return row =>
                {
                    var getter = row.GetGetter<VBuffer<byte>>(column);
                    VBuffer<byte> buffer = default;
                    return () =>
                    {
                        getter(ref buffer);
                        var pixels = new byte[h * w];
                        buffer.CopyTo(pixels);
                        return new RawImage(w, h, RawPixelFormat.Gray8, pixels);
                    };
                };
            return row =>
            {
                var getter = row.GetGetter<VBuffer<float>>(column);
                VBuffer<float> buffer = default;
                return () =>
                {
                    getter(ref buffer);
                    var pixels = new byte[h * w];
                    int i = 0;
                    foreach (var value in buffer.DenseValues())
                    {
                        if (!(value >= 0 && value <= 255))
                            throw new InvalidDataException($"SaveAsImageFolder: column '{column.Name}' holds {value} at slot {i}; gray values must be in 0..255.");
                        pixels[i++] = (byte)MathF.Round(value);
                    }
                    return new RawImage(w, h, RawPixelFormat.Gray8, pixels);
                };
            };
        }
        throw SchemaExceptions.ExceptSchemaMismatch("imageColumnName", "image", column.Name,
            "Image, or a vector of Single or Byte with dimensions (height, width)", column.Type.ToString()!);
    }

    private static Func<DataViewRow, Func<string>> LabelReader(DataViewSchema.Column column)
    {
        if (column.Type is TextDataViewType)
            return row =>
            {
                var getter = row.GetGetter<ReadOnlyMemory<char>>(column);
                ReadOnlyMemory<char> value = default;
                return () =>
                {
                    getter(ref value);
                    return value.ToString();
                };
            };
        if (column.Type is KeyDataViewType { RawType: var raw } && raw == typeof(uint) && column.HasKeyValues())
        {
            VBuffer<ReadOnlyMemory<char>> names = default;
            column.GetKeyValues(ref names);
            var nameArray = names.DenseValues().Select(n => n.ToString()).ToArray();
            return row =>
            {
                var getter = row.GetGetter<uint>(column);
                uint key = 0;
                return () =>
                {
                    getter(ref key);
                    if (key == 0 || key > nameArray.Length)
                        throw new InvalidDataException($"SaveAsImageFolder: label column '{column.Name}' holds key {key}, which has no class name.");
                    return nameArray[key - 1];
                };
            };
        }
        throw SchemaExceptions.ExceptSchemaMismatch("labelColumnName", "label", column.Name,
            "String, or Key<UInt32> with text KeyValues", column.Type.ToString()!);
    }
}
