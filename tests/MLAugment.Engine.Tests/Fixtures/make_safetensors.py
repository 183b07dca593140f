#!/usr/bin/python3
"""Writes the golden safetensors fixture (run once; outputs are committed).

Needs Debian packages: python3-torch python3-numpy (no `safetensors` package: the bytes are laid out
here by hand, exactly per the format spec: u64 little-endian header length, compact JSON header padded
with spaces to a multiple of 8, then the little-endian tensor bytes; tensors ordered like the reference
writer, by descending dtype size then name).
Run: /usr/bin/python3 tests/MLAugment.Engine.Tests/Fixtures/make_safetensors.py

golden.safetensors         the file the C# reader must parse
golden_expected.json       per tensor: dtype, shape, data_offsets, and the expected float32 values as
                           IEEE bit patterns (so NaN, -0.0 and subnormals compare exactly)
"""
import json
import os
import struct

import numpy as np
import torch

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "safetensors")

g = torch.Generator().manual_seed(7)
tensors = {
    "embed.weight": torch.randn(3, 4, generator=g, dtype=torch.float32),
    "layers.0.half": torch.tensor([[1.0, -0.0, 65504.0, 6e-8, 1 / 3], [float("inf"), -2.5, 1e-3, 0.1, -65504.0]],
                                  dtype=torch.float16),
    "layers.0.bf16": torch.tensor([[1.0, -3.140625, 1e30], [float("-inf"), 1e-20, 0.2]], dtype=torch.bfloat16),
    "double": torch.tensor([0.1, 1e-40, 3.5, -2.0], dtype=torch.float64),
    "ids": torch.tensor([1, -5, 2 ** 40], dtype=torch.int64),
    "i32": torch.tensor([7, -123456], dtype=torch.int32),
    "mask": torch.tensor([[0, 255], [1, 128]], dtype=torch.uint8),
    "scalar": torch.tensor(2.75, dtype=torch.float32),
    "empty": torch.zeros(0, 3, dtype=torch.float32),
}
names = {torch.float32: "F32", torch.float16: "F16", torch.bfloat16: "BF16", torch.float64: "F64",
         torch.int64: "I64", torch.int32: "I32", torch.uint8: "U8"}
metadata = {"format": "pt", "source": "make_safetensors.py"}


def raw_bytes(t):
    if t.dtype == torch.bfloat16:
        return t.view(torch.int16).numpy().astype("<i2").tobytes()
    return t.numpy().astype(t.numpy().dtype.newbyteorder("<")).tobytes()


order = sorted(tensors, key=lambda n: (-tensors[n].element_size(), n))
header = {"__metadata__": metadata}
expected = {}
offset = 0
blobs = []
for n in order:
    t = tensors[n]
    b = raw_bytes(t)
    assert len(b) == t.numel() * t.element_size()
    header[n] = {"dtype": names[t.dtype], "shape": list(t.shape), "data_offsets": [offset, offset + len(b)]}
    f32 = t.to(torch.float32).reshape(-1).numpy()
    expected[n] = {"dtype": names[t.dtype], "shape": list(t.shape), "data_offsets": [offset, offset + len(b)],
                   "f32_bits": [int(v) for v in f32.view(np.uint32)]}
    blobs.append(b)
    offset += len(b)

h = json.dumps(header, separators=(",", ":")).encode()
h += b" " * ((8 - len(h) % 8) % 8)
os.makedirs(OUT, exist_ok=True)
with open(os.path.join(OUT, "golden.safetensors"), "wb") as f:
    f.write(struct.pack("<Q", len(h)) + h + b"".join(blobs))
with open(os.path.join(OUT, "golden_expected.json"), "w") as f:
    json.dump({"metadata": metadata, "order": order, "header_length": len(h), "tensors": expected}, f, indent=1)
print("wrote", len(order), "tensors,", 8 + len(h) + offset, "bytes")
