namespace MLAugment.Engine.NN;

/// <summary>Layer normalization over the trailing <see cref="NormalizedShape"/> dims; weight 1, bias 0 (torch.nn.LayerNorm).</summary>
public sealed class LayerNorm : Module<Tensor, Tensor>
{
    private readonly int[] _normalizedShape;

    public ReadOnlySpan<int> NormalizedShape => _normalizedShape;
    public float Eps { get; }
    public Tensor? Weight { get; }
    public Tensor? Bias { get; }

    public LayerNorm(int normalizedDim, float eps = 1e-5f, bool elementwiseAffine = true, bool bias = true)
        : this(new[] { normalizedDim }, eps, elementwiseAffine, bias) { }

    public LayerNorm(int[] normalizedShape, float eps = 1e-5f, bool elementwiseAffine = true, bool bias = true)
    {
        if (normalizedShape.Length == 0 || normalizedShape.Any(d => d <= 0))
            throw new ArgumentException($"LayerNorm: normalized shape {ShapeUtil.Format(normalizedShape)} must be non-empty with positive dims.");
        _normalizedShape = (int[])normalizedShape.Clone();
        Eps = eps;
        if (elementwiseAffine)
        {
            Weight = RegisterParameter("weight", Init.Ones(Parameter.Create(_normalizedShape)));
            if (bias) Bias = RegisterParameter("bias", Parameter.Create(_normalizedShape));
        }
    }

    public override Tensor Forward(Tensor input) => F.LayerNorm(input, _normalizedShape, Weight, Bias, Eps);
}

/// <summary>Group normalization of [N, C, *] inputs, per-channel affine weight 1 and bias 0 (torch.nn.GroupNorm).</summary>
public sealed class GroupNorm : Module<Tensor, Tensor>
{
    public int NumGroups { get; }
    public int NumChannels { get; }
    public float Eps { get; }
    public Tensor? Weight { get; }
    public Tensor? Bias { get; }

    public GroupNorm(int numGroups, int numChannels, float eps = 1e-5f, bool affine = true)
    {
        if (numGroups <= 0 || numChannels <= 0 || numChannels % numGroups != 0)
            throw new ArgumentException($"GroupNorm: {numChannels} channels cannot be split into {numGroups} groups.");
        NumGroups = numGroups;
        NumChannels = numChannels;
        Eps = eps;
        if (affine)
        {
            Weight = RegisterParameter("weight", Init.Ones(Parameter.Create(numChannels)));
            Bias = RegisterParameter("bias", Parameter.Create(numChannels));
        }
    }

    public override Tensor Forward(Tensor input)
    {
        if (input.Rank < 2 || input.Shape[1] != NumChannels)
            throw new ArgumentException($"GroupNorm: input {ShapeUtil.Format(input.Shape)} must be [N, {NumChannels}, *].");
        return F.GroupNorm(input, NumGroups, Weight, Bias, Eps);
    }

    /// <summary>SiLU(Forward(input)), fused when no gradient is recorded (see <see cref="F.GroupNormSilu"/>).</summary>
    public Tensor ForwardSilu(Tensor input)
    {
        if (input.Rank < 2 || input.Shape[1] != NumChannels)
            throw new ArgumentException($"GroupNorm: input {ShapeUtil.Format(input.Shape)} must be [N, {NumChannels}, *].");
        return F.GroupNormSilu(input, NumGroups, Weight, Bias, Eps);
    }
}

/// <summary>
/// Batch normalization of [N, C, H, W] inputs (torch.nn.BatchNorm2d). Training normalizes by batch statistics
/// and updates the running_mean / running_var buffers (momentum, or a cumulative average when momentum is null);
/// eval mode normalizes by the running statistics. num_batches_tracked is kept as a float scalar buffer so state
/// dicts carry PyTorch's keys.
/// </summary>
public sealed class BatchNorm2d : Module<Tensor, Tensor>
{
    public int NumFeatures { get; }
    public float Eps { get; }
    public double? Momentum { get; }
    public Tensor? Weight { get; }
    public Tensor? Bias { get; }
    public Tensor? RunningMean { get; }
    public Tensor? RunningVar { get; }
    public Tensor? NumBatchesTracked { get; }

    public BatchNorm2d(int numFeatures, float eps = 1e-5f, double? momentum = 0.1, bool affine = true, bool trackRunningStats = true)
    {
        if (numFeatures <= 0) throw new ArgumentOutOfRangeException(nameof(numFeatures), numFeatures, "BatchNorm2d: feature count must be positive.");
        NumFeatures = numFeatures;
        Eps = eps;
        Momentum = momentum;
        if (affine)
        {
            Weight = RegisterParameter("weight", Init.Ones(Parameter.Create(numFeatures)));
            Bias = RegisterParameter("bias", Parameter.Create(numFeatures));
        }
        if (trackRunningStats)
        {
            RunningMean = RegisterBuffer("running_mean", Tensor.Unscoped(numFeatures));
            RunningVar = RegisterBuffer("running_var", Init.Ones(Tensor.Unscoped(numFeatures)));
            NumBatchesTracked = RegisterBuffer("num_batches_tracked", Tensor.Unscoped());
        }
    }

    public override Tensor Forward(Tensor input)
    {
        if (input.Rank != 4 || input.Shape[1] != NumFeatures)
            throw new ArgumentException($"BatchNorm2d: input {ShapeUtil.Format(input.Shape)} must be [N, {NumFeatures}, H, W].");
        double factor = Momentum ?? 0.0;
        if (Training && NumBatchesTracked != null)
        {
            NumBatchesTracked.Span[0] += 1f;
            if (Momentum == null) factor = 1.0 / NumBatchesTracked.Span[0]; // cumulative moving average
        }
        // Without running statistics there is nothing else to normalize by, so batch statistics are used in eval too.
        bool useBatchStats = Training || RunningMean == null;
        return F.BatchNorm2d(input, RunningMean, RunningVar, Weight, Bias, useBatchStats, (float)factor, Eps);
    }
}
