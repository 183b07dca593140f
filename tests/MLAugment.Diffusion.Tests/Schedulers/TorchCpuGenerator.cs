namespace MLAugment.Diffusion.Tests.Schedulers;

/// <summary>
/// Test-only replay of torch's default CPU generator so diffusers' stochastic full-loop tests (which seed
/// torch.manual_seed(0) and let the scheduler draw torch.randn) can be reproduced without Python:
/// a standard MT19937 seeded like torch, uniform floats from the low 24 bits of each 32-bit draw, and the
/// Box-Muller transform torch applies in blocks of 16 to contiguous float tensors of 16 or more elements.
/// Checked against real torch draws in Golden/torch_randn.txt (TorchCpuGeneratorTests).
/// </summary>
internal sealed class TorchCpuGenerator
{
    private const int N = 624, M = 397;
    private readonly uint[] _state = new uint[N];
    private int _next = N;

    public TorchCpuGenerator(ulong seed)
    {
        _state[0] = (uint)(seed & 0xffffffff);
        for (int j = 1; j < N; j++)
            _state[j] = 1812433253u * (_state[j - 1] ^ (_state[j - 1] >> 30)) + (uint)j;
    }

    public uint NextUInt32()
    {
        if (_next >= N) Twist();
        uint y = _state[_next++];
        y ^= y >> 11;
        y ^= (y << 7) & 0x9d2c5680u;
        y ^= (y << 15) & 0xefc60000u;
        y ^= y >> 18;
        return y;
    }

    private void Twist()
    {
        for (int i = 0; i < N; i++)
        {
            uint y = (_state[i] & 0x80000000u) | (_state[(i + 1) % N] & 0x7fffffffu);
            uint v = _state[(i + M) % N] ^ (y >> 1);
            if ((y & 1) != 0) v ^= 0x9908b0dfu;
            _state[i] = v;
        }
        _next = 0;
    }

    /// <summary>at::uniform_real_distribution&lt;float&gt;(0, 1): 24 random bits scaled by 2^-24.</summary>
    private float NextUniform() => (NextUInt32() & ((1u << 24) - 1)) * (1.0f / (1 << 24));

    /// <summary>torch.randn into a contiguous float tensor of at least 16 elements (ATen normal_fill).</summary>
    public void Randn(Span<float> data)
    {
        if (data.Length < 16) throw new NotSupportedException("Only the normal_fill path (>= 16 elements) is replayed.");
        for (int i = 0; i < data.Length; i++) data[i] = NextUniform();
        for (int i = 0; i + 16 <= data.Length; i += 16) BoxMuller16(data.Slice(i, 16));
        if (data.Length % 16 != 0)
        {
            Span<float> last = data[^16..];
            for (int i = 0; i < 16; i++) last[i] = NextUniform();
            BoxMuller16(last);
        }
    }

    public float[] Randn(int count)
    {
        var r = new float[count];
        Randn(r);
        return r;
    }

    private static void BoxMuller16(Span<float> d)
    {
        for (int j = 0; j < 8; j++)
        {
            float u1 = 1 - d[j];
            float u2 = d[j + 8];
            float radius = MathF.Sqrt(-2 * MathF.Log(u1));
            float theta = (float)(2.0 * Math.PI * u2);
            d[j] = radius * MathF.Cos(theta);
            d[j + 8] = radius * MathF.Sin(theta);
        }
    }
}
