namespace MLAugment.Tasks.Metrics;

/// <summary>
/// Fréchet distance between two feature sets modelled as Gaussians (the FID formula of Heusel et al. 2017):
/// d² = ‖μ₁ − μ₂‖² + Tr(Σ₁ + Σ₂ − 2 (Σ₁^½ Σ₂ Σ₁^½)^½). The matrix square roots come from symmetric
/// eigendecompositions, which avoids the complex sqrtm of the non-symmetric product Σ₁Σ₂.
/// </summary>
public static class FrechetDistance
{
    /// <summary>Mean and covariance (divided by n−1, as numpy.cov) of row-major features [n, d].</summary>
    public static (double[] Mean, double[,] Covariance) Statistics(ReadOnlySpan<float> features, int n, int d)
    {
        if (n < 2) throw new ArgumentException($"FrechetDistance: need at least 2 feature rows, got {n}.");
        if (features.Length != n * d)
            throw new ArgumentException($"FrechetDistance: {features.Length} values do not form [{n}, {d}].");
        var mean = new double[d];
        for (int i = 0; i < n; i++)
            for (int j = 0; j < d; j++) mean[j] += features[i * d + j];
        for (int j = 0; j < d; j++) mean[j] /= n;
        var cov = new double[d, d];
        var row = new double[d];
        for (int i = 0; i < n; i++)
        {
            for (int j = 0; j < d; j++) row[j] = features[i * d + j] - mean[j];
            for (int a = 0; a < d; a++)
            {
                double ra = row[a];
                for (int b = a; b < d; b++) cov[a, b] += ra * row[b];
            }
        }
        for (int a = 0; a < d; a++)
            for (int b = a; b < d; b++) { cov[a, b] /= n - 1; cov[b, a] = cov[a, b]; }
        return (mean, cov);
    }

    public static double Compute(ReadOnlySpan<float> featuresA, int nA, ReadOnlySpan<float> featuresB, int nB, int d)
    {
        var (m1, s1) = Statistics(featuresA, nA, d);
        var (m2, s2) = Statistics(featuresB, nB, d);
        return Compute(m1, s1, m2, s2);
    }

    public static double Compute(double[] mean1, double[,] cov1, double[] mean2, double[,] cov2)
    {
        int d = mean1.Length;
        if (mean2.Length != d || cov1.GetLength(0) != d || cov2.GetLength(0) != d)
            throw new ArgumentException($"FrechetDistance: statistics of different dimensions ({d} vs {mean2.Length}).");
        double meanTerm = 0;
        for (int i = 0; i < d; i++) meanTerm += (mean1[i] - mean2[i]) * (mean1[i] - mean2[i]);
        var sqrt1 = SqrtPsd(cov1);
        var m = Multiply(Multiply(sqrt1, cov2), sqrt1);
        Symmetrize(m);
        var (eig, _) = SymmetricEigen.Decompose(m);
        double trSqrt = eig.Sum(l => Math.Sqrt(Math.Max(l, 0)));
        double tr1 = 0, tr2 = 0;
        for (int i = 0; i < d; i++) { tr1 += cov1[i, i]; tr2 += cov2[i, i]; }
        return Math.Max(0, meanTerm + tr1 + tr2 - 2 * trSqrt);
    }

    private static double[,] SqrtPsd(double[,] s)
    {
        int d = s.GetLength(0);
        var (vals, vecs) = SymmetricEigen.Decompose((double[,])s.Clone());
        var r = new double[d, d];
        for (int k = 0; k < d; k++)
        {
            double sq = Math.Sqrt(Math.Max(vals[k], 0));
            if (sq == 0) continue;
            for (int i = 0; i < d; i++)
            {
                double vik = vecs[i, k] * sq;
                for (int j = 0; j < d; j++) r[i, j] += vik * vecs[j, k];
            }
        }
        return r;
    }

    private static double[,] Multiply(double[,] a, double[,] b)
    {
        int n = a.GetLength(0), k = a.GetLength(1), m = b.GetLength(1);
        var r = new double[n, m];
        for (int i = 0; i < n; i++)
            for (int p = 0; p < k; p++)
            {
                double aip = a[i, p];
                if (aip == 0) continue;
                for (int j = 0; j < m; j++) r[i, j] += aip * b[p, j];
            }
        return r;
    }

    private static void Symmetrize(double[,] m)
    {
        int d = m.GetLength(0);
        for (int i = 0; i < d; i++)
            for (int j = i + 1; j < d; j++) { double v = 0.5 * (m[i, j] + m[j, i]); m[i, j] = v; m[j, i] = v; }
    }
}
