"""Peer for `pnpm bench:train`: the benchmark's Llama-style decoder trained in PyTorch on CPU, to
compare training throughput with ours on the same machine.

Usage: /usr/bin/python3 torch_llama_ref.py [D_MODEL [LAYERS [CTX [BATCH [STEPS]]]]]
(defaults 256 4 128 16 20).

The model is the one bench/train.ts builds for a d_model: byte vocabulary (256), RMSNorm, rotary
positions (base 10000), grouped-query attention with head_dim 32 and half as many key/value heads
as query heads, a SwiGLU feed-forward of width 8d/3 rounded down to a multiple of 32, and an untied
output head; AdamW (betas 0.9, 0.95). Two threads, as the benchmark's two worker processes get.
After 3 warm-up steps, STEPS full steps (forward, backward, AdamW) on one fixed random batch are
timed. Prints one JSON line: the shape, the non-embedding parameters, tokens/s, and model GFLOP/s
counting 6 N_nonemb + 6 LAYERS CTX D_MODEL FLOPs per token (attention unhalved for the causal mask).
"""
import json
import os
import math
import sys
import time

import torch
import torch.nn.functional as F
from torch import nn

VOCAB = 256
ROPE_BASE = 10000.0
WARMUP_STEPS = 3


class RMSNorm(nn.Module):
    def __init__(self, width, eps=1e-6):
        super().__init__()
        self.eps = eps
        self.weight = nn.Parameter(torch.ones(width))

    def forward(self, x):
        return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.eps) * self.weight


def rotate(x, cos, sin):
    """Rotary positions on pairs of adjacent features."""
    even, odd = x[..., 0::2], x[..., 1::2]
    return torch.stack((even * cos - odd * sin, even * sin + odd * cos), dim=-1).flatten(-2)


class DecoderBlock(nn.Module):
    def __init__(self, d_model, heads, kv_heads, ffn):
        super().__init__()
        self.heads, self.kv_heads, self.head_dim = heads, kv_heads, d_model // heads
        self.attention_norm, self.ffn_norm = RMSNorm(d_model), RMSNorm(d_model)
        self.query = nn.Linear(d_model, heads * self.head_dim, bias=False)
        self.key = nn.Linear(d_model, kv_heads * self.head_dim, bias=False)
        self.value = nn.Linear(d_model, kv_heads * self.head_dim, bias=False)
        self.out = nn.Linear(heads * self.head_dim, d_model, bias=False)
        self.gate = nn.Linear(d_model, ffn, bias=False)
        self.up = nn.Linear(d_model, ffn, bias=False)
        self.down = nn.Linear(ffn, d_model, bias=False)

    def forward(self, x, cos, sin, causal_mask):
        batch, length, width = x.shape
        h = self.attention_norm(x)

        def split(projected, count):
            return projected.view(batch, length, count, self.head_dim).transpose(1, 2)

        q = rotate(split(self.query(h), self.heads), cos, sin)
        group = self.heads // self.kv_heads
        k = rotate(split(self.key(h), self.kv_heads), cos, sin).repeat_interleave(group, dim=1)
        v = split(self.value(h), self.kv_heads).repeat_interleave(group, dim=1)
        scores = (q @ k.transpose(-2, -1)) / math.sqrt(self.head_dim)
        weights = scores.masked_fill(causal_mask, float("-inf")).softmax(dim=-1)
        x = x + self.out((weights @ v).transpose(1, 2).reshape(batch, length, width))
        h = self.ffn_norm(x)
        return x + self.down(F.silu(self.gate(h)) * self.up(h))


class Decoder(nn.Module):
    def __init__(self, d_model, layers, context):
        super().__init__()
        heads = max(1, d_model // 32)
        kv_heads = max(1, heads // 2)
        ffn = int(8 * d_model / 3 // 32 * 32)
        self.embedding = nn.Embedding(VOCAB, d_model)
        self.blocks = nn.ModuleList(DecoderBlock(d_model, heads, kv_heads, ffn) for _ in range(layers))
        self.norm = RMSNorm(d_model)
        self.head = nn.Linear(d_model, VOCAB, bias=False)
        head_dim = d_model // heads
        frequencies = ROPE_BASE ** (-torch.arange(0, head_dim, 2).float() / head_dim)
        angles = torch.outer(torch.arange(context).float(), frequencies)
        self.register_buffer("cos", angles.cos())
        self.register_buffer("sin", angles.sin())
        self.register_buffer("causal_mask", torch.ones(context, context, dtype=torch.bool).triu(1))

    def forward(self, tokens):
        x = self.embedding(tokens)
        for block in self.blocks:
            x = block(x, self.cos, self.sin, self.causal_mask)
        return self.head(self.norm(x))


def loaded_blas():
    """The BLAS library this process loaded: Debian's torch calls whichever libblas.so.3 the system's
    alternatives point at, and the reference BLAS is about 5x slower than OpenBLAS."""
    with open("/proc/self/maps") as maps:
        paths = {line.split()[-1] for line in maps if "blas" in line.lower() and "/" in line}
    return ", ".join(sorted(os.path.realpath(path) for path in paths)) or "none found"


def main():
    defaults = [256, 4, 128, 16, 20]
    given = [int(value) for value in sys.argv[1:6]]
    d_model, layers, context, batch, steps = given + defaults[len(given):]
    torch.set_num_threads(2)
    torch.manual_seed(0)

    model = Decoder(d_model, layers, context)
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-3, betas=(0.9, 0.95))
    sequences = torch.randint(0, VOCAB, (batch, context + 1))
    inputs, targets = sequences[:, :-1], sequences[:, 1:]

    def step():
        loss = F.cross_entropy(model(inputs).reshape(-1, VOCAB), targets.reshape(-1))
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()

    for _ in range(WARMUP_STEPS):
        step()
    started = time.perf_counter()
    for _ in range(steps):
        step()
    seconds = time.perf_counter() - started

    params_nonemb = sum(p.numel() for name, p in model.named_parameters() if not name.startswith("embedding"))
    flops_per_token = 6 * params_nonemb + 6 * layers * context * d_model
    tokens = batch * context * steps
    print(json.dumps({
        "d_model": d_model,
        "layers": layers,
        "ctx": context,
        "batch": batch,
        "params_nonemb": params_nonemb,
        "tokens_per_s": tokens / seconds,
        "model_gflops": tokens * flops_per_token / seconds / 1e9,
        "blas": loaded_blas(),
    }))


if __name__ == "__main__":
    main()
