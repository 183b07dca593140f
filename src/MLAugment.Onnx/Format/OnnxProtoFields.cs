namespace MLAugment.Onnx.Format;

/// <summary>Field numbers of the onnx.proto messages this package reads and writes (proto2, onnx/onnx onnx/onnx.proto).</summary>
internal static class OnnxProtoFields
{
    internal static class Model
    {
        public const int IrVersion = 1, ProducerName = 2, ProducerVersion = 3, Domain = 4, ModelVersion = 5, DocString = 6,
            Graph = 7, OpsetImport = 8;
    }

    internal static class OperatorSetId
    {
        public const int Domain = 1, Version = 2;
    }

    internal static class Graph
    {
        public const int Node = 1, Name = 2, Initializer = 5, DocString = 10, Input = 11, Output = 12, ValueInfo = 13;
    }

    internal static class Node
    {
        public const int Input = 1, Output = 2, Name = 3, OpType = 4, Attribute = 5, DocString = 6, Domain = 7;
    }

    internal static class Attribute
    {
        public const int Name = 1, F = 2, I = 3, S = 4, T = 5, Floats = 7, Ints = 8, Type = 20;
    }

    internal static class Tensor
    {
        public const int Dims = 1, DataType = 2, FloatData = 4, Int32Data = 5, Int64Data = 7, Name = 8, RawData = 9,
            DoubleData = 10, UInt64Data = 11, ExternalData = 13, DataLocation = 14;

        public const int DataLocationExternal = 1;
    }

    internal static class StringStringEntry
    {
        public const int Key = 1, Value = 2;
    }

    internal static class ValueInfo
    {
        public const int Name = 1, Type = 2;
    }

    internal static class TypeProto
    {
        public const int TensorType = 1;
    }

    internal static class TypeProtoTensor
    {
        public const int ElemType = 1, Shape = 2;
    }

    internal static class TensorShape
    {
        public const int Dim = 1;
    }

    internal static class Dimension
    {
        public const int DimValue = 1, DimParam = 2;
    }
}
