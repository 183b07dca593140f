namespace MLAugment.Engine.NN;

/// <summary>
/// Multi-head attention (Vaswani et al. 2017), batch first: query [B, L, E], key [B, S, kdim], value [B, S, vdim]
/// → [B, L, E]. Separate q/k/v projections and an output projection, named q_proj / k_proj / v_proj / out_proj as
/// in CLIP. Numerically it equals torch.nn.MultiheadAttention (batch_first, no dropout) with those weights, and it
/// is initialized like it: xavier_uniform q/k/v weights, zero input and output biases.
/// </summary>
public sealed class MultiheadAttention : Module<Tensor, Tensor>
{
    public int EmbedDim { get; }
    public int NumHeads { get; }
    public int HeadDim { get; }
    public Linear QProj { get; }
    public Linear KProj { get; }
    public Linear VProj { get; }
    public Linear OutProj { get; }

    public MultiheadAttention(int embedDim, int numHeads, Generator generator, bool bias = true, int? kdim = null, int? vdim = null)
    {
        if (embedDim <= 0 || numHeads <= 0 || embedDim % numHeads != 0)
            throw new ArgumentException($"MultiheadAttention: embed dim {embedDim} must be a positive multiple of the head count {numHeads}.");
        EmbedDim = embedDim;
        NumHeads = numHeads;
        HeadDim = embedDim / numHeads;
        QProj = RegisterModule("q_proj", new Linear(embedDim, embedDim, generator, bias));
        KProj = RegisterModule("k_proj", new Linear(kdim ?? embedDim, embedDim, generator, bias));
        VProj = RegisterModule("v_proj", new Linear(vdim ?? embedDim, embedDim, generator, bias));
        OutProj = RegisterModule("out_proj", new Linear(embedDim, embedDim, generator, bias));
        foreach (var proj in new[] { QProj, KProj, VProj })
        {
            Init.XavierUniform(proj.Weight, generator);
            if (proj.Bias != null) Init.Zeros(proj.Bias);
        }
        if (OutProj.Bias != null) Init.Zeros(OutProj.Bias);
    }

    /// <summary>Self-attention of <paramref name="input"/> [B, L, E].</summary>
    public override Tensor Forward(Tensor input) => Forward(input, input, input);

    /// <summary>
    /// Attention of <paramref name="query"/> over <paramref name="key"/>/<paramref name="value"/>.
    /// <paramref name="keyPaddingMask"/> [B, S]: nonzero marks a padded key that no query may attend to (torch's
    /// True). <paramref name="attnMask"/>: additive float mask [L, S] or [B·heads, L, S] (−inf forbids).
    /// <paramref name="isCausal"/>: query i sees keys j ≤ i only. A query left with no key yields NaN, as in torch.
    /// </summary>
    public Tensor Forward(Tensor query, Tensor key, Tensor value, Tensor? keyPaddingMask = null, Tensor? attnMask = null, bool isCausal = false)
    {
        if (query.Rank != 3 || key.Rank != 3 || value.Rank != 3 || query.Shape[2] != EmbedDim
            || key.Shape[2] != KProj.InFeatures || value.Shape[2] != VProj.InFeatures
            || key.Shape[0] != query.Shape[0] || value.Shape[0] != query.Shape[0] || key.Shape[1] != value.Shape[1])
            throw new ArgumentException($"MultiheadAttention: expected query [B, L, {EmbedDim}], key [B, S, {KProj.InFeatures}], value [B, S, {VProj.InFeatures}]; " +
                $"got {ShapeUtil.Format(query.Shape)}, {ShapeUtil.Format(key.Shape)}, {ShapeUtil.Format(value.Shape)}.");
        int b = query.Shape[0], l = query.Shape[1], s = key.Shape[1];
        var q = SplitHeads(QProj.Forward(query), b, l);
        var k = SplitHeads(KProj.Forward(key), b, s);
        var v = SplitHeads(VProj.Forward(value), b, s);
        var mask = CombineMasks(keyPaddingMask, attnMask, isCausal, b, l, s);
        var o = F.ScaledDotProductAttention(q, k, v, mask, isCausal && mask == null, null);
        return OutProj.Forward(o.Permute(0, 2, 1, 3).Reshape(b, l, EmbedDim));
    }

    private Tensor SplitHeads(Tensor x, int b, int len) => x.Reshape(b, len, NumHeads, HeadDim).Permute(0, 2, 1, 3);

    /// <summary>One additive mask broadcastable to [B, heads, L, S], or null when nothing is masked.</summary>
    private Tensor? CombineMasks(Tensor? keyPaddingMask, Tensor? attnMask, bool isCausal, int b, int l, int s)
    {
        Tensor? mask = null;
        if (attnMask != null)
        {
            if (attnMask.Rank == 2 && attnMask.Shape[0] == l && attnMask.Shape[1] == s) mask = attnMask.Reshape(1, 1, l, s);
            else if (attnMask.Rank == 3 && attnMask.Shape[0] == b * NumHeads && attnMask.Shape[1] == l && attnMask.Shape[2] == s)
                mask = attnMask.Reshape(b, NumHeads, l, s);
            else
                throw new ArgumentException($"MultiheadAttention: attn mask {ShapeUtil.Format(attnMask.Shape)} must be [{l}, {s}] or [{b * NumHeads}, {l}, {s}].");
        }
        if (keyPaddingMask != null)
        {
            if (keyPaddingMask.Rank != 2 || keyPaddingMask.Shape[0] != b || keyPaddingMask.Shape[1] != s)
                throw new ArgumentException($"MultiheadAttention: key padding mask {ShapeUtil.Format(keyPaddingMask.Shape)} must be [{b}, {s}].");
            var additive = Tensor.Empty(b, 1, 1, s);
            var src = keyPaddingMask.Span; var dst = additive.Span;
            for (int i = 0; i < dst.Length; i++) dst[i] = src[i] != 0f ? float.NegativeInfinity : 0f;
            mask = mask == null ? additive : mask + additive;
        }
        if (isCausal && mask != null)
        {
            // SDPA takes either a mask or isCausal, so fold the causal pattern into the mask here.
            var causal = Tensor.Empty(1, 1, l, s);
            var c = causal.Span;
            for (int i = 0; i < l; i++)
                for (int j = 0; j < s; j++) c[i * s + j] = j <= i ? 0f : float.NegativeInfinity;
            mask = mask + causal;
        }
        return mask;
    }
}
