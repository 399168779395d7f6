#!/usr/bin/python3
"""Exports read back by independent readers, and llama.cpp's greedy output.

Builds a small dataset (`primer run` with a 512-piece tokenizer), trains a small model
with grouped KV heads for a few steps, exports it as llama2.c (.bin + tokenizer.bin) and
as GGUF (f32, f16, bf16 and q8_0), then:
  - reads the llama2.c file with numpy (7 x int32 header, run.c's tensor order, RoPE
    tables) and compares every tensor with the checkpoint's model.bin, and tokenizer.bin
    with Python's sentencepiece (pieces with U+2581 as space, scores, BOS/EOS strings);
  - parses the GGUF files with its own reader (header, metadata, tensor infos, aligned
    data) and compares every tensor: f32 exactly, f16 equal to numpy's float16 rounding,
    bf16 equal to the float32 rounded to nearest even in its top 16 bits, q8_0 as ggml's
    block_q8_0 (34 bytes: fp16 d = max|w|/127, then 32 int8 q = round(w/d), half away
    from zero) recomputed here with numpy;
  - checks that `primer sample` is greedy-identical on the checkpoint, the f32 GGUF and the
    llama2.c file (with tokenizer.model beside it);
  - runs llama.cpp (npm node-llama-cpp, pinned 3.21.1, installed into a cache outside the
    repository) greedily on the f32 GGUF from primer's prompt tokens and requires the
    same tokens as `primer sample --temperature 0`; and on the q8_0 GGUF, llama.cpp's
    greedy tokens equal primer's (decoding the int8 weights as stored) over the first 30
    tokens of two prompts.
usage: export_test.py PRIMER_BINARY
"""
import json
import os
import shutil
import struct
import subprocess
import sys
import tempfile

import numpy as np
from small_model import train_small_model
import sentencepiece as spm

NODE_LLAMA_CPP = "3.21.1"
CACHE = os.path.join(os.environ.get("XDG_CACHE_HOME", os.path.expanduser("~/.cache")), "primer",
                     "node-llama-cpp-" + NODE_LLAMA_CPP)
MODEL = dict(dim=64, n_layers=2, n_heads=4, n_kv_heads=2, hidden_dim=128, vocab_size=512, seq_len=64)


def fail(msg):
    print("FAIL: " + msg)
    sys.exit(1)


def run(cmd, **kw):
    r = subprocess.run(cmd, capture_output=True, text=True, **kw)
    if r.returncode != 0:
        fail(f"{' '.join(cmd)} exited {r.returncode}: {r.stderr.strip()[-2000:]}")
    return r.stdout


def layout():
    C, L, H, V = MODEL["dim"], MODEL["n_layers"], MODEL["hidden_dim"], MODEL["vocab_size"]
    KV = MODEL["n_kv_heads"] * C // MODEL["n_heads"]
    return [("embedding", (V, C)), ("attn_norm", (L, C)), ("wq", (L, C, C)), ("wk", (L, KV, C)),
            ("wv", (L, KV, C)), ("wo", (L, C, C)), ("ffn_norm", (L, C)), ("w1", (L, H, C)),
            ("w2", (L, C, H)), ("w3", (L, H, C)), ("final_norm", (C,))]


def read_checkpoint(ck):
    raw = open(os.path.join(ck, "model.bin"), "rb").read()
    magic, version, count = struct.unpack_from("<IIQ", raw)
    if magic != 0x57495250 or version != 1:
        fail("model.bin header")
    flat = np.frombuffer(raw, dtype="<f4", offset=64)
    if flat.size != count:
        fail("model.bin count")
    out, off = {}, 0
    for name, shape in layout():
        n = int(np.prod(shape))
        out[name] = flat[off:off + n].reshape(shape)
        off += n
    return out


def check_llama2c(path, weights, sp):
    raw = open(path, "rb").read()
    header = struct.unpack_from("<7i", raw)
    expect = (MODEL["dim"], MODEL["hidden_dim"], MODEL["n_layers"], MODEL["n_heads"], MODEL["n_kv_heads"],
              MODEL["vocab_size"], MODEL["seq_len"])
    if header != expect:
        fail(f"llama2c header {header} != {expect}")
    data = np.frombuffer(raw, dtype="<f4", offset=28)
    off = 0
    for name, shape in layout():  # run.c's order
        n = int(np.prod(shape))
        if not np.array_equal(data[off:off + n].reshape(shape), weights[name]):
            fail(f"llama2c tensor {name} differs")
        off += n
    hs = MODEL["dim"] // MODEL["n_heads"]
    freqs = 1.0 / (10000.0 ** (np.arange(0, hs, 2, dtype=np.float32) / hs))
    angles = np.outer(np.arange(MODEL["seq_len"], dtype=np.float32), freqs)
    half = MODEL["seq_len"] * hs // 2
    cos, sin = data[off:off + half], data[off + half:off + 2 * half]
    if off + 2 * half != data.size:
        fail("llama2c file size")
    if np.abs(cos - np.cos(angles).ravel()).max() > 1e-5 or np.abs(sin - np.sin(angles).ravel()).max() > 1e-5:
        fail("llama2c RoPE tables")
    # tokenizer.bin
    tb = open(os.path.join(os.path.dirname(path), "tokenizer.bin"), "rb").read()
    (max_len,), pos = struct.unpack_from("<i", tb), 4
    for i in range(MODEL["vocab_size"]):
        score, n = struct.unpack_from("<fi", tb, pos)
        piece = tb[pos + 8:pos + 8 + n].decode("utf-8")
        pos += 8 + n
        want = sp.id_to_piece(i)
        want = "\n<s>\n" if i == sp.bos_id() else "\n</s>\n" if i == sp.eos_id() else want.replace("\u2581", " ")
        if piece != want or abs(score - sp.get_score(i)) > 1e-6 or n > max_len:
            fail(f"tokenizer.bin token {i}: {piece!r} {score} vs {want!r} {sp.get_score(i)}")
    if pos != len(tb):
        fail("tokenizer.bin has trailing bytes")
    print(f"llama2c: header, {len(layout())} tensors, RoPE tables and {MODEL['vocab_size']} tokenizer.bin entries match")


def read_gguf(path):
    raw = open(path, "rb").read()
    pos = 0

    def take(fmt):
        nonlocal pos
        v = struct.unpack_from("<" + fmt, raw, pos)
        pos += struct.calcsize("<" + fmt)
        return v[0] if len(v) == 1 else v

    def string():
        nonlocal pos
        n = take("Q")
        s = raw[pos:pos + n]
        pos += n
        return s.decode("utf-8", errors="replace")

    scalar = {0: "B", 1: "b", 2: "H", 3: "h", 4: "I", 5: "i", 6: "f", 7: "?", 10: "Q", 11: "q", 12: "d"}

    def value(t):
        if t == 8:
            return string()
        if t == 9:
            et, n = take("I"), take("Q")
            return [value(et) for _ in range(n)]
        return take(scalar[t])

    if raw[:4] != b"GGUF":
        fail("GGUF magic")
    pos = 4
    version, n_tensors, n_kv = take("I"), take("Q"), take("Q")
    meta = {}
    for _ in range(n_kv):
        k = string()
        meta[k] = value(take("I"))
    infos = []
    for _ in range(n_tensors):
        name = string()
        dims = take("I")
        ne = [take("Q") for _ in range(dims)]
        infos.append((name, ne, take("I"), take("Q")))
    align = meta.get("general.alignment", 32)
    start = (pos + align - 1) // align * align
    tensors = {}
    for name, ne, typ, off in infos:
        n = int(np.prod(ne))
        shape = list(reversed(ne))
        if typ == 8:  # Q8_0: per 32 weights along a row, fp16 d then 32 int8
            blocks = np.frombuffer(raw, dtype=np.dtype([("d", "<f2"), ("q", "i1", 32)]), count=n // 32, offset=start + off)
            tensors[name] = ((blocks["d"].copy(), blocks["q"].copy(), shape), typ)
        elif typ == 30:  # BF16: the top half of a float32
            bits = np.frombuffer(raw, dtype="<u2", count=n, offset=start + off).astype(np.uint32) << 16
            tensors[name] = (bits.view(np.float32).reshape(shape), typ)
        else:
            dt = {0: "<f4", 1: "<f2"}[typ]
            tensors[name] = (np.frombuffer(raw, dtype=dt, count=n, offset=start + off).reshape(shape), typ)
    return version, meta, tensors


def bf16_round(w):
    """float32 → bf16 → float32, round to nearest even (ggml's GGML_FP32_TO_BF16)."""
    u = w.astype(np.float32).view(np.uint32).astype(np.uint64)
    r = ((u + 0x7FFF + ((u >> 16) & 1)) >> 16).astype(np.uint32) << 16
    return r.view(np.float32)


def q8_0_blocks(w):
    """ggml's quantize_row_q8_0_ref in numpy: d = amax/127 (fp16), q = roundf(w * (1/d))."""
    b = w.astype(np.float32).reshape(-1, 32)
    d = np.abs(b).max(axis=1) / np.float32(127)
    inv = np.where(d != 0, np.float32(1) / np.where(d != 0, d, 1), 0).astype(np.float32)
    x = b * inv[:, None]
    a = np.abs(x)
    whole = np.floor(a)
    q = (np.sign(x) * (whole + (a - whole >= np.float32(0.5)))).astype(np.int8)  # roundf: half away from zero
    return d.astype(np.float16), q


def check_gguf(path, weights, sp, dtype):
    version, meta, tensors = read_gguf(path)
    C, L = MODEL["dim"], MODEL["n_layers"]
    want_meta = {"general.architecture": "llama", "llama.embedding_length": C, "llama.block_count": L,
                 "llama.feed_forward_length": MODEL["hidden_dim"], "llama.attention.head_count": MODEL["n_heads"],
                 "llama.attention.head_count_kv": MODEL["n_kv_heads"], "llama.context_length": MODEL["seq_len"],
                 "llama.rope.dimension_count": C // MODEL["n_heads"], "tokenizer.ggml.model": "llama",
                 "tokenizer.ggml.bos_token_id": sp.bos_id(), "tokenizer.ggml.eos_token_id": sp.eos_id()}
    for k, v in want_meta.items():
        if meta.get(k) != v:
            fail(f"{path}: metadata {k} = {meta.get(k)!r}, want {v!r}")
    if version != 3 or meta["tokenizer.ggml.tokens"] != [sp.id_to_piece(i) for i in range(sp.get_piece_size())]:
        fail(f"{path}: version or tokens")
    names = {"token_embd.weight": ("embedding", None), "output_norm.weight": ("final_norm", None)}
    for l in range(L):
        for g, ours in (("attn_norm", "attn_norm"), ("attn_q", "wq"), ("attn_k", "wk"), ("attn_v", "wv"),
                        ("attn_output", "wo"), ("ffn_norm", "ffn_norm"), ("ffn_gate", "w1"), ("ffn_down", "w2"),
                        ("ffn_up", "w3")):
            names[f"blk.{l}.{g}.weight"] = (ours, l)
    if set(tensors) != set(names):
        fail(f"{path}: tensors {sorted(set(tensors) ^ set(names))}")
    for gname, (ours, l) in names.items():
        want = weights[ours] if l is None else weights[ours][l]
        got, typ = tensors[gname]
        if want.ndim == 1 or dtype == "f32":
            ok = typ == 0 and np.array_equal(got, want)
        elif dtype == "f16":
            ok = typ == 1 and np.array_equal(got, want.astype(np.float16))
        elif dtype == "bf16":
            ok = typ == 30 and np.array_equal(got, bf16_round(want))
        else:
            d, q = q8_0_blocks(want)
            ok = typ == 8 and got[2] == list(want.shape) and np.array_equal(got[0], d) and np.array_equal(got[1], q)
        if not ok:
            fail(f"{path}: tensor {gname} differs from {ours}")
    want_type = {"f32": 0, "f16": 1, "bf16": 32, "q8_0": 7}[dtype]
    if meta.get("general.file_type") != want_type:
        fail(f"{path}: general.file_type {meta.get('general.file_type')} != {want_type}")
    print(f"gguf ({dtype}): metadata, vocabulary and {len(names)} tensors match")


def llama_cpp_greedy(gguf, prompt_tokens, n):
    script = os.path.join(CACHE, "greedy.mjs")
    if not os.path.exists(os.path.join(CACHE, "node_modules", "node-llama-cpp")):
        if not shutil.which("npm"):
            fail("npm is missing (scripts/install-deps.sh installs nodejs and npm)")
        os.makedirs(CACHE, exist_ok=True)
        print(f"installing node-llama-cpp@{NODE_LLAMA_CPP} into {CACHE}")
        run(["npm", "install", "--prefix", CACHE, "--no-audit", "--no-fund", "--ignore-scripts",
             "node-llama-cpp@" + NODE_LLAMA_CPP])
    with open(script, "w") as f:
        f.write("""
import {getLlama} from "node-llama-cpp";
const [modelPath, tokensJson, n] = process.argv.slice(2);
const llama = await getLlama({gpu: false, build: "never", skipDownload: true, usePrebuiltBinaries: true});
const model = await llama.loadModel({modelPath, gpuLayers: 0});
const ctx = await model.createContext({contextSize: model.trainContextSize, threads: 1, flashAttention: false,
  experimentalKvCacheKeyType: "F32", experimentalKvCacheValueType: "F32"});
const out = [];
for await (const t of ctx.getSequence().evaluate(JSON.parse(tokensJson), {temperature: 0})) {
  out.push(t);
  if (out.length >= Number(n)) break;
}
console.log(JSON.stringify(out));
process.exit(0);
""")
    return json.loads(run(["node", script, gguf, json.dumps(prompt_tokens), str(n)]).strip().splitlines()[-1])


def main():
    primer = sys.argv[1]
    with tempfile.TemporaryDirectory() as work:
        ck = train_small_model(primer, work, MODEL, run)
        tr = os.path.dirname(os.path.dirname(ck))  # the training directory
        weights = read_checkpoint(ck)
        sp = spm.SentencePieceProcessor(model_file=os.path.join(ck, "tokenizer.model"))

        l2c = os.path.join(work, "l2c", "model.bin")
        run([primer, "export", tr, "--format", "llama2c", "--out", l2c])
        check_llama2c(l2c, weights, sp)
        ggufs = {}
        for dtype in ("f32", "f16", "bf16", "q8_0"):
            ggufs[dtype] = os.path.join(work, f"m-{dtype}.gguf")
            run([primer, "export", tr, "--format", "gguf", "--dtype", dtype, "--out", ggufs[dtype]])
            check_gguf(ggufs[dtype], weights, sp, dtype)
        g32 = ggufs["f32"]

        prompt = "Once upon a time, there was a little"
        n = 40
        sample = lambda m: json.loads(run([primer, "sample", m, "--prompt", prompt, "--temperature", "0",
                                           "--max-tokens", str(n), "--json"]))
        mine = sample(tr)
        if sample(g32)["tokens"] != mine["tokens"]:
            fail("primer sample differs between the checkpoint and its f32 GGUF")
        shutil.copy(os.path.join(ck, "tokenizer.model"), os.path.dirname(l2c))
        if sample(l2c)["tokens"] != mine["tokens"]:
            fail("primer sample differs between the checkpoint and its llama2.c export")
        if len(mine["tokens"]) < 10 or len(set(mine["tokens"])) < 5:
            fail(f"the model is too untrained for a meaningful comparison: {mine}")
        for text in (prompt, "One day, Tom and his dog went to the park. They saw"):
            ours = mine if text == prompt else json.loads(run([primer, "sample", tr, "--prompt", text, "--temperature",
                                                               "0", "--max-tokens", str(n), "--json"]))
            theirs = llama_cpp_greedy(g32, ours["prompt_tokens"], len(ours["tokens"]))
            print(f"primer greedy:    {ours['tokens']}")
            print(f"llama.cpp greedy: {theirs}")
            if theirs != ours["tokens"]:
                fail("llama.cpp's greedy output on the exported GGUF differs from primer sample")
        # q8_0: primer decodes the int8 blocks as stored; llama.cpp must agree over 30 tokens
        for text in (prompt, "One day, Tom and his dog went to the park. They saw"):
            ours = json.loads(run([primer, "sample", ggufs["q8_0"], "--prompt", text, "--temperature", "0",
                                   "--max-tokens", "30", "--json"]))
            if ours.get("weights") != "q8_0":
                fail(f"primer sample did not decode the q8_0 GGUF as q8_0: {ours.get('weights')}")
            theirs = llama_cpp_greedy(ggufs["q8_0"], ours["prompt_tokens"], len(ours["tokens"]))
            print(f"q8_0 primer greedy:    {ours['tokens']}")
            print(f"q8_0 llama.cpp greedy: {theirs}")
            if len(ours["tokens"]) < 10 or theirs != ours["tokens"]:
                fail("llama.cpp's greedy output on the q8_0 GGUF differs from primer sample on it")
        print("OK: exports read back exactly; llama.cpp generates the same tokens as primer")


if __name__ == "__main__":
    main()
