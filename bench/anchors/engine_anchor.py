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


class RefBlock(torch.nn.Module):
    """Mirror of the C# ReferenceUNet block: GN->SiLU->conv3x3 twice, 1x1 skip when channels change."""

    def __init__(self, cin, cout):
        super().__init__()
        self.norm1 = torch.nn.GroupNorm(8, cin)
        self.conv1 = torch.nn.Conv2d(cin, cout, 3, padding=1)
        self.norm2 = torch.nn.GroupNorm(8, cout)
        self.conv2 = torch.nn.Conv2d(cout, cout, 3, padding=1)
        self.skip = torch.nn.Conv2d(cin, cout, 1) if cin != cout else None

    def forward(self, x):
        h = self.conv1(torch.nn.functional.silu(self.norm1(x)))
        h = self.conv2(torch.nn.functional.silu(self.norm2(h)))
        return (self.skip(x) if self.skip is not None else x) + h


class RefUNet(torch.nn.Module):
    """Mirror of bench/MLAugment.Bench/ReferenceUNet.cs (channels 32-64-128, stride-2 conv down, nearest up, concat skips)."""

    def __init__(self):
        super().__init__()
        self.conv_in = torch.nn.Conv2d(1, 32, 3, padding=1)
        self.down0 = RefBlock(32, 32)
        self.downsample0 = torch.nn.Conv2d(32, 32, 3, stride=2, padding=1)
        self.down1 = RefBlock(32, 64)
        self.downsample1 = torch.nn.Conv2d(64, 64, 3, stride=2, padding=1)
        self.mid = RefBlock(64, 128)
        self.up1 = RefBlock(128 + 64, 64)
        self.up0 = RefBlock(64 + 32, 32)
        self.norm_out = torch.nn.GroupNorm(8, 32)
        self.conv_out = torch.nn.Conv2d(32, 1, 3, padding=1)

    def forward(self, x):
        up = torch.nn.functional.interpolate
        s0 = self.down0(self.conv_in(x))
        s1 = self.down1(self.downsample0(s0))
        h = self.mid(self.downsample1(s1))
        h = self.up1(torch.cat([up(h, scale_factor=2, mode="nearest"), s1], 1))
        h = self.up0(torch.cat([up(h, scale_factor=2, mode="nearest"), s0], 1))
        return self.conv_out(torch.nn.functional.silu(self.norm_out(h)))


def unet_train_step(spec):
    model = RefUNet()
    opt = torch.optim.AdamW(model.parameters(), lr=1e-4)
    x = torch.randn(spec["batch"], 1, 32, 32)
    target = torch.randn(spec["batch"], 1, 32, 32)

    def body():
        opt.zero_grad(set_to_none=True)
        loss = torch.nn.functional.mse_loss(model(x), target)
        loss.backward()
        opt.step()

    return body


def unet_forward(spec):
    model = RefUNet()
    x = torch.randn(spec["batch"], 1, 32, 32)

    def body():
        with torch.no_grad():
            model(x)

    return body


KINDS = {"sgemm": sgemm, "conv2d_fwd_bwd": conv2d_fwd_bwd, "unet_train_step": unet_train_step, "unet_forward": unet_forward}


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
