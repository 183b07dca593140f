using MLAugment.Engine;

namespace MLAugment.Diffusion.Models;

internal static class Embeddings
{
    /// <summary>
    /// Sinusoidal timestep embedding (DDPM, Ho et al. 2020; diffusers' get_timestep_embedding):
    /// freqᵢ = exp(−ln(10000)·i / (half − shift)), emb = [sin(t·freq), cos(t·freq)], optionally flipped to [cos, sin].
    /// </summary>
    public static Tensor Timestep(ReadOnlySpan<float> timesteps, int dim, bool flipSinToCos, int freqShift)
    {
        int half = dim / 2;
        var r = Tensor.Zeros(timesteps.Length, dim);
        var s = r.Span;
        for (int b = 0; b < timesteps.Length; b++)
            for (int i = 0; i < half; i++)
            {
                float freq = MathF.Exp(-MathF.Log(10000f) * i / (half - freqShift));
                float arg = timesteps[b] * freq;
                float sin = MathF.Sin(arg), cos = MathF.Cos(arg);
                s[b * dim + i] = flipSinToCos ? cos : sin;
                s[b * dim + half + i] = flipSinToCos ? sin : cos;
            }
        return r;
    }
}
