using MLAugment.Engine;
using MLAugment.Engine.NN;

namespace MLAugment.Bench;

/// <summary>
/// The engine benchmark's reference UNet (mirrored exactly by bench/anchors/engine_anchor.py): residual blocks of
/// GroupNorm→SiLU→conv3×3 twice with a 1×1 skip when channels change, channels 32-64-128, stride-2 conv
/// downsampling, nearest upsampling, skip concatenation; input [B, 1, 32, 32].
/// </summary>
public sealed class ReferenceUNet : Module<Tensor, Tensor>
{
    private sealed class Block : Module<Tensor, Tensor>
    {
        private readonly GroupNorm _n1, _n2;
        private readonly Conv2d _c1, _c2;
        private readonly Conv2d? _skip;
        public Block(int cin, int cout, Generator g)
        {
            _n1 = RegisterModule("norm1", new GroupNorm(8, cin));
            _c1 = RegisterModule("conv1", new Conv2d(cin, cout, 3, g, padding: 1));
            _n2 = RegisterModule("norm2", new GroupNorm(8, cout));
            _c2 = RegisterModule("conv2", new Conv2d(cout, cout, 3, g, padding: 1));
            if (cin != cout) _skip = RegisterModule("skip", new Conv2d(cin, cout, 1, g));
        }
        public override Tensor Forward(Tensor x)
        {
            var h = _c1.Forward(_n1.Forward(x).Silu());
            h = _c2.Forward(_n2.Forward(h).Silu());
            return (_skip?.Forward(x) ?? x) + h;
        }
    }

    private readonly Conv2d _in, _down0, _down1, _out;
    private readonly Block _b0, _b1, _b2, _u1, _u0;
    private readonly GroupNorm _nOut;

    public ReferenceUNet(Generator g)
    {
        _in = RegisterModule("conv_in", new Conv2d(1, 32, 3, g, padding: 1));
        _b0 = RegisterModule("down0", new Block(32, 32, g));
        _down0 = RegisterModule("downsample0", new Conv2d(32, 32, 3, g, stride: 2, padding: 1));
        _b1 = RegisterModule("down1", new Block(32, 64, g));
        _down1 = RegisterModule("downsample1", new Conv2d(64, 64, 3, g, stride: 2, padding: 1));
        _b2 = RegisterModule("mid", new Block(64, 128, g));
        _u1 = RegisterModule("up1", new Block(128 + 64, 64, g));
        _u0 = RegisterModule("up0", new Block(64 + 32, 32, g));
        _nOut = RegisterModule("norm_out", new GroupNorm(8, 32));
        _out = RegisterModule("conv_out", new Conv2d(32, 1, 3, g, padding: 1));
    }

    public override Tensor Forward(Tensor x)
    {
        var s0 = _b0.Forward(_in.Forward(x));                       // 32 @ 32x32
        var s1 = _b1.Forward(_down0.Forward(s0));                    // 64 @ 16x16
        var h = _b2.Forward(_down1.Forward(s1));                     // 128 @ 8x8
        h = _u1.Forward(F.Concat(new[] { F.UpsampleNearest2d(h, 2), s1 }, 1)); // 64 @ 16x16
        h = _u0.Forward(F.Concat(new[] { F.UpsampleNearest2d(h, 2), s0 }, 1)); // 32 @ 32x32
        return _out.Forward(_nOut.Forward(h).Silu());
    }
}
