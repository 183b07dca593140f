namespace MLAugment.Data;

/// <summary>
/// Lets a column type defined outside this assembly (e.g. an image type) be saved with a model's input schema.
/// The implementing class must also declare <c>public static DataViewType Load(BinaryReader reader)</c>.
/// </summary>
public interface ISavableDataViewType
{
    void Save(BinaryWriter writer);
}
