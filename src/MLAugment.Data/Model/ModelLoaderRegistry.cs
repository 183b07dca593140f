using System.Reflection;

namespace MLAugment.Data;

/// <summary>
/// Maps loader signatures to the code that reads them back. Classes marked <see cref="LoadableModelAttribute"/> in any
/// loaded assembly are found automatically; <see cref="Register"/> adds loaders by hand.
/// </summary>
public static class ModelLoaderRegistry
{
    private static readonly object Gate = new();
    private static readonly Dictionary<string, Func<ModelLoadContext, object>> Loaders = new(StringComparer.Ordinal);
    private static readonly HashSet<Assembly> Scanned = [];

    public static void Register(string loaderSignature, Func<ModelLoadContext, object> create)
    {
        ArgumentException.ThrowIfNullOrEmpty(loaderSignature);
        ArgumentNullException.ThrowIfNull(create);
        lock (Gate)
        {
            if (Loaders.TryGetValue(loaderSignature, out var existing) && existing != create)
                throw new InvalidOperationException($"A loader for signature '{loaderSignature}' is already registered.");
            Loaders[loaderSignature] = create;
        }
    }

    /// <summary>Creates the object stored in <paramref name="ctx"/> with the loader its header names.</summary>
    public static object Create(ModelLoadContext ctx)
    {
        Func<ModelLoadContext, object>? create;
        lock (Gate)
        {
            if (!Loaders.TryGetValue(ctx.LoaderSignature, out create))
            {
                ScanLoadedAssemblies();
                Loaders.TryGetValue(ctx.LoaderSignature, out create);
            }
        }
        if (create is null)
            throw new InvalidDataException(
                $"No loader is registered for signature '{ctx.LoaderSignature}' (model entry '{ctx.Directory}' in '{ctx.Repository.Location}'). " +
                "Load the assembly that defines it, or call ModelLoaderRegistry.Register.");
        return create(ctx);
    }

    private static void ScanLoadedAssemblies()
    {
        var self = typeof(ModelLoaderRegistry).Assembly;
        foreach (var asm in AppDomain.CurrentDomain.GetAssemblies())
        {
            if (!Scanned.Add(asm))
                continue;
            if (asm != self && !asm.GetReferencedAssemblies().Any(r => r.Name == self.GetName().Name))
                continue;
            Type?[] types;
            try
            {
                types = asm.GetTypes();
            }
            catch (ReflectionTypeLoadException e)
            {
                types = e.Types;
            }
            foreach (var type in types)
            {
                if (type is null)
                    continue;
                foreach (var attr in type.GetCustomAttributes<LoadableModelAttribute>(inherit: false))
                {
                    if (type.ContainsGenericParameters)
                        throw new InvalidOperationException($"{type.FullName} is generic; put [LoadableModel(\"{attr.LoaderSignature}\")] on a non-generic loader class.");
                    var method = type.GetMethod("Create", BindingFlags.Static | BindingFlags.Public | BindingFlags.NonPublic, [typeof(ModelLoadContext)])
                        ?? throw new InvalidOperationException($"{type.FullName} is marked [LoadableModel(\"{attr.LoaderSignature}\")] but has no static Create(ModelLoadContext) method.");
                    var create = method.CreateDelegate<Func<ModelLoadContext, object>>();
                    Loaders.TryAdd(attr.LoaderSignature, create);
                }
            }
        }
    }
}
