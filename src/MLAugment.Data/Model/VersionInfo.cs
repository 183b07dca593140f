namespace MLAugment.Data;

/// <summary>
/// The header every saved model entry carries: an 8-character model signature, three version numbers and the loader
/// signature that finds the code able to read it back. A reader accepts an entry when
/// <c>entry.VerWritten ≥ ours.VerWeCanReadBack</c> and <c>entry.VerReadable ≤ ours.VerWrittenCur</c>.
/// Mirrors ML.NET's <c>VersionInfo</c>.
/// </summary>
public readonly struct VersionInfo
{
    public VersionInfo(string modelSignature, uint verWrittenCur, uint verReadableCur, uint verWeCanReadBack, string loaderSignature)
    {
        if (modelSignature is null || modelSignature.Length != 8)
            throw new ArgumentException($"Model signature must be exactly 8 characters, got '{modelSignature}'.", nameof(modelSignature));
        if (verReadableCur > verWrittenCur || verWeCanReadBack > verWrittenCur)
            throw new ArgumentException("Version numbers must satisfy readable ≤ written and weCanReadBack ≤ written.", nameof(verReadableCur));
        ArgumentException.ThrowIfNullOrEmpty(loaderSignature);
        ModelSignature = modelSignature;
        VerWrittenCur = verWrittenCur;
        VerReadableCur = verReadableCur;
        VerWeCanReadBack = verWeCanReadBack;
        LoaderSignature = loaderSignature;
    }

    public string ModelSignature { get; }

    /// <summary>The format version this code writes.</summary>
    public uint VerWrittenCur { get; }

    /// <summary>The oldest reader version that can read what this code writes.</summary>
    public uint VerReadableCur { get; }

    /// <summary>The oldest written version this code can still read.</summary>
    public uint VerWeCanReadBack { get; }

    public string LoaderSignature { get; }
}
