#!/usr/bin/python3
"""Writes the golden reference data the engine's C# tests compare against (run once; the output is committed).

    /usr/bin/python3 tests/MLAugment.Engine.Tests/Golden/make_golden.py

Each op family goes to data/<family>.json: {"cases": [case, ...]} where a case is
    {"name", "op", "args": {...},
     "inputs": [{"name", "shape", "data", "grad": bool}],   # float32 values
     "output": {"shape", "data"}, "upstream": {"shape", "data"},
     "grads": {input name: {"shape", "data"}},                # d(sum(output * upstream)) / d input
     "extra": {name: {"shape", "data"}}}                      # e.g. updated running stats, argmax indices
Inputs are drawn as float32, the reference is computed in float64 from those exact values and stored rounded to
float32. Tests never run Python.
"""
import json
import math
import os

import torch
import torch.nn.functional as F

torch.manual_seed(1234)
OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data")
D = torch.float64


def rand(*shape, lo=-1.0, hi=1.0):
    """float32-representable values, returned as float64."""
    return (torch.rand(tuple(shape), dtype=torch.float32) * (hi - lo) + lo).to(D)


def randn(*shape, scale=1.0):
    return (torch.randn(tuple(shape), dtype=torch.float32) * scale).to(D)


def enc(t):
    t = t.detach().to(torch.float32).reshape(-1)
    return [float("%.9g" % v) for v in t.tolist()]


def blob(t):
    return {"shape": list(t.shape), "data": enc(t)}


class Family:
    def __init__(self, name):
        self.name = name
        self.cases = []

    def case(self, name, op, inputs, fn, args=None, grad=None, extra=None):
        """inputs: list of (name, tensor); grad: names of differentiable inputs (default: all).
        fn(dict of tensors) -> output tensor, or (output, extras dict)."""
        args = args or {}
        grad = [n for n, _ in inputs] if grad is None else grad
        leaves = {}
        for n, t in inputs:
            leaf = t.detach().clone().to(D)
            if n in grad:
                leaf.requires_grad_(True)
            leaves[n] = leaf
        res = fn(leaves)
        extras = {}
        if isinstance(res, tuple):
            res, extras = res
        out = res
        upstream = randn(*out.shape)
        grads = {}
        diff = [n for n in grad]
        if diff:
            gs = torch.autograd.grad(out, [leaves[n] for n in diff], upstream, allow_unused=True)
            for n, g in zip(diff, gs):
                grads[n] = blob(torch.zeros_like(leaves[n]) if g is None else g)
        c = {
            "name": name, "op": op, "args": args,
            "inputs": [{"name": n, "shape": list(t.shape), "data": enc(t), "grad": n in grad} for n, t in inputs],
            "output": blob(out), "upstream": blob(upstream), "grads": grads,
            "extra": {k: blob(v) for k, v in extras.items()},
        }
        for part in [c["output"]] + list(c["grads"].values()):
            if any(math.isnan(v) or math.isinf(v) for v in part["data"]):
                raise ValueError(f"{self.name}/{name}: non-finite reference")
        self.cases.append(c)

    def write(self):
        os.makedirs(OUT, exist_ok=True)
        path = os.path.join(OUT, self.name + ".json")
        with open(path, "w") as f:
            json.dump({"family": self.name, "cases": self.cases}, f, separators=(",", ":"))
        print(f"{path}: {len(self.cases)} cases, {os.path.getsize(path)} bytes")


# ---------------------------------------------------------------- arithmetic (broadcasting binary ops)
def arithmetic():
    fam = Family("arithmetic")
    pairs = [((2, 3), (2, 3)), ((2, 3), (3,)), ((2, 1, 4), (3, 1)), ((1,), (2, 2)), ((), (2, 3)), ((4, 1), (1, 5))]
    for i, (sa, sb) in enumerate(pairs):
        a, b = randn(*sa), randn(*sb)
        fam.case(f"add_{i}", "add", [("a", a), ("b", b)], lambda t: t["a"] + t["b"])
        fam.case(f"sub_{i}", "sub", [("a", a), ("b", b)], lambda t: t["a"] - t["b"])
        fam.case(f"mul_{i}", "mul", [("a", a), ("b", b)], lambda t: t["a"] * t["b"])
        bd = rand(*sb, lo=0.5, hi=2.0) * torch.where(rand(*sb) > 0, 1.0, -1.0)
        fam.case(f"div_{i}", "div", [("a", a), ("b", bd)], lambda t: t["a"] / t["b"])
        fam.case(f"maximum_{i}", "maximum", [("a", a), ("b", b)], lambda t: torch.maximum(t["a"], t["b"]))
        fam.case(f"minimum_{i}", "minimum", [("a", a), ("b", b)], lambda t: torch.minimum(t["a"], t["b"]))
        pa = rand(*sa, lo=0.5, hi=2.0)
        fam.case(f"pow_{i}", "pow", [("a", pa), ("b", b)], lambda t: torch.pow(t["a"], t["b"]))
    # Ties: torch splits the gradient of maximum/minimum evenly between equal operands.
    ta = torch.tensor([[0.5, -1.0, 2.0], [0.25, 0.25, -3.0]], dtype=D)
    tb = torch.tensor([0.5, 1.0, 2.0], dtype=D)
    fam.case("maximum_ties", "maximum", [("a", ta), ("b", tb)], lambda t: torch.maximum(t["a"], t["b"]))
    fam.case("minimum_ties", "minimum", [("a", ta), ("b", tb)], lambda t: torch.minimum(t["a"], t["b"]))
    cond = (rand(2, 3) > 0).to(D)
    fam.case("where", "where", [("cond", cond), ("a", randn(2, 3)), ("b", randn(3))],
             lambda t: torch.where(t["cond"] != 0, t["a"], t["b"]), grad=["a", "b"])
    x = randn(2, 3)
    fam.case("add_scalar", "add_scalar", [("x", x)], lambda t: t["x"] + 0.75, args={"s": 0.75})
    fam.case("mul_scalar", "mul_scalar", [("x", x)], lambda t: t["x"] * -1.5, args={"s": -1.5})
    fam.case("rsub_scalar", "rsub_scalar", [("x", x)], lambda t: 2.0 - t["x"], args={"s": 2.0})
    fam.case("rdiv_scalar", "rdiv_scalar", [("x", rand(2, 3, lo=0.5, hi=2))], lambda t: 3.0 / t["x"], args={"s": 3.0})
    fam.case("neg", "neg", [("x", x)], lambda t: -t["x"])
    fam.case("expand", "expand", [("x", randn(3, 1))], lambda t: t["x"].expand(2, 3, 4).clone(), args={"shape": [2, 3, 4]})
    fam.case("sum_to", "sum_to", [("x", randn(2, 3, 4))], lambda t: t["x"].sum(dim=(0, 2), keepdim=True)[0],
             args={"shape": [3, 1]})
    fam.write()


# ---------------------------------------------------------------- unary math and activations
def unary():
    fam = Family("unary")
    x = randn(3, 4, scale=1.5)
    pos = rand(3, 4, lo=0.2, hi=3.0)
    nz = x + torch.where(x >= 0, 0.05, -0.05)
    fam.case("exp", "exp", [("x", x)], lambda t: t["x"].exp())
    fam.case("log", "log", [("x", pos)], lambda t: t["x"].log())
    fam.case("sqrt", "sqrt", [("x", pos)], lambda t: t["x"].sqrt())
    fam.case("abs", "abs", [("x", nz)], lambda t: t["x"].abs())
    fam.case("sin", "sin", [("x", x)], lambda t: t["x"].sin())
    fam.case("cos", "cos", [("x", x)], lambda t: t["x"].cos())
    fam.case("square", "square", [("x", x)], lambda t: t["x"].square())
    fam.case("pow_scalar", "pow_scalar", [("x", pos)], lambda t: t["x"].pow(2.5), args={"p": 2.5})
    fam.case("sign", "sign", [("x", nz)], lambda t: t["x"].sign(), grad=[])
    fam.case("clamp", "clamp", [("x", nz)], lambda t: t["x"].clamp(-0.5, 0.8), args={"min": -0.5, "max": 0.8})
    fam.case("relu", "relu", [("x", nz)], lambda t: F.relu(t["x"]))
    fam.case("silu", "silu", [("x", x)], lambda t: F.silu(t["x"]))
    fam.case("sigmoid", "sigmoid", [("x", x)], lambda t: torch.sigmoid(t["x"]))
    fam.case("tanh", "tanh", [("x", x)], lambda t: torch.tanh(t["x"]))
    fam.case("softplus", "softplus", [("x", x)], lambda t: F.softplus(t["x"]), args={"beta": 1.0, "threshold": 20.0})
    fam.case("softplus_tiny", "softplus", [("x", rand(2, 3, lo=-30.0, hi=-15.0))], lambda t: F.softplus(t["x"]),
             args={"beta": 1.0, "threshold": 20.0})
    fam.case("softplus_beta", "softplus", [("x", x * 3)], lambda t: F.softplus(t["x"], beta=2.0, threshold=3.0),
             args={"beta": 2.0, "threshold": 3.0})
    fam.case("gelu", "gelu", [("x", x)], lambda t: F.gelu(t["x"]))
    fam.case("gelu_tanh", "gelu_tanh", [("x", x)], lambda t: F.gelu(t["x"], approximate="tanh"))
    fam.case("leaky_relu", "leaky_relu", [("x", nz)], lambda t: F.leaky_relu(t["x"], 0.2), args={"slope": 0.2})
    fam.write()


# ---------------------------------------------------------------- reductions
def reduction():
    fam = Family("reduction")
    x = randn(2, 3, 4)
    fam.case("sum_all", "sum_all", [("x", x)], lambda t: t["x"].sum())
    fam.case("mean_all", "mean_all", [("x", x)], lambda t: t["x"].mean())
    for dims, keep in [([1], False), ([0, 2], True), ([-1], True), ([0, 1, 2], False)]:
        tag = "_".join(str(d) for d in dims) + ("_keep" if keep else "")
        fam.case(f"sum_{tag}", "sum_dims", [("x", x)], lambda t, d=dims, k=keep: t["x"].sum(dim=d, keepdim=k),
                 args={"dims": dims, "keepDim": keep})
        fam.case(f"mean_{tag}", "mean_dims", [("x", x)], lambda t, d=dims, k=keep: t["x"].mean(dim=d, keepdim=k),
                 args={"dims": dims, "keepDim": keep})
        for unb in [True, False]:
            fam.case(f"var_{tag}_{'unbiased' if unb else 'biased'}", "var", [("x", x)],
                     lambda t, d=dims, k=keep, u=unb: t["x"].var(dim=d, unbiased=u, keepdim=k),
                     args={"dims": dims, "keepDim": keep, "unbiased": unb})
    fam.case("max_all", "max_all", [("x", x)], lambda t: t["x"].max())
    tied = torch.tensor([[1.0, 3.0, -2.0], [3.0, 0.5, 3.0]], dtype=D)  # torch shares max()'s gradient among ties
    fam.case("max_all_ties", "max_all", [("x", tied)], lambda t: t["x"].max())
    for dim, keep in [(0, False), (1, True), (-1, False)]:
        idx = x.max(dim=dim, keepdim=keep).indices.to(D)
        fam.case(f"max_dim{dim}{'_keep' if keep else ''}", "max_dim", [("x", x)],
                 lambda t, d=dim, k=keep: (t["x"].max(dim=d, keepdim=k).values, {"indices": idx}),
                 args={"dim": dim, "keepDim": keep})
    fam.write()


# ---------------------------------------------------------------- matmul, linear, permute
def matmul():
    fam = Family("matmul")
    specs = [((3, 4), (4, 5)), ((2, 3, 4), (2, 4, 5)), ((2, 3, 4), (4, 5)), ((3, 4), (2, 4, 5)),
             ((2, 2, 3, 4), (2, 2, 4, 5)), ((2, 3, 4), (1, 4, 5))]
    for i, (sa, sb) in enumerate(specs):
        for ta in [False, True]:
            for tb in [False, True]:
                a_shape = list(sa[:-2]) + ([sa[-1], sa[-2]] if ta else [sa[-2], sa[-1]])
                b_shape = list(sb[:-2]) + ([sb[-1], sb[-2]] if tb else [sb[-2], sb[-1]])
                a, b = randn(*a_shape), randn(*b_shape)

                def f(t, ta=ta, tb=tb):
                    aa = t["a"].transpose(-1, -2) if ta else t["a"]
                    bb = t["b"].transpose(-1, -2) if tb else t["b"]
                    return torch.matmul(aa, bb)
                fam.case(f"matmul_{i}_{int(ta)}{int(tb)}", "matmul", [("a", a), ("b", b)], f,
                         args={"transA": ta, "transB": tb})
    fam.case("linear_bias", "linear", [("x", randn(2, 3, 5)), ("w", randn(4, 5)), ("b", randn(4))],
             lambda t: F.linear(t["x"], t["w"], t["b"]))
    fam.case("linear_nobias", "linear", [("x", randn(3, 5)), ("w", randn(4, 5))], lambda t: F.linear(t["x"], t["w"]))
    x = randn(2, 3, 4, 5)
    for perm in [[0, 2, 3, 1], [3, 1, 0, 2], [1, 0, 2, 3]]:
        fam.case("permute_" + "".join(map(str, perm)), "permute", [("x", x)],
                 lambda t, p=perm: t["x"].permute(*p).contiguous(), args={"perm": perm})
    fam.case("transpose2d", "transpose2d", [("x", randn(2, 3, 4))], lambda t: t["x"].transpose(-1, -2).contiguous())
    fam.case("reshape", "reshape", [("x", randn(2, 6))], lambda t: t["x"].reshape(3, 4), args={"shape": [3, 4]})
    fam.case("reshape_infer", "reshape", [("x", randn(2, 3, 4))], lambda t: t["x"].reshape(4, -1), args={"shape": [4, -1]})
    fam.case("flatten_1", "flatten", [("x", randn(2, 3, 4))], lambda t: t["x"].flatten(1), args={"startDim": 1})
    fam.case("narrow0", "narrow0", [("x", randn(5, 3))], lambda t: t["x"].narrow(0, 1, 3), args={"start": 1, "length": 3})
    fam.case("clone", "clone", [("x", randn(2, 3))], lambda t: t["x"].clone())
    a, b = randn(3, 4), randn(4)
    b[1] = a[0, 1]  # one exact tie: >= holds both ways
    fam.case("ge_mask", "ge_mask", [("a", a), ("b", b)], lambda t: (t["a"] >= t["b"]).to(D), grad=[])
    z = randn(3, 4)
    z[0, 0] = 0.0
    z[2, 1] = 0.0
    fam.case("ne_mask", "ne_mask", [("x", z)], lambda t: (t["x"] != 0).to(D), grad=[], args={"value": 0.0})
    fam.write()


# ---------------------------------------------------------------- shape ops
def shape_ops():
    fam = Family("shape")
    a, b, c = randn(2, 3, 4), randn(2, 1, 4), randn(2, 2, 4)
    fam.case("concat_dim1", "concat", [("t0", a), ("t1", b), ("t2", c)],
             lambda t: torch.cat([t["t0"], t["t1"], t["t2"]], 1), args={"dim": 1})
    fam.case("concat_dim_last", "concat", [("t0", randn(2, 3)), ("t1", randn(2, 5))],
             lambda t: torch.cat([t["t0"], t["t1"]], -1), args={"dim": -1})
    fam.case("concat_dim0", "concat", [("t0", randn(1, 3)), ("t1", randn(2, 3))],
             lambda t: torch.cat([t["t0"], t["t1"]], 0), args={"dim": 0})
    for dim in [0, 1, 2, -1]:
        fam.case(f"stack_{dim}", "stack", [("t0", randn(2, 3)), ("t1", randn(2, 3)), ("t2", randn(2, 3))],
                 lambda t, d=dim: torch.stack([t["t0"], t["t1"], t["t2"]], d), args={"dim": dim})
    x = randn(3, 5, 4)
    for dim, start, length in [(0, 1, 2), (1, 2, 3), (2, 0, 1), (-1, 1, 3)]:
        fam.case(f"slice_{dim}_{start}_{length}", "slice", [("x", x)],
                 lambda t, d=dim, s=start, n=length: t["x"].narrow(d, s, n).contiguous(),
                 args={"dim": dim, "start": start, "length": length})
    img = randn(2, 2, 4, 5)
    for pads, mode, value in [([1, 2], "constant", 0.5), ([1, 0, 2, 1], "constant", 0.0),
                              ([0, 0, 1, 1, 1, 0], "constant", -1.0), ([-1, 2, 1, -2], "constant", 0.0),
                              ([2, 1, 3, 1], "reflect", 0.0), ([2, 1, 3, 1], "replicate", 0.0),
                              ([3, 3], "reflect", 0.0), ([1, 4], "replicate", 0.0)]:
        tag = mode + "_" + "_".join(str(p).replace("-", "m") for p in pads)
        kw = {"value": value} if mode == "constant" else {}
        xin = img if mode == "constant" or len(pads) == 4 else randn(2, 3, 5)  # torch: 1-D reflect/replicate on 3-D input
        fam.case("pad_" + tag, "pad", [("x", xin)], lambda t, p=pads, m=mode, k=kw: F.pad(t["x"], p, mode=m, **k),
                 args={"pads": pads, "mode": mode, "value": value})
    idx = [2, 0, 2, 1]
    fam.case("index_select_1", "index_select", [("x", randn(2, 3, 4))],
             lambda t: torch.index_select(t["x"], 1, torch.tensor(idx)), args={"dim": 1, "index": idx})
    idx0 = [1, 1, 0]
    fam.case("index_select_0", "index_select", [("x", randn(2, 5))],
             lambda t: torch.index_select(t["x"], 0, torch.tensor(idx0)), args={"dim": 0, "index": idx0})
    gx = randn(3, 4, 5)
    for dim, ishape in [(0, [2, 4, 3]), (1, [3, 6, 5]), (2, [2, 3, 7]), (-1, [3, 4, 2])]:
        n = gx.shape[dim]
        index = torch.randint(0, n, ishape)
        fam.case(f"gather_{dim}", "gather", [("x", gx)], lambda t, d=dim, ix=index: torch.gather(t["x"], d, ix),
                 args={"dim": dim, "index": index.reshape(-1).tolist(), "indexShape": ishape})
    for reps in [[2, 3], [2, 1, 3], [1, 1]]:
        fam.case("repeat_" + "_".join(map(str, reps)), "repeat", [("x", randn(2, 3))],
                 lambda t, r=reps: t["x"].repeat(*r), args={"reps": reps})
    fam.case("unsqueeze_1", "unsqueeze", [("x", randn(2, 3))], lambda t: t["x"].unsqueeze(1), args={"dim": 1})
    fam.case("unsqueeze_m1", "unsqueeze", [("x", randn(2, 3))], lambda t: t["x"].unsqueeze(-1), args={"dim": -1})
    fam.case("squeeze_1", "squeeze", [("x", randn(2, 1, 3))], lambda t: t["x"].squeeze(1), args={"dim": 1})
    fam.case("squeeze_all", "squeeze_all", [("x", randn(1, 2, 1, 3))], lambda t: t["x"].squeeze())
    cx = randn(7, 3)
    for chunks in [3, 2]:
        for i in range(len(torch.chunk(cx, chunks, 0))):
            fam.case(f"chunk_{chunks}_{i}", "chunk", [("x", cx)], lambda t, k=chunks, j=i: torch.chunk(t["x"], k, 0)[j],
                     args={"chunks": chunks, "dim": 0, "index": i})
    for i in range(3):
        fam.case(f"split_sizes_{i}", "split_sizes", [("x", randn(2, 6))],
                 lambda t, j=i: torch.split(t["x"], [1, 3, 2], 1)[j], args={"sizes": [1, 3, 2], "dim": 1, "index": i})
    fam.write()


# ---------------------------------------------------------------- softmax
def softmax():
    fam = Family("softmax")
    x = randn(2, 3, 4, scale=3.0)
    for dim in [0, 1, 2, -1]:
        fam.case(f"softmax_{dim}", "softmax", [("x", x)], lambda t, d=dim: F.softmax(t["x"], d), args={"dim": dim})
        fam.case(f"log_softmax_{dim}", "log_softmax", [("x", x)], lambda t, d=dim: F.log_softmax(t["x"], d),
                 args={"dim": dim})
    # exp(100) overflows float32: only correct with the max shift.
    big = randn(3, 5) * 2 + 100
    fam.case("softmax_offset", "softmax", [("x", big)], lambda t: F.softmax(t["x"], -1), args={"dim": -1})
    fam.case("log_softmax_offset", "log_softmax", [("x", big)], lambda t: F.log_softmax(t["x"], -1), args={"dim": -1})
    # Saturated rows: the forward is well conditioned, the softmax gradient (~1e-8) is not even in torch's own
    # float32, so these are forward-only.
    sat = randn(3, 5) * 40 + 100
    fam.case("softmax_saturated", "softmax", [("x", sat)], lambda t: F.softmax(t["x"], -1), args={"dim": -1}, grad=[])
    fam.case("log_softmax_saturated", "log_softmax", [("x", sat)], lambda t: F.log_softmax(t["x"], -1), args={"dim": -1})
    fam.write()


# ---------------------------------------------------------------- pooling
def pooling():
    fam = Family("pooling")
    x = randn(2, 3, 7, 6)
    for k, s, p, cip in [(2, 2, 0, True), (3, 1, 1, True), (3, 2, 1, False), (3, 2, 1, True)]:
        fam.case(f"avgpool_k{k}s{s}p{p}{'' if cip else '_nopad'}", "avg_pool2d", [("x", x)],
                 lambda t, k=k, s=s, p=p, c=cip: F.avg_pool2d(t["x"], k, s, p, count_include_pad=c),
                 args={"kernel": [k, k], "stride": [s, s], "padding": [p, p], "countIncludePad": cip})
    fam.case("avgpool_rect", "avg_pool2d", [("x", x)],
             lambda t: F.avg_pool2d(t["x"], (2, 3), (1, 2), (1, 0), count_include_pad=False),
             args={"kernel": [2, 3], "stride": [1, 2], "padding": [1, 0], "countIncludePad": False})
    for k, s, p, d in [(2, 2, 0, 1), (3, 1, 1, 1), (3, 2, 1, 1), (2, 1, 0, 2), (3, 2, 1, 2)]:
        fam.case(f"maxpool_k{k}s{s}p{p}d{d}", "max_pool2d", [("x", x)],
                 lambda t, k=k, s=s, p=p, d=d: F.max_pool2d(t["x"], k, s, p, d),
                 args={"kernel": [k, k], "stride": [s, s], "padding": [p, p], "dilation": [d, d]})
    for oh, ow in [(1, 1), (3, 2), (4, 4), (7, 6), (5, 3)]:
        fam.case(f"adaptive_avg_{oh}x{ow}", "adaptive_avg_pool2d", [("x", x)],
                 lambda t, a=oh, b=ow: F.adaptive_avg_pool2d(t["x"], (a, b)), args={"outH": oh, "outW": ow})
    fam.case("avgpool_chw", "avg_pool2d", [("x", randn(3, 4, 4))], lambda t: F.avg_pool2d(t["x"], 2),
             args={"kernel": [2, 2], "stride": [2, 2], "padding": [0, 0], "countIncludePad": True})
    fam.write()


# ---------------------------------------------------------------- upsampling
def upsample():
    fam = Family("upsample")
    x = randn(2, 2, 3, 4)
    for oh, ow in [(6, 8), (5, 7), (2, 3), (3, 4), (7, 9)]:
        fam.case(f"nearest_{oh}x{ow}", "nearest_size", [("x", x)],
                 lambda t, a=oh, b=ow: F.interpolate(t["x"], size=(a, b), mode="nearest"), args={"outH": oh, "outW": ow})
        for ac in [False, True]:
            fam.case(f"bilinear_{oh}x{ow}_{'ac' if ac else 'hp'}", "bilinear", [("x", x)],
                     lambda t, a=oh, b=ow, c=ac: F.interpolate(t["x"], size=(a, b), mode="bilinear", align_corners=c),
                     args={"outH": oh, "outW": ow, "alignCorners": ac})
    for sf in [2.0, 3.0, 1.5, 0.5]:
        fam.case(f"nearest_scale_{sf}", "nearest_scale", [("x", x)],
                 lambda t, s=sf: F.interpolate(t["x"], scale_factor=s, mode="nearest"), args={"scale": sf})
    # Non-integer factors: in/out differs from 1/scale, and torch uses 1/scale for the coordinate map.
    for sf, ac in [(2.0, False), (1.7, False), (2.3, True), (0.6, False)]:
        fam.case(f"bilinear_scale_{sf}_{'ac' if ac else 'hp'}", "bilinear_scale", [("x", x)],
                 lambda t, s=sf, c=ac: F.interpolate(t["x"], scale_factor=s, mode="bilinear", align_corners=c),
                 args={"scale": sf, "alignCorners": ac})
    fam.write()


# ---------------------------------------------------------------- normalization
def norms():
    fam = Family("norm")
    x = randn(2, 6, 3, 4, scale=2.0) + 0.5
    w, b = randn(6), randn(6)
    for g in [1, 2, 3, 6]:
        fam.case(f"group_norm_{g}", "group_norm", [("x", x), ("w", w), ("b", b)],
                 lambda t, g=g: F.group_norm(t["x"], g, t["w"], t["b"], 1e-5), args={"groups": g, "eps": 1e-5, "affine": True})
    fam.case("group_norm_noaffine", "group_norm", [("x", x)], lambda t: F.group_norm(t["x"], 3, eps=1e-3),
             args={"groups": 3, "eps": 1e-3, "affine": False})
    fam.case("group_norm_3d", "group_norm", [("x", randn(3, 4, 5)), ("w", randn(4)), ("b", randn(4))],
             lambda t: F.group_norm(t["x"], 2, t["w"], t["b"]), args={"groups": 2, "eps": 1e-5, "affine": True})
    lx = randn(2, 3, 8, scale=1.5) - 0.3
    fam.case("layer_norm_last", "layer_norm", [("x", lx), ("w", randn(8)), ("b", randn(8))],
             lambda t: F.layer_norm(t["x"], [8], t["w"], t["b"]), args={"shape": [8], "eps": 1e-5, "affine": True})
    fam.case("layer_norm_2d", "layer_norm", [("x", lx), ("w", randn(3, 8)), ("b", randn(3, 8))],
             lambda t: F.layer_norm(t["x"], [3, 8], t["w"], t["b"], 1e-6), args={"shape": [3, 8], "eps": 1e-6, "affine": True})
    fam.case("layer_norm_noaffine", "layer_norm", [("x", lx)], lambda t: F.layer_norm(t["x"], [8]),
             args={"shape": [8], "eps": 1e-5, "affine": False})
    bx = randn(3, 4, 2, 3, scale=1.5) + 1.0
    rm, rv = randn(4, scale=0.1), rand(4, lo=0.5, hi=1.5)
    for training in [True, False]:
        def bn(t, tr=training):
            m, v = rm.clone(), rv.clone()
            y = F.batch_norm(t["x"], m, v, t["w"], t["b"], tr, 0.1, 1e-5)
            return y, {"running_mean": m, "running_var": v}
        fam.case(f"batch_norm_{'train' if training else 'eval'}", "batch_norm",
                 [("x", bx), ("w", randn(4)), ("b", randn(4)), ("running_mean", rm), ("running_var", rv)], bn,
                 grad=["x", "w", "b"], args={"training": training, "momentum": 0.1, "eps": 1e-5, "affine": True})

    def bn2(t):
        m, v = rm.clone(), rv.clone()
        y = F.batch_norm(t["x"], m, v, None, None, True, 0.3, 1e-3)
        return y, {"running_mean": m, "running_var": v}
    fam.case("batch_norm_train_noaffine", "batch_norm", [("x", bx), ("running_mean", rm), ("running_var", rv)], bn2,
             grad=["x"], args={"training": True, "momentum": 0.3, "eps": 1e-3, "affine": False})
    fam.write()


# ---------------------------------------------------------------- attention
def sdpa_ref(q, k, v, mask=None, bool_mask=None, causal=False, scale=None):
    s = (1.0 / math.sqrt(q.shape[-1])) if scale is None else scale
    scores = q @ k.transpose(-1, -2) * s
    if mask is not None:
        scores = scores + mask
    if bool_mask is not None:
        scores = scores.masked_fill(bool_mask == 0, float("-inf"))
    if causal:
        lq, lk = scores.shape[-2], scores.shape[-1]
        keep = torch.ones(lq, lk, dtype=torch.bool).tril()
        scores = scores.masked_fill(~keep, float("-inf"))
    return torch.softmax(scores, -1) @ v


def attention():
    fam = Family("attention")
    B, H, L, Lk, Dh = 2, 2, 4, 6, 3
    q, k, v = randn(B, H, L, Dh), randn(B, H, L, Dh), randn(B, H, L, Dh)
    fam.case("self", "sdpa", [("q", q), ("k", k), ("v", v)], lambda t: sdpa_ref(t["q"], t["k"], t["v"]), args={})
    kc, vc = randn(B, H, Lk, Dh), randn(B, H, Lk, 5)
    fam.case("cross", "sdpa", [("q", q), ("k", kc), ("v", vc)], lambda t: sdpa_ref(t["q"], t["k"], t["v"]), args={})
    fam.case("scale", "sdpa", [("q", q), ("k", kc), ("v", vc)], lambda t: sdpa_ref(t["q"], t["k"], t["v"], scale=0.3),
             args={"scale": 0.3})
    fam.case("causal", "sdpa", [("q", q), ("k", k), ("v", v)], lambda t: sdpa_ref(t["q"], t["k"], t["v"], causal=True),
             args={"causal": True})
    fam.case("additive_mask", "sdpa", [("q", q), ("k", kc), ("v", vc), ("mask", randn(1, H, L, Lk))],
             lambda t: sdpa_ref(t["q"], t["k"], t["v"], mask=t["mask"]), args={})
    fam.case("additive_mask_2d", "sdpa", [("q", q), ("k", kc), ("v", vc), ("mask", randn(L, Lk))],
             lambda t: sdpa_ref(t["q"], t["k"], t["v"], mask=t["mask"]), grad=["q", "k", "v"], args={})
    bm = (rand(B, 1, 1, Lk) > -0.4).to(D)
    bm[..., 0] = 1.0  # every query keeps at least one key
    fam.case("bool_mask", "sdpa", [("q", q), ("k", kc), ("v", vc), ("mask", bm)],
             lambda t: sdpa_ref(t["q"], t["k"], t["v"], bool_mask=t["mask"]), grad=["q", "k", "v"],
             args={"boolMask": True})
    fam.case("rank3", "sdpa", [("q", randn(3, 5, 4)), ("k", randn(3, 2, 4)), ("v", randn(3, 2, 4))],
             lambda t: sdpa_ref(t["q"], t["k"], t["v"]), args={})
    fam.write()


# ---------------------------------------------------------------- embedding, dropout
def embedding():
    fam = Family("embedding")
    w = randn(7, 4)
    ids = [3, 0, 6, 3, 3, 1]
    fam.case("embedding_2x3", "embedding", [("w", w)], lambda t: F.embedding(torch.tensor(ids).reshape(2, 3), t["w"]),
             args={"ids": ids, "idsShape": [2, 3]})
    fam.case("embedding_flat", "embedding", [("w", w)], lambda t: F.embedding(torch.tensor([5, 5, 2]), t["w"]),
             args={"ids": [5, 5, 2], "idsShape": [3]})
    x = randn(3, 4)
    fam.case("dropout_eval", "dropout", [("x", x)], lambda t: F.dropout(t["x"], 0.5, training=False),
             args={"p": 0.5, "training": False})
    fam.case("dropout_p0", "dropout", [("x", x)], lambda t: F.dropout(t["x"], 0.0, training=True),
             args={"p": 0.0, "training": True})
    fam.write()


# ---------------------------------------------------------------- losses
def focal_ref(x, y, alpha, gamma, reduction):
    p = torch.sigmoid(x)
    ce = F.binary_cross_entropy_with_logits(x, y, reduction="none")
    p_t = p * y + (1 - p) * (1 - y)
    loss = ce * ((1 - p_t) ** gamma)
    if alpha >= 0:
        loss = (alpha * y + (1 - alpha) * (1 - y)) * loss
    return {"none": loss, "mean": loss.mean(), "sum": loss.sum()}[reduction]


def losses():
    fam = Family("loss")
    x, y = randn(3, 4), randn(3, 4)
    red = ["none", "mean", "sum"]
    for r in red:
        fam.case(f"mse_{r}", "mse", [("x", x), ("y", y)], lambda t, r=r: F.mse_loss(t["x"], t["y"], reduction=r),
                 args={"reduction": r})
        fam.case(f"l1_{r}", "l1", [("x", x), ("y", y)], lambda t, r=r: F.l1_loss(t["x"], t["y"], reduction=r),
                 args={"reduction": r})
        for beta in [1.0, 0.5]:
            fam.case(f"smooth_l1_{r}_{beta}", "smooth_l1", [("x", x), ("y", y)],
                     lambda t, r=r, b=beta: F.smooth_l1_loss(t["x"], t["y"], reduction=r, beta=b),
                     args={"reduction": r, "beta": beta})
    N, C = 5, 4
    logits = randn(N, C, scale=2.0)
    tg = [1, 3, 0, 3, 2]
    tg_ign = [1, -100, 0, 3, -100]
    cw = rand(C, lo=0.2, hi=2.0)
    for r in red:
        for weighted in [False, True]:
            for ls in [0.0, 0.2]:
                for tname, tv, ign in [("plain", tg, -100), ("ignore", tg_ign, -100)]:
                    name = f"ce_{r}_{'w' if weighted else 'nw'}_ls{ls}_{tname}"
                    inputs = [("logits", logits)] + ([("weight", cw)] if weighted else [])

                    def ce(t, r=r, ls=ls, tv=tv, ign=ign, weighted=weighted):
                        return F.cross_entropy(t["logits"], torch.tensor(tv), weight=t["weight"] if weighted else None,
                                               ignore_index=ign, reduction=r, label_smoothing=ls)
                    fam.case(name, "cross_entropy", inputs, ce, grad=["logits"],
                             args={"reduction": r, "targets": tv, "targetsShape": [N], "ignoreIndex": ign,
                                   "labelSmoothing": ls})
    # per-pixel segmentation logits with a custom ignore index
    seg = randn(2, 3, 2, 3)
    st = torch.randint(0, 3, (2, 2, 3))
    st[0, 1, 2] = 255
    st[1, 0, 0] = 255
    stl = st.reshape(-1).tolist()
    for r in red:
        for ls in [0.0, 0.1]:
            fam.case(f"ce_pixel_{r}_ls{ls}", "cross_entropy", [("logits", seg), ("weight", rand(3, lo=0.5, hi=1.5))],
                     lambda t, r=r, ls=ls: F.cross_entropy(t["logits"], st, weight=t["weight"], ignore_index=255,
                                                           reduction=r, label_smoothing=ls),
                     grad=["logits"], args={"reduction": r, "targets": stl, "targetsShape": [2, 2, 3], "ignoreIndex": 255,
                                            "labelSmoothing": ls})
    bx = randn(3, 4, scale=3.0)
    by = rand(3, 4, lo=0.0, hi=1.0)
    bw = rand(3, 1, lo=0.2, hi=2.0)
    pw = rand(4, lo=0.5, hi=3.0)
    for r in red:
        fam.case(f"bce_logits_{r}", "bce_logits", [("x", bx), ("y", by)],
                 lambda t, r=r: F.binary_cross_entropy_with_logits(t["x"], t["y"], reduction=r), args={"reduction": r})
        fam.case(f"bce_logits_w_pw_{r}", "bce_logits", [("x", bx), ("y", by), ("weight", bw), ("pos_weight", pw)],
                 lambda t, r=r: F.binary_cross_entropy_with_logits(t["x"], t["y"], weight=t["weight"],
                                                                   pos_weight=t["pos_weight"], reduction=r),
                 grad=["x", "y"], args={"reduction": r})
    hard = (rand(3, 4) > 0.3).to(D)
    for r in red:
        for alpha, gamma in [(0.25, 2.0), (-1.0, 1.5), (0.6, 0.0)]:
            fam.case(f"focal_{r}_a{alpha}_g{gamma}", "focal", [("x", bx), ("y", hard)],
                     lambda t, r=r, a=alpha, g=gamma: focal_ref(t["x"], t["y"], a, g, r), grad=["x"],
                     args={"reduction": r, "alpha": alpha, "gamma": gamma})
    fam.write()


# ---------------------------------------------------------------- convolution (wired by the lead; tests pending)
def conv():
    fam = Family("conv")
    for i, (n, cin, h, w, cout, k, s, p, d, g, bias) in enumerate([
            (2, 3, 7, 6, 4, 3, 1, 0, 1, 1, True), (2, 3, 7, 6, 4, 3, 2, 1, 1, 1, True),
            (1, 4, 8, 8, 6, 3, 1, 2, 2, 2, False), (2, 4, 5, 5, 4, 3, 1, 1, 1, 4, True),
            (1, 2, 6, 7, 3, 1, 1, 0, 1, 1, True), (2, 6, 9, 8, 4, 2, 3, 1, 2, 2, True)]):
        inputs = [("x", randn(n, cin, h, w)), ("w", randn(cout, cin // g, k, k, scale=0.5))]
        if bias:
            inputs.append(("b", randn(cout)))
        fam.case(f"conv2d_{i}", "conv2d", inputs,
                 lambda t, s=s, p=p, d=d, g=g: F.conv2d(t["x"], t["w"], t.get("b"), s, p, d, g),
                 args={"stride": s, "padding": p, "dilation": d, "groups": g})
    for i, (n, cin, h, w, cout, k, s, p, op, d, g, bias) in enumerate([
            (2, 3, 4, 5, 2, 3, 1, 0, 0, 1, 1, True), (2, 4, 3, 4, 3, 3, 2, 1, 1, 1, 1, True),
            (1, 4, 4, 4, 4, 4, 2, 1, 0, 1, 2, False), (2, 2, 3, 3, 4, 3, 2, 0, 1, 2, 2, True),
            (1, 3, 5, 4, 2, 1, 1, 0, 0, 1, 1, True)]):
        inputs = [("x", randn(n, cin, h, w)), ("w", randn(cin, cout // g, k, k, scale=0.5))]
        if bias:
            inputs.append(("b", randn(cout)))
        fam.case(f"conv_transpose2d_{i}", "conv_transpose2d", inputs,
                 lambda t, s=s, p=p, op=op, d=d, g=g: F.conv_transpose2d(t["x"], t["w"], t.get("b"), s, p, op, g, d),
                 args={"stride": s, "padding": p, "outputPadding": op, "dilation": d, "groups": g})
    fam.write()


if __name__ == "__main__":
    arithmetic()
    unary()
    reduction()
    matmul()
    shape_ops()
    softmax()
    pooling()
    upsample()
    norms()
    attention()
    embedding()
    losses()
    conv()
