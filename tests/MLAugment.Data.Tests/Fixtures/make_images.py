#!/usr/bin/python3
"""Generates the image codec fixtures under Fixtures/images/ (run once; outputs are committed).

Needs Debian packages: python3-pil python3-numpy libjpeg-turbo-progs netpbm imagemagick
    apt-get install -y python3-pil python3-numpy libjpeg-turbo-progs netpbm imagemagick
Run: /usr/bin/python3 tests/MLAugment.Data.Tests/Fixtures/make_images.py

Every encoded file gets a reference decode stored as raw bytes (<name>.<gray|rgb|rgba>, row-major,
8 bits per channel) and an entry in manifest.json: {file, width, height, format, ref, maxAbsDiff, maxMeanDiff}.
 * Lossless formats: the reference is the source pixels the file was made from (16-bit sources rounded
   to 8 bits as round(v * 255 / 65535)); every file is also decoded back with PIL (or the netpbm tools)
   and checked against the reference here, so a wrong encoder setting cannot slip into the fixtures.
 * JPEG: the reference is libjpeg-turbo's own decode (djpeg, default accurate integer IDCT and fancy
   upsampling), which the C# decoder must match within a small tolerance.
The C# tests never run these tools.
"""
import io
import json
import os
import struct
import subprocess
import tempfile
import zlib

import numpy as np
from PIL import Image

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "images")
CONVERT = "/usr/bin/convert-im6.q16"  # the real ImageMagick, not a stand-in that may shadow `convert`
manifest = []
TMP = tempfile.mkdtemp()


def rng():
    return np.random.default_rng(1234)


def photo(w, h, seed=0):
    """A small synthetic 'photo': smooth color gradients, hard edges, a disc, and mild noise."""
    r = np.random.default_rng(seed)
    y, x = np.mgrid[0:h, 0:w].astype(np.float64)
    red = 128 + 100 * np.sin(x / w * 3.1 + y / h * 1.3)
    green = 128 + 90 * np.cos(y / h * 4.0 - x / w)
    blue = 60 + 150 * (x + y) / (w + h)
    img = np.stack([red, green, blue], -1)
    disc = (x - w * 0.6) ** 2 + (y - h * 0.4) ** 2 < (min(w, h) * 0.25) ** 2
    img[disc] = [240, 230, 40]
    img[(x > w * 0.15) & (x < w * 0.3) & (y > h * 0.55)] = [20, 40, 200]
    img += r.normal(0, 6, img.shape)
    return np.clip(np.round(img), 0, 255).astype(np.uint8)


def write_ref(name, arr):
    """Stores an HxW (gray) / HxWx3 / HxWx4 uint8 array as raw bytes; returns its file name and format."""
    if arr.ndim == 3 and arr.shape[2] == 1:
        arr = arr[:, :, 0]
    kind = "gray" if arr.ndim == 2 else {3: "rgb", 4: "rgba"}[arr.shape[2]]
    ref = f"{name}.{kind}"
    with open(os.path.join(OUT, ref), "wb") as f:
        f.write(np.ascontiguousarray(arr, dtype=np.uint8).tobytes())
    return ref, {"gray": "Gray8", "rgb": "Rgb24", "rgba": "Rgba32"}[kind]


def add(file, ref_arr, max_abs=0, max_mean=0.0, fmt=None):
    base = os.path.splitext(file)[0]
    ref, kind = write_ref(base, ref_arr)
    manifest.append({
        "file": file, "width": int(ref_arr.shape[1]), "height": int(ref_arr.shape[0]),
        "format": fmt or kind, "ref": ref, "maxAbsDiff": max_abs, "maxMeanDiff": max_mean,
    })


def path(name):
    return os.path.join(OUT, name)


def run(*args, stdin=None, stdout=None):
    return subprocess.run(list(args), check=True, input=stdin, stdout=stdout or subprocess.PIPE).stdout


def pil_rgba(file):
    return np.asarray(Image.open(path(file)).convert("RGBA"))


def check_equal(file, expected_rgba):
    got = pil_rgba(file)
    assert got.shape == expected_rgba.shape and np.array_equal(got, expected_rgba), f"{file}: PIL decode differs from source"


def to_rgba(a):
    if a.ndim == 2:
        a = np.stack([a, a, a], -1)
    if a.shape[2] == 3:
        a = np.concatenate([a, np.full(a.shape[:2] + (1,), 255, np.uint8)], -1)
    return a


def round16(v):
    return ((v.astype(np.int64) * 255 + 32767) // 65535).astype(np.uint8)


# ----------------------------------------------------------------- PNG helpers

def png_chunk(t, data):
    return struct.pack(">I", len(data)) + t + data + struct.pack(">I", zlib.crc32(t + data) & 0xFFFFFFFF)


def png_chunks(data):
    pos, out = 8, []
    while pos < len(data):
        n, = struct.unpack(">I", data[pos:pos + 4])
        out.append((data[pos + 4:pos + 8], data[pos + 8:pos + 8 + n]))
        pos += 12 + n
    return out


def resplit_idat(src, dst, size):
    """Rewrites a PNG with its zlib stream split into IDAT chunks of `size` bytes."""
    data = open(path(src), "rb").read()
    chunks = png_chunks(data)
    z = b"".join(d for t, d in chunks if t == b"IDAT")
    out = data[:8]
    done = False
    for t, d in chunks:
        if t == b"IDAT":
            if not done:
                for i in range(0, len(z), size):
                    out += png_chunk(b"IDAT", z[i:i + size])
                done = True
        else:
            out += png_chunk(t, d)
    open(path(dst), "wb").write(out)


def png_every_filter(dst, rgb):
    """8-bit RGB PNG whose scanline y uses filter y % 5, written by hand so all five filters occur."""
    h, w, _ = rgb.shape
    bpp = 3
    raw = bytearray()
    prev = np.zeros(w * 3, np.int64)
    for y in range(h):
        cur = rgb[y].reshape(-1).astype(np.int64)
        f = y % 5
        out = np.zeros_like(cur)
        for i in range(len(cur)):
            a = cur[i - bpp] if i >= bpp else 0
            b = prev[i]
            c = prev[i - bpp] if i >= bpp else 0
            if f == 0:
                pred = 0
            elif f == 1:
                pred = a
            elif f == 2:
                pred = b
            elif f == 3:
                pred = (a + b) // 2
            else:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                pred = a if pa <= pb and pa <= pc else (b if pb <= pc else c)
            out[i] = (cur[i] - pred) & 0xFF
        raw.append(f)
        raw += bytes(out.astype(np.uint8))
        prev = cur
    ihdr = struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0)
    data = b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", ihdr) + png_chunk(b"IDAT", zlib.compress(bytes(raw), 9)) + png_chunk(b"IEND", b"")
    open(path(dst), "wb").write(data)


def write_pnm16(file, arr16):
    """Binary PGM/PPM with maxval 65535 (big-endian samples)."""
    magic = b"P5" if arr16.ndim == 2 else b"P6"
    h, w = arr16.shape[:2]
    with open(file, "wb") as f:
        f.write(magic + b"\n%d %d\n65535\n" % (w, h))
        f.write(arr16.astype(">u2").tobytes())


def make_png():
    W, H = 37, 29
    rgb = photo(W, H, 1)
    gray = np.asarray(Image.fromarray(rgb).convert("L"))
    alpha = ((np.arange(W)[None, :] * 7 + np.arange(H)[:, None] * 5) % 256).astype(np.uint8)

    # 8-bit gray, RGB, RGBA, gray+alpha (PIL's encoder; it picks filters adaptively)
    Image.fromarray(gray).save(path("png_gray8.png")); add("png_gray8.png", gray)
    Image.fromarray(rgb).save(path("png_rgb8.png")); add("png_rgb8.png", rgb)
    rgba = np.concatenate([rgb, alpha[..., None]], -1)
    Image.fromarray(rgba, "RGBA").save(path("png_rgba8.png")); add("png_rgba8.png", rgba)
    la = np.stack([gray, alpha], -1)
    Image.fromarray(la, "LA").save(path("png_ga8.png"))
    add("png_ga8.png", np.concatenate([np.stack([gray] * 3, -1), alpha[..., None]], -1))
    for f in ["png_gray8.png", "png_rgb8.png", "png_rgba8.png", "png_ga8.png"]:
        m = next(e for e in manifest if e["file"] == f)
        ref = np.fromfile(path(m["ref"]), np.uint8).reshape(H, W, -1)
        check_equal(f, to_rgba(ref[..., 0] if ref.shape[2] == 1 else ref))

    # Low bit-depth gray: pnmtopng chooses bit depth from maxval (1 -> 1 bit, 3 -> 2 bits, 15 -> 4 bits)
    for bits in (1, 2, 4):
        maxv = (1 << bits) - 1
        q = (gray.astype(np.int64) * maxv + 127) // 255
        pgm = os.path.join(TMP, f"g{bits}.pgm")
        with open(pgm, "wb") as f:
            f.write(b"P5\n%d %d\n%d\n" % (W, H, maxv) + q.astype(np.uint8).tobytes())
        name = f"png_gray{bits}.png"
        open(path(name), "wb").write(run("pnmtopng", pgm))
        assert open(path(name), "rb").read()[24] == bits, f"{name} has wrong depth"
        ref = (q * 255 // maxv).astype(np.uint8)
        check_equal(name, to_rgba(ref))
        add(name, ref)
    # 2-bit gray, Adam7
    pgm = os.path.join(TMP, "g2.pgm")
    open(path("png_gray2_adam7.png"), "wb").write(run("pnmtopng", "-interlace", pgm))
    q2 = (gray.astype(np.int64) * 3 + 127) // 255
    add("png_gray2_adam7.png", (q2 * 85).astype(np.uint8))
    check_equal("png_gray2_adam7.png", to_rgba((q2 * 85).astype(np.uint8)))

    # 16-bit gray / RGB / RGBA from 16-bit sources (pnmtopng writes 16-bit for maxval 65535)
    r = rng()
    g16 = (gray.astype(np.int64) * 257 + r.integers(-200, 200, gray.shape)).clip(0, 65535)
    rgb16 = (rgb.astype(np.int64) * 257 + r.integers(-200, 200, rgb.shape)).clip(0, 65535)
    a16 = (alpha.astype(np.int64) * 257 + r.integers(-100, 100, alpha.shape)).clip(0, 65535)
    write_pnm16(os.path.join(TMP, "g16.pgm"), g16)
    write_pnm16(os.path.join(TMP, "c16.ppm"), rgb16)
    write_pnm16(os.path.join(TMP, "a16.pgm"), a16)
    open(path("png_gray16.png"), "wb").write(run("pnmtopng", os.path.join(TMP, "g16.pgm")))
    add("png_gray16.png", round16(g16))
    open(path("png_rgb16.png"), "wb").write(run("pnmtopng", os.path.join(TMP, "c16.ppm")))
    add("png_rgb16.png", round16(rgb16))
    open(path("png_rgba16_adam7.png"), "wb").write(
        run("pnmtopng", "-interlace", "-alpha=" + os.path.join(TMP, "a16.pgm"), os.path.join(TMP, "c16.ppm")))
    add("png_rgba16_adam7.png", np.concatenate([round16(rgb16), round16(a16)[..., None]], -1))
    for name, bits, ct in [("png_gray16.png", 16, 0), ("png_rgb16.png", 16, 2), ("png_rgba16_adam7.png", 16, 6)]:
        d = open(path(name), "rb").read()
        assert d[24] == bits and d[25] == ct, f"{name}: depth {d[24]} color type {d[25]}"
    # the 16-bit source itself, for the Decode16 test
    with open(path("png_gray16.u16be"), "wb") as f:
        f.write(g16.astype(">u2").tobytes())
    # 16-bit gray+alpha via ImageMagick
    run(CONVERT, os.path.join(TMP, "g16.pgm"), os.path.join(TMP, "a16.pgm"), "-alpha", "off",
        "-compose", "CopyOpacity", "-composite", "-depth", "16", "PNG:" + path("png_ga16.png"))
    d = open(path("png_ga16.png"), "rb").read()
    assert d[24] == 16 and d[25] == 4, f"png_ga16.png: depth {d[24]} color type {d[25]}"
    g8 = round16(g16)
    add("png_ga16.png", np.concatenate([np.stack([g8] * 3, -1), round16(a16)[..., None]], -1))

    # Palette images: PIL writes 1/2/4/8-bit palettes with bits=
    for bits in (1, 2, 4, 8):
        n = 1 << bits
        pal_img = Image.fromarray(rgb).quantize(colors=n, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
        name = f"png_pal{bits}.png"
        pal_img.save(path(name), bits=bits)
        d = open(path(name), "rb").read()
        assert d[24] == bits and d[25] == 3, f"{name}: depth {d[24]} color type {d[25]}"
        ref = np.asarray(pal_img.convert("RGB"))
        add(name, ref)
        check_equal(name, to_rgba(ref))
    # 4-bit palette with tRNS, Adam7 (ImageMagick; reference from PIL, checked against ImageMagick's own decode)
    pal_img = Image.fromarray(rgb).quantize(colors=16, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
    pal = pal_img.getpalette()[:48]
    idx = np.asarray(pal_img)
    trns = bytes([0, 64, 128, 200] + [255] * 12)
    ihdr = struct.pack(">IIBBBBB", W, H, 4, 3, 0, 0, 0)
    # packed 4-bit rows, then reinterlaced by ImageMagick (keeps palette + tRNS)
    raw = bytearray()
    for y in range(H):
        raw.append(0)
        row = list(idx[y]) + ([0] if W % 2 else [])
        raw += bytes((row[i] << 4) | row[i + 1] for i in range(0, len(row), 2))
    data = (b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", ihdr) + png_chunk(b"PLTE", bytes(pal)) +
            png_chunk(b"tRNS", trns) + png_chunk(b"IDAT", zlib.compress(bytes(raw))) + png_chunk(b"IEND", b""))
    open(path("png_pal4_trns.png"), "wb").write(data)
    ref = np.asarray(Image.open(path("png_pal4_trns.png")).convert("RGBA"))
    palarr = np.array(pal, np.uint8).reshape(16, 3)
    expect = np.concatenate([palarr[idx], np.frombuffer(trns, np.uint8)[idx][..., None]], -1)
    assert np.array_equal(ref, expect)
    add("png_pal4_trns.png", expect)
    # No tool here interlaces a palette PNG with partial tRNS alpha (ImageMagick's PNG8 binarizes it),
    # so this one is packed by hand; PIL's decode of it is checked below.
    passes = [(0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2)]
    raw = bytearray()
    for x0, y0, dx, dy in passes:
        sub = idx[y0::dy, x0::dx]
        if sub.size == 0:
            continue
        for row in sub:
            row = list(row) + ([0] if len(row) % 2 else [])
            raw.append(1 if len(raw) % 2 else 0)  # alternate None/Sub filters
            packed = [(row[i] << 4) | row[i + 1] for i in range(0, len(row), 2)]
            if raw[-1] == 1:
                packed = [packed[0]] + [(packed[i] - packed[i - 1]) & 0xFF for i in range(1, len(packed))]
            raw += bytes(packed)
    ihdr = struct.pack(">IIBBBBB", W, H, 4, 3, 0, 0, 1)
    data = (b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", ihdr) + png_chunk(b"PLTE", bytes(pal)) +
            png_chunk(b"tRNS", trns) + png_chunk(b"IDAT", zlib.compress(bytes(raw))) + png_chunk(b"IEND", b""))
    open(path("png_pal4_trns_adam7.png"), "wb").write(data)
    check_equal("png_pal4_trns_adam7.png", expect)
    add("png_pal4_trns_adam7.png", expect)

    # tRNS on gray and RGB: one exact color becomes transparent
    gt = gray.copy()
    Image.fromarray(gt).save(path("png_gray8_trns.png"), transparency=int(gt[3, 5]))
    ref = to_rgba(gt).copy(); ref[..., 3] = np.where(gt == gt[3, 5], 0, 255)
    check_equal("png_gray8_trns.png", ref); add("png_gray8_trns.png", ref)
    key = tuple(int(v) for v in rgb[10, 20])
    rgb_key = rgb.copy(); rgb_key[0:4, 0:6] = key
    Image.fromarray(rgb_key).save(path("png_rgb8_trns.png"), transparency=key)
    ref = to_rgba(rgb_key).copy(); ref[..., 3] = np.where(np.all(rgb_key == key, -1), 0, 255)
    check_equal("png_rgb8_trns.png", ref); add("png_rgb8_trns.png", ref)

    # Adam7 8-bit RGB (pnmtopng -interlace), multi-IDAT, hand-filtered
    ppm = os.path.join(TMP, "c8.ppm")
    Image.fromarray(rgb).save(ppm)
    open(path("png_rgb8_adam7.png"), "wb").write(run("pnmtopng", "-interlace", ppm))
    assert open(path("png_rgb8_adam7.png"), "rb").read()[28] == 1
    check_equal("png_rgb8_adam7.png", to_rgba(rgb)); add("png_rgb8_adam7.png", rgb)
    resplit_idat("png_rgb8.png", "png_rgb8_multi_idat.png", 97)
    check_equal("png_rgb8_multi_idat.png", to_rgba(rgb)); add("png_rgb8_multi_idat.png", rgb)
    png_every_filter("png_rgb8_filters.png", rgb)
    check_equal("png_rgb8_filters.png", to_rgba(rgb)); add("png_rgb8_filters.png", rgb)
    # tiny odd-sized interlaced images exercise empty Adam7 passes
    tiny = photo(3, 2, 5)
    Image.fromarray(tiny).save(os.path.join(TMP, "tiny.ppm"))
    open(path("png_tiny_adam7.png"), "wb").write(run("pnmtopng", "-interlace", os.path.join(TMP, "tiny.ppm")))
    check_equal("png_tiny_adam7.png", to_rgba(tiny)); add("png_tiny_adam7.png", tiny)


# ----------------------------------------------------------------- BMP

def bmp_write(file, w, h, bpp, rows_bottom_up, top_down=False, compression=0, masks=None, palette=None, header=40):
    """Minimal hand-written BMP for variants the tools do not produce (top-down, 32-bit BI_RGB, bitfields)."""
    row_bytes = ((w * bpp + 31) // 32) * 4
    pal = b"".join(bytes([b, g, r, 0]) for r, g, b in (palette or []))
    mask_bytes = b"".join(struct.pack("<I", m) for m in masks) if masks and header == 40 else b""
    offset = 14 + header + len(mask_bytes) + len(pal)
    pixels = b"".join(r + b"\0" * (row_bytes - len(r)) for r in rows_bottom_up)
    dib = struct.pack("<IiiHHIIiiII", header, w, -h if top_down else h, 1, bpp, compression, len(pixels), 2835, 2835,
                      len(palette or []), 0)
    if header > 40:
        m = list(masks or [0, 0, 0, 0]) + [0] * 4
        dib += struct.pack("<IIII", *m[:4]) + struct.pack("<I", 0x73524742) + b"\0" * (header - 60)
    data = b"BM" + struct.pack("<IHHI", offset + len(pixels), 0, 0, offset) + dib + mask_bytes + pal + pixels
    open(path(file), "wb").write(data)


def make_bmp():
    W, H = 23, 13
    rgb = photo(W, H, 2)
    alpha = ((np.arange(W)[None, :] * 11 + np.arange(H)[:, None] * 3) % 256).astype(np.uint8)

    Image.fromarray(rgb).save(path("bmp_24.bmp")); add("bmp_24.bmp", rgb)
    check_equal("bmp_24.bmp", to_rgba(rgb))
    # palette depths from netpbm's ppmtobmp (-bpp picks the depth; the color count must fit)
    for bpp in (1, 4, 8):
        n = 1 << bpp
        q = Image.fromarray(rgb).quantize(colors=n, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE).convert("RGB")
        ref = np.asarray(q)
        ppm = os.path.join(TMP, f"b{bpp}.ppm"); q.save(ppm)
        name = f"bmp_pal{bpp}.bmp"
        open(path(name), "wb").write(run("ppmtobmp", "-bpp", str(bpp), ppm))
        assert struct.unpack("<H", open(path(name), "rb").read()[28:30])[0] == bpp
        check_equal(name, to_rgba(ref)); add(name, ref)
    # 32-bit BI_BITFIELDS with alpha (ImageMagick writes a V5 header)
    rgba = np.concatenate([rgb, alpha[..., None]], -1)
    Image.fromarray(rgba, "RGBA").save(os.path.join(TMP, "a.png"))
    run(CONVERT, os.path.join(TMP, "a.png"), "BMP:" + path("bmp_32_bitfields_alpha.bmp"))
    d = open(path("bmp_32_bitfields_alpha.bmp"), "rb").read()
    assert struct.unpack("<H", d[28:30])[0] == 32 and struct.unpack("<I", d[30:34])[0] == 3
    add("bmp_32_bitfields_alpha.bmp", rgba)
    # hand-written: top-down 24-bit, 32-bit BI_RGB (4th byte ignored), 16-bit 565 bitfields, 40-byte header + masks
    rows = [bytes(rgb[y][:, ::-1].reshape(-1)) for y in range(H)]  # BGR rows, top to bottom
    bmp_write("bmp_24_topdown.bmp", W, H, 24, rows, top_down=True)
    check_equal("bmp_24_topdown.bmp", to_rgba(rgb)); add("bmp_24_topdown.bmp", rgb)
    rows32 = [bytes(np.concatenate([rgb[y][:, ::-1], alpha[y][:, None]], -1).reshape(-1)) for y in range(H)]
    bmp_write("bmp_32_rgb.bmp", W, H, 32, rows32[::-1])
    add("bmp_32_rgb.bmp", rgb)
    v565 = ((rgb[..., 0].astype(np.int64) >> 3) << 11) | ((rgb[..., 1].astype(np.int64) >> 2) << 5) | (rgb[..., 2] >> 3)
    rows16 = [v565[y].astype("<u2").tobytes() for y in range(H)]
    bmp_write("bmp_16_565.bmp", W, H, 16, rows16[::-1], compression=3, masks=[0xF800, 0x07E0, 0x001F])
    r5 = ((v565 >> 11) & 31) * 255
    g6 = ((v565 >> 5) & 63) * 255
    b5 = (v565 & 31) * 255
    ref565 = np.stack([(r5 + 15) // 31, (g6 + 31) // 63, (b5 + 15) // 31], -1).astype(np.uint8)
    add("bmp_16_565.bmp", ref565)
    bmp_write("bmp_32_bitfields_bgr.bmp", W, H, 32, rows32[::-1], compression=3, masks=[0x00FF0000, 0x0000FF00, 0x000000FF])
    add("bmp_32_bitfields_bgr.bmp", rgb)


# ----------------------------------------------------------------- PNM

def make_pnm():
    W, H = 19, 11
    rgb = photo(W, H, 3)
    gray = np.asarray(Image.fromarray(rgb).convert("L"))
    Image.fromarray(gray).save(path("pnm_p5.pgm")); add("pnm_p5.pgm", gray)
    Image.fromarray(rgb).save(path("pnm_p6.ppm")); add("pnm_p6.ppm", rgb)
    open(path("pnm_p2.pgm"), "wb").write(run("pnmtoplainpnm", path("pnm_p5.pgm")))
    assert open(path("pnm_p2.pgm"), "rb").read(2) == b"P2"
    add("pnm_p2.pgm", gray)
    open(path("pnm_p3.ppm"), "wb").write(run("pnmtoplainpnm", path("pnm_p6.ppm")))
    add("pnm_p3.ppm", rgb)
    # maxval 65535 binary, with header comments
    r = rng()
    g16 = (gray.astype(np.int64) * 257 + r.integers(-300, 300, gray.shape)).clip(0, 65535)
    with open(path("pnm_p5_16bit_comments.pgm"), "wb") as f:
        f.write(b"P5\n# written by make_images.py\n%d # width\n%d\n# maxval next\n65535\n" % (W, H))
        f.write(g16.astype(">u2").tobytes())
    add("pnm_p5_16bit_comments.pgm", round16(g16))
    # maxval 1000 (netpbm pamdepth rescales), plain and binary
    c1000 = (rgb.astype(np.int64) * 1000 + 127) // 255
    with open(path("pnm_p6_maxval1000.ppm"), "wb") as f:
        f.write(b"P6\n%d %d\n1000\n" % (W, H) + c1000.astype(">u2").tobytes())
    ref1000 = ((c1000 * 255 + 500) // 1000).astype(np.uint8)
    add("pnm_p6_maxval1000.ppm", ref1000)
    with open(path("pnm_p3_maxval1000.ppm"), "wb") as f:
        f.write(b"P3\n# plain\n%d %d\n1000\n" % (W, H))
        for y in range(H):
            f.write((" ".join(str(v) for v in c1000[y].reshape(-1)) + "\n").encode())
    add("pnm_p3_maxval1000.ppm", ref1000)
    # bitmaps
    bits = (gray < 128)
    Image.fromarray(np.where(bits, 0, 255).astype(np.uint8)).convert("1").save(path("pnm_p4.pbm"))
    add("pnm_p4.pbm", np.where(bits, 0, 255).astype(np.uint8))
    open(path("pnm_p1.pbm"), "wb").write(run("pnmtoplainpnm", path("pnm_p4.pbm")))
    add("pnm_p1.pbm", np.where(bits, 0, 255).astype(np.uint8))


# ----------------------------------------------------------------- JPEG

def djpeg_ref(file):
    """libjpeg-turbo's decode (accurate integer IDCT, fancy upsampling) as an array."""
    out = run("djpeg", "-pnm", path(file))
    return np.asarray(Image.open(io.BytesIO(out)))


def make_jpeg():
    W, H = 45, 35
    rgb = photo(W, H, 4)
    ppm = os.path.join(TMP, "j.ppm")
    Image.fromarray(rgb).save(ppm)
    big = photo(64, 48, 6)
    ppm_big = os.path.join(TMP, "jb.ppm")
    Image.fromarray(big).save(ppm_big)
    cases = [
        ("jpeg_444.jpg", ["-sample", "1x1", "-quality", "92"], ppm),
        ("jpeg_422.jpg", ["-sample", "2x1", "-quality", "85"], ppm),
        ("jpeg_420.jpg", ["-sample", "2x2", "-quality", "85"], ppm),
        ("jpeg_440.jpg", ["-sample", "1x2", "-quality", "85"], ppm),
        ("jpeg_411.jpg", ["-sample", "4x1", "-quality", "85"], ppm),
        ("jpeg_gray.jpg", ["-grayscale", "-quality", "90"], ppm),
        ("jpeg_420_restart.jpg", ["-sample", "2x2", "-restart", "1B", "-quality", "80"], ppm),
        ("jpeg_444_restart_rows.jpg", ["-sample", "1x1", "-restart", "1", "-quality", "75"], ppm_big),
        ("jpeg_rgb_adobe.jpg", ["-rgb", "-quality", "90"], ppm),
        ("jpeg_prog_420.jpg", ["-progressive", "-sample", "2x2", "-quality", "85"], ppm),
        ("jpeg_prog_444.jpg", ["-progressive", "-sample", "1x1", "-quality", "95"], ppm_big),
        ("jpeg_prog_gray.jpg", ["-progressive", "-grayscale", "-quality", "88"], ppm),
        ("jpeg_prog_restart.jpg", ["-progressive", "-sample", "2x2", "-restart", "2B", "-quality", "70"], ppm_big),
        ("jpeg_q100_420.jpg", ["-sample", "2x2", "-quality", "100"], ppm_big),
        ("jpeg_optimized_420.jpg", ["-optimize", "-sample", "2x2", "-quality", "60"], ppm_big),
    ]
    for name, args, src in cases:
        open(path(name), "wb").write(run("cjpeg", *args, src))
        ref = djpeg_ref(name)
        add(name, ref, max_abs=3, max_mean=0.1)
    d = open(path("jpeg_rgb_adobe.jpg"), "rb").read()
    assert b"Adobe" in d, "cjpeg -rgb should write an Adobe APP14 marker"
    # Custom progressive script: interleaved DC with successive approximation, spectral bands per component.
    scans = os.path.join(TMP, "scans.txt")
    open(scans, "w").write("0,1,2: 0-0, 0, 2;\n0: 1-9, 0, 1;\n1: 1-63, 0, 0;\n2: 1-63, 0, 0;\n0: 10-63, 0, 1;\n"
                           "0,1,2: 0-0, 2, 1;\n0,1,2: 0-0, 1, 0;\n0: 1-63, 1, 0;\n")
    open(path("jpeg_prog_custom_scans.jpg"), "wb").write(run("cjpeg", "-scans", scans, "-sample", "2x1", ppm))
    add("jpeg_prog_custom_scans.jpg", djpeg_ref("jpeg_prog_custom_scans.jpg"), max_abs=3, max_mean=0.1)
    # Adobe CMYK (ImageMagick). Reference: libjpeg's CMYK samples (via PIL, which undoes the Adobe
    # inversion) composited as R = (255 - C)(255 - K) / 255.
    run(CONVERT, ppm, "-colorspace", "CMYK", "-quality", "92", "-sampling-factor", "1x1", path("jpeg_cmyk_adobe.jpg"))
    cmyk = np.asarray(Image.open(path("jpeg_cmyk_adobe.jpg"))).astype(np.int64)
    assert Image.open(path("jpeg_cmyk_adobe.jpg")).mode == "CMYK"
    k = 255 - cmyk[..., 3]
    ref = np.stack([((255 - cmyk[..., i]) * k + 127) // 255 for i in range(3)], -1).astype(np.uint8)
    add("jpeg_cmyk_adobe.jpg", ref, max_abs=3, max_mean=0.1)


if __name__ == "__main__":
    os.makedirs(OUT, exist_ok=True)
    for f in os.listdir(OUT):
        os.remove(os.path.join(OUT, f))
    make_png()
    make_bmp()
    make_pnm()
    make_jpeg()
    with open(os.path.join(OUT, "manifest.json"), "w") as f:
        json.dump(manifest, f, indent=1)
    total = sum(os.path.getsize(os.path.join(OUT, f)) for f in os.listdir(OUT))
    print(f"{len(manifest)} fixtures, {total} bytes")
