# Generates torch_randn.txt: reference draws of torch's CPU generator, used to check the test-only C# port
# (TorchCpuGenerator) that replays the torch.randn noise of diffusers' stochastic scheduler tests.
# Run with Debian's python3-torch: /usr/bin/python3 make_torch_randn.py > torch_randn.txt
import torch

g = torch.manual_seed(0)
draws = [torch.randn((4, 3, 8, 8), generator=g) for _ in range(3)]
tail = torch.randn((20,), generator=g)  # numel % 16 != 0: the last 16 values are redrawn
print(f"# torch {torch.__version__}: manual_seed(0); randn(4,3,8,8) x3; randn(20)")
for i, d in enumerate(draws):
    flat = d.flatten()
    print(f"draw{i} first16 " + " ".join(repr(float(v)) for v in flat[:16]))
    print(f"draw{i} last16 " + " ".join(repr(float(v)) for v in flat[-16:]))
    print(f"draw{i} sum {float(flat.double().sum())!r}")
print("tail20 " + " ".join(repr(float(v)) for v in tail))
