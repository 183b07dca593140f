#!/usr/bin/env python3
"""Generates clip_goldens.json: reference CLIP BPE ids for ClipTokenizerTests.

A small independent re-statement of OpenAI CLIP's SimpleTokenizer algorithm (no ftfy; html
unescaped twice, whitespace collapsed, lower-cased), run against models/clip/bpe_simple_vocab_16e6.txt.gz.
Run from the repository root:  python3 tests/MLAugment.Diffusion.Tests/Text/Golden/make_clip_goldens.py
"""
import gzip, html, json, os, regex

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "../../../.."))
BPE = os.path.join(ROOT, "models/clip/bpe_simple_vocab_16e6.txt.gz")


def byte_table():
    keep = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + list(range(ord("®"), ord("ÿ") + 1))
    chars = list(keep)
    extra = 0
    for b in range(256):
        if b not in keep:
            keep.append(b)
            chars.append(256 + extra)
            extra += 1
    return {b: chr(c) for b, c in zip(keep, chars)}


lines = gzip.open(BPE).read().decode("utf-8").split("\n")
merges = [tuple(l.split()) for l in lines[1:49152 - 256 - 2 + 1]]
byte_enc = byte_table()
vocab = list(byte_enc.values())
vocab += [v + "</w>" for v in vocab]
vocab += ["".join(m) for m in merges]
vocab += ["<|startoftext|>", "<|endoftext|>"]
ids = {t: i for i, t in enumerate(vocab)}
ranks = {m: i for i, m in enumerate(merges)}
pattern = regex.compile(r"""<\|startoftext\|>|<\|endoftext\|>|'s|'t|'re|'ve|'m|'ll|'d|[\p{L}]+|[\p{N}]|[^\s\p{L}\p{N}]+""", regex.IGNORECASE)


def bpe(token):
    if token in ("<|startoftext|>", "<|endoftext|>"):
        return [token]
    word = list(token[:-1]) + [token[-1] + "</w>"]
    while len(word) > 1:
        pairs = {(word[i], word[i + 1]) for i in range(len(word) - 1)}
        best = min(pairs, key=lambda p: ranks.get(p, float("inf")))
        if best not in ranks:
            break
        out, i = [], 0
        while i < len(word):
            if i < len(word) - 1 and (word[i], word[i + 1]) == best:
                out.append(word[i] + word[i + 1])
                i += 2
            else:
                out.append(word[i])
                i += 1
        word = out
    return word


def encode(text):
    text = html.unescape(html.unescape(text)).strip()
    text = regex.sub(r"\s+", " ", text).strip().lower()
    result = []
    for tok in pattern.findall(text):
        tok = "".join(byte_enc[b] for b in tok.encode("utf-8"))
        result += [ids[t] for t in bpe(tok)]
    return result


PROMPTS = [
    "a photo of a cat",
    "A Photo Of A CAT",
    "  an   astronaut\triding\na horse  on mars ",
    "don't stop, it's what we're doing; I'll say I'd've",
    "hello, world!!! (really?) #tags @user ...",
    "1234 apples cost $5.99 -- 50% off",
    "café naïve résumé Ærøskøbing straße",
    "东京タワー 서울 Москва",
    "emoji 🐱🚀 and ✨sparkles✨",
    "Tom &amp; Jerry &lt;3",
    "<|startoftext|>raw special<|endoftext|>",
    "a highly detailed digital painting of a futuristic city at sunset, trending on artstation, "
    "by greg rutkowski and alphonse mucha, octane render, 8k, unreal engine, volumetric lighting, "
    "sharp focus, intricate details, concept art, matte painting, cinematic composition, vivid colors, "
    "dramatic clouds, golden hour, reflections in wet streets, flying cars, neon signs, crowds of people, "
    "towering skyscrapers covered in gardens",
    "",
    "ΟΔΥΣΣΕΥΣ ΣΑΣ σοφός İstanbul",
    "𝐀𝐁𝐂 math letters, e\u0301clair, ﬁne, ｆｕｌｌ-ｗｉｄｔｈ １２３",
    "non\u00a0breaking\u2003spaces\u3000here",
    "it''s ''quoted'' 'LL 'Re",
]

golden = [{"text": p, "ids": encode(p)} for p in PROMPTS]
out = os.path.join(os.path.dirname(__file__), "clip_goldens.json")
with open(out, "w", encoding="utf-8") as f:
    f.write("[\n" + ",\n".join(json.dumps(g, ensure_ascii=False) for g in golden) + "\n]\n")
print("wrote", out, [len(g["ids"]) for g in golden])
