"""The built-in trainer's Llama-style decoder in PyTorch (packages/train/src/model/model.ts).

Weights are kept in the built-in layout (parameters.ts): one tensor per named slice, matrices
[in, out] applied as x @ W, and drawn from the same seeded generator, so that a RunSpec starts
from the same numbers in both trainers.
"""
import math

import numpy as np
import torch

RMS_EPSILON = 1e-5
ROPE_BASE = 10000
INIT_STD = 0.02
BLOCKED = -1e9  # the built-in additive mask value


def mulberry32_stream(seed: int, count: int) -> np.ndarray:
    """The first `count` draws of mulberry32(seed) in [0, 1), as float64. Its state advances by a
    constant per draw, so every draw's state is known up front and the stream vectorises."""
    with np.errstate(over="ignore"):
        state = (np.uint64(seed & 0xFFFFFFFF) + np.arange(1, count + 1, dtype=np.uint64) * np.uint64(0x6D2B79F5))
        t = (state & np.uint64(0xFFFFFFFF)).astype(np.uint32)
        t = (t ^ (t >> np.uint32(15))) * (t | np.uint32(1))
        t = t ^ (t + (t ^ (t >> np.uint32(7))) * (t | np.uint32(61)))
        return (t ^ (t >> np.uint32(14))).astype(np.float64) / 4294967296.0


def mulberry32(seed: int):
    """mulberry32 as a generator function, for the few draws of a batch's window offsets."""
    state = seed & 0xFFFFFFFF

    def draw() -> float:
        nonlocal state
        state = (state + 0x6D2B79F5) & 0xFFFFFFFF
        t = state
        t = ((t ^ (t >> 15)) * (t | 1)) & 0xFFFFFFFF
        t = (t ^ (t + (((t ^ (t >> 7)) * (t | 61)) & 0xFFFFFFFF))) & 0xFFFFFFFF
        return (t ^ (t >> 14)) / 4294967296

    return draw


def hash_string(text: str) -> int:
    """FNV-1a over UTF-16 code units, as prng.ts hashes a string."""
    value = 0x811C9DC5
    units = text.encode("utf-16-le")
    for i in range(0, len(units), 2):
        value ^= units[i] | units[i + 1] << 8
        value = (value * 0x01000193) & 0xFFFFFFFF
    return value


def parameter_layout(shape: dict) -> list[tuple[str, list[int], float]]:
    """(name, shape, init std) of each slice in layout order; std 0 marks an RMSNorm gain."""
    d, heads, kv, hd, ffn, vocab, layers = (shape[k] for k in ("d_model", "heads", "kv_heads", "head_dim", "ffn", "vocab", "layers"))
    residual_std = INIT_STD / math.sqrt(2 * layers)
    entries = [("embedding", [vocab, d], INIT_STD)]
    for layer in range(layers):
        p = f"layers.{layer}."
        entries += [
            (p + "attention_norm", [d], 0.0),
            (p + "wq", [d, heads * hd], INIT_STD),
            (p + "wk", [d, kv * hd], INIT_STD),
            (p + "wv", [d, kv * hd], INIT_STD),
            (p + "attention_out", [heads * hd, d], residual_std),
            (p + "ffn_norm", [d], 0.0),
            (p + "w_gate", [d, ffn], INIT_STD),
            (p + "w_up", [d, ffn], INIT_STD),
            (p + "ffn_out", [ffn, d], residual_std),
        ]
    entries.append(("final_norm", [d], 0.0))
    if not shape["tied_embeddings"]:
        entries.append(("head", [d, vocab], INIT_STD))
    return entries


def initial_parameters(layout, seed: int) -> dict[str, torch.Tensor]:
    """Gains 1, the rest normal(0, std) by Box–Muller over one mulberry32 stream, slice after slice."""
    draws = sum(2 * ((math.prod(size) + 1) // 2) for _, size, std in layout if std != 0)
    uniform = mulberry32_stream(seed, draws)
    used = 0
    weights = {}
    for name, size, std in layout:
        count = math.prod(size)
        if std == 0:
            weights[name] = torch.ones(size)
            continue
        pairs = (count + 1) // 2
        first, second = uniform[used:used + 2 * pairs:2], uniform[used + 1:used + 2 * pairs:2]
        used += 2 * pairs
        radius = np.sqrt(-2 * np.log(1 - first)) * std
        angle = 2 * np.pi * second
        values = np.empty(2 * pairs)
        values[0::2], values[1::2] = radius * np.cos(angle), radius * np.sin(angle)
        weights[name] = torch.from_numpy(values[:count].astype(np.float32)).reshape(size)
    return weights


def rms_norm(x: torch.Tensor, gain: torch.Tensor) -> torch.Tensor:
    return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + RMS_EPSILON) * gain


def rope_tables(context: int, head_dim: int, device) -> tuple[torch.Tensor, torch.Tensor]:
    """cos, sin [context, 1, head_dim] of the half-split layout: channel j and j + head_dim/2 share θ."""
    half = head_dim // 2
    theta = ROPE_BASE ** (-(2 * (torch.arange(head_dim, dtype=torch.float64) % half)) / head_dim)
    angle = torch.arange(context, dtype=torch.float64)[:, None] * theta[None, :]
    return angle.cos().float()[:, None, :].to(device), angle.sin().float()[:, None, :].to(device)


def rotate(x: torch.Tensor, cos: torch.Tensor, sin: torch.Tensor) -> torch.Tensor:
    half = x.shape[-1] // 2
    return x * cos + torch.cat([-x[..., half:], x[..., :half]], dim=-1) * sin


def attention_mask(documents: torch.Tensor) -> torch.Tensor:
    """Additive [batch, 1, context, context]: j ≤ i within the same document, else blocked."""
    context = documents.shape[1]
    causal = torch.ones(context, context, dtype=torch.bool, device=documents.device).tril()
    allowed = causal & (documents[:, :, None] == documents[:, None, :])
    return torch.zeros(allowed.shape, device=documents.device).masked_fill(~allowed, BLOCKED)[:, None]


def logits(weights: dict, shape: dict, inputs: torch.Tensor, mask: torch.Tensor, rope) -> torch.Tensor:
    """Logits [batch · context, vocab] of token ids [batch, context]."""
    batch, context = inputs.shape
    heads, kv, hd = shape["heads"], shape["kv_heads"], shape["head_dim"]
    cos, sin = rope
    x = weights["embedding"][inputs.reshape(-1)]
    for layer in range(shape["layers"]):
        w = lambda name: weights[f"layers.{layer}.{name}"]  # noqa: E731
        normed = rms_norm(x, w("attention_norm"))
        q = rotate((normed @ w("wq")).view(batch, context, heads, hd), cos, sin) / math.sqrt(hd)
        k = rotate((normed @ w("wk")).view(batch, context, kv, hd), cos, sin)
        v = (normed @ w("wv")).view(batch, context, kv, hd)
        # Query head h reads key/value head h // (heads / kv), as the built-in grouping does.
        k, v = (t.repeat_interleave(heads // kv, dim=2).transpose(1, 2) for t in (k, v))
        scores = q.transpose(1, 2) @ k.transpose(-1, -2) + mask
        mixed = (scores.softmax(-1) @ v).transpose(1, 2).reshape(batch * context, heads * hd)
        x = x + mixed @ w("attention_out")
        normed = rms_norm(x, w("ffn_norm"))
        gate = normed @ w("w_gate")
        x = x + (torch.nn.functional.silu(gate) * (normed @ w("w_up"))) @ w("ffn_out")
    normed = rms_norm(x, weights["final_norm"])
    return normed @ (weights["embedding"].t() if shape["tied_embeddings"] else weights["head"])
