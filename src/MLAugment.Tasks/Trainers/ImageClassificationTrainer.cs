using System.Diagnostics;
using MLAugment.Data;
using MLAugment.Engine;
using MLAugment.Engine.Optim;

namespace MLAugment.Tasks.Trainers;

/// <summary>
/// Trains a small convolutional image classifier from scratch on the engine: labels are a key column, features a
/// <c>Vector&lt;Single, C, H, W&gt;</c> of planar pixels at any scale (normalised inside by the training set's
/// per-channel mean and standard deviation, which the model stores). Cross-entropy with AdamW, mini-batches shuffled
/// by a seeded generator, so the same data and seed give bit-identical weights.
/// Mirrors <c>Microsoft.ML.Vision.ImageClassificationTrainer</c> (whose features are encoded image bytes instead).
/// </summary>
/// <remarks>
/// | Estimator Characteristics | |
/// |---|---|
/// | Does this estimator need to look at the data to train its parameters? | Yes |
/// | Input column data type | label: Key&lt;UInt32&gt;; features: Vector&lt;Single, C, H, W&gt; or Vector&lt;Single, H, W&gt; |
/// | Output column data type | Score: Vector&lt;Single, K&gt; (softmax probabilities); PredictedLabel: the label's key type |
/// | Exportable to ONNX | No |
/// </remarks>
public sealed class ImageClassificationTrainer : IEstimator<ImageClassificationTransformer>
{
    /// <summary>Training options; field names follow ML.NET's <c>ImageClassificationTrainer.Options</c> where they exist.</summary>
    public sealed class Options
    {
        public string LabelColumnName = DefaultColumnNames.Label;
        public string FeatureColumnName = DefaultColumnNames.Features;
        public string ScoreColumnName = DefaultColumnNames.Score;
        public string PredictedLabelColumnName = DefaultColumnNames.PredictedLabel;
        /// <summary>Passes over the training data (ML.NET defaults to 200 for transfer learning; a from-scratch CNN on small images needs fewer).</summary>
        public int Epoch = 10;
        public int BatchSize = 32;
        /// <summary>AdamW step size (ML.NET's 0.01 is for SGD on a frozen backbone).</summary>
        public float LearningRate = 1e-3f;
        /// <summary>Decay the learning rate to 0 along a half cosine over all epochs' steps (SGDR, Loshchilov &amp; Hutter 2017); false: constant.</summary>
        public bool CosineDecay;
        /// <summary>AdamW decoupled weight decay.</summary>
        public float WeightDecay = 1e-4f;
        /// <summary>Fraction of the training rows held out for validation when <see cref="ValidationSet"/> is null (null or 0: none).</summary>
        public float? ValidationSetFraction = 0.1f;
        /// <summary>Rows to validate on after each epoch (same schema as the training data); takes precedence over the fraction.</summary>
        public IDataView? ValidationSet;
        /// <summary>Stop early when the validation metric stalls (null: always run every epoch).</summary>
        public EarlyStopping? EarlyStoppingCriteria;
        public ImageClassificationArchitecture Arch = ImageClassificationArchitecture.SmallCnn;
        /// <summary>Channels of the first stage (later stages double it).</summary>
        public int Width = 16;
        /// <summary>Root of the initialisation, shuffling and validation split (null: the MLContext's next seed, or 0).</summary>
        public int? Seed;
        /// <summary>Called after every epoch.</summary>
        public Action<ImageClassificationMetrics>? MetricsCallback;
        /// <summary>Receives the same per-epoch report as <see cref="MetricsCallback"/>.</summary>
        public IProgress<ImageClassificationMetrics>? Progress;
    }

    private readonly Options _options;
    private readonly int _seed;

    internal ImageClassificationTrainer(MLContext? context, Options options)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentException.ThrowIfNullOrWhiteSpace(options.LabelColumnName, nameof(options.LabelColumnName));
        ArgumentException.ThrowIfNullOrWhiteSpace(options.FeatureColumnName, nameof(options.FeatureColumnName));
        ArgumentException.ThrowIfNullOrWhiteSpace(options.ScoreColumnName, nameof(options.ScoreColumnName));
        ArgumentException.ThrowIfNullOrWhiteSpace(options.PredictedLabelColumnName, nameof(options.PredictedLabelColumnName));
        if (options.ScoreColumnName == options.PredictedLabelColumnName)
            throw new ArgumentException($"ImageClassification: the score and predicted label columns must differ (both '{options.ScoreColumnName}').", nameof(options));
        if (options.Epoch < 1) throw new ArgumentOutOfRangeException(nameof(options.Epoch), options.Epoch, "ImageClassification: Epoch must be at least 1.");
        if (options.BatchSize < 2) throw new ArgumentOutOfRangeException(nameof(options.BatchSize), options.BatchSize, "ImageClassification: BatchSize must be at least 2 (batch normalisation needs two images).");
        if (!(options.LearningRate > 0) || !float.IsFinite(options.LearningRate))
            throw new ArgumentOutOfRangeException(nameof(options.LearningRate), options.LearningRate, "ImageClassification: LearningRate must be positive and finite.");
        if (!(options.WeightDecay >= 0) || !float.IsFinite(options.WeightDecay))
            throw new ArgumentOutOfRangeException(nameof(options.WeightDecay), options.WeightDecay, "ImageClassification: WeightDecay must be non-negative and finite.");
        if (options.ValidationSetFraction is float vf && !(vf >= 0 && vf < 1))
            throw new ArgumentOutOfRangeException(nameof(options.ValidationSetFraction), vf, "ImageClassification: ValidationSetFraction must be in [0, 1).");
        if (options.Width < 1) throw new ArgumentOutOfRangeException(nameof(options.Width), options.Width, "ImageClassification: Width must be at least 1 channel.");
        if (!Enum.IsDefined(options.Arch)) throw new ArgumentOutOfRangeException(nameof(options.Arch), options.Arch, "ImageClassification: unknown architecture.");
        _options = options;
        _seed = options.Seed ?? context?.Seed ?? 0;
    }

    public SchemaShape GetOutputSchema(SchemaShape inputSchema)
    {
        ArgumentNullException.ThrowIfNull(inputSchema);
        var label = ImageColumns.CheckLabelShape(inputSchema, _options.LabelColumnName);
        ImageColumns.CheckImageShape(inputSchema, _options.FeatureColumnName, "feature");
        var result = inputSchema.ToDictionary(c => c.Name);
        bool hasKeyValues = label.Annotations.TryFindColumn(AnnotationUtils.Kinds.KeyValues, out var kv) && kv.ItemType is TextDataViewType;
        result[_options.ScoreColumnName] = new SchemaShape.Column(_options.ScoreColumnName, SchemaShape.Column.VectorKind.Vector,
            NumberDataViewType.Single, false, ImageClassificationTransformer.ScoreAnnotationsShape(hasKeyValues));
        result[_options.PredictedLabelColumnName] = new SchemaShape.Column(_options.PredictedLabelColumnName, SchemaShape.Column.VectorKind.Scalar,
            NumberDataViewType.UInt32, true, hasKeyValues ? new SchemaShape([kv]) : SchemaShape.Empty);
        return new SchemaShape(result.Values);
    }

    public ImageClassificationTransformer Fit(IDataView input)
    {
        ArgumentNullException.ThrowIfNull(input);
        GetOutputSchema(SchemaShape.Create(input.Schema));
        var o = _options;
        // 1. Check the concrete schema: class count, image shape.
        var labelType = ImageColumns.CheckLabel(input.Schema, o.LabelColumnName);
        var (channels, height, width) = ImageColumns.CheckImage(input.Schema, o.FeatureColumnName, "feature");
        int classes = (int)labelType.Count, pixels = channels * height * width;
        var classNames = ImageColumns.KeyNames(input.Schema[o.LabelColumnName]);

        // 2. Read the training rows and the validation rows (a given set, or a seeded fraction of the training rows).
        var (x, y) = ImageColumns.ReadLabeled(input, o.FeatureColumnName, o.LabelColumnName, pixels);
        if (y.Length < 2)
            throw new InvalidOperationException($"ImageClassification: the training data has {y.Length} labelled rows; at least 2 are needed.");
        var root = new Generator(_seed);
        float[]? vx = null; int[]? vy = null;
        if (o.ValidationSet is IDataView vs)
        {
            var vLabel = ImageColumns.CheckLabel(vs.Schema, o.LabelColumnName);
            var vShape = ImageColumns.CheckImage(vs.Schema, o.FeatureColumnName, "feature");
            if (vLabel.Count != labelType.Count || vShape != (channels, height, width))
                throw new ArgumentException($"ImageClassification: the validation set has label {vLabel} and images {vShape}, the training data {labelType} and {(channels, height, width)}.", nameof(o.ValidationSet));
            (vx, vy) = ImageColumns.ReadLabeled(vs, o.FeatureColumnName, o.LabelColumnName, pixels);
        }
        else if (o.ValidationSetFraction is float fraction && fraction > 0)
        {
            int held = (int)Math.Round(y.Length * (double)fraction);
            if (held > 0 && y.Length - held >= 2)
                (x, y, vx, vy) = Split(x, y, pixels, held, root.Fork(1));
        }

        // 3. Normalisation statistics of the training images, per channel.
        var (mean, std) = ChannelStatistics(x, channels, height * width);

        // 4. Train.
        var net = ImageClassifierNetwork.Create(o.Arch, channels, o.Width, classes, root.Fork(2));
        var optimizer = new AdamW(net.NamedParameters(), o.LearningRate, weightDecay: o.WeightDecay);
        int stepsPerEpoch = y.Length / o.BatchSize + (y.Length % o.BatchSize >= 2 ? 1 : 0);
        var schedule = o.CosineDecay ? new CosineWithWarmupScheduler(optimizer, 0, o.Epoch * stepsPerEpoch) : null;
        var model = new ImageClassificationModel(net, o.Arch, o.Width, channels, height, width, classes, mean, std);
        var stopper = o.EarlyStoppingCriteria is null ? null : new EarlyStopping.Tracker(o.EarlyStoppingCriteria);
        var clock = Stopwatch.StartNew();
        int n = y.Length;
        var batchPixels = new float[o.BatchSize * pixels];
        var batchLabels = new int[o.BatchSize];
        for (int epoch = 1; epoch <= o.Epoch; epoch++)
        {
            var epochClock = Stopwatch.StartNew();
            var order = root.Fork(3, epoch).Permutation(n);
            double lossSum = 0; int correct = 0;
            net.Train();
            for (int start = 0; start < n; start += o.BatchSize)
            {
                int b = Math.Min(o.BatchSize, n - start);
                if (b < 2) break; // a lone last image cannot be batch-normalised; it is seen in other epochs
                for (int i = 0; i < b; i++)
                {
                    int row = order[start + i];
                    x.AsSpan(row * pixels, pixels).CopyTo(batchPixels.AsSpan(i * pixels, pixels));
                    batchLabels[i] = y[row];
                }
                using var scope = TensorScope.Begin();
                var images = model.Normalize(batchPixels.AsSpan(0, b * pixels), b);
                var logits = net.Forward(images);
                var loss = F.CrossEntropy(logits, batchLabels.AsSpan(0, b));
                optimizer.ZeroGrad();
                loss.Backward();
                optimizer.Step();
                schedule?.Step();
                lossSum += loss.Item() * b;
                correct += CountCorrect(logits, batchLabels.AsSpan(0, b));
            }
            net.Eval();
            double seen = n - (n % o.BatchSize == 1 ? 1 : 0);
            double trainLoss = lossSum / seen, trainAccuracy = correct / seen;
            double? valLoss = null, valAccuracy = null;
            if (vx is not null && vy!.Length > 0)
            {
                var (l, a) = model.LossAndAccuracy(vx, vy, o.BatchSize);
                valLoss = l; valAccuracy = a;
            }
            bool stop = stopper is not null && stopper.ShouldStop(valAccuracy ?? trainAccuracy, valLoss ?? trainLoss);
            var report = new ImageClassificationMetrics(epoch, o.Epoch, trainLoss, trainAccuracy, valLoss, valAccuracy,
                seen / Math.Max(epochClock.Elapsed.TotalSeconds, 1e-9), clock.Elapsed, stop, n, vy?.Length ?? 0);
            o.MetricsCallback?.Invoke(report);
            o.Progress?.Report(report);
            if (stop) break;
        }
        net.Eval();
        return new ImageClassificationTransformer(model, o.FeatureColumnName, o.ScoreColumnName, o.PredictedLabelColumnName, classNames);
    }

    private static (float[] X, int[] Y, float[] Vx, int[] Vy) Split(float[] x, int[] y, int pixels, int held, Generator g)
    {
        var order = g.Permutation(y.Length);
        var val = order.Take(held).Order().ToArray();
        var train = order.Skip(held).Order().ToArray();
        return (Gather(x, train, pixels), train.Select(i => y[i]).ToArray(), Gather(x, val, pixels), val.Select(i => y[i]).ToArray());
    }

    private static float[] Gather(float[] x, int[] rows, int pixels)
    {
        var r = new float[rows.Length * pixels];
        for (int i = 0; i < rows.Length; i++) x.AsSpan(rows[i] * pixels, pixels).CopyTo(r.AsSpan(i * pixels, pixels));
        return r;
    }

    /// <summary>Per-channel mean and standard deviation (floored so constant channels do not divide by zero).</summary>
    private static (float[] Mean, float[] Std) ChannelStatistics(float[] x, int channels, int plane)
    {
        var sum = new double[channels]; var sq = new double[channels];
        int images = x.Length / (channels * plane);
        for (int n = 0; n < images; n++)
            for (int c = 0; c < channels; c++)
            {
                var s = x.AsSpan((n * channels + c) * plane, plane);
                foreach (var v in s) { sum[c] += v; sq[c] += (double)v * v; }
            }
        var mean = new float[channels]; var std = new float[channels];
        double count = (double)images * plane;
        for (int c = 0; c < channels; c++)
        {
            double m = sum[c] / count;
            mean[c] = (float)m;
            std[c] = (float)Math.Max(Math.Sqrt(Math.Max(sq[c] / count - m * m, 0)), 1e-6);
        }
        return (mean, std);
    }

    internal static int CountCorrect(Tensor logits, ReadOnlySpan<int> labels)
    {
        int k = logits.Shape[1], correct = 0;
        var s = logits.Span;
        for (int i = 0; i < labels.Length; i++)
        {
            var row = s.Slice(i * k, k);
            int best = 0;
            for (int c = 1; c < k; c++) if (row[c] > row[best]) best = c;
            if (best == labels[i]) correct++;
        }
        return correct;
    }
}
