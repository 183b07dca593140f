using MLAugment.Engine;
using MLAugment.Engine.IO;
using AG = MLAugment.Engine.Autograd.Autograd;

namespace MLAugment.Tasks.Trainers;

/// <summary>
/// A trained network with what it needs to score raw pixels: input shape, class count and the per-channel
/// normalisation x̂ = (x − mean[c]) / std[c] learnt from the training set. Inference is batched and runs in eval mode
/// without gradients; it never mutates the network, so concurrent cursors may share one model.
/// </summary>
internal sealed class ImageClassificationModel
{
    public ImageClassificationModel(ImageClassifierNetwork network, ImageClassificationArchitecture architecture, int width,
        int channels, int height, int imageWidth, int classes, float[] mean, float[] std)
    {
        Network = network;
        Architecture = architecture;
        Width = width;
        Channels = channels;
        Height = height;
        ImageWidth = imageWidth;
        Classes = classes;
        Mean = mean;
        Std = std;
    }

    public ImageClassifierNetwork Network { get; }
    public ImageClassificationArchitecture Architecture { get; }
    public int Width { get; }
    public int Channels { get; }
    public int Height { get; }
    public int ImageWidth { get; }
    public int Classes { get; }
    public float[] Mean { get; }
    public float[] Std { get; }
    public int PixelsPerImage => Channels * Height * ImageWidth;

    /// <summary>Raw pixels [n, C·H·W] → normalised tensor [n, C, H, W].</summary>
    public Tensor Normalize(ReadOnlySpan<float> pixels, int n)
    {
        var t = Tensor.Empty(n, Channels, Height, ImageWidth);
        var d = t.Span;
        int plane = Height * ImageWidth;
        for (int i = 0; i < n; i++)
            for (int c = 0; c < Channels; c++)
            {
                int o = (i * Channels + c) * plane;
                float m = Mean[c], inv = 1f / Std[c];
                for (int p = 0; p < plane; p++) d[o + p] = (pixels[o + p] - m) * inv;
            }
        return t;
    }

    /// <summary>Softmax probabilities [n, K] for raw pixels [n, C·H·W], in batches of <paramref name="batchSize"/>.</summary>
    public float[] Probabilities(ReadOnlySpan<float> pixels, int n, int batchSize = 64) => Run(pixels, n, batchSize, features: false);

    /// <summary>Penultimate-layer features [n, D] for raw pixels [n, C·H·W].</summary>
    public float[] Features(ReadOnlySpan<float> pixels, int n, int batchSize = 64) => Run(pixels, n, batchSize, features: true);

    private float[] Run(ReadOnlySpan<float> pixels, int n, int batchSize, bool features)
    {
        if (pixels.Length != n * PixelsPerImage)
            throw new ArgumentException($"ImageClassificationModel: {pixels.Length} pixel values do not form {n} images of [{Channels}, {Height}, {ImageWidth}].");
        int width = features ? Network.FeatureDimension : Classes;
        var result = new float[n * width];
        using var _ = AG.NoGrad();
        for (int start = 0; start < n; start += batchSize)
        {
            int b = Math.Min(batchSize, n - start);
            using var scope = TensorScope.Begin();
            var x = Normalize(pixels.Slice(start * PixelsPerImage, b * PixelsPerImage), b);
            var y = features ? Network.Features(x) : F.Softmax(Network.Forward(x), 1);
            y.Span.CopyTo(result.AsSpan(start * width, b * width));
        }
        return result;
    }

    /// <summary>
    /// Softmax probabilities [n, K] and penultimate-layer features [n, D] of raw pixels [n, C·H·W] from one forward pass
    /// per batch (the head is applied to the features the caller also gets).
    /// </summary>
    public (float[] Probabilities, float[] Features) ProbabilitiesAndFeatures(ReadOnlySpan<float> pixels, int n, int batchSize = 64)
    {
        if (pixels.Length != n * PixelsPerImage)
            throw new ArgumentException($"ImageClassificationModel: {pixels.Length} pixel values do not form {n} images of [{Channels}, {Height}, {ImageWidth}].");
        int d = Network.FeatureDimension;
        var probabilities = new float[n * Classes];
        var features = new float[n * d];
        using var _ = AG.NoGrad();
        for (int start = 0; start < n; start += batchSize)
        {
            int b = Math.Min(batchSize, n - start);
            using var scope = TensorScope.Begin();
            var f = Network.Features(Normalize(pixels.Slice(start * PixelsPerImage, b * PixelsPerImage), b));
            f.Span.CopyTo(features.AsSpan(start * d, b * d));
            F.Softmax(Network.Head.Forward(f), 1).Span.CopyTo(probabilities.AsSpan(start * Classes, b * Classes));
        }
        return (probabilities, features);
    }

    /// <summary>Mean cross-entropy and accuracy on labelled pixels (validation during training).</summary>
    public (double Loss, double Accuracy) LossAndAccuracy(float[] pixels, int[] labels, int batchSize)
    {
        var p = Probabilities(pixels, labels.Length, batchSize);
        double loss = 0; int correct = 0;
        for (int i = 0; i < labels.Length; i++)
        {
            var row = p.AsSpan(i * Classes, Classes);
            loss -= Math.Log(Math.Max(row[labels[i]], 1e-15));
            int best = 0;
            for (int c = 1; c < Classes; c++) if (row[c] > row[best]) best = c;
            if (best == labels[i]) correct++;
        }
        return (loss / labels.Length, (double)correct / labels.Length);
    }

    /// <summary>The weights (parameters and BatchNorm statistics) as a safetensors image, with the shape as metadata.</summary>
    public byte[] SaveWeights()
    {
        var w = new SafeTensorsWriter();
        foreach (var (name, t) in Network.StateDict()) w.Add(name, t.Shape.ToArray(), t.Span);
        w.Metadata["format"] = "mlaugment-image-classifier";
        w.Metadata["architecture"] = Architecture.ToString();
        using var ms = new MemoryStream();
        w.WriteTo(ms);
        return ms.ToArray();
    }

    public void LoadWeights(byte[] safetensors, string where)
    {
        using var reader = new SafeTensorsReader(new MemoryStream(safetensors, writable: false), where);
        var own = Network.StateDict();
        var names = reader.Entries.Select(e => e.Name).ToHashSet(StringComparer.Ordinal);
        var missing = own.Keys.Where(k => !names.Contains(k)).ToArray();
        var extra = names.Where(k => !own.ContainsKey(k)).ToArray();
        if (missing.Length > 0 || extra.Length > 0)
            throw new InvalidDataException($"{where}: the weights do not match a {Architecture} of width {Width} (missing: [{string.Join(", ", missing)}], unexpected: [{string.Join(", ", extra)}]).");
        using var _ = AG.NoGrad();
        foreach (var (name, t) in own)
        {
            var e = reader.GetEntry(name);
            if (!e.Shape.Select(d => (long)d).SequenceEqual(t.Shape.ToArray().Select(d => (long)d)))
                throw new InvalidDataException($"{where}: tensor '{name}' is [{string.Join(", ", e.Shape)}], the network expects {ShapeUtil.Format(t.Shape)}.");
            reader.ReadFloat32(name, t.Span);
        }
    }
}
