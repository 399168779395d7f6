#!/usr/bin/python3
"""primer's transformer against an independent PyTorch implementation.

Writes a checkpoint with random weights (grouped KV heads, odd sizes), runs primer's
forward/backward on it (model_grad_dump), and checks with a PyTorch Llama written from
Meta's reference code (complex-number RoPE on interleaved pairs, repeat_kv):
  logits within 1e-4 absolute, every parameter gradient within 1e-3 relative (per
  tensor: max |g - g_ref| / max |g_ref|), and two AdamW steps equal torch.optim.AdamW.
Usage: torch_reference_test.py MODEL_GRAD_DUMP
"""
import json
import math
import os
import struct
import subprocess
import sys
import tempfile

import numpy as np
import torch
import torch.nn.functional as F

torch.set_num_threads(2)
CFG = dict(dim=48, n_layers=2, n_heads=4, n_kv_heads=2, hidden_dim=100, vocab_size=67, seq_len=16,
           norm_eps=1e-5, rope_theta=10000.0)
B, T = 3, 11


def layout(c):
    C, L, H, V = c["dim"], c["n_layers"], c["hidden_dim"], c["vocab_size"]
    KV = c["n_kv_heads"] * (C // c["n_heads"])
    return [("embedding", (V, C), True), ("attn_norm", (L, C), False), ("wq", (L, C, C), True),
            ("wk", (L, KV, C), True), ("wv", (L, KV, C), True), ("wo", (L, C, C), True),
            ("ffn_norm", (L, C), False), ("w1", (L, H, C), True), ("w2", (L, C, H), True),
            ("w3", (L, H, C), True), ("final_norm", (C,), False)]


def rms_norm(x, w, eps):
    return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + eps) * w


def rope(x, theta):
    # Meta's apply_rotary_emb: adjacent pairs (x[2i], x[2i+1]) as complex numbers
    b, t, h, hs = x.shape
    freqs = 1.0 / (theta ** (torch.arange(0, hs, 2, dtype=torch.float64)[: hs // 2] / hs))
    angles = torch.outer(torch.arange(t, dtype=torch.float64), freqs)
    cis = torch.polar(torch.ones_like(angles), angles)  # (t, hs/2)
    xc = torch.view_as_complex(x.to(torch.float64).reshape(b, t, h, hs // 2, 2).contiguous())
    out = torch.view_as_real(xc * cis.view(1, t, 1, hs // 2)).flatten(3)
    return out.to(x.dtype)


def forward(p, tokens, c):
    C, NH, NKV = c["dim"], c["n_heads"], c["n_kv_heads"]
    HS = C // NH
    b, t = tokens.shape
    x = p["embedding"][tokens]
    mask = torch.full((t, t), float("-inf"), dtype=x.dtype).triu(1)
    for l in range(c["n_layers"]):
        h = rms_norm(x, p["attn_norm"][l], c["norm_eps"])
        q = (h @ p["wq"][l].T).view(b, t, NH, HS)
        k = (h @ p["wk"][l].T).view(b, t, NKV, HS)
        v = (h @ p["wv"][l].T).view(b, t, NKV, HS)
        q, k = rope(q, c["rope_theta"]), rope(k, c["rope_theta"])
        rep = NH // NKV  # repeat_kv: query head i reads KV head i // rep
        k = k.repeat_interleave(rep, dim=2)
        v = v.repeat_interleave(rep, dim=2)
        q, k, v = q.transpose(1, 2), k.transpose(1, 2), v.transpose(1, 2)
        att = F.softmax(q @ k.transpose(2, 3) / math.sqrt(HS) + mask, dim=-1)
        o = (att @ v).transpose(1, 2).reshape(b, t, C)
        x = x + o @ p["wo"][l].T
        h = rms_norm(x, p["ffn_norm"][l], c["norm_eps"])
        x = x + (F.silu(h @ p["w1"][l].T) * (h @ p["w3"][l].T)) @ p["w2"][l].T
    x = rms_norm(x, p["final_norm"], c["norm_eps"])
    return x @ p["embedding"].T


def write_floats(path, magic, array):
    with open(path, "wb") as f:
        f.write(struct.pack("<IIQ", magic, 1, array.size) + bytes(48))
        f.write(array.astype("<f4").tobytes())


def main():
    dump = sys.argv[1]
    g = torch.Generator().manual_seed(1234)
    params = {}
    for name, shape, decay in layout(CFG):
        if decay:
            std = 0.5 if name == "embedding" else 0.15
            params[name] = torch.randn(shape, generator=g, dtype=torch.float32) * std
        else:
            params[name] = 1.0 + 0.1 * torch.randn(shape, generator=g, dtype=torch.float32)
    flat = np.concatenate([params[n].numpy().ravel() for n, _, _ in layout(CFG)])
    tokens = torch.randint(0, CFG["vocab_size"], (B, T + 1), generator=g, dtype=torch.int64)
    failures = []
    with tempfile.TemporaryDirectory() as tmp:
        ck = os.path.join(tmp, "ck")
        os.makedirs(ck)
        with open(os.path.join(ck, "config.json"), "w") as f:
            json.dump(dict(CFG, architecture="llama"), f)
        write_floats(os.path.join(ck, "model.bin"), 0x57495250, flat)
        tokens.numpy().astype("<i4").tofile(os.path.join(tmp, "tokens.bin"))
        out = os.path.join(tmp, "out")
        os.makedirs(out)
        subprocess.run([dump, ck, os.path.join(tmp, "tokens.bin"), str(B), str(T), out], check=True)
        logits = np.fromfile(os.path.join(out, "logits.bin"), dtype="<f4").reshape(B, T, -1)
        loss = float(open(os.path.join(out, "loss.txt")).read())
        grads = np.fromfile(os.path.join(out, "grads.bin"), dtype="<f4")
        adamw = np.fromfile(os.path.join(out, "adamw.bin"), dtype="<f4")

    # Reference in float64 from the same float32 weights.
    ref = {n: params[n].to(torch.float64).requires_grad_(True) for n, _, _ in layout(CFG)}
    ref_logits = forward(ref, tokens[:, :T], CFG)
    ref_loss = F.cross_entropy(ref_logits.reshape(-1, CFG["vocab_size"]), tokens[:, 1:].reshape(-1))
    ref_loss.backward()

    err = float(np.abs(logits - ref_logits.detach().numpy()).max())
    print(f"logits: max abs error {err:.3g} (limit 1e-4)")
    if not err < 1e-4:
        failures.append("logits")
    print(f"loss: primer {loss:.6f}, torch {ref_loss.item():.6f}")
    if not abs(loss - ref_loss.item()) < 1e-4:
        failures.append("loss")
    offset = 0
    for name, shape, _ in layout(CFG):
        size = int(np.prod(shape))
        mine = grads[offset:offset + size].reshape(shape)
        theirs = ref[name].grad.numpy()
        rel = float(np.abs(mine - theirs).max() / np.abs(theirs).max())
        print(f"grad {name:11s} {str(shape):16s} max rel error {rel:.3g} (limit 1e-3)")
        if not rel < 1e-3:
            failures.append("grad " + name)
        offset += size

    # Two AdamW steps with primer's own gradients: torch.optim.AdamW in float32.
    tp = {n: params[n].clone().requires_grad_(True) for n, _, _ in layout(CFG)}
    decay = [tp[n] for n, _, d in layout(CFG) if d]
    no_decay = [tp[n] for n, _, d in layout(CFG) if not d]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": 0.1}, {"params": no_decay, "weight_decay": 0.0}],
                            lr=1e-2, betas=(0.9, 0.95), eps=1e-8)
    offset = 0
    for name, shape, _ in layout(CFG):
        size = int(np.prod(shape))
        tp[name].grad = torch.from_numpy(grads[offset:offset + size].reshape(shape).copy())
        offset += size
    opt.step()
    opt.step()
    after = np.concatenate([tp[n].detach().numpy().ravel() for n, _, _ in layout(CFG)])
    aerr = float(np.abs(after - adamw).max())
    print(f"AdamW (2 steps): max abs difference from torch.optim.AdamW {aerr:.3g} (limit 1e-6)")
    if not aerr < 1e-6:
        failures.append("adamw")
    if failures:
        print("FAILED: " + ", ".join(failures))
        sys.exit(1)
    print("OK: primer's transformer matches PyTorch")


if __name__ == "__main__":
    main()
