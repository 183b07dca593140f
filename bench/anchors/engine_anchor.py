"""PyTorch anchor for the `engine` bench.

Protocol: one JSON case spec per stdin line (each has "name" and "kind"); for each line the case is timed the same
way the C# side times its own (3 warm-ups, then the median of 7 runs) and one JSON line {"name": ..., "ms": ...}
is printed ("ms" is null for an unknown kind). Inputs are built once per name, so the C# side can interleave
rounds of ours/anchor measurements through one long-lived process.
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
    bodies = {}
    for line in sys.stdin:
        line = line.strip()
        if not line:
            continue
        spec = json.loads(line)
        name = spec["name"]
        make = KINDS.get(spec["kind"])
        ms = None
        if make is not None:
            if name not in bodies:
                bodies[name] = make(spec)
            ms = median_ms(bodies[name])
        print(json.dumps({"name": name, "ms": ms}), flush=True)


if __name__ == "__main__":
    main()
