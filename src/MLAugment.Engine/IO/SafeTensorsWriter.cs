using System.Buffers.Binary;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace MLAugment.Engine.IO;

/// <summary>
/// Writes float32 tensors in the safetensors format. Like the reference implementation, tensors are laid
/// out sorted by name (byte-wise UTF-8 order), "__metadata__" comes first in the header, and the header
/// is padded with spaces so the data section starts on an 8-byte boundary.
/// <see cref="Save"/> writes a temporary sibling file and renames it over the target, so an existing
/// file is replaced whole or not at all.
/// </summary>
public sealed class SafeTensorsWriter
{
    private readonly Dictionary<string, (int[] Shape, ReadOnlyMemory<float> Data)> _tensors = new(StringComparer.Ordinal);

    /// <summary>String metadata stored under "__metadata__" (omitted when empty).</summary>
    public IDictionary<string, string> Metadata { get; } = new Dictionary<string, string>(StringComparer.Ordinal);

    /// <summary>Test hook: runs after the temporary file is complete, before it replaces the target.</summary>
    internal Action<string>? BeforeCommit { get; set; }

    public int Count => _tensors.Count;

    /// <summary>Adds a tensor, copying <paramref name="data"/>.</summary>
    public SafeTensorsWriter Add(string name, int[] shape, ReadOnlySpan<float> data) => Add(name, shape, (ReadOnlyMemory<float>)data.ToArray());

    /// <summary>Adds a tensor without copying: <paramref name="data"/> must stay unchanged until the file is written.</summary>
    public SafeTensorsWriter Add(string name, int[] shape, ReadOnlyMemory<float> data)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(shape);
        if (name.Length == 0) throw new ArgumentException("Tensor name must not be empty.", nameof(name));
        if (name == "__metadata__") throw new ArgumentException("'__metadata__' is reserved for the metadata block.", nameof(name));
        if (_tensors.ContainsKey(name)) throw new ArgumentException($"A tensor named '{name}' was already added.", nameof(name));
        long count = 1;
        foreach (int d in shape)
        {
            if (d < 0) throw new ArgumentException($"Tensor '{name}' shape [{string.Join(", ", shape)}] has a negative dimension.", nameof(shape));
            try { count = checked(count * d); }
            catch (OverflowException) { throw new ArgumentException($"Tensor '{name}' shape [{string.Join(", ", shape)}] has too many elements.", nameof(shape)); }
        }
        if (count != data.Length)
            throw new ArgumentException($"Tensor '{name}' shape [{string.Join(", ", shape)}] has {count} elements but {data.Length} values were given.", nameof(data));
        _tensors.Add(name, ((int[])shape.Clone(), data));
        return this;
    }

    /// <summary>Writes the file atomically (temporary sibling + rename).</summary>
    public void Save(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        var full = Path.GetFullPath(path);
        var tmp = full + ".tmp-" + Guid.NewGuid().ToString("N");
        try
        {
            using (var fs = new FileStream(tmp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16))
            {
                WriteTo(fs);
                fs.Flush(flushToDisk: true);
            }
            BeforeCommit?.Invoke(tmp);
            File.Move(tmp, full, overwrite: true);
        }
        finally
        {
            if (File.Exists(tmp)) File.Delete(tmp);
        }
    }

    /// <summary>Writes the whole file to <paramref name="stream"/>.</summary>
    public void WriteTo(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        var names = _tensors.Keys.ToList();
        names.Sort(CompareUtf8);

        var json = new MemoryStream();
        using (var w = new Utf8JsonWriter(json, new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            w.WriteStartObject();
            if (Metadata.Count > 0)
            {
                w.WriteStartObject("__metadata__");
                foreach (var kv in Metadata.OrderBy(kv => kv.Key, Comparer<string>.Create(CompareUtf8)))
                    w.WriteString(kv.Key, kv.Value);
                w.WriteEndObject();
            }
            long offset = 0;
            foreach (var name in names)
            {
                var (shape, data) = _tensors[name];
                long bytes = (long)data.Length * sizeof(float);
                w.WriteStartObject(name);
                w.WriteString("dtype", "F32");
                w.WriteStartArray("shape");
                foreach (int d in shape) w.WriteNumberValue(d);
                w.WriteEndArray();
                w.WriteStartArray("data_offsets");
                w.WriteNumberValue(offset);
                w.WriteNumberValue(offset + bytes);
                w.WriteEndArray();
                w.WriteEndObject();
                offset += bytes;
            }
            w.WriteEndObject();
        }
        int pad = (int)((8 - json.Length % 8) % 8);
        for (int i = 0; i < pad; i++) json.WriteByte((byte)' ');

        Span<byte> len = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(len, (ulong)json.Length);
        stream.Write(len);
        stream.Write(json.GetBuffer(), 0, (int)json.Length);

        var buf = new byte[1 << 16];
        foreach (var name in names)
        {
            var data = _tensors[name].Data.Span;
            for (int start = 0; start < data.Length; start += buf.Length / 4)
            {
                int n = Math.Min(buf.Length / 4, data.Length - start);
                for (int i = 0; i < n; i++) BinaryPrimitives.WriteSingleLittleEndian(buf.AsSpan(4 * i), data[start + i]);
                stream.Write(buf, 0, 4 * n);
            }
        }
    }

    /// <summary>Orders strings by their UTF-8 bytes, as Rust's String ordering (the reference writer) does.</summary>
    private static int CompareUtf8(string? a, string? b) =>
        Encoding.UTF8.GetBytes(a ?? "").AsSpan().SequenceCompareTo(Encoding.UTF8.GetBytes(b ?? ""));
}
