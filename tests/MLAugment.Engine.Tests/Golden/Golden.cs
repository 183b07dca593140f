using System.Text;
using System.Text.Json;
using MLAugment.Engine;

namespace MLAugment.Engine.Tests.Golden;

/// <summary>
/// One reference case written by make_golden.py (PyTorch 1.13, float64 reference rounded to float32):
/// inputs, op arguments, the expected output, a fixed upstream gradient and the expected input gradients.
/// </summary>
public sealed class GoldenCase
{
    private readonly JsonElement _e;
    private readonly Dictionary<string, Tensor> _inputs = new();

    public GoldenCase(JsonElement e)
    {
        _e = e;
        Name = e.GetProperty("name").GetString()!;
        Op = e.GetProperty("op").GetString()!;
        foreach (var inp in e.GetProperty("inputs").EnumerateArray())
        {
            var t = ReadTensor(inp);
            if (inp.GetProperty("grad").GetBoolean()) t.RequiresGrad = true;
            _inputs[inp.GetProperty("name").GetString()!] = t;
            InputOrder.Add(inp.GetProperty("name").GetString()!);
        }
    }

    public string Name { get; }
    public string Op { get; }
    public List<string> InputOrder { get; } = new();

    public Tensor In(string name) => _inputs.TryGetValue(name, out var t) ? t : throw new KeyNotFoundException($"{Name}: no input '{name}'.");
    public Tensor? InOrNull(string name) => _inputs.GetValueOrDefault(name);
    public bool Has(string name) => _inputs.ContainsKey(name);

    private JsonElement Arg(string name) => _e.GetProperty("args").TryGetProperty(name, out var v) ? v
        : throw new KeyNotFoundException($"{Name}: no argument '{name}'.");
    public bool HasArg(string name) => _e.GetProperty("args").TryGetProperty(name, out _);
    public int Int(string name) => Arg(name).GetInt32();
    public float Float(string name) => (float)Arg(name).GetDouble();
    public bool Bool(string name) => Arg(name).GetBoolean();
    public string Str(string name) => Arg(name).GetString()!;
    public int[] Ints(string name) => Arg(name).EnumerateArray().Select(v => v.GetInt32()).ToArray();

    public Reduction Reduction => Str("reduction") switch { "none" => Reduction.None, "sum" => Reduction.Sum, _ => Reduction.Mean };

    public Tensor Output => ReadTensor(_e.GetProperty("output"));
    public Tensor Upstream => ReadTensor(_e.GetProperty("upstream"));
    public Tensor Extra(string name) => ReadTensor(_e.GetProperty("extra").GetProperty(name));

    public IEnumerable<(string Name, Tensor Expected)> Grads =>
        _e.GetProperty("grads").EnumerateObject().Select(p => (p.Name, ReadTensor(p.Value)));

    private static Tensor ReadTensor(JsonElement e)
    {
        var shape = e.GetProperty("shape").EnumerateArray().Select(v => v.GetInt32()).ToArray();
        var data = e.GetProperty("data").EnumerateArray().Select(v => (float)v.GetDouble()).ToArray();
        return Tensor.FromArray(data, shape);
    }
}

/// <summary>
/// Runs golden cases and compares. Error measure (per tensor): max|actual − expected| / max(max|expected|, 1e-6),
/// i.e. the largest deviation relative to the reference's magnitude. Forward outputs must be within 1e-4,
/// gradients within 1e-3. All failures of a file are collected and reported together.
/// </summary>
public static class Golden
{
    public const double ForwardTolerance = 1e-4;
    public const double GradTolerance = 1e-3;

    public static List<GoldenCase> Load(string family)
    {
        var path = Path.Combine(AppContext.BaseDirectory, "Golden", "data", family + ".json");
        using var doc = JsonDocument.Parse(File.ReadAllBytes(path));
        return doc.RootElement.GetProperty("cases").EnumerateArray().Select(e => new GoldenCase(e.Clone())).ToList();
    }

    public static double RelError(ReadOnlySpan<float> actual, ReadOnlySpan<float> expected)
    {
        double maxDiff = 0, maxRef = 0;
        for (int i = 0; i < expected.Length; i++)
        {
            double d = Math.Abs((double)actual[i] - expected[i]);
            if (double.IsNaN(d)) return double.PositiveInfinity;
            maxDiff = Math.Max(maxDiff, d);
            maxRef = Math.Max(maxRef, Math.Abs(expected[i]));
        }
        return maxDiff / Math.Max(maxRef, 1e-6);
    }

    /// <summary>Compares one tensor; appends a line to <paramref name="errors"/> on mismatch.</summary>
    public static void Compare(string what, Tensor actual, Tensor expected, double tol, StringBuilder errors)
    {
        if (!ShapeUtil.SameShape(actual.Shape, expected.Shape))
        {
            errors.AppendLine($"{what}: shape {ShapeUtil.Format(actual.Shape)}, expected {ShapeUtil.Format(expected.Shape)}");
            return;
        }
        double err = RelError(actual.Span, expected.Span);
        if (!(err <= tol)) errors.AppendLine($"{what}: relative error {err:G3} > {tol:G1}");
    }

    /// <summary>
    /// For each case of <paramref name="family"/> with an op in <paramref name="ops"/>: builds the output with
    /// <paramref name="build"/>, checks it, then checks autograd's gradients of sum(output ⊙ upstream) for every
    /// input the reference differentiated. <paramref name="check"/> may verify extra outputs.
    /// Returns the number of cases run (asserted to be nonzero).
    /// </summary>
    public static int Run(string family, Func<GoldenCase, Tensor?> build, Action<GoldenCase, Tensor, StringBuilder>? check = null)
    {
        var errors = new StringBuilder();
        int ran = 0;
        foreach (var c in Load(family))
        {
            Tensor? y;
            try { y = build(c); }
            catch (Exception ex) { errors.AppendLine($"{c.Name}: threw {ex.GetType().Name}: {ex.Message}"); continue; }
            if (y == null) continue;
            ran++;
            Compare($"{c.Name} forward", y, c.Output, ForwardTolerance, errors);
            check?.Invoke(c, y, errors);
            var grads = c.Grads.ToList();
            if (grads.Count == 0) continue;
            try
            {
                var ins = grads.Select(g => c.In(g.Name)).ToArray();
                var actual = Autograd.Autograd.Grad(y, ins, c.Upstream);
                for (int i = 0; i < ins.Length; i++)
                    Compare($"{c.Name} d/d{grads[i].Name}", actual[i], grads[i].Expected, GradTolerance, errors);
            }
            catch (Exception ex) { errors.AppendLine($"{c.Name} backward: threw {ex.GetType().Name}: {ex.Message}"); }
        }
        if (errors.Length > 0) Assert.Fail($"{family}: golden mismatches\n{errors}");
        Assert.IsTrue(ran > 0, $"{family}: no cases ran");
        return ran;
    }
}
