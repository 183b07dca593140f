namespace MLAugment.Data;

/// <summary>
/// Something that writes itself into a model repository. Implement it explicitly; pair it with a loader registered by
/// <see cref="LoadableModelAttribute"/> under the loader signature written by <see cref="ModelSaveContext.SetVersionInfo"/>.
/// Mirrors <c>Microsoft.ML.ICanSaveModel</c>.
/// </summary>
public interface ICanSaveModel
{
    void Save(ModelSaveContext ctx);
}
