using MLAugment.Data.Transforms.Augmentation;
using MLAugment.Diffusion.Models;
using MLAugment.Diffusion.Sampling;
using MLAugment.Diffusion.Schedulers;
using MLAugment.Engine;

namespace MLAugment.Data.Tests.Augmentation;

/// <summary>
/// Tiny random latent diffusion models (16×16 gray images, 2×4×4 latents, 3 classes: the Diffusion tests' TinyModels
/// idea), a counting wrapper, and small PNG folders / in-memory rows for the augmenter tests.
/// </summary>
internal static class AugmentationFixtures
{
    public static readonly string[] Classes = ["T-shirt/top", "Trouser", "Sneaker"];
    public const int Size = 16;

    public static LatentDiffusionModel TinyModel(int seed = 0)
    {
        var g = new Generator(seed);
        var unet = new ConditionalUNet(new UNetConfig
        {
            SampleSize = 4, InChannels = 2, OutChannels = 2, BlockOutChannels = [16, 32],
            AttentionLevels = [false, true], AttentionHeadDim = 16, NormNumGroups = 8, LayersPerBlock = 1,
            NumClassEmbeds = Classes.Length,
        }, g);
        var vae = new Autoencoder(new AutoencoderConfig
        {
            InChannels = 1, OutChannels = 1, LatentChannels = 2, BlockOutChannels = [8, 16, 16],
            NormNumGroups = 4, SampleSize = Size, LayersPerBlock = 1,
        }, g);
        var sched = new SchedulerConfig { ClassName = "DDPMScheduler", NumTrainTimesteps = 1000, BetaSchedule = "linear", BetaStart = 0.0001, BetaEnd = 0.02 };
        return new LatentDiffusionModel(unet, vae, Classes, sched, new Dictionary<string, string[]>(), "tiny-aug-" + seed);
    }

    private static readonly Lazy<string> SharedModelFolder = new(() =>
    {
        var folder = NewTempFolder("model");
        TinyModel().Save(folder);
        return folder;
    });

    /// <summary>A saved tiny model shared by the tests (read only).</summary>
    public static string ModelFolder => SharedModelFolder.Value;

    private static readonly Lazy<LatentDiffusionModel> SharedModel = new(() => LatentDiffusionModel.Load(ModelFolder));

    public static LatentDiffusionModel TinyLdm => SharedModel.Value;

    public static string NewTempFolder(string what)
    {
        var folder = Path.Combine(Path.GetTempPath(), $"mlaugment-aug-{what}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(folder);
        return folder;
    }

    /// <summary>A class-per-folder PNG tree: <paramref name="counts"/> images of each class, random 16×16 (or <paramref name="size"/>) RGBA.</summary>
    public static string ImageFolder(IReadOnlyDictionary<string, int> counts, int size = Size, int seed = 3)
    {
        var root = NewTempFolder("images");
        var rng = new Random(seed);
        foreach (var (label, n) in counts)
        {
            Directory.CreateDirectory(Path.Combine(root, label));
            for (int i = 0; i < n; i++)
            {
                using var image = RandomImage(rng, size, size);
                image.Save(Path.Combine(root, label, $"{i:D3}.png"));
            }
        }
        return root;
    }

    public static MLImage RandomImage(Random rng, int width, int height)
    {
        var px = new byte[width * height * 4];
        rng.NextBytes(px);
        for (int i = 3; i < px.Length; i += 4)
            px[i] = 255;
        return MLImage.CreateFromPixels(width, height, MLPixelFormat.Rgba32, px);
    }

    /// <summary>A mask image: nonzero inside the centred square of side <paramref name="side"/>.</summary>
    public static MLImage SquareMask(int size, int side)
    {
        var px = new byte[size * size * 4];
        int lo = (size - side) / 2;
        for (int y = 0; y < size; y++)
            for (int x = 0; x < size; x++)
                if (y >= lo && y < lo + side && x >= lo && x < lo + side)
                    px.AsSpan((y * size + x) * 4, 4).Fill(255);
        return MLImage.CreateFromPixels(size, size, MLPixelFormat.Rgba32, px);
    }

    public sealed class MaskedRow
    {
        [ImageType(Size, Size)]
        public MLImage Image { get; set; } = null!;

        [ImageType(Size, Size)]
        public MLImage Mask { get; set; } = null!;

        public string Label { get; set; } = "";
    }

    public sealed class SmallMaskRow
    {
        [ImageType(Size, Size)]
        public MLImage Image { get; set; } = null!;

        [ImageType(8, 8)]
        public MLImage Mask { get; set; } = null!;

        public string Label { get; set; } = "";
    }

    public static MaskedRow[] MaskedRows(int n, int seed = 5)
    {
        var rng = new Random(seed);
        return Enumerable.Range(0, n).Select(i => new MaskedRow
        {
            Image = RandomImage(rng, Size, Size),
            Mask = SquareMask(Size, 8),
            Label = i % 2 == 0 ? "Trouser" : "T-shirt/top",
        }).ToArray();
    }

    /// <summary>Options every test shares: few steps so a test takes milliseconds per image.</summary>
    public static T Fast<T>(T options) where T : AugmentationSettings => options with { NumInferenceSteps = 3, GuidanceScale = 2f };

    /// <summary>Every (column name → value) of every row, images as pixel bytes.</summary>
    public static List<Dictionary<string, object?>> Rows(IDataView data, params string[] columns)
    {
        var cols = columns.Select(c => data.Schema[c]).ToArray();
        var rows = new List<Dictionary<string, object?>>();
        using var cursor = data.GetRowCursor(cols);
        var readers = cols.Select(c => Reader(cursor, c)).ToArray();
        while (cursor.MoveNext())
            rows.Add(cols.Select((c, i) => (c.Name, readers[i]())).ToDictionary(p => p.Name, p => p.Item2));
        return rows;
    }

    private static Func<object?> Reader(DataViewRow row, DataViewSchema.Column c)
    {
        switch (c.Type)
        {
            case ImageDataViewType:
            {
                var g = row.GetGetter<MLImage?>(c);
                MLImage? v = null;
                return () => { g(ref v); return v?.Pixels.ToArray(); };
            }
            case VectorDataViewType:
            {
                var g = row.GetGetter<VBuffer<float>>(c);
                VBuffer<float> v = default;
                return () => { g(ref v); return v.DenseValues().ToArray(); };
            }
            case KeyDataViewType:
            {
                var g = row.GetGetter<uint>(c);
                uint v = 0;
                return () => { g(ref v); return v; };
            }
            case TextDataViewType:
            {
                var g = row.GetGetter<ReadOnlyMemory<char>>(c);
                ReadOnlyMemory<char> v = default;
                return () => { g(ref v); return v.ToString(); };
            }
            case BooleanDataViewType:
            {
                var g = row.GetGetter<bool>(c);
                bool v = false;
                return () => { g(ref v); return v; };
            }
            case RowIdDataViewType:
            {
                var g = row.GetGetter<DataViewRowId>(c);
                DataViewRowId v = default;
                return () => { g(ref v); return v; };
            }
            default:
                if (c.Type == NumberDataViewType.Int64)
                {
                    var g = row.GetGetter<long>(c);
                    long v = 0;
                    return () => { g(ref v); return v; };
                }
                if (c.Type == NumberDataViewType.Single)
                {
                    var g = row.GetGetter<float>(c);
                    float v = 0;
                    return () => { g(ref v); return v; };
                }
                throw new NotSupportedException(c.Type.ToString());
        }
    }
}

/// <summary>Wraps a backend and counts denoiser calls, so tests can see whether anything was generated.</summary>
internal sealed class CountingBackend(IDiffusionBackend inner) : DelegatingDiffusionBackend(inner)
{
    public int PredictCalls;

    public override Tensor Predict(Tensor latents, float timestep, IReadOnlyList<Condition> conditions)
    {
        Interlocked.Increment(ref PredictCalls);
        return Inner.Predict(latents, timestep, conditions);
    }
}
