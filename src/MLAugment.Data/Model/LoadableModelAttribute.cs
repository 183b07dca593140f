namespace MLAugment.Data;

/// <summary>
/// Registers a class as the loader for model entries written with <see cref="LoaderSignature"/>. The class must have a
/// static <c>Create(ModelLoadContext)</c> method (it may be private). Plays the role of ML.NET's
/// <c>[assembly: LoadableClass(..., typeof(SignatureLoadModel), ..., LoaderSignature)]</c>.
/// </summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class LoadableModelAttribute : Attribute
{
    public LoadableModelAttribute(string loaderSignature)
    {
        ArgumentException.ThrowIfNullOrEmpty(loaderSignature);
        LoaderSignature = loaderSignature;
    }

    public string LoaderSignature { get; }
}
