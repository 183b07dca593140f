using MLAugment.Engine;

namespace MLAugment.Engine.Tests;

/// <summary>
/// Finite-difference gradient check: compares autograd's dL/dx for L = sum(f(x) * w) (w fixed random weights,
/// so every output element matters) against central differences computed in float64-accumulated float32.
/// </summary>
public static class GradCheck
{
    public static void Check(Func<Tensor[], Tensor> f, Tensor[] inputs, double eps = 1e-2, double tol = 2e-2, int seed = 7)
    {
        foreach (var x in inputs) x.RequiresGrad = true;
        var y0 = f(inputs);
        var rng = new Random(seed);
        var w = Tensor.FromArray(Enumerable.Range(0, y0.Length).Select(_ => (float)(rng.NextDouble() * 2 - 1)).ToArray(), y0.Shape.ToArray());
        var loss = (y0 * w).Sum();
        var grads = Autograd.Autograd.Grad(loss, inputs);
        for (int i = 0; i < inputs.Length; i++)
        {
            var x = inputs[i];
            var xs = x.Span;
            for (int j = 0; j < x.Length; j++)
            {
                float orig = xs[j];
                xs[j] = (float)(orig + eps); double lp = Eval(f, inputs, w);
                xs[j] = (float)(orig - eps); double lm = Eval(f, inputs, w);
                xs[j] = orig;
                double numeric = (lp - lm) / (2 * eps);
                double analytic = grads[i].Span[j];
                double err = Math.Abs(numeric - analytic) / Math.Max(1.0, Math.Abs(numeric));
                if (err > tol)
                    Assert.Fail($"input {i} element {j}: autograd {analytic:G6} vs finite difference {numeric:G6} (err {err:G3})");
            }
        }
    }

    private static double Eval(Func<Tensor[], Tensor> f, Tensor[] inputs, Tensor w)
    {
        using var _ = Autograd.Autograd.NoGrad();
        var y = f(inputs);
        double s = 0;
        var ys = y.Span; var ws = w.Span;
        for (int k = 0; k < ys.Length; k++) s += (double)ys[k] * ws[k];
        return s;
    }

    public static Tensor Randn(int seed, params int[] shape)
    {
        var rng = new Random(seed);
        var n = ShapeUtil.Numel(shape);
        return Tensor.FromArray(Enumerable.Range(0, n).Select(_ => (float)(rng.NextDouble() * 2 - 1)).ToArray(), shape);
    }
}
