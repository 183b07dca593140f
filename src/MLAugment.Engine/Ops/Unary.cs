using System.Numerics.Tensors;
using AG = MLAugment.Engine.Autograd.Autograd;

namespace MLAugment.Engine;

/// <summary>Elementwise math and activations with their derivatives.</summary>
public sealed partial class Tensor
{
    private delegate void SpanMap(ReadOnlySpan<float> x, Span<float> y);

    /// <summary>y = f(x); backward gets (g, x, y) and returns dL/dx.</summary>
    private Tensor Unary(string op, SpanMap forward, Func<Tensor, Tensor, Tensor, Tensor> backward)
    {
        var r = EmptyLike(this);
        forward(Span, r.Span);
        var x = this;
        return AG.Record(r, op, this, g => new[] { backward(g, x.Detach(), r.Detach()) });
    }

    public Tensor Exp() => Unary("Exp", TensorPrimitives.Exp, (g, x, y) => g * y);
    public Tensor Log() => Unary("Log", TensorPrimitives.Log, (g, x, y) => g / x);
    public Tensor Sqrt() => Unary("Sqrt", TensorPrimitives.Sqrt, (g, x, y) => g / (y * 2f));
    public Tensor Abs() => Unary("Abs", TensorPrimitives.Abs, (g, x, y) => g * x.Sign());
    public Tensor Sin() => Unary("Sin", TensorPrimitives.Sin, (g, x, y) => g * x.Cos());
    public Tensor Cos() => Unary("Cos", TensorPrimitives.Cos, (g, x, y) => (g * x.Sin()).Neg());
    public Tensor Square() => Unary("Square", (a, d) => TensorPrimitives.Multiply(a, a, d), (g, x, y) => g * x * 2f);

    /// <summary>x^p for a constant exponent.</summary>
    public Tensor Pow(float p) => Unary("Pow", (a, d) => TensorPrimitives.Pow(a, p, d), (g, x, y) => g * x.Pow(p - 1f) * p);

    /// <summary>-1, 0 or 1; gradient zero.</summary>
    public Tensor Sign()
    {
        var r = EmptyLike(this);
        var s = Span; var d = r.Span;
        for (int i = 0; i < s.Length; i++) d[i] = s[i] > 0 ? 1f : s[i] < 0 ? -1f : 0f;
        return r;
    }

    /// <summary>Clamps to [min, max]; gradient passes where the input was inside the range (inclusive), as PyTorch does.</summary>
    public Tensor Clamp(float min = float.NegativeInfinity, float max = float.PositiveInfinity)
    {
        if (min > max) throw new ArgumentException($"Clamp: min {min} > max {max}.");
        return Unary("Clamp", (a, d) => { TensorPrimitives.Max(a, min, d); TensorPrimitives.Min(d, max, d); },
            (g, x, y) =>
            {
                var m = EmptyLike(x);
                var xs = x.Span; var ms = m.Span;
                for (int i = 0; i < xs.Length; i++) ms[i] = xs[i] >= min && xs[i] <= max ? 1f : 0f;
                return g * m;
            });
    }

    // ---- activations ----

    public Tensor Relu() => Unary("Relu", (a, d) => TensorPrimitives.Max(a, 0f, d),
        (g, x, y) => g * x.GreaterThanZeroMask());

    /// <summary>SiLU / swish: x·σ(x); d/dx = σ(x)(1 + x(1 − σ(x))).</summary>
    public Tensor Silu() => Unary("Silu", Activations.Silu, (g, x, y) =>
    {
        // One fused pass: dL/dx = g · σ(x)·(1 + x·(1 − σ(x))).
        var r = EmptyLike(x);
        Activations.SiluBackward(g.Span, x.Span, r.Span);
        return r;
    });

    public Tensor Sigmoid() => Unary("Sigmoid", TensorPrimitives.Sigmoid, (g, x, y) => g * y * (1f - y));
    public Tensor Tanh() => Unary("Tanh", TensorPrimitives.Tanh, (g, x, y) => g * (1f - y * y));

    /// <summary>
    /// softplus(x) = log(1 + e^(βx))/β, linear above the threshold like PyTorch (β=1, threshold=20). The log runs in
    /// double so tiny values (very negative x) keep their relative precision, as torch's log1p does.
    /// </summary>
    public Tensor Softplus(float beta = 1f, float threshold = 20f) => Unary("Softplus",
        (a, d) => { for (int i = 0; i < a.Length; i++) { float bx = a[i] * beta; d[i] = bx > threshold ? a[i] : (float)(Math.Log(1.0 + Math.Exp(bx)) / beta); } },
        (g, x, y) =>
        {
            var m = EmptyLike(x);
            var xs = x.Span; var ms = m.Span;
            for (int i = 0; i < xs.Length; i++) { float bx = xs[i] * beta; ms[i] = bx > threshold ? 1f : 1f / (1f + MathF.Exp(-bx)); }
            return g * m;
        });

    /// <summary>GELU; exact (erf) by default, or PyTorch's approximate="tanh".</summary>
    public Tensor Gelu(bool tanhApproximation = false) => tanhApproximation
        ? Unary("GeluTanh", Activations.GeluTanh, (g, x, y) => g * Activations.GeluTanhGrad(x))
        : Unary("Gelu", Activations.GeluErf, (g, x, y) => g * Activations.GeluErfGrad(x));

    public Tensor LeakyRelu(float slope = 0.01f) => Unary("LeakyRelu",
        (a, d) => { for (int i = 0; i < a.Length; i++) d[i] = a[i] > 0 ? a[i] : a[i] * slope; },
        (g, x, y) =>
        {
            var m = EmptyLike(x);
            var xs = x.Span; var ms = m.Span;
            for (int i = 0; i < xs.Length; i++) ms[i] = xs[i] > 0 ? 1f : slope;
            return g * m;
        });

    internal Tensor GreaterThanZeroMask()
    {
        var r = EmptyLike(this);
        var s = Span; var d = r.Span;
        for (int i = 0; i < s.Length; i++) d[i] = s[i] > 0 ? 1f : 0f;
        return r;
    }
}

/// <summary>Scalar kernels for activations that TensorPrimitives lacks.</summary>
internal static class Activations
{
    public static void Silu(ReadOnlySpan<float> x, Span<float> y)
    {
        TensorPrimitives.Sigmoid(x, y);
        TensorPrimitives.Multiply(x, y, y);
    }

    public static void SiluBackward(ReadOnlySpan<float> g, ReadOnlySpan<float> x, Span<float> dx)
    {
        // σ(x) into dx, then dx = g·σ·(1 + x − x·σ) with vector ops (no temporaries).
        TensorPrimitives.Sigmoid(x, dx);
        int i = 0;
        if (System.Numerics.Vector.IsHardwareAccelerated)
        {
            int w = System.Numerics.Vector<float>.Count;
            var one = System.Numerics.Vector<float>.One;
            for (; i <= x.Length - w; i += w)
            {
                var s = new System.Numerics.Vector<float>(dx.Slice(i));
                var xv = new System.Numerics.Vector<float>(x.Slice(i));
                var gv = new System.Numerics.Vector<float>(g.Slice(i));
                (gv * s * (one + xv - xv * s)).CopyTo(dx.Slice(i));
            }
        }
        for (; i < x.Length; i++) { float s = dx[i]; dx[i] = g[i] * s * (1f + x[i] - x[i] * s); }
    }

    private const double InvSqrt2 = 0.70710678118654752440;
    private const double InvSqrt2Pi = 0.39894228040143267794;

    public static void GeluErf(ReadOnlySpan<float> x, Span<float> y)
    {
        for (int i = 0; i < x.Length; i++) y[i] = (float)(0.5 * x[i] * (1.0 + Erf(x[i] * InvSqrt2)));
    }

    public static Tensor GeluErfGrad(Tensor x)
    {
        var r = Tensor.EmptyLike(x);
        var xs = x.Span; var d = r.Span;
        for (int i = 0; i < xs.Length; i++)
        {
            double v = xs[i];
            d[i] = (float)(0.5 * (1.0 + Erf(v * InvSqrt2)) + v * InvSqrt2Pi * Math.Exp(-0.5 * v * v));
        }
        return r;
    }

    private const double K0 = 0.7978845608028654; // sqrt(2/pi)
    private const double K1 = 0.044715;

    public static void GeluTanh(ReadOnlySpan<float> x, Span<float> y)
    {
        for (int i = 0; i < x.Length; i++)
        {
            double v = x[i];
            y[i] = (float)(0.5 * v * (1.0 + Math.Tanh(K0 * (v + K1 * v * v * v))));
        }
    }

    public static Tensor GeluTanhGrad(Tensor x)
    {
        var r = Tensor.EmptyLike(x);
        var xs = x.Span; var d = r.Span;
        for (int i = 0; i < xs.Length; i++)
        {
            double v = xs[i];
            double t = Math.Tanh(K0 * (v + K1 * v * v * v));
            d[i] = (float)(0.5 * (1 + t) + 0.5 * v * (1 - t * t) * K0 * (1 + 3 * K1 * v * v));
        }
        return r;
    }

    /// <summary>erf via erfc's Chebyshev fit (Numerical Recipes, fractional error &lt; 1.2e-7), ample for float32.</summary>
    public static double Erf(double x)
    {
        double z = Math.Abs(x);
        double t = 1.0 / (1.0 + 0.5 * z);
        double erfc = t * Math.Exp(-z * z - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 +
            t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))));
        return x >= 0 ? 1.0 - erfc : erfc - 1.0;
    }
}
