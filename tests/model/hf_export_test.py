#!/usr/bin/python3
"""`primer export --format hf` read back by an independent reader written the way
transformers' LlamaForCausalLM computes (torch; rotate_half RoPE, repeat_kv, RMSNorm in
float), with no primer code:

  - the file set, config.json and tokenizer_config.json say what transformers needs;
  - model.safetensors parsed by hand (8-byte header length, JSON header, raw tensors);
    q_proj/k_proj un-permuted with Meta's formula equal the checkpoint's wq/wk exactly,
    every other tensor equals its checkpoint tensor;
  - the prompt encodes (sentencepiece + BOS) to primer's prompt tokens, the reader's
    greedy tokens equal `primer sample --temperature 0`, and the mean log-probability of
    those tokens equals primer's;
  - f16 and bf16 exports hold exactly torch's round-to-nearest-even of the f32 tensors;
    primer samples the f32 export like the checkpoint, and `primer train --init DIR`
    starts from it.
usage: hf_export_test.py PRIMER_BINARY
"""
import json
import os
import struct
import subprocess
import sys
import tempfile

import numpy as np
from small_model import train_small_model
import sentencepiece as spm
import torch

MODEL = dict(dim=48, n_layers=2, n_heads=4, n_kv_heads=2, hidden_dim=96, vocab_size=512, seq_len=64)
FILES = {"config.json", "model.safetensors", "tokenizer.model", "tokenizer_config.json", "special_tokens_map.json",
         "generation_config.json"}


def fail(msg):
    print("FAIL: " + msg)
    sys.exit(1)


def run(cmd):
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode != 0:
        fail(f"{' '.join(cmd)} exited {r.returncode}: {r.stderr.strip()[-2000:]}")
    return r.stdout


def read_checkpoint(ck):
    raw = open(os.path.join(ck, "model.bin"), "rb").read()
    flat = np.frombuffer(raw, dtype="<f4", offset=64)
    C, L, H, V = MODEL["dim"], MODEL["n_layers"], MODEL["hidden_dim"], MODEL["vocab_size"]
    KV = MODEL["n_kv_heads"] * C // MODEL["n_heads"]
    out, off = {}, 0
    for name, shape in [("embedding", (V, C)), ("attn_norm", (L, C)), ("wq", (L, C, C)), ("wk", (L, KV, C)),
                        ("wv", (L, KV, C)), ("wo", (L, C, C)), ("ffn_norm", (L, C)), ("w1", (L, H, C)),
                        ("w2", (L, C, H)), ("w3", (L, H, C)), ("final_norm", (C,))]:
        n = int(np.prod(shape))
        out[name] = flat[off:off + n].reshape(shape)
        off += n
    if off != flat.size:
        fail("model.bin size")
    return out


def read_safetensors(path):
    raw = open(path, "rb").read()
    (n,) = struct.unpack_from("<Q", raw)
    header = json.loads(raw[8:8 + n])
    header.pop("__metadata__", None)
    out = {}
    for name, t in header.items():
        begin, end = t["data_offsets"]
        buf = raw[8 + n + begin:8 + n + end]
        if t["dtype"] == "F32":
            a = np.frombuffer(buf, dtype="<f4")
        elif t["dtype"] == "F16":
            a = np.frombuffer(buf, dtype="<f2")
        elif t["dtype"] == "BF16":
            a = np.frombuffer(buf, dtype="<u2")  # raw bits
        else:
            fail(f"{name}: dtype {t['dtype']}")
        if a.size != int(np.prod(t["shape"])):
            fail(f"{name}: {a.size} values for shape {t['shape']}")
        out[name] = (a.reshape(t["shape"]), t["dtype"])
    if (8 + n) % 8 != 0:
        fail("the safetensors header is not padded to 8 bytes")
    return out


def as_float32(a, dtype):
    if dtype == "BF16":
        return (a.astype(np.uint32) << 16).view(np.float32)
    return a.astype(np.float32)


def unpermute(w, heads):
    # Meta's convert_llama_weights_to_hf.py: permute(w) = w.view(h, hs/2, 2, dim).transpose(1, 2)
    rows, dim = w.shape
    return w.reshape(heads, 2, rows // heads // 2, dim).transpose(0, 2, 1, 3).reshape(rows, dim)


class HfLlama:
    """LlamaForCausalLM's forward, as modeling_llama.py computes it (no cache)."""

    def __init__(self, cfg, t):
        self.cfg = cfg
        self.t = {k: torch.from_numpy(as_float32(*v).copy()).double() for k, v in t.items()}

    def rmsnorm(self, x, w):
        variance = x.pow(2).mean(-1, keepdim=True)
        return w * (x * torch.rsqrt(variance + self.cfg["rms_norm_eps"]))

    @staticmethod
    def rotate_half(x):
        x1, x2 = x[..., : x.shape[-1] // 2], x[..., x.shape[-1] // 2:]
        return torch.cat((-x2, x1), dim=-1)

    def logits(self, ids):
        c, t = self.cfg, self.t
        T, nh, nkv = len(ids), c["num_attention_heads"], c["num_key_value_heads"]
        hd = c["hidden_size"] // nh
        inv_freq = 1.0 / (c["rope_theta"] ** (torch.arange(0, hd, 2, dtype=torch.float64) / hd))
        freqs = torch.outer(torch.arange(T, dtype=torch.float64), inv_freq)
        emb = torch.cat((freqs, freqs), dim=-1)
        cos, sin = emb.cos(), emb.sin()
        x = t["model.embed_tokens.weight"][torch.tensor(ids)]
        mask = torch.full((T, T), float("-inf"), dtype=torch.float64).triu(1)
        for l in range(c["num_hidden_layers"]):
            p = f"model.layers.{l}."
            h = self.rmsnorm(x, t[p + "input_layernorm.weight"])
            q = (h @ t[p + "self_attn.q_proj.weight"].T).view(T, nh, hd).transpose(0, 1)
            k = (h @ t[p + "self_attn.k_proj.weight"].T).view(T, nkv, hd).transpose(0, 1)
            v = (h @ t[p + "self_attn.v_proj.weight"].T).view(T, nkv, hd).transpose(0, 1)
            q = q * cos + self.rotate_half(q) * sin
            k = k * cos + self.rotate_half(k) * sin
            rep = nh // nkv  # repeat_kv
            k = k[:, None].expand(nkv, rep, T, hd).reshape(nh, T, hd)
            v = v[:, None].expand(nkv, rep, T, hd).reshape(nh, T, hd)
            att = torch.softmax(q @ k.transpose(1, 2) / hd ** 0.5 + mask, dim=-1)
            o = (att @ v).transpose(0, 1).reshape(T, nh * hd)
            x = x + o @ t[p + "self_attn.o_proj.weight"].T
            h = self.rmsnorm(x, t[p + "post_attention_layernorm.weight"])
            gate, up = h @ t[p + "mlp.gate_proj.weight"].T, h @ t[p + "mlp.up_proj.weight"].T
            x = x + (torch.nn.functional.silu(gate) * up) @ t[p + "mlp.down_proj.weight"].T
        x = self.rmsnorm(x, t["model.norm.weight"])
        return x @ t["model.embed_tokens.weight"].T  # tie_word_embeddings: lm_head is the embedding

    def greedy(self, ids, n):
        ids, out, logprobs = list(ids), [], []
        for _ in range(n):
            lp = torch.log_softmax(self.logits(ids)[-1], dim=-1)
            tok = int(torch.argmax(lp))
            out.append(tok)
            logprobs.append(float(lp[tok]))
            ids.append(tok)
        return out, logprobs


def main():
    primer = sys.argv[1]
    with tempfile.TemporaryDirectory() as work:
        ck = train_small_model(primer, work, MODEL, run)
        tr = os.path.dirname(os.path.dirname(ck))  # the training directory
        weights = read_checkpoint(ck)

        hf = {d: os.path.join(work, "hf-" + d) for d in ("f32", "f16", "bf16")}
        for d, out in hf.items():
            run([primer, "export", tr, "--format", "hf", "--dtype", d, "--out", out])
            if set(os.listdir(out)) != FILES:
                fail(f"{out}: files {sorted(os.listdir(out))}")

        config = json.load(open(os.path.join(hf["f32"], "config.json")))
        want = {"architectures": ["LlamaForCausalLM"], "model_type": "llama", "hidden_size": MODEL["dim"],
                "intermediate_size": MODEL["hidden_dim"], "num_hidden_layers": MODEL["n_layers"],
                "num_attention_heads": MODEL["n_heads"], "num_key_value_heads": MODEL["n_kv_heads"],
                "vocab_size": MODEL["vocab_size"], "max_position_embeddings": MODEL["seq_len"],
                "tie_word_embeddings": True, "hidden_act": "silu", "rope_theta": 10000.0, "torch_dtype": "float32"}
        for k, v in want.items():
            if config.get(k) != v:
                fail(f"config.json {k} = {config.get(k)!r}, want {v!r}")
        if abs(config["rms_norm_eps"] - 1e-5) > 1e-12:
            fail(f"rms_norm_eps {config['rms_norm_eps']}")
        tc = json.load(open(os.path.join(hf["f32"], "tokenizer_config.json")))
        gen = json.load(open(os.path.join(hf["f32"], "generation_config.json")))
        sp = spm.SentencePieceProcessor(model_file=os.path.join(hf["f32"], "tokenizer.model"))
        if (tc.get("tokenizer_class") != "LlamaTokenizer" or not tc.get("add_bos_token") or
                tc.get("bos_token") != sp.id_to_piece(sp.bos_id()) or gen.get("eos_token_id") != sp.eos_id() or
                config.get("bos_token_id") != sp.bos_id()):
            fail(f"tokenizer_config/generation_config: {tc} {gen}")

        # Tensors: names, shapes, and the rotate_half permutation of q and k.
        t32 = read_safetensors(os.path.join(hf["f32"], "model.safetensors"))
        L = MODEL["n_layers"]
        names = {"model.embed_tokens.weight": ("embedding", None), "model.norm.weight": ("final_norm", None)}
        for l in range(L):
            for h, ours in (("input_layernorm", "attn_norm"), ("self_attn.q_proj", "wq"), ("self_attn.k_proj", "wk"),
                            ("self_attn.v_proj", "wv"), ("self_attn.o_proj", "wo"),
                            ("post_attention_layernorm", "ffn_norm"), ("mlp.gate_proj", "w1"),
                            ("mlp.up_proj", "w3"), ("mlp.down_proj", "w2")):
                names[f"model.layers.{l}.{h}.weight"] = (ours, l)
        if set(t32) != set(names):
            fail(f"tensor names differ: {sorted(set(t32) ^ set(names))}")
        for name, (ours, l) in names.items():
            got, dtype = t32[name]
            want_t = weights[ours] if l is None else weights[ours][l]
            if "q_proj" in name or "k_proj" in name:
                heads = MODEL["n_heads"] if "q_proj" in name else MODEL["n_kv_heads"]
                if np.array_equal(got, want_t):
                    fail(f"{name} was not permuted")
                got = unpermute(got, heads)
            if dtype != "F32" or not np.array_equal(got, want_t):
                fail(f"{name} differs from the checkpoint's {ours}")
        for d in ("f16", "bf16"):
            t = read_safetensors(os.path.join(hf[d], "model.safetensors"))
            tdt = torch.float16 if d == "f16" else torch.bfloat16
            for name, (got, dtype) in t.items():
                rounded = torch.from_numpy(t32[name][0].copy()).to(tdt).view(torch.int16).numpy().view(np.uint16)
                if dtype != d.upper() or not np.array_equal(got.view(np.uint16), rounded):
                    fail(f"{d}: {name} is not torch's rounding of the f32 tensor")
        print(f"safetensors: {len(names)} tensors equal the checkpoint (q/k un-permuted); f16 and bf16 equal "
              "torch's rounding")

        # Greedy generation and log-probabilities against primer sample.
        n = 30
        model = HfLlama(config, t32)
        for prompt in ("Once upon a time, there was a little", "One day, Tom and his dog went to the park. They saw"):
            ours = json.loads(run([primer, "sample", tr, "--prompt", prompt, "--temperature", "0", "--max-tokens",
                                   str(n), "--json"]))
            ids = [sp.bos_id()] + sp.encode(prompt)
            if ids != ours["prompt_tokens"]:
                fail(f"prompt tokens: sentencepiece + BOS {ids} vs primer {ours['prompt_tokens']}")
            theirs, logprobs = model.greedy(ids, len(ours["tokens"]))
            print(f"primer greedy: {ours['tokens']}\nhf reader:     {theirs}")
            if len(ours["tokens"]) < 10 or len(set(ours["tokens"])) < 4:
                fail(f"the model is too untrained for a meaningful comparison: {ours['tokens']}")
            if theirs != ours["tokens"]:
                fail("the hf reader's greedy tokens differ from primer sample's")
            mean = sum(logprobs) / len(logprobs)
            print(f"mean log-prob: primer {ours['mean_logprob']:.6f}, hf reader {mean:.6f}")
            if abs(mean - ours["mean_logprob"]) > 1e-4:
                fail("the mean log-probabilities differ")
            on_hf = json.loads(run([primer, "sample", hf["f32"], "--prompt", prompt, "--temperature", "0",
                                    "--max-tokens", str(n), "--json"]))
            if on_hf["tokens"] != ours["tokens"]:
                fail("primer sample on the hf export differs from the checkpoint")
            for d in ("f16", "bf16"):
                low = HfLlama(config, read_safetensors(os.path.join(hf[d], "model.safetensors")))
                low_primer = json.loads(run([primer, "sample", hf[d], "--prompt", prompt, "--temperature", "0",
                                             "--max-tokens", str(n), "--json"]))
                low_tokens, _ = low.greedy(ids, len(low_primer["tokens"]))
                diff = float((low.logits(ids) - model.logits(ids)).abs().max())
                print(f"{d}: greedy equal to primer on the same export: {low_tokens == low_primer['tokens']}; "
                      f"max |logit - f32 logit| {diff:.4f}")
                if low_tokens != low_primer["tokens"] or diff > (0.05 if d == "f16" else 0.3):
                    fail(f"{d}: the export computes something else than primer on it, or rounds beyond its precision")

        out = run([primer, "inspect", hf["f32"]])
        if str(sum(np.prod(v.shape) for v in weights.values())) not in out.replace(",", ""):
            fail("primer inspect on the hf export: " + out)
        init = os.path.join(work, "init")
        with open(os.path.join(work, "train.toml")) as f:  # written by train_small_model
            short = f.read().replace("steps = 250", "steps = 2")
        with open(os.path.join(work, "short.toml"), "w") as f:
            f.write(short)
        r = run([primer, "train", os.path.join(work, "short.toml"), "--out", init, "--init", hf["f32"]])
        if "initialised from" not in r:
            fail("train --init DIR: " + r)
        print("OK: the hf export reads back as transformers computes it and generates primer's tokens")


if __name__ == "__main__":
    main()
