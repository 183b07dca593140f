using MLAugment.Engine;
using MLAugment.Engine.NN;

namespace MLAugment.Diffusion.Models;

/// <summary>
/// The KL-regularised autoencoder of latent diffusion (Rombach et al. 2022), small: images in [−1, 1] are
/// encoded to a diagonal Gaussian over latents (mean, log-variance) and decoded back. Diffusion runs on
/// <c>scaling_factor · latent</c>.
/// </summary>
public sealed class Autoencoder : Module
{
    public AutoencoderConfig Config { get; }
    private readonly Conv2d _encIn, _encOut, _decIn, _decOut;
    private readonly List<ResnetBlock> _encBlocks = new(), _decBlocks = new();
    private readonly List<Downsample?> _encDown = new();
    private readonly List<Upsample?> _decUp = new();
    private readonly List<int> _encBlockLevel = new(), _decBlockLevel = new();
    private readonly ResnetBlock _encMid, _decMid;
    private readonly GroupNorm _encNorm, _decNorm;

    public Autoencoder(AutoencoderConfig config, Generator g)
    {
        Config = config;
        var ch = config.BlockOutChannels;
        int groups = config.NormNumGroups;
        var enc = RegisterModule("encoder", new ModuleList<Module>());
        _encIn = Attach(enc, new Conv2d(config.InChannels, ch[0], 3, g, padding: 1));
        int cur = ch[0];
        for (int level = 0; level < ch.Length; level++)
        {
            for (int i = 0; i < config.LayersPerBlock; i++)
            {
                _encBlocks.Add(Attach(enc, new ResnetBlock(cur, ch[level], 0, groups, 1e-6f, 0f, g)));
                _encBlockLevel.Add(level);
                cur = ch[level];
            }
            _encDown.Add(level < ch.Length - 1 ? Attach(enc, new Downsample(cur, g)) : null);
        }
        _encMid = Attach(enc, new ResnetBlock(cur, cur, 0, groups, 1e-6f, 0f, g));
        _encNorm = Attach(enc, new GroupNorm(groups, cur, 1e-6f));
        _encOut = Attach(enc, new Conv2d(cur, 2 * config.LatentChannels, 3, g, padding: 1));

        var dec = RegisterModule("decoder", new ModuleList<Module>());
        _decIn = Attach(dec, new Conv2d(config.LatentChannels, cur, 3, g, padding: 1));
        _decMid = Attach(dec, new ResnetBlock(cur, cur, 0, groups, 1e-6f, 0f, g));
        for (int level = ch.Length - 1; level >= 0; level--)
        {
            for (int i = 0; i < config.LayersPerBlock + 1; i++)
            {
                _decBlocks.Add(Attach(dec, new ResnetBlock(cur, ch[level], 0, groups, 1e-6f, 0f, g)));
                _decBlockLevel.Add(ch.Length - 1 - level);
                cur = ch[level];
            }
            _decUp.Add(level > 0 ? Attach(dec, new Upsample(cur, g)) : null);
        }
        _decNorm = Attach(dec, new GroupNorm(groups, cur, 1e-6f));
        _decOut = Attach(dec, new Conv2d(cur, config.OutChannels, 3, g, padding: 1));
    }

    /// <summary>Posterior parameters: (mean, logvar), each [B, latent_channels, S/f, S/f]; logvar clamped to [−30, 20] as LDM does.</summary>
    public (Tensor Mean, Tensor LogVar) Encode(Tensor images)
    {
        if (images.Rank != 4 || images.Shape[1] != Config.InChannels || images.Shape[2] % Config.DownsampleFactor != 0 || images.Shape[3] % Config.DownsampleFactor != 0)
            throw new ArgumentException($"Autoencoder.Encode: images {ShapeUtil.Format(images.Shape)} must be [B, {Config.InChannels}, H, W] with H and W divisible by {Config.DownsampleFactor}.");
        var h = _encIn.Forward(images);
        for (int i = 0, level = 0; level < _encDown.Count; level++)
        {
            for (; i < _encBlocks.Count && _encBlockLevel[i] == level; i++) h = _encBlocks[i].Forward(h, null);
            if (_encDown[level] is { } d) h = d.Forward(h);
        }
        h = _encOut.Forward(_encNorm.ForwardSilu(_encMid.Forward(h, null)));
        int c = Config.LatentChannels;
        var mean = F.Slice(h, 1, 0, c);
        var logvar = F.Slice(h, 1, c, c).Clamp(-30f, 20f);
        return (mean, logvar);
    }

    /// <summary>Images (in [−1, 1] after training) from unscaled latents.</summary>
    public Tensor Decode(Tensor latents)
    {
        if (latents.Rank != 4 || latents.Shape[1] != Config.LatentChannels)
            throw new ArgumentException($"Autoencoder.Decode: latents {ShapeUtil.Format(latents.Shape)} must be [B, {Config.LatentChannels}, h, w].");
        var h = _decMid.Forward(_decIn.Forward(latents), null);
        for (int i = 0, level = 0; level < _decUp.Count; level++)
        {
            for (; i < _decBlocks.Count && _decBlockLevel[i] == level; i++) h = _decBlocks[i].Forward(h, null);
            if (_decUp[level] is { } u) h = u.Forward(h);
        }
        return _decOut.Forward(_decNorm.ForwardSilu(h));
    }

    private static T Attach<T>(Engine.NN.ModuleList<Engine.NN.Module> list, T module) where T : Engine.NN.Module
    {
        list.Add(module);
        return module;
    }
}
