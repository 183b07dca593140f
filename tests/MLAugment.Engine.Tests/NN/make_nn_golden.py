#!/usr/bin/python3
"""Generates nn_golden.json: PyTorch (1.13, CPU, float32) modules with their state dicts, an input and the output.

Run from this folder: /usr/bin/python3 make_nn_golden.py
The C# tests build the same module, load the state dict strictly (so names and shapes must match PyTorch's), run
the forward pass and compare. Parameter names/counts of a nested diffusers-style block are recorded as well.
"""
import json
import struct

import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(2024)


def t2j(t):
    return dict(shape=list(t.shape), data=t.detach().float().flatten().tolist())


def state(m):
    return {k: t2j(v.float()) for k, v in m.state_dict().items()}


class SeparateProjectionAttention(nn.Module):
    """Multi-head attention with separate q/k/v projections (CLIP-style names), batch first."""

    def __init__(self, embed_dim, num_heads, kdim=None, vdim=None, bias=True):
        super().__init__()
        self.h = num_heads
        self.q_proj = nn.Linear(embed_dim, embed_dim, bias=bias)
        self.k_proj = nn.Linear(kdim or embed_dim, embed_dim, bias=bias)
        self.v_proj = nn.Linear(vdim or embed_dim, embed_dim, bias=bias)
        self.out_proj = nn.Linear(embed_dim, embed_dim, bias=bias)

    def forward(self, q, k, v, key_padding_mask=None, attn_mask=None):
        b, l, e = q.shape
        s = k.shape[1]
        d = e // self.h
        qh = self.q_proj(q).view(b, l, self.h, d).transpose(1, 2)
        kh = self.k_proj(k).view(b, s, self.h, d).transpose(1, 2)
        vh = self.v_proj(v).view(b, s, self.h, d).transpose(1, 2)
        scores = qh @ kh.transpose(-1, -2) / d ** 0.5
        if attn_mask is not None:
            scores = scores + attn_mask
        if key_padding_mask is not None:
            scores = scores.masked_fill(key_padding_mask[:, None, None, :], float("-inf"))
        out = scores.softmax(-1) @ vh
        return self.out_proj(out.transpose(1, 2).reshape(b, l, e))

    def check_against_torch_mha(self, q, k, v, key_padding_mask, attn_mask):
        e = self.q_proj.weight.shape[0]
        same_dims = self.k_proj.weight.shape[1] == e and self.v_proj.weight.shape[1] == e
        mha = nn.MultiheadAttention(e, self.h, batch_first=True,
                                    kdim=self.k_proj.weight.shape[1], vdim=self.v_proj.weight.shape[1])
        with torch.no_grad():
            if same_dims:
                mha.in_proj_weight.copy_(torch.cat([self.q_proj.weight, self.k_proj.weight, self.v_proj.weight]))
            else:
                mha.q_proj_weight.copy_(self.q_proj.weight)
                mha.k_proj_weight.copy_(self.k_proj.weight)
                mha.v_proj_weight.copy_(self.v_proj.weight)
            mha.in_proj_bias.copy_(torch.cat([self.q_proj.bias, self.k_proj.bias, self.v_proj.bias]))
            mha.out_proj.weight.copy_(self.out_proj.weight)
            mha.out_proj.bias.copy_(self.out_proj.bias)
        ref, _ = mha(q, k, v, key_padding_mask=key_padding_mask, attn_mask=attn_mask, need_weights=False)
        ours = self(q, k, v, key_padding_mask, attn_mask)
        assert torch.allclose(ref, ours, atol=1e-5), (ref - ours).abs().max()


class ResnetBlock(nn.Module):
    def __init__(self, cin, cout):
        super().__init__()
        self.norm1 = nn.GroupNorm(2, cin)
        self.conv1 = nn.Conv2d(cin, cout, 3, padding=1)
        self.norm2 = nn.GroupNorm(2, cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, padding=1)
        self.shortcut = nn.Conv2d(cin, cout, 1) if cin != cout else nn.Identity()


class TinyUNetLike(nn.Module):
    def __init__(self):
        super().__init__()
        self.time_embed = nn.Sequential(nn.Linear(8, 16), nn.SiLU(), nn.Linear(16, 16))
        self.down = nn.ModuleList([ResnetBlock(4, 8), ResnetBlock(8, 8)])
        self.attn = SeparateProjectionAttention(8, 2)
        self.bn = nn.BatchNorm2d(8)
        self.up = nn.ConvTranspose2d(8, 4, 4, stride=2, padding=1)
        self.emb = nn.Embedding(10, 8)
        self.ln = nn.LayerNorm(8)


def write_safetensors(path, tensors):
    """Minimal safetensors writer (the safetensors package is not installed here): sorted names, 8-byte aligned."""
    header, blobs, offset = {}, [], 0
    for name in sorted(tensors):
        t = tensors[name].contiguous()
        dtype = {torch.float32: "F32", torch.float16: "F16", torch.int64: "I64"}[t.dtype]
        raw = t.numpy().tobytes()
        header[name] = dict(dtype=dtype, shape=list(t.shape), data_offsets=[offset, offset + len(raw)])
        blobs.append(raw)
        offset += len(raw)
    h = json.dumps(header, separators=(",", ":")).encode()
    h += b" " * (-len(h) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)))
        f.write(h)
        for b in blobs:
            f.write(b)


def case(name, module, inputs, output, **extra):
    d = dict(name=name, state=state(module), inputs=[t2j(x) for x in inputs], output=t2j(output))
    d.update(extra)
    return d


def randomize_affine(m):
    with torch.no_grad():
        for n, p in m.named_parameters():
            if n.endswith("weight") and p.dim() == 1:
                p.copy_(1 + 0.3 * torch.randn_like(p))
            elif n.endswith("bias") and p.dim() == 1:
                p.copy_(0.3 * torch.randn_like(p))


def main():
    cases = []

    m = nn.Linear(4, 3)
    x = torch.randn(2, 5, 4)
    cases.append(case("linear", m, [x], m(x)))

    m = nn.Sequential(nn.Linear(4, 8), nn.SiLU(), nn.Linear(8, 8), nn.GELU(), nn.Linear(8, 2), nn.ReLU())
    x = torch.randn(3, 4)
    cases.append(case("mlp", m, [x], m(x)))

    m = nn.LayerNorm([3, 6]); randomize_affine(m)
    x = torch.randn(2, 3, 6) * 2 + 1
    cases.append(case("layernorm", m, [x], m(x)))

    m = nn.GroupNorm(2, 6); randomize_affine(m)
    x = torch.randn(2, 6, 3, 3) * 2 + 1
    cases.append(case("groupnorm", m, [x], m(x)))

    m = nn.BatchNorm2d(3); randomize_affine(m)
    x = torch.randn(4, 3, 2, 2) * 2 + 1
    y_train = m(x)  # training mode: batch statistics, running stats updated
    after = state(m)
    m.eval()
    x2 = torch.randn(2, 3, 2, 2)
    y_eval = m(x2)
    m.train()
    d = case("batchnorm_train", nn.BatchNorm2d(3), [x], y_train)  # state filled below
    cases.append(d)
    # the train case starts from the pre-forward state: rebuild it
    m0 = nn.BatchNorm2d(3)
    with torch.no_grad():
        m0.weight.copy_(m.weight); m0.bias.copy_(m.bias)
    d["state"] = state(m0)
    d["state_after"] = after
    cases.append(dict(name="batchnorm_eval", state=after, inputs=[t2j(x2)], output=t2j(y_eval)))

    m = nn.Conv2d(4, 6, 3, stride=2, padding=1, groups=2)
    x = torch.randn(2, 4, 7, 7)
    cases.append(case("conv2d", m, [x], m(x), config=dict(cin=4, cout=6, k=3, stride=2, padding=1, dilation=1, groups=2, bias=True)))

    m = nn.Conv2d(3, 4, 3, padding=2, dilation=2, bias=False)
    x = torch.randn(1, 3, 6, 5)
    cases.append(case("conv2d_dilated", m, [x], m(x), config=dict(cin=3, cout=4, k=3, stride=1, padding=2, dilation=2, groups=1, bias=False)))

    m = nn.ConvTranspose2d(4, 6, 3, stride=2, padding=1, output_padding=1, groups=2)
    x = torch.randn(2, 4, 4, 5)
    cases.append(case("conv_transpose2d", m, [x], m(x), config=dict(cin=4, cout=6, k=3, stride=2, padding=1, output_padding=1, dilation=1, groups=2, bias=True)))

    m = nn.Embedding(10, 4)
    ids = torch.tensor([[1, 3, 3], [9, 0, 2]])
    cases.append(dict(name="embedding", state=state(m), ids=ids.flatten().tolist(), ids_shape=list(ids.shape), output=t2j(m(ids))))

    m = SeparateProjectionAttention(8, 2)
    x = torch.randn(2, 5, 8)
    kpm = torch.tensor([[False] * 5, [False, False, False, True, True]])
    m.check_against_torch_mha(x, x, x, kpm, None)
    cases.append(dict(name="mha_self", state=state(m), inputs=[t2j(x)], key_padding_mask=t2j(kpm.float()),
                      output=t2j(m(x, x, x, kpm)), heads=2))

    m = SeparateProjectionAttention(8, 4, kdim=6, vdim=3)
    q = torch.randn(2, 4, 8); k = torch.randn(2, 3, 6); v = torch.randn(2, 3, 3)
    am = torch.randn(4, 3)
    m.check_against_torch_mha(q, k, v, None, am)
    cases.append(dict(name="mha_cross", state=state(m), inputs=[t2j(q), t2j(k), t2j(v)], attn_mask=t2j(am),
                      output=t2j(m(q, k, v, None, am)), heads=4, kdim=6, vdim=3))

    # A torch checkpoint in safetensors form: F32 weights, F16 biases (converted on load), I64 step counter.
    m = nn.Sequential(nn.Linear(4, 8), nn.SiLU(), nn.Linear(8, 2))
    with torch.no_grad():
        for lin in (m[0], m[2]):
            lin.bias.copy_(lin.bias.half().float())
    x = torch.randn(3, 4)
    sd = {k: v for k, v in m.state_dict().items()}
    sd = {k: (v.half() if k.endswith("bias") else v) for k, v in sd.items()}
    write_safetensors("mlp_checkpoint.safetensors", sd)
    cases.append(dict(name="mlp_safetensors", inputs=[t2j(x)], output=t2j(m(x))))

    u = TinyUNetLike()
    names = dict(
        parameters=[[n, list(p.shape)] for n, p in u.named_parameters()],
        state_dict=[[n, list(t.shape)] for n, t in u.state_dict().items()],
        parameter_count=sum(p.numel() for p in u.parameters()),
    )

    with open("nn_golden.json", "w") as f:
        json.dump(dict(torch_version=torch.__version__, cases=cases, unet_like=names), f)
    print("wrote nn_golden.json with", len(cases), "cases")


if __name__ == "__main__":
    main()
