"""PyTorch anchor for the `engine` bench.

Reads a JSON list of case specs on stdin (each has "name" and "kind"), times each the same way the C# side
does (3 warm-ups, median of 7), and prints {"name": milliseconds, ...} as JSON on stdout.
Add a new "kind" here when adding a row to bench/MLAugment.Bench/EngineBench.cs.
"""
import json
import statistics
import sys
import time

import torch

torch.set_num_threads(2)
torch.manual_seed(0)


def median_ms(body, warmup=3, runs=7):
    for _ in range(warmup):
        body()
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        body()
        times.append((time.perf_counter() - t0) * 1e3)
    return statistics.median(times)


def sgemm(spec):
    n = spec["n"]
    a = torch.rand(n, n) * 2 - 1
    b = torch.rand(n, n) * 2 - 1
    c = torch.empty(n, n)
    return lambda: torch.mm(a, b, out=c)


def conv2d_fwd_bwd(spec):
    n, c, h, w, oc, k = spec["n"], spec["c"], spec["h"], spec["w"], spec["oc"], spec["k"]
    x = torch.randn(n, c, h, w, requires_grad=True)
    conv = torch.nn.Conv2d(c, oc, k, stride=spec["stride"], padding=spec["pad"])
    with torch.no_grad():
        gy = torch.randn_like(conv(x))

    def body():
        x.grad = None
        conv.zero_grad(set_to_none=True)
        y = conv(x)
        y.backward(gy)

    return body


KINDS = {"sgemm": sgemm, "conv2d_fwd_bwd": conv2d_fwd_bwd}


def main():
    specs = json.load(sys.stdin)
    out = {}
    for spec in specs:
        make = KINDS.get(spec["kind"])
        out[spec["name"]] = median_ms(make(spec)) if make else None
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()
