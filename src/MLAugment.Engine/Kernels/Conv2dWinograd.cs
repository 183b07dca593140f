using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using MLAugment.Engine.Memory;

namespace MLAugment.Engine.Kernels;

/// <summary>
/// Forward 3x3 stride-1 convolution by Winograd's minimal filtering F(4x4, 3x3) (Lavin &amp; Gray, "Fast Algorithms
/// for Convolutional Neural Networks", 2016). Each 4x4 output tile is Y = Aᵀ[(G g Gᵀ) ⊙ (Bᵀ d B)]A over its 6x6 input
/// tile d; summed over input channels, the 36 elementwise products become 36 independent GEMMs
/// M_ξ[OutC, tiles] = U_ξ[OutC, C] · V_ξ[C, tiles], a quarter of im2col's multiply-adds on whole tiles.
/// </summary>
/// <remarks>
/// The input and output transforms run 8 tiles per AVX2 vector (an 8x8 transpose gathers one row of 8 tiles), the
/// weight transform 8 input channels per vector. Bᵀ and Aᵀ hold 4, 5 and 8, so results differ from im2col's by
/// float rounding (up to ~5e-6 of the output's largest magnitude), not bit for bit; like every kernel here they are deterministic
/// and independent of <see cref="EngineOptions.MaxDegreeOfParallelism"/>.
/// </remarks>
internal static unsafe class Conv2dWinograd
{
    private const int Tile = 4;               // output tile side m
    private const int Alpha = Tile + 2;       // input tile side m + r - 1
    private const int Points = Alpha * Alpha; // GEMMs, one per transformed position ξ
    private const int Lanes = 8;

    /// <summary>Shapes this kernel computes: ungrouped 3x3, stride 1, no dilation, any padding; AVX2 + FMA.</summary>
    internal static bool Supports(in Conv2dShape s) =>
        Avx2.IsSupported && Fma.IsSupported && s.Groups == 1 && s.KH == 3 && s.KW == 3
        && s.StrideH == 1 && s.StrideW == 1 && s.DilationH == 1 && s.DilationW == 1;

    /// <summary>
    /// What <see cref="Conv2dAlgorithm.Auto"/> picks it for: the tiles at least halve the multiply-adds (planes of
    /// 4x4, 6x6, 8x8 and up; not 2x2 or 5x5) and channels are many enough for the transforms to pay: per tile they
    /// cost ∝ C + OutC against the GEMMs' C·OutC, and on this engine they lose below C·OutC/(C + OutC) = 48
    /// (64 → 64 loses, 192 → 64 and 128 → 128 win). The choice never depends on the batch size, so an image's
    /// result does not depend on the batch it came in (each tile is computed alike wherever it sits in a chunk).
    /// </summary>
    internal static bool Preferred(in Conv2dShape s)
    {
        if (!Supports(s) || (long)s.C * s.OutC < 48L * (s.C + s.OutC)) return false;
        long tiles = (long)TilesY(s) * TilesX(s);
        return 8 * tiles <= (long)s.OutH * s.OutW;
    }

    /// <summary>
    /// Distance between the 36 matrices of U, V and M: the transforms touch all 36 at once, and matrices a multiple
    /// of 4 KiB apart would all map to the same L1 sets (8 ways for 36 streams). Padding each to 16 floats past a
    /// 4 KiB multiple puts consecutive matrices one cache line apart in the set index.
    /// </summary>
    private static long Stride(long length) => (length + 1023) / 1024 * 1024 + 16;

    private static int TilesY(in Conv2dShape s) => (s.OutH + Tile - 1) / Tile;
    private static int TilesX(in Conv2dShape s) => (s.OutW + Tile - 1) / Tile;

    /// <summary>
    /// Floats of V and M (transformed inputs, products) one chunk of images aims at: the chunk's transforms and
    /// GEMMs then run out of one core's L2 instead of streaming both matrices through memory.
    /// </summary>
    private const int ChunkFloats = 1 << 18;

    /// <summary>Narrowest chunk in tiles: the GEMMs' columns; below a micro-kernel's width most of each tile is wasted.</summary>
    private const int MinChunkTiles = 32;

    /// <summary>Floats of V and M one image needs.</summary>
    private static long PerImageFloats(in Conv2dShape s) => (long)Points * (s.C + s.OutC) * TilesY(s) * TilesX(s);

    /// <summary>Images per chunk: L2-sized, at least <see cref="MinChunkTiles"/> tiles, a whole number of 8-tile vectors when it can.</summary>
    private static int ChunkImages(in Conv2dShape s)
    {
        int perImage = TilesY(s) * TilesX(s);
        long images = Math.Max(ChunkFloats / PerImageFloats(s), (MinChunkTiles + perImage - 1) / perImage);
        int whole = Lanes / Gcd(Lanes, perImage);   // images that fill whole 8-tile vectors
        if (images > whole) images = images / whole * whole;
        return (int)Math.Clamp(images, 1, s.N);
    }

    private static int Gcd(int a, int b) => b == 0 ? a : Gcd(b, a % b);

    /// <summary>y = conv(x, w) + bias (bias may be null). Pointers validated by <see cref="Conv2dKernels"/>.</summary>
    internal static void Forward(float* x, float* w, float* bias, float* y, Conv2dShape s)
    {
        if (!Supports(s)) throw new ArgumentException($"Winograd F(4x4, 3x3) needs an ungrouped 3x3 stride-1 undilated convolution on an AVX2+FMA CPU; got {s}.", nameof(s));
        int chunk = ChunkImages(s), chunks = (s.N + chunk - 1) / chunk;
        int tilesY = TilesY(s), tilesX = TilesX(s), perImage = tilesY * tilesX;
        int cols = (chunk * perImage + Lanes - 1) / Lanes * Lanes;
        long vStride = Stride((long)s.C * cols), mStride = Stride((long)s.OutC * cols);
        var layout = new ChunkLayout(s, chunk);
        long scratch = Points * (vStride + mStride) + layout.Length;
        if (scratch > int.MaxValue)
            throw new ArgumentException($"Winograd buffers for one image of {s} would exceed int.MaxValue floats; use Im2ColGemm.", nameof(s));
        int packedLen = Sgemm.PackedALength(s.OutC, s.C);
        float[] packed = BufferPool.Rent(Points * packedLen);
        try
        {
            fixed (float* pu = packed)
            {
                float* up = pu;
                TransformAndPackWeights(w, up, packedLen, s);
                Parallel.For(0, chunks, new ParallelOptions { MaxDegreeOfParallelism = chunks > 1 ? EngineOptions.MaxDegreeOfParallelism : 1 },
                    () => { var buf = BufferPool.Rent((int)scratch); Array.Clear(buf, 0, (int)scratch); return buf; },
                    (ci, _, buf) =>
                    {
                        int n0 = ci * chunk, count = Math.Min(chunk, s.N - n0);
                        fixed (float* pb = buf)
                        {
                            float* v = pb, m = pb + Points * vStride, planes = m + Points * mStride;
                            TransformInput(x + (long)n0 * s.C * s.H * s.W, count, v, vStride, cols, planes, layout, s);
                            for (int xi = 0; xi < Points; xi++)
                                Sgemm.MultiplyPrepacked(s.OutC, cols, s.C, 1f, up + (long)xi * packedLen, false, v + xi * vStride, cols,
                                    0f, m + xi * mStride, cols, 1);
                            TransformOutput(m, mStride, cols, count, bias, y + (long)n0 * s.OutC * s.OutH * s.OutW, layout, s);
                        }
                        return buf;
                    },
                    BufferPool.Return);
            }
        }
        finally { BufferPool.Return(packed); }
    }

    /// <summary>
    /// Where a chunk's tiles are, the same for every chunk and channel. Input side: the zero-padded copies of one
    /// input channel, a zero tile first (for lanes past the last tile), then one plane per image holding all its
    /// tiles, rows wide enough for 8-float loads from the last tile's column; the buffer is cleared once and every
    /// channel writes the same interior, so borders and the zero tile stay zero. Output side: where each tile's
    /// 4x4 block starts in output channel 0 of the chunk, and whether all of it lies inside the output plane.
    /// </summary>
    private readonly struct ChunkLayout
    {
        public readonly int RowLength, PlaneLength, ZeroLength, Length;
        public readonly int[] TileStart;     // offset of tile p's top-left input in the buffer, for p < chunk tiles
        public readonly long[] OutputStart;  // offset of tile p's top-left output, channel 0 of the chunk's first image
        public readonly bool[] WholeTile;    // tile p's 4x4 outputs all lie inside the plane

        public ChunkLayout(in Conv2dShape s, int images)
        {
            int tilesY = TilesY(s), tilesX = TilesX(s), perImage = tilesY * tilesX;
            RowLength = Tile * tilesX + 4;
            PlaneLength = (Tile * tilesY + 2) * RowLength;
            ZeroLength = Alpha * RowLength + Lanes;
            Length = ZeroLength + images * PlaneLength;
            TileStart = new int[images * perImage];
            OutputStart = new long[images * perImage];
            WholeTile = new bool[images * perImage];
            for (int p = 0; p < TileStart.Length; p++)
            {
                int n = p / perImage, t = p % perImage;
                int oy = Tile * (t / tilesX), ox = Tile * (t % tilesX);
                TileStart[p] = ZeroLength + n * PlaneLength + oy * RowLength + ox;
                OutputStart[p] = ((long)n * s.OutC * s.OutH + oy) * s.OutW + ox;
                WholeTile[p] = oy + Tile <= s.OutH && ox + Tile <= s.OutW;
            }
        }
    }

    // ------------------------------------------------------------------ weights: U_ξ[o, c] = (G g Gᵀ)[ξ]

    /// <summary>(G g)[i] for a 3-vector g; G = [[1/4,0,0], [-1/6,-1/6,-1/6], [-1/6,1/6,-1/6], [1/24,1/12,1/6], [1/24,-1/12,1/6], [0,0,1]].</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void G3(Vector256<float> g0, Vector256<float> g1, Vector256<float> g2, Vector256<float>* o, int stride)
    {
        Vector256<float> sixth = Vector256.Create(1f / 6), twelfth = Vector256.Create(1f / 12), twentyFourth = Vector256.Create(1f / 24);
        var even = Avx.Add(g0, g2);
        var a = Avx.Multiply(g0, twentyFourth);
        var b = Fma.MultiplyAdd(g2, sixth, a);
        var c = Avx.Multiply(g1, twelfth);
        o[0] = Avx.Multiply(g0, Vector256.Create(0.25f));
        o[stride] = Avx.Multiply(Avx.Add(even, g1), Vector256.Create(-1f / 6));
        o[2 * stride] = Avx.Multiply(Avx.Subtract(even, g1), Vector256.Create(-1f / 6));
        o[3 * stride] = Avx.Add(b, c);
        o[4 * stride] = Avx.Subtract(b, c);
        o[5 * stride] = g2;
    }

    /// <summary>U_ξ for the 36 points, each packed once for the GEMM's A side (every chunk reuses it).</summary>
    private static void TransformAndPackWeights(float* w, float* packed, int packedLen, Conv2dShape s)
    {
        long plane = Stride((long)s.OutC * s.C);
        float[] u = BufferPool.Rent((int)(Points * plane));
        try
        {
            TransformWeights(w, u, plane, s);
            fixed (float* pu = u)
            {
                float* up = pu;
                Conv2dKernels.ParallelRanges(Points, xi => Sgemm.PackA(false, s.OutC, s.C, up + xi * plane, s.C, packed + (long)xi * packedLen), Points * plane);
            }
        }
        finally { BufferPool.Return(u); }
    }

    private static void TransformWeights(float* w, float[] u, long plane, Conv2dShape s)
    {
        int outC = s.OutC, inC = s.C;
        fixed (float* pu = u)
        {
            float* up = pu;
            Conv2dKernels.ParallelRanges(outC, o =>
            {
                var g = stackalloc Vector256<float>[9];
                var t = stackalloc Vector256<float>[Alpha * 3];
                var r = stackalloc Vector256<float>[Points];
                var lanes = stackalloc float[9 * Lanes];
                var tail = stackalloc float[Lanes];
                for (int c0 = 0; c0 < inC; c0 += Lanes)
                {
                    int n = Math.Min(Lanes, inC - c0);
                    float* src = w + ((long)o * inC + c0) * 9;
                    if (n == Lanes)
                    {
                        var stride9 = Vector256.Create(0, 9, 18, 27, 36, 45, 54, 63);
                        for (int tap = 0; tap < 9; tap++) g[tap] = Avx2.GatherVector256(src + tap, stride9, 4);
                    }
                    else
                    {
                        for (int tap = 0; tap < 9; tap++)
                            for (int l = 0; l < Lanes; l++) lanes[tap * Lanes + l] = l < n ? src[l * 9 + tap] : 0f;
                        for (int tap = 0; tap < 9; tap++) g[tap] = Avx.LoadVector256(lanes + tap * Lanes);
                    }
                    // t = G g (6x3): column j of g is (g[j], g[3+j], g[6+j]).
                    for (int j = 0; j < 3; j++) G3(g[j], g[3 + j], g[6 + j], t + j, 3);
                    // r = t Gᵀ (6x6): row i of t transformed the same way.
                    for (int i = 0; i < Alpha; i++) G3(t[i * 3], t[i * 3 + 1], t[i * 3 + 2], r + i * Alpha, 1);
                    for (int xi = 0; xi < Points; xi++)
                    {
                        float* dst = up + xi * plane + (long)o * inC + c0;
                        if (n == Lanes) Avx.Store(dst, r[xi]);
                        else
                        {
                            Avx.Store(tail, r[xi]);
                            for (int l = 0; l < n; l++) dst[l] = tail[l];
                        }
                    }
                }
            }, plane * Points);
        }
    }

    // ------------------------------------------------------------------ input: V_ξ[c, tile] = (Bᵀ d B)[ξ]

    /// <summary>o = Bᵀ d for a 6-vector d; Bᵀ = [[4,0,-5,0,1,0], [0,-4,-4,1,1,0], [0,4,-4,-1,1,0], [0,-2,-1,2,1,0], [0,2,-1,-2,1,0], [0,4,0,-5,0,1]].</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void BT6(Vector256<float>* d, int dStride, Vector256<float>* o, int oStride)
    {
        Vector256<float> d0 = d[0], d1 = d[dStride], d2 = d[2 * dStride], d3 = d[3 * dStride], d4 = d[4 * dStride], d5 = d[5 * dStride];
        var four = Vector256.Create(4f);
        var five = Vector256.Create(5f);
        var two = Vector256.Create(2f);
        var a = Fma.MultiplyAddNegated(d2, four, d4);         // d4 - 4 d2
        var b = Fma.MultiplyAddNegated(d1, four, d3);         // d3 - 4 d1
        var c = Avx.Subtract(d4, d2);                          // d4 - d2
        var e = Avx.Multiply(Avx.Subtract(d3, d1), two);      // 2 (d3 - d1)
        o[0] = Fma.MultiplyAddNegated(d2, five, Fma.MultiplyAdd(d0, four, d4));
        o[oStride] = Avx.Add(a, b);
        o[2 * oStride] = Avx.Subtract(a, b);
        o[3 * oStride] = Avx.Add(c, e);
        o[4 * oStride] = Avx.Subtract(c, e);
        o[5 * oStride] = Fma.MultiplyAddNegated(d3, five, Fma.MultiplyAdd(d1, four, d5));
    }

    /// <summary>Copies a short image row (planes here are often 4 or 8 wide, too short for a general copy loop to pay).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void CopyRow(int n, float* src, float* dst)
    {
        int i = 0;
        for (; i + Lanes <= n; i += Lanes) Avx.Store(dst + i, Avx.LoadVector256(src + i));
        if (i + 4 <= n) { Sse.Store(dst + i, Sse.LoadVector128(src + i)); i += 4; }
        for (; i < n; i++) dst[i] = src[i];
    }

    /// <summary>V_ξ[c, p] for the chunk's images, single-threaded (chunks run in parallel).</summary>
    private static void TransformInput(float* x, int images, float* v, long plane, int cols, float* planes, in ChunkLayout layout, in Conv2dShape s)
    {
        int inC = s.C, h = s.H, wd = s.W, hw = h * wd, tiles = images * TilesY(s) * TilesX(s);
        int wp = layout.RowLength;
        var rows = stackalloc float*[Lanes];
        var d = stackalloc Vector256<float>[Alpha * Lanes];   // 6 rows x 8 columns after each transpose
        var t = stackalloc Vector256<float>[Points];
        var o = stackalloc Vector256<float>[Points];
        fixed (int* start = layout.TileStart)
        {
            for (int c = 0; c < inC; c++)
            {
                for (int n = 0; n < images; n++)
                {
                    float* src = x + ((long)n * inC + c) * hw;
                    float* dst = planes + layout.ZeroLength + (long)n * layout.PlaneLength + s.PadH * wp + s.PadW;
                    for (int r = 0; r < h; r++) CopyRow(wd, src + (long)r * wd, dst + (long)r * wp);
                }
                for (int p0 = 0; p0 < cols; p0 += Lanes)
                {
                    for (int l = 0; l < Lanes; l++) rows[l] = planes + (p0 + l < tiles ? start[p0 + l] : 0);
                    // d[r * 8 + j] = row r, column j of the 8 tiles (one tile per lane); columns 6, 7 unused.
                    for (int r = 0; r < Alpha; r++)
                        Sgemm.Transpose8x8(rows, (long)r * wp, (float*)(d + r * Lanes), Lanes);
                    // t = Bᵀ d column by column, then o = t B row by row.
                    for (int j = 0; j < Alpha; j++) BT6(d + j, Lanes, t + j, Alpha);
                    for (int i = 0; i < Alpha; i++) BT6(t + i * Alpha, 1, o + i * Alpha, 1);
                    for (int xi = 0; xi < Points; xi++)
                        Avx.Store(v + xi * plane + (long)c * cols + p0, o[xi]);
                }
            }
        }
    }

    // ------------------------------------------------------------------ output: Y = Aᵀ M A + bias

    /// <summary>o = Aᵀ m for a 6-vector m; Aᵀ = [[1,1,1,1,1,0], [0,1,-1,2,-2,0], [0,1,1,4,4,0], [0,1,-1,8,-8,1]].</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void AT6(Vector256<float>* m, int mStride, Vector256<float>* o, int oStride)
    {
        Vector256<float> m0 = m[0], m1 = m[mStride], m2 = m[2 * mStride], m3 = m[3 * mStride], m4 = m[4 * mStride], m5 = m[5 * mStride];
        var sum12 = Avx.Add(m1, m2);
        var dif12 = Avx.Subtract(m1, m2);
        var sum34 = Avx.Add(m3, m4);
        var dif34 = Avx.Subtract(m3, m4);
        o[0] = Avx.Add(Avx.Add(m0, sum12), sum34);
        o[oStride] = Fma.MultiplyAdd(dif34, Vector256.Create(2f), dif12);
        o[2 * oStride] = Fma.MultiplyAdd(sum34, Vector256.Create(4f), sum12);
        o[3 * oStride] = Avx.Add(Fma.MultiplyAdd(dif34, Vector256.Create(8f), dif12), m5);
    }

    /// <summary>y = Aᵀ M A + bias for the chunk's images, single-threaded (chunks run in parallel).</summary>
    private static void TransformOutput(float* m, long plane, int cols, int images, float* bias, float* y, in ChunkLayout layout, in Conv2dShape s)
    {
        int outC = s.OutC, oh = s.OutH, ow = s.OutW, tiles = images * TilesY(s) * TilesX(s);
        long planeOut = (long)oh * ow;
        var mv = stackalloc Vector256<float>[Points];
        var t = stackalloc Vector256<float>[Tile * Alpha];
        var yt = stackalloc Vector256<float>[2 * Lanes];          // 16 outputs of 8 tiles
        var perLane = stackalloc float[Lanes * Tile * Tile];     // the same, one tile after another
        for (int o = 0; o < outC; o++)
        {
            var b = Vector256.Create(bias == null ? 0f : bias[o]);
            for (int p0 = 0; p0 < cols; p0 += Lanes)
            {
                for (int xi = 0; xi < Points; xi++) mv[xi] = Avx.LoadVector256(m + xi * plane + (long)o * cols + p0);
                for (int j = 0; j < Alpha; j++) AT6(mv + j, Alpha, t + j, Alpha);
                for (int i = 0; i < Tile; i++) AT6(t + i * Alpha, 1, yt + i * Tile, 1);
                for (int k = 0; k < 2 * Lanes; k++) yt[k] = Avx.Add(yt[k], b);
                Sgemm.Transpose8x8(yt[0], yt[1], yt[2], yt[3], yt[4], yt[5], yt[6], yt[7], perLane, Tile * Tile);
                Sgemm.Transpose8x8(yt[8], yt[9], yt[10], yt[11], yt[12], yt[13], yt[14], yt[15], perLane + Lanes, Tile * Tile);
                for (int l = 0; l < Lanes && p0 + l < tiles; l++)
                {
                    int p = p0 + l;
                    float* src = perLane + l * Tile * Tile;
                    float* dst = y + layout.OutputStart[p] + o * planeOut;
                    if (layout.WholeTile[p])
                    {
                        for (int r = 0; r < Tile; r++) Sse.Store(dst + (long)r * ow, Sse.LoadVector128(src + r * Tile));
                        continue;
                    }
                    long within = layout.OutputStart[p] % planeOut;   // oy * ow + ox: the chunk starts at an image boundary
                    int rowsHere = Math.Min(Tile, oh - (int)(within / ow)), colsHere = Math.Min(Tile, ow - (int)(within % ow));
                    for (int r = 0; r < rowsHere; r++)
                        for (int q = 0; q < colsHere; q++) dst[(long)r * ow + q] = src[r * Tile + q];
                }
            }
        }
    }
}
