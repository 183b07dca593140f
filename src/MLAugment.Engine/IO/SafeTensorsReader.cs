using System.Buffers;
using System.Buffers.Binary;
using System.Text.Json;

namespace MLAugment.Engine.IO;

/// <summary>
/// Reads the Hugging Face safetensors format: an 8-byte little-endian header length N, N bytes of
/// UTF-8 JSON {name: {dtype, shape, data_offsets: [begin, end]}, "__metadata__": {str: str}}, then the
/// little-endian tensor bytes. Only the header is read up front; tensors are read on demand from the
/// (seekable) stream. The whole layout is validated when the reader is opened, as the reference
/// implementation does: tensors must tile the data section exactly, with no gaps or overlaps.
/// Reads are serialized on the stream, so several threads may read different tensors at once.
/// </summary>
public sealed class SafeTensorsReader : IDisposable
{
    /// <summary>The reference implementation refuses headers above 100 MB; so do we.</summary>
    public const long MaxHeaderLength = 100_000_000;

    private const string MetadataKey = "__metadata__";

    private readonly Stream _stream;
    private readonly bool _leaveOpen;
    private readonly string? _file;
    private readonly long _dataStart;
    private readonly Dictionary<string, SafeTensorsEntry> _byName;

    public IReadOnlyList<SafeTensorsEntry> Entries { get; }
    public IReadOnlyDictionary<string, string> Metadata { get; }
    public string? FileName => _file;

    /// <summary>Opens <paramref name="path"/>; errors name the file.</summary>
    public static SafeTensorsReader Open(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        var fs = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1 << 16);
        try
        {
            return new SafeTensorsReader(fs, Path.GetFileName(path), leaveOpen: false);
        }
        catch
        {
            fs.Dispose();
            throw;
        }
    }

    /// <param name="stream">A readable, seekable stream positioned anywhere; the file starts at offset 0.</param>
    /// <param name="fileName">Name used in error messages.</param>
    public SafeTensorsReader(Stream stream, string? fileName = null, bool leaveOpen = false)
    {
        ArgumentNullException.ThrowIfNull(stream);
        if (!stream.CanRead || !stream.CanSeek)
            throw new ArgumentException("safetensors needs a readable, seekable stream.", nameof(stream));
        _stream = stream;
        _leaveOpen = leaveOpen;
        _file = fileName;

        long fileLength = stream.Length;
        if (fileLength < 8) throw Error($"file is {fileLength} bytes, too short for the 8-byte header length");
        Span<byte> lenBytes = stackalloc byte[8];
        stream.Position = 0;
        stream.ReadExactly(lenBytes);
        ulong n = BinaryPrimitives.ReadUInt64LittleEndian(lenBytes);
        if (n > MaxHeaderLength) throw Error($"header length {n} exceeds the {MaxHeaderLength}-byte limit");
        if ((long)n > fileLength - 8) throw Error($"header length {n} exceeds the {fileLength - 8} bytes after the length field (truncated file?)");
        if (n < 2) throw Error($"header length {n} is too small for a JSON object");
        var header = new byte[n];
        stream.ReadExactly(header);
        _dataStart = 8 + (long)n;
        long dataLength = fileLength - _dataStart;

        var (entries, metadata) = ParseHeader(header);
        // Tensors must tile [0, dataLength) exactly: sorted by begin, each starts where the previous ended.
        var ordered = entries.OrderBy(e => e.DataBegin).ThenBy(e => e.DataEnd).ToList();
        long expected = 0;
        foreach (var e in ordered)
        {
            if (e.DataBegin < expected)
                throw Error($"tensor '{e.Name}' data [{e.DataBegin}, {e.DataEnd}) overlaps the previous tensor, which ends at {expected}");
            if (e.DataBegin > expected)
                throw Error($"gap in the data section: bytes [{expected}, {e.DataBegin}) belong to no tensor (before '{e.Name}')");
            expected = e.DataEnd;
        }
        if (expected != dataLength)
            throw Error(expected > dataLength
                ? $"tensor data ends at {expected} but the data section has only {dataLength} bytes (truncated file?)"
                : $"data section has {dataLength} bytes but the tensors cover only {expected} (trailing bytes)");

        Entries = ordered;
        _byName = ordered.ToDictionary(e => e.Name, StringComparer.Ordinal);
        Metadata = metadata;
    }

    private SafeTensorsFormatException Error(string what, Exception? inner = null) => SafeTensorsFormatException.For(_file, what, inner);

    private (List<SafeTensorsEntry>, Dictionary<string, string>) ParseHeader(byte[] header)
    {
        if (header[0] != (byte)'{') throw Error($"header does not start with '{{' (first byte 0x{header[0]:X2})");
        // JsonDocument validates string contents lazily; check the encoding up front so a bad byte is a format error.
        if (!System.Text.Unicode.Utf8.IsValid(header)) throw Error("header is not valid UTF-8");
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(header, new JsonDocumentOptions { MaxDepth = 16 });
        }
        catch (JsonException ex)
        {
            throw Error($"header is not valid JSON: {ex.Message}", ex);
        }
        catch (ArgumentException ex)
        {
            throw Error($"header is not valid UTF-8 JSON: {ex.Message}", ex);
        }

        using (doc)
        {
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object) throw Error($"header JSON is a {root.ValueKind}, expected an object");
            var entries = new List<SafeTensorsEntry>();
            var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
            var seen = new HashSet<string>(StringComparer.Ordinal);
            foreach (var prop in root.EnumerateObject())
            {
                if (!seen.Add(prop.Name)) throw Error($"header names '{prop.Name}' twice");
                if (prop.Name == MetadataKey)
                {
                    if (prop.Value.ValueKind != JsonValueKind.Object) throw Error($"{MetadataKey} is a {prop.Value.ValueKind}, expected an object of strings");
                    foreach (var m in prop.Value.EnumerateObject())
                    {
                        if (m.Value.ValueKind != JsonValueKind.String)
                            throw Error($"{MetadataKey} value for '{m.Name}' is a {m.Value.ValueKind}, expected a string");
                        if (!metadata.TryAdd(m.Name, m.Value.GetString()!)) throw Error($"{MetadataKey} names '{m.Name}' twice");
                    }
                    continue;
                }
                entries.Add(ParseEntry(prop.Name, prop.Value));
            }
            return (entries, metadata);
        }
    }

    private SafeTensorsEntry ParseEntry(string name, JsonElement v)
    {
        if (v.ValueKind != JsonValueKind.Object) throw Error($"tensor '{name}' is a {v.ValueKind}, expected an object");
        if (!v.TryGetProperty("dtype", out var dt) || dt.ValueKind != JsonValueKind.String)
            throw Error($"tensor '{name}' has no string 'dtype'");
        string dtypeName = dt.GetString()!;
        if (!SafeTensorsDTypeInfo.TryParse(dtypeName, out var dtype)) throw Error($"tensor '{name}' has unknown dtype '{dtypeName}'");
        if (!v.TryGetProperty("shape", out var sh) || sh.ValueKind != JsonValueKind.Array)
            throw Error($"tensor '{name}' has no 'shape' array");
        var shape = new long[sh.GetArrayLength()];
        int i = 0;
        long count = 1;
        foreach (var d in sh.EnumerateArray())
        {
            if (d.ValueKind != JsonValueKind.Number || !d.TryGetInt64(out long dim) || dim < 0)
                throw Error($"tensor '{name}' shape entry {i} ({d.GetRawText()}) is not a non-negative integer");
            shape[i++] = dim;
            try { count = checked(count * dim); }
            catch (OverflowException) { throw Error($"tensor '{name}' shape [{string.Join(", ", shape.Take(i))}...] has too many elements"); }
        }
        if (!v.TryGetProperty("data_offsets", out var off) || off.ValueKind != JsonValueKind.Array || off.GetArrayLength() != 2)
            throw Error($"tensor '{name}' has no 'data_offsets' array of two integers");
        long begin = OffsetValue(off[0], name), end = OffsetValue(off[1], name);
        if (end < begin) throw Error($"tensor '{name}' data_offsets [{begin}, {end}] end before they begin");
        long bytes;
        try { bytes = checked(count * dtype.SizeOf()); }
        catch (OverflowException) { throw Error($"tensor '{name}' is too large"); }
        if (end - begin != bytes)
            throw Error($"tensor '{name}' data_offsets [{begin}, {end}] span {end - begin} bytes, but {dtype}[{string.Join(", ", shape)}] needs {bytes}");
        return new SafeTensorsEntry(name, dtype, shape, begin, end);
    }

    private long OffsetValue(JsonElement e, string name)
    {
        if (e.ValueKind != JsonValueKind.Number || !e.TryGetInt64(out long v) || v < 0)
            throw Error($"tensor '{name}' data offset {e.GetRawText()} is not a non-negative integer");
        return v;
    }

    public bool Contains(string name) => _byName.ContainsKey(name);

    public bool TryGetEntry(string name, out SafeTensorsEntry entry) => _byName.TryGetValue(name, out entry!);

    public SafeTensorsEntry GetEntry(string name) =>
        _byName.TryGetValue(name, out var e) ? e
            : throw new KeyNotFoundException($"{(_file is null ? "" : _file + ": ")}no tensor named '{name}' (the file has {_byName.Count} tensors)");

    /// <summary>Copies the raw little-endian bytes of tensor <paramref name="name"/>.</summary>
    public void ReadBytes(string name, Span<byte> destination)
    {
        var e = GetEntry(name);
        if (destination.Length != e.ByteLength)
            throw new ArgumentException($"Tensor '{name}' has {e.ByteLength} bytes but the destination holds {destination.Length}.", nameof(destination));
        lock (_stream)
        {
            _stream.Position = _dataStart + e.DataBegin;
            ReadExactly(destination, e);
        }
    }

    /// <summary>Reads tensor <paramref name="name"/> into a new float array (converted as in <see cref="ReadFloat32(string, Span{float})"/>).</summary>
    public float[] ReadFloat32(string name)
    {
        var e = GetEntry(name);
        if (e.ElementCount > Array.MaxLength) throw new InvalidOperationException($"Tensor '{name}' has {e.ElementCount} elements, too many for one array.");
        var result = new float[e.ElementCount];
        ReadFloat32(name, result);
        return result;
    }

    /// <summary>
    /// Reads tensor <paramref name="name"/> converted to float32: F32 as is, F16 and BF16 exactly, F64 and the
    /// integer types (and BOOL as 0/1) rounded to the nearest float. 8-bit float types are not converted.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="destination"/> length differs from the element count.</exception>
    public void ReadFloat32(string name, Span<float> destination)
    {
        var e = GetEntry(name);
        if (destination.Length != e.ElementCount)
            throw new ArgumentException($"Tensor '{name}' {e.DType}[{string.Join(", ", e.Shape)}] has {e.ElementCount} elements but the destination holds {destination.Length}.", nameof(destination));
        if (!e.DType.ConvertsToFloat32())
            throw new NotSupportedException($"Tensor '{name}' has dtype {e.DType}, which ReadFloat32 does not convert.");
        int size = e.DType.SizeOf();
        const int ChunkElements = 1 << 14;
        byte[] buf = ArrayPool<byte>.Shared.Rent(ChunkElements * 8);
        try
        {
            lock (_stream)
            {
                _stream.Position = _dataStart + e.DataBegin;
                int done = 0;
                while (done < destination.Length)
                {
                    int n = Math.Min(ChunkElements, destination.Length - done);
                    var bytes = buf.AsSpan(0, n * size);
                    ReadExactly(bytes, e);
                    Convert(e.DType, bytes, destination.Slice(done, n));
                    done += n;
                }
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buf);
        }
    }

    private void ReadExactly(Span<byte> dst, SafeTensorsEntry e)
    {
        try
        {
            _stream.ReadExactly(dst);
        }
        catch (EndOfStreamException ex)
        {
            throw Error($"file ended while reading tensor '{e.Name}' (was it truncated after opening?)", ex);
        }
    }

    private static void Convert(SafeTensorsDType t, ReadOnlySpan<byte> src, Span<float> dst)
    {
        switch (t)
        {
            case SafeTensorsDType.F32:
                for (int i = 0; i < dst.Length; i++) dst[i] = BinaryPrimitives.ReadSingleLittleEndian(src[(4 * i)..]);
                break;
            case SafeTensorsDType.F16:
                for (int i = 0; i < dst.Length; i++) dst[i] = (float)BinaryPrimitives.ReadHalfLittleEndian(src[(2 * i)..]);
                break;
            case SafeTensorsDType.BF16:
                // bfloat16 is the top half of an IEEE float32: widening is a 16-bit shift.
                for (int i = 0; i < dst.Length; i++)
                    dst[i] = BitConverter.Int32BitsToSingle(BinaryPrimitives.ReadUInt16LittleEndian(src[(2 * i)..]) << 16);
                break;
            case SafeTensorsDType.F64:
                for (int i = 0; i < dst.Length; i++) dst[i] = (float)BinaryPrimitives.ReadDoubleLittleEndian(src[(8 * i)..]);
                break;
            case SafeTensorsDType.I64:
                for (int i = 0; i < dst.Length; i++) dst[i] = BinaryPrimitives.ReadInt64LittleEndian(src[(8 * i)..]);
                break;
            case SafeTensorsDType.U64:
                for (int i = 0; i < dst.Length; i++) dst[i] = BinaryPrimitives.ReadUInt64LittleEndian(src[(8 * i)..]);
                break;
            case SafeTensorsDType.I32:
                for (int i = 0; i < dst.Length; i++) dst[i] = BinaryPrimitives.ReadInt32LittleEndian(src[(4 * i)..]);
                break;
            case SafeTensorsDType.U32:
                for (int i = 0; i < dst.Length; i++) dst[i] = BinaryPrimitives.ReadUInt32LittleEndian(src[(4 * i)..]);
                break;
            case SafeTensorsDType.I16:
                for (int i = 0; i < dst.Length; i++) dst[i] = BinaryPrimitives.ReadInt16LittleEndian(src[(2 * i)..]);
                break;
            case SafeTensorsDType.U16:
                for (int i = 0; i < dst.Length; i++) dst[i] = BinaryPrimitives.ReadUInt16LittleEndian(src[(2 * i)..]);
                break;
            case SafeTensorsDType.I8:
                for (int i = 0; i < dst.Length; i++) dst[i] = (sbyte)src[i];
                break;
            case SafeTensorsDType.U8:
                for (int i = 0; i < dst.Length; i++) dst[i] = src[i];
                break;
            case SafeTensorsDType.BOOL:
                for (int i = 0; i < dst.Length; i++) dst[i] = src[i] != 0 ? 1f : 0f;
                break;
            default:
                throw new NotSupportedException($"dtype {t} is not converted to float32.");
        }
    }

    public void Dispose()
    {
        if (!_leaveOpen) _stream.Dispose();
    }
}
