#!/usr/bin/python3
"""Generates optim_golden.json: reference trajectories from PyTorch (1.13, CPU, float32) for the C# optimizer tests.

Run from this folder: /usr/bin/python3 make_optim_golden.py
Parameters and per-step gradients are fixed pseudo-random numbers stored in the file, so the C# test replays the
same inputs and compares the parameters (and optimizer state) after every step.
"""
import json
import math

import torch

torch.manual_seed(1234)
SHAPES = [[3, 5], [4]]  # 15 elements exercise both the vector body and the scalar tail
STEPS = 6


def tensors(scale=1.0):
    return [(torch.randn(*s) * scale).float() for s in SHAPES]


def run(opt_cls, kwargs, init, grads):
    params = [p.clone().requires_grad_(True) for p in init]
    opt = opt_cls(params, **kwargs)
    traj = []
    for step_grads in grads:
        for p, g in zip(params, step_grads):
            p.grad = g.clone()
        opt.step()
        traj.append([p.detach().flatten().tolist() for p in params])
    return traj


def optimizer_cases():
    cases = []
    sgd = [
        dict(lr=0.1),
        dict(lr=0.1, weight_decay=0.05),
        dict(lr=0.05, momentum=0.9),
        dict(lr=0.05, momentum=0.9, dampening=0.3, weight_decay=0.01),
        dict(lr=0.05, momentum=0.8, nesterov=True),
        dict(lr=0.02, momentum=0.9, nesterov=True, weight_decay=0.1),
    ]
    adamw = [
        dict(lr=1e-2),
        dict(lr=3e-3, betas=(0.8, 0.95), eps=1e-6, weight_decay=0.1),
        dict(lr=1e-2, weight_decay=0.0, amsgrad=True),
        dict(lr=5e-3, betas=(0.9, 0.99), weight_decay=0.05, amsgrad=True),
    ]
    for name, cls, configs in [("SGD", torch.optim.SGD, sgd), ("AdamW", torch.optim.AdamW, adamw)]:
        for kw in configs:
            init = tensors()
            # Gradients of varying scale (tiny to large) so bias correction and eps both matter.
            grads = [tensors(scale=10.0 ** (k % 3 - 1)) for k in range(STEPS)]
            full = dict(kw)
            full["foreach"] = False
            traj = run(cls, full, init, grads)
            cases.append(dict(
                optimizer=name,
                config={k: (list(v) if isinstance(v, tuple) else v) for k, v in kw.items()},
                shapes=SHAPES,
                init=[p.flatten().tolist() for p in init],
                grads=[[g.flatten().tolist() for g in gs] for gs in grads],
                params_after_step=traj,
            ))
    return cases


def schedule_cases():
    def lambda_lrs(fn, steps, base=0.1):
        p = torch.zeros(1, requires_grad=True)
        opt = torch.optim.SGD([p], lr=base)
        sched = torch.optim.lr_scheduler.LambdaLR(opt, fn)
        lrs = [opt.param_groups[0]["lr"]]
        for _ in range(steps):
            opt.step()
            sched.step()
            lrs.append(opt.param_groups[0]["lr"])
        return lrs

    # diffusers.optimization formulas (diffusers is not installed here; these are its lambdas verbatim in math).
    def cosine(warmup, total, cycles=0.5):
        def f(step):
            if step < warmup:
                return float(step) / float(max(1, warmup))
            progress = float(step - warmup) / float(max(1, total - warmup))
            return max(0.0, 0.5 * (1.0 + math.cos(math.pi * float(cycles) * 2.0 * progress)))
        return f

    def constant(warmup):
        def f(step):
            if step < warmup:
                return float(step) / float(max(1.0, warmup))
            return 1.0
        return f

    def linear(warmup, total):
        def f(step):
            if step < warmup:
                return float(step) / float(max(1, warmup))
            return max(0.0, float(total - step) / float(max(1, total - warmup)))
        return f

    p = torch.zeros(1, requires_grad=True)
    opt = torch.optim.SGD([p], lr=0.1)
    step_sched = torch.optim.lr_scheduler.StepLR(opt, step_size=3, gamma=0.5)
    step_lrs = [opt.param_groups[0]["lr"]]
    for _ in range(12):
        opt.step()
        step_sched.step()
        step_lrs.append(opt.param_groups[0]["lr"])

    return [
        dict(kind="cosine", warmup=5, total=20, cycles=0.5, base=0.1, lrs=lambda_lrs(cosine(5, 20), 24)),
        dict(kind="cosine", warmup=0, total=10, cycles=1.0, base=0.1, lrs=lambda_lrs(cosine(0, 10, 1.0), 12)),
        dict(kind="constant", warmup=4, base=0.1, lrs=lambda_lrs(constant(4), 8)),
        dict(kind="linear", warmup=3, total=10, base=0.1, lrs=lambda_lrs(linear(3, 10), 12)),
        dict(kind="step", step_size=3, gamma=0.5, base=0.1, lrs=step_lrs),
    ]


def clip_cases():
    cases = []
    for max_norm, norm_type, scale in [(1.0, 2.0, 1.0), (100.0, 2.0, 1.0), (0.5, float("inf"), 1.0), (1.0, 3.0, 2.0)]:
        grads = tensors(scale)
        params = [torch.zeros_like(g, requires_grad=True) for g in grads]
        for p, g in zip(params, grads):
            p.grad = g.clone()
        total = torch.nn.utils.clip_grad_norm_(params, max_norm, norm_type)
        cases.append(dict(max_norm=max_norm, norm_type="inf" if math.isinf(norm_type) else norm_type,
                          shapes=SHAPES, grads=[g.flatten().tolist() for g in grads],
                          total_norm=float(total), clipped=[p.grad.flatten().tolist() for p in params]))
    return cases


def ema_cases():
    """diffusers EMAModel.step/get_decay replayed with torch ops (diffusers itself is not installed here)."""
    cases = []
    for cfg in [dict(decay=0.9, min_decay=0.0, update_after_step=0, use_ema_warmup=False, inv_gamma=1.0, power=2 / 3),
                dict(decay=0.999, min_decay=0.1, update_after_step=2, use_ema_warmup=True, inv_gamma=1.0, power=0.75)]:
        init = tensors()
        shadow = [p.clone() for p in init]
        params = [p.clone() for p in init]
        updates = [tensors(0.1) for _ in range(STEPS)]
        decays, shadows = [], []
        for k in range(STEPS):
            for p, u in zip(params, updates[k]):
                p.add_(u)
            optimization_step = k + 1
            step = max(0, optimization_step - cfg["update_after_step"] - 1)
            if step <= 0:
                decay = 0.0
            else:
                if cfg["use_ema_warmup"]:
                    decay = 1 - (1 + step / cfg["inv_gamma"]) ** -cfg["power"]
                else:
                    decay = (1 + step) / (10 + step)
                decay = max(min(decay, cfg["decay"]), cfg["min_decay"])
            one_minus_decay = 1 - decay
            for s, p in zip(shadow, params):
                s.sub_(one_minus_decay * (s - p))
            decays.append(decay)
            shadows.append([s.flatten().tolist() for s in shadow])
        cases.append(dict(config=cfg, shapes=SHAPES, init=[p.flatten().tolist() for p in init],
                          updates=[[u.flatten().tolist() for u in us] for us in updates],
                          decays=decays, shadow_after_step=shadows))
    return cases


if __name__ == "__main__":
    out = dict(torch_version=torch.__version__, optimizers=optimizer_cases(), schedules=schedule_cases(),
               clip=clip_cases(), ema=ema_cases())
    with open("optim_golden.json", "w") as f:
        json.dump(out, f)
    print("wrote optim_golden.json with", len(out["optimizers"]), "optimizer cases")
