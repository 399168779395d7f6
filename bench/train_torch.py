#!/usr/bin/python3
"""PyTorch baseline for bench/train_bench.sh: the same Llama (dim 320, 7 layers, 8 heads,
hidden 864, vocab 4096, seq 256, tied embeddings, no biases), batch 8 x 256, float32,
AdamW, on N threads. Prints one JSON line: tokens_per_s, step_s.
Usage: train_torch.py THREADS STEPS
"""
import json
import math
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

threads, steps = int(sys.argv[1]), int(sys.argv[2])
torch.set_num_threads(threads)
torch.manual_seed(1)
DIM, LAYERS, HEADS, HIDDEN, VOCAB, SEQ, BATCH = 320, 7, 8, 864, 4096, 256, 8
HS = DIM // HEADS


class RMSNorm(nn.Module):
    def __init__(self, d):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(d))

    def forward(self, x):
        return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + 1e-5) * self.weight


freqs = 1.0 / (10000.0 ** (torch.arange(0, HS, 2).float() / HS))
angles = torch.outer(torch.arange(SEQ).float(), freqs)
COS, SIN = angles.cos()[None, :, None, :], angles.sin()[None, :, None, :]


def rope(x):  # interleaved pairs
    x0, x1 = x[..., 0::2], x[..., 1::2]
    return torch.stack([x0 * COS - x1 * SIN, x0 * SIN + x1 * COS], dim=-1).flatten(3)


class Block(nn.Module):
    def __init__(self):
        super().__init__()
        self.n1, self.n2 = RMSNorm(DIM), RMSNorm(DIM)
        self.wq, self.wk, self.wv, self.wo = (nn.Linear(DIM, DIM, bias=False) for _ in range(4))
        self.w1, self.w3 = nn.Linear(DIM, HIDDEN, bias=False), nn.Linear(DIM, HIDDEN, bias=False)
        self.w2 = nn.Linear(HIDDEN, DIM, bias=False)

    def forward(self, x, mask):
        b, t, _ = x.shape
        h = self.n1(x)
        q = rope(self.wq(h).view(b, t, HEADS, HS)).transpose(1, 2)
        k = rope(self.wk(h).view(b, t, HEADS, HS)).transpose(1, 2)
        v = self.wv(h).view(b, t, HEADS, HS).transpose(1, 2)
        att = F.softmax(q @ k.transpose(2, 3) / math.sqrt(HS) + mask, dim=-1)
        x = x + self.wo((att @ v).transpose(1, 2).reshape(b, t, DIM))
        h = self.n2(x)
        return x + self.w2(F.silu(self.w1(h)) * self.w3(h))


class Llama(nn.Module):
    def __init__(self):
        super().__init__()
        self.emb = nn.Embedding(VOCAB, DIM)
        self.blocks = nn.ModuleList(Block() for _ in range(LAYERS))
        self.norm = RMSNorm(DIM)
        self.register_buffer("mask", torch.full((SEQ, SEQ), float("-inf")).triu(1))

    def forward(self, idx, targets):
        x = self.emb(idx)
        for blk in self.blocks:
            x = blk(x, self.mask)
        logits = self.norm(x) @ self.emb.weight.T
        return F.cross_entropy(logits.view(-1, VOCAB), targets.view(-1))


model = Llama()
params = sum(p.numel() for p in model.parameters())
opt = torch.optim.AdamW(model.parameters(), lr=5e-4, betas=(0.9, 0.95), weight_decay=0.1)
idx = torch.randint(0, VOCAB, (BATCH, SEQ))
tgt = torch.randint(0, VOCAB, (BATCH, SEQ))


def step():
    opt.zero_grad(set_to_none=True)
    loss = model(idx, tgt)
    loss.backward()
    opt.step()


step()
start = time.perf_counter()
for _ in range(steps):
    step()
dt = (time.perf_counter() - start) / steps
print(json.dumps({"parameters": params, "threads": threads, "step_s": dt, "tokens_per_s": BATCH * SEQ / dt,
                  "torch": torch.__version__}))
