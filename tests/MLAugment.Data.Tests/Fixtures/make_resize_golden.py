"""Golden values for ResizeImages(Fill): torch bilinear, align_corners=False, no antialias.

Writes resize/bilinear.json: for each case the source (h, w, RGBA bytes row-major) and torch's output rounded to
bytes. Run with the Debian python3-torch: python3 make_resize_golden.py
"""
import json
import torch
import torch.nn.functional as F

def case(h, w, oh, ow, seed):
    g = torch.Generator().manual_seed(seed)
    src = torch.randint(0, 256, (h, w, 4), generator=g, dtype=torch.int64)
    x = src.permute(2, 0, 1).unsqueeze(0).double()
    y = F.interpolate(x, size=(oh, ow), mode="bilinear", align_corners=False, antialias=False)
    out = y.squeeze(0).permute(1, 2, 0).round().clamp(0, 255).to(torch.int64)
    return {"h": h, "w": w, "oh": oh, "ow": ow,
            "src": src.flatten().tolist(), "expected": out.flatten().tolist()}

cases = [case(3, 2, 4, 5, 1), case(4, 6, 3, 2, 2), case(5, 5, 9, 7, 3), case(2, 7, 2, 3, 4)]
with open("resize/bilinear.json", "w") as f:
    json.dump(cases, f)
