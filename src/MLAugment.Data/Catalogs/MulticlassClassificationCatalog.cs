namespace MLAugment.Data;

/// <summary>
/// Attach point for multiclass trainers and evaluation, which arrive as extension methods from the task layer:
/// <c>mlContext.MulticlassClassification.Trainers.X(...)</c>. Mirrors <c>Microsoft.ML.MulticlassClassificationCatalog</c>.
/// </summary>
public sealed class MulticlassClassificationCatalog
{
    internal MulticlassClassificationCatalog(MLContext context)
    {
        Context = context;
        Trainers = new MulticlassClassificationTrainers(this);
    }

    /// <summary>The owning context (internal in ML.NET too; visible to the task layer).</summary>
    internal MLContext Context { get; }

    public MulticlassClassificationTrainers Trainers { get; }

    /// <summary>Attach point for trainer extension methods.</summary>
    public sealed class MulticlassClassificationTrainers
    {
        internal MulticlassClassificationTrainers(MulticlassClassificationCatalog owner)
        {
            Owner = owner;
        }

        internal MulticlassClassificationCatalog Owner { get; }

        internal MLContext Context => Owner.Context;
    }
}
