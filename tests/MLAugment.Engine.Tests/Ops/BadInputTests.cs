using MLAugment.Engine;

namespace MLAugment.Engine.Tests.Ops;

/// <summary>Bad input fails loudly, naming the op and the shapes (or the offending value) involved.</summary>
[TestClass]
public sealed class BadInputTests
{
    private static void Throws<TEx>(Action act, params string[] mentions) where TEx : Exception
    {
        var ex = Assert.Throws<TEx>(act);
        foreach (var m in mentions) StringAssert.Contains(ex.Message, m);
    }

    private static Tensor Z(params int[] shape) => Tensor.Zeros(shape);

    [TestMethod]
    public void CoreOps()
    {
        Throws<ArgumentException>(() => Tensor.MatMul(Z(2, 3), Z(4, 5)), "MatMul", "[2, 3]", "[4, 5]");
        Throws<ArgumentException>(() => Tensor.MatMul(Z(3), Z(3, 2)), "MatMul", "[3]", "[3, 2]");
        Throws<ArgumentException>(() => Tensor.MatMul(Z(2, 2, 3), Z(3, 3, 4)), "MatMul", "[2]", "[3]");
        Throws<ArgumentException>(() => F.Linear(Z(2, 5), Z(4, 3)), "Linear", "[2, 5]", "[4, 3]");
        Throws<ArgumentException>(() => F.Linear(Z(2, 3), Z(4, 3), Z(3)), "Linear", "bias [3]", "[4, 3]");
        Throws<ArgumentException>(() => Z(2, 3).Permute(0, 0), "Permute", "[0, 0]");
        Throws<ArgumentException>(() => Z(2, 3).Permute(1, 0, 2), "Permute", "[2, 3]");
        Throws<ArgumentException>(() => Z(2, 3).Reshape(4, 2), "Reshape", "[2, 3]", "[4, 2]");
        Throws<ArgumentOutOfRangeException>(() => Z(2, 3).Sum(2), "Sum", "dim 2", "[2, 3]");
        Throws<ArgumentOutOfRangeException>(() => Z(2, 3).Mean(-3), "Mean", "dim -3", "[2, 3]");
        Throws<ArgumentOutOfRangeException>(() => Z(2, 3).Max(5), "Max", "dim 5", "[2, 3]");
        Throws<ArgumentException>(() => Tensor.Where(Z(2, 3), Z(4), Z(3)), "Where", "[2, 3]", "[4]");
        Throws<ArgumentException>(() => Z(2, 3).ExpandTo(3, 3), "ExpandTo", "[2, 3]", "[3, 3]");
        Throws<ArgumentException>(() => _ = Z(2, 3) * Z(3, 2), "Mul", "[2, 3]", "[3, 2]");
        Throws<ArgumentOutOfRangeException>(() => Z(4, 3).Narrow0(3, 2), "Narrow0", "[4, 3]");
    }

    [TestMethod]
    public void ShapeOps()
    {
        Throws<ArgumentException>(() => F.Concat(new[] { Z(2, 3), Z(3, 3) }, 1), "Concat", "[2, 3]", "[3, 3]");
        Throws<ArgumentException>(() => F.Concat(new[] { Z(2, 3), Z(2, 3, 1) }, 0), "Concat", "[2, 3, 1]");
        Throws<ArgumentOutOfRangeException>(() => F.Concat(new[] { Z(2, 3) }, 2), "Concat", "dim 2", "[2, 3]");
        Throws<ArgumentException>(() => F.Stack(new[] { Z(2, 3), Z(2, 4) }), "Stack", "[2, 3]", "[2, 4]");
        Throws<ArgumentOutOfRangeException>(() => F.Slice(Z(2, 5), 1, 3, 3), "Slice", "[3, 6)", "[2, 5]");
        Throws<ArgumentOutOfRangeException>(() => F.Slice(Z(2, 5), -3, 0, 1), "Slice", "dim -3");
        Throws<ArgumentException>(() => F.Pad(Z(2, 3), new[] { 1, 1, 1 }), "Pad", "[1, 1, 1]", "[2, 3]");
        Throws<ArgumentException>(() => F.Pad(Z(1, 2, 3), new[] { 3, 0 }, mode: F.PadMode.Reflect), "Pad", "reflect", "[1, 2, 3]");
        Throws<ArgumentException>(() => F.Pad(Z(2, 3), new[] { -2, -2 }), "Pad", "[2, 3]");
        Throws<ArgumentOutOfRangeException>(() => F.IndexSelect(Z(2, 3), 1, new[] { 0, 3 }), "IndexSelect", "index 3", "[2, 3]");
        Throws<ArgumentOutOfRangeException>(() => F.Gather(Z(2, 3), 1, new[] { 0, -1 }, 2, 1), "Gather", "index -1", "[2, 3]");
        Throws<ArgumentException>(() => F.Gather(Z(2, 3), 1, new[] { 0, 1, 0 }, 3, 1), "Gather", "[3, 1]", "[2, 3]");
        Throws<ArgumentException>(() => F.Gather(Z(2, 3), 1, new[] { 0, 1 }, 2), "Gather", "[2]", "[2, 3]");
        Throws<ArgumentException>(() => F.Repeat(Z(2, 3), 2), "Repeat", "[2, 3]");
        Throws<ArgumentException>(() => F.Split(Z(2, 5), new[] { 2, 2 }, 1), "Split", "[2, 2]", "[2, 5]");
        Throws<ArgumentOutOfRangeException>(() => F.Chunk(Z(2, 5), 0), "Chunk", "[2, 5]");
        Throws<ArgumentOutOfRangeException>(() => Z(2, 3).Unsqueeze(4), "Unsqueeze", "dim 4", "[2, 3]");
        Throws<ArgumentOutOfRangeException>(() => F.Stack(new[] { Z(2, 3) }, -4), "Stack", "dim -4", "[2, 3]");
        Throws<ArgumentOutOfRangeException>(() => F.Softmax(Z(2, 3), -3), "Softmax", "dim -3", "[2, 3]");
        Throws<ArgumentOutOfRangeException>(() => Z(2, 3).Squeeze(2), "Squeeze", "dim 2", "[2, 3]");
    }

    [TestMethod]
    public void SoftmaxPoolingUpsampling()
    {
        Throws<ArgumentOutOfRangeException>(() => F.Softmax(Z(2, 3), 2), "Softmax", "dim 2");
        Throws<ArgumentException>(() => F.LogSoftmax(Tensor.Scalar(1f), 0), "LogSoftmax", "scalar");
        Throws<ArgumentException>(() => F.AvgPool2d(Z(4, 4), 2), "AvgPool2d", "[4, 4]");
        Throws<ArgumentException>(() => F.MaxPool2d(Z(1, 1, 2, 2), 3), "MaxPool2d", "[1, 1, 2, 2]", "kernel 3");
        Throws<ArgumentException>(() => F.MaxPool2d(Z(1, 1, 8, 8), 2, 2, padding: 2), "MaxPool2d", "padding 2", "[1, 1, 8, 8]");
        Throws<ArgumentException>(() => F.AvgPool2d(Z(1, 1, 8, 8), 2, 0), "AvgPool2d", "stride 0");
        Throws<ArgumentException>(() => F.AdaptiveAvgPool2d(Z(1, 1, 8, 8), 0, 2), "AdaptiveAvgPool2d", "[1, 1, 8, 8]");
        Throws<ArgumentException>(() => F.AdaptiveAvgPool2d(Z(8, 8), 1, 1), "AdaptiveAvgPool2d", "[8, 8]");
        Throws<ArgumentException>(() => F.UpsampleNearest2d(Z(1, 1, 2, 2), 0, 3), "UpsampleNearest2d", "[1, 1, 2, 2]");
        Throws<ArgumentException>(() => F.UpsampleNearest2d(Z(1, 1, 2, 2), -2f), "UpsampleNearest2d", "scale factor -2");
        Throws<ArgumentException>(() => F.UpsampleBilinear2d(Z(2, 2), 4, 4), "UpsampleBilinear2d", "[2, 2]");
        Throws<ArgumentException>(() => F.UpsampleBilinear2d(Z(1, 1, 2, 2), 0f), "UpsampleBilinear2d", "scale factor 0", "[1, 1, 2, 2]");
    }

    [TestMethod]
    public void Normalization()
    {
        Throws<ArgumentException>(() => F.GroupNorm(Z(2, 6, 3, 3), 4), "GroupNorm", "6 channels", "[2, 6, 3, 3]", "4 groups");
        Throws<ArgumentException>(() => F.GroupNorm(Z(2, 6, 3, 3), 3, Z(5)), "GroupNorm", "weight [5]", "[6]");
        Throws<ArgumentException>(() => F.GroupNorm(Z(6), 3), "GroupNorm", "[6]");
        Throws<ArgumentException>(() => F.LayerNorm(Z(2, 3, 4), new[] { 3 }), "LayerNorm", "[3]", "[2, 3, 4]");
        Throws<ArgumentException>(() => F.LayerNorm(Z(2, 4), new[] { 4 }, Z(2, 2)), "LayerNorm", "weight [2, 2]", "[4]");
        Throws<ArgumentException>(() => F.BatchNorm2d(Z(2, 3, 2, 2), Z(4), Z(4)), "BatchNorm2d", "running mean [4]", "[3]");
        Throws<ArgumentException>(() => F.BatchNorm2d(Z(2, 3, 2, 2), null, null), "BatchNorm2d", "eval", "[2, 3, 2, 2]");
        Throws<ArgumentException>(() => F.BatchNorm2d(Z(1, 3, 1, 1), null, null, training: true), "BatchNorm2d", "more than one value", "[1, 3, 1, 1]");
        Throws<ArgumentException>(() => F.BatchNorm2d(Z(2, 3), Z(3), null), "BatchNorm2d", "both");
    }

    [TestMethod]
    public void Attention()
    {
        Throws<ArgumentException>(() => F.ScaledDotProductAttention(Z(1, 2, 3, 4), Z(1, 2, 5, 3), Z(1, 2, 5, 4)), "ScaledDotProductAttention", "[1, 2, 3, 4]", "[1, 2, 5, 3]", "feature size");
        Throws<ArgumentException>(() => F.ScaledDotProductAttention(Z(1, 2, 3, 4), Z(1, 2, 5, 4), Z(1, 2, 6, 4)), "ScaledDotProductAttention", "[1, 2, 6, 4]", "sequence length");
        Throws<ArgumentException>(() => F.ScaledDotProductAttention(Z(2, 3, 4), Z(1, 2, 5, 4), Z(1, 2, 5, 4)), "ScaledDotProductAttention", "[2, 3, 4]", "rank");
        Throws<ArgumentException>(() => F.ScaledDotProductAttention(Z(2, 3, 4), Z(3, 5, 4), Z(3, 5, 4)), "ScaledDotProductAttention", "batch dims");
        Throws<ArgumentException>(() => F.ScaledDotProductAttention(Z(2, 3, 4), Z(2, 5, 4), Z(2, 5, 4), Z(3, 4)), "ScaledDotProductAttention", "mask [3, 4]", "[2, 3, 5]");
        Throws<ArgumentException>(() => F.ScaledDotProductAttention(Z(2, 3, 4), Z(2, 5, 4), Z(2, 5, 4), Z(3, 5), isCausal: true), "ScaledDotProductAttention", "isCausal");
    }

    [TestMethod]
    public void EmbeddingAndDropout()
    {
        Throws<ArgumentOutOfRangeException>(() => F.Embedding(Z(10, 4), new[] { 3, 10 }, 2), "Embedding", "id 10", "V = 10");
        Throws<ArgumentOutOfRangeException>(() => F.Embedding(Z(10, 4), new[] { -1 }, 1), "Embedding", "id -1", "V = 10");
        Throws<ArgumentException>(() => F.Embedding(Z(10, 4), new[] { 1, 2, 3 }, 2, 2), "Embedding", "[2, 2]", "3 ids");
        Throws<ArgumentException>(() => F.Embedding(Z(10), new[] { 1 }, 1), "Embedding", "[10]");
        Throws<ArgumentOutOfRangeException>(() => F.Dropout(Z(2), 1.5f, true, new Generator(1)), "Dropout", "1.5");
    }

    [TestMethod]
    public void Losses()
    {
        Throws<ArgumentException>(() => F.MseLoss(Z(2, 3), Z(3, 2)), "MseLoss", "[2, 3]", "[3, 2]");
        Throws<ArgumentException>(() => F.L1Loss(Z(2, 3), Z(3)), "L1Loss", "[2, 3]", "[3]");
        Throws<ArgumentException>(() => F.SmoothL1Loss(Z(2), Z(3)), "SmoothL1Loss", "[2]", "[3]");
        Throws<ArgumentException>(() => F.CrossEntropy(Z(4, 3), new[] { 0, 1, 2 }), "CrossEntropy", "3 targets", "[4, 3]");
        Throws<ArgumentOutOfRangeException>(() => F.CrossEntropy(Z(2, 3), new[] { 0, 3 }), "CrossEntropy", "target 3", "[0, 3)", "[2, 3]");
        Throws<ArgumentException>(() => F.CrossEntropy(Z(2, 3), new[] { 0, 1 }, Z(4)), "CrossEntropy", "[4]", "[2, 3]");
        Throws<ArgumentException>(() => F.CrossEntropy(Z(3), new[] { 0, 1, 2 }), "CrossEntropy", "[3]");
        Throws<ArgumentException>(() => F.BinaryCrossEntropyWithLogits(Z(2, 3), Z(2, 3), posWeight: Z(4)), "BinaryCrossEntropyWithLogits", "[4]", "[2, 3]");
        Throws<ArgumentException>(() => F.BinaryCrossEntropyWithLogits(Z(2, 3), Z(2, 4)), "BinaryCrossEntropyWithLogits", "[2, 3]", "[2, 4]");
        Throws<ArgumentException>(() => F.SigmoidFocalLoss(Z(2, 3), Z(3, 2)), "SigmoidFocalLoss", "[2, 3]", "[3, 2]");
    }
}
