using System.Collections.Concurrent;
using System.Runtime.InteropServices;

namespace MLAugment.Onnx.Runtime;

/// <summary>
/// A loaded ONNX Runtime native library and its C API function table.
/// Search order: <see cref="OnnxRuntimeLibraryOptions.LibraryPath"/>, then <c>MLAUGMENT_ONNXRUNTIME_PATH</c>,
/// then beside the assembly, then <c>.tools/onnxruntime/</c> in the assembly folder or any folder above it
/// (where <c>tools/fetch-onnxruntime.sh</c> puts it).
/// </summary>
public sealed unsafe class OnnxRuntimeLibrary
{
    /// <summary>The C API version this binding was written against (ORT 1.22); older libraries are refused.</summary>
    public const uint RequiredApiVersion = 22;

    private static readonly ConcurrentDictionary<string, OnnxRuntimeLibrary> Loaded = new(StringComparer.Ordinal);
    private static readonly Lazy<OnnxRuntimeLibrary> DefaultLibrary = new(() => Load(new OnnxRuntimeLibraryOptions()));

    /// <summary>Full path of the loaded library file.</summary>
    public string Path { get; }

    /// <summary>ORT's own version string, e.g. "1.22.0".</summary>
    public string Version { get; }

    internal OrtApi Api { get; }

    private OnnxRuntimeLibrary(string path, OrtApi api, string version)
    {
        Path = path;
        Api = api;
        Version = version;
    }

    /// <summary>The library found by the default search (loaded once per process).</summary>
    public static OnnxRuntimeLibrary Default => DefaultLibrary.Value;

    /// <summary>Finds and loads the library as <paramref name="options"/> say; each file is loaded at most once per process.</summary>
    public static OnnxRuntimeLibrary Load(OnnxRuntimeLibraryOptions? options = null)
    {
        string path = Locate(options ?? new OnnxRuntimeLibraryOptions());
        return Loaded.GetOrAdd(path, LoadFrom);
    }

    /// <summary>Platform file names of the library, most specific first.</summary>
    public static IReadOnlyList<string> LibraryFileNames =>
        OperatingSystem.IsWindows() ? ["onnxruntime.dll"]
        : OperatingSystem.IsMacOS() ? ["libonnxruntime.dylib"]
        : ["libonnxruntime.so.1", "libonnxruntime.so"];

    /// <summary>Resolves the library file without loading it; throws <see cref="OnnxRuntimeNotFoundException"/> listing every place looked at.</summary>
    public static string Locate(OnnxRuntimeLibraryOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var searched = new List<string>();

        if (!string.IsNullOrEmpty(options.LibraryPath))
            return FindIn(options.LibraryPath, "LibraryPath option", searched) ?? throw NotFound(searched);

        string? fromEnvironment = options.UseEnvironmentVariable ? Environment.GetEnvironmentVariable(OnnxRuntimeLibraryOptions.EnvironmentVariable) : null;
        if (!string.IsNullOrEmpty(fromEnvironment))
            return FindIn(fromEnvironment, $"${OnnxRuntimeLibraryOptions.EnvironmentVariable}", searched) ?? throw NotFound(searched);

        foreach (var start in StartDirectories(options))
        {
            if (FindIn(start, options.SearchDirectory is null ? "beside the assembly" : "search folder", searched) is { } beside) return beside;
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
                if (FindIn(System.IO.Path.Combine(dir.FullName, ".tools", "onnxruntime"), "repository tools folder", searched) is { } tools)
                    return tools;
        }
        throw NotFound(searched);
    }

    private static IEnumerable<string> StartDirectories(OnnxRuntimeLibraryOptions options)
    {
        if (options.SearchDirectory is not null)
        {
            yield return System.IO.Path.GetFullPath(options.SearchDirectory);
            yield break;
        }
        string? assemblyDir = System.IO.Path.GetDirectoryName(typeof(OnnxRuntimeLibrary).Assembly.Location);
        if (!string.IsNullOrEmpty(assemblyDir)) yield return assemblyDir;
        string baseDir = AppContext.BaseDirectory.TrimEnd(System.IO.Path.DirectorySeparatorChar);
        if (!string.Equals(baseDir, assemblyDir, StringComparison.Ordinal)) yield return baseDir;
    }

    // `location` is a library file or a folder holding one.
    private static string? FindIn(string location, string origin, List<string> searched)
    {
        string full = System.IO.Path.GetFullPath(location);
        if (File.Exists(full))
        {
            searched.Add($"{full} ({origin}): found");
            return full;
        }
        if (Directory.Exists(full))
        {
            foreach (var name in LibraryFileNames)
            {
                string candidate = System.IO.Path.Combine(full, name);
                if (File.Exists(candidate)) return candidate;
            }
            searched.Add($"{full}{System.IO.Path.DirectorySeparatorChar}{{{string.Join(", ", LibraryFileNames)}}} ({origin}): not there");
            return null;
        }
        searched.Add($"{full} ({origin}): does not exist");
        return null;
    }

    private static OnnxRuntimeNotFoundException NotFound(List<string> searched) => new(
        "The ONNX Runtime native library was not found. Looked in:\n  " + string.Join("\n  ", searched) +
        $"\nTo get it, run tools/fetch-onnxruntime.sh from the repository root (it places {LibraryFileNames[0]} in .tools/onnxruntime/), " +
        $"or set {OnnxRuntimeLibraryOptions.EnvironmentVariable} to the library file or its folder.",
        searched.ToArray());

    private static OnnxRuntimeLibrary LoadFrom(string path)
    {
        nint handle;
        try
        {
            handle = NativeLibrary.Load(path);
        }
        catch (Exception e) when (e is DllNotFoundException or BadImageFormatException)
        {
            throw new OnnxRuntimeNotFoundException($"'{path}' exists but could not be loaded as ONNX Runtime: {e.Message}", [path], e);
        }
        if (!NativeLibrary.TryGetExport(handle, "OrtGetApiBase", out nint getApiBase))
            throw new OnnxRuntimeNotFoundException($"'{path}' does not export OrtGetApiBase; it is not an ONNX Runtime library.", [path]);

        // OrtApiBase { const OrtApi* (*GetApi)(uint32_t); const char* (*GetVersionString)(void); }
        var apiBase = ((delegate* unmanaged<nint*>)getApiBase)();
        var getApi = (delegate* unmanaged<uint, nint*>)apiBase[0];
        var getVersion = (delegate* unmanaged<byte*>)apiBase[1];
        string version = Marshal.PtrToStringUTF8((nint)getVersion()) ?? "?";
        nint* table = getApi(RequiredApiVersion);
        if (table is null)
            throw new OnnxRuntimeNotFoundException(
                $"'{path}' is ONNX Runtime {version}, which does not provide C API version {RequiredApiVersion}; " +
                $"MLAugment needs ONNX Runtime 1.{RequiredApiVersion} or newer (tools/fetch-onnxruntime.sh fetches a suitable one).", [path]);
        return new OnnxRuntimeLibrary(path, new OrtApi(table), version);
    }

    /// <summary>Execution providers compiled into this library, e.g. "CPUExecutionProvider".</summary>
    public IReadOnlyList<string> AvailableProviders => Api.GetAvailableProviders();

    public override string ToString() => $"ONNX Runtime {Version} ({Path})";
}
