#!/usr/bin/env python3
"""A PyTorch trainer for scalelab's RunSpecs, behind `execution.executor: command` (docs/execution.md).

It trains the built-in trainer's model (model.py) the way the built-in trainer does
(packages/train/src/run/trainRun.ts): the same tokens (exported by `scalelab data export --run`),
the same initial weights and training windows (drawn from the RunSpec's seed with the same
generator), AdamW with decoupled weight decay on every weight but the RMSNorm gains, global-norm
gradient clipping, linear warmup then cosine or linear decay (or a constant rate) over the run's own
steps, and validation on the run's fixed windows. It runs on CUDA when there is one, else on the CPU.

usage: train.py RUN_DIR
"""
import json
import math
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import torch

REPO = Path(__file__).resolve().parents[2]
sys.path.append(str(REPO / "python"))
sys.path.append(str(Path(__file__).resolve().parent))
from scalelab_worker import EXIT_BAD_INPUT, EXIT_STOPPED, Worker  # noqa: E402
from model import attention_mask, hash_string, initial_parameters, logits, mulberry32, parameter_layout, rope_tables  # noqa: E402

TRAINING_LINES_PER_RUN = 50
MICRO_BATCH_TOKENS = 16384  # as the built-in trainer: memory only, never the result
TENSORS_FILE = "checkpoint.pt"


class BadInput(Exception):
    """The run cannot be trained as specified; running it again cannot help (exit 2)."""


def export_data(worker: Worker) -> Path:
    """The run's token streams, exported by the CLI into RUN_DIR/data (once: the export is deterministic)."""
    out = worker.run_dir / "data"
    meta = out / "meta.json"
    if meta.exists() and json.loads(meta.read_text()).get("run", {}).get("id") == worker.run["id"]:
        return out
    command = ["node", str(REPO / "packages/cli/bin/scalelab.js"), "data", "export",
               "--run", str(worker.run_dir / "run.json"), "--out", str(out)]
    done = subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    if done.returncode == EXIT_BAD_INPUT:
        raise BadInput(f"data export: {done.stderr.strip()}")
    if done.returncode != 0:
        raise RuntimeError(f"data export failed (exit {done.returncode}): {done.stderr.strip()}")
    return out


def read_stream(folder: Path, meta: dict, split: str) -> tuple[np.ndarray, np.ndarray]:
    files = meta[split]
    dtype = np.dtype(meta["dtype"]).newbyteorder("<")
    tokens = np.fromfile(folder / files["tokens"], dtype=dtype).astype(np.int64)
    starts = np.fromfile(folder / files["documents"], dtype=np.dtype("<u4")).astype(np.int64)
    return tokens, starts


def windows(tokens: np.ndarray, starts: np.ndarray, offsets: list[int], context: int):
    """Inputs, targets and document ids [len(offsets), context] of windows at `offsets`."""
    index = np.asarray(offsets, dtype=np.int64)[:, None] + np.arange(context)[None, :]
    documents = np.searchsorted(starts, index, side="right") - 1
    return tokens[index], tokens[index + 1], documents


def training_windows(tokens, starts, seed: int, step: int, sequences: int, context: int):
    """The built-in trainer's windows for this step: uniform offsets from mulberry32(hash("seed:step"))."""
    uniform = mulberry32(hash_string(f"{seed}:{step}"))
    span = len(tokens) - context
    return windows(tokens, starts, [math.floor(uniform() * span) for _ in range(sequences)], context)


def sequences_per_step(tokens: int, batch_tokens: int, context: int) -> list[int]:
    full = max(1, batch_tokens // context)
    total = math.ceil(tokens / context)
    return [min(full, total - i * full) for i in range(math.ceil(total / full))]


def learning_rate(step: int, steps: int, training: dict) -> float:
    peak = training["lr"]
    warmup_steps = round_half_up(training["warmup"] * steps)
    if step < warmup_steps:
        return peak * (step + 1) / warmup_steps
    if training["schedule"] == "constant":
        return peak
    decay_steps = steps - 1 - warmup_steps
    progress = (step - warmup_steps) / decay_steps if decay_steps > 0 else 1
    floor = peak * training["min_lr_fraction"]
    if training["schedule"] == "linear":
        return peak - (peak - floor) * progress
    return floor + 0.5 * (peak - floor) * (1 + math.cos(math.pi * progress))


def round_half_up(x: float) -> int:
    """JavaScript's Math.round (Python's round() rounds halves to even)."""
    return math.floor(x + 0.5)


def evaluation_steps(steps: int, every: float) -> set[int]:
    points = {steps}
    k = 1
    while every > 0 and k * every < 1:
        points.add(max(1, round_half_up(k * every * steps)))
        k += 1
    return points


def check_shape(shape: dict) -> None:
    if shape.get("moe") is not None:
        raise BadInput("run.json: shape.moe is set, but this trainer trains dense models only; use the built-in trainer for a mixture of experts")
    if shape["heads"] % shape["kv_heads"] != 0:
        raise BadInput(f"run.json: shape.heads ({shape['heads']}) must be a multiple of shape.kv_heads ({shape['kv_heads']})")
    if shape["head_dim"] % 2 != 0:
        raise BadInput(f"run.json: shape.head_dim ({shape['head_dim']}) must be even for rotary embeddings")


def main() -> int:
    worker = Worker.start()
    run = worker.run
    try:
        check_shape(run["shape"])
        data = export_data(worker)
    except BadInput as error:
        sys.stderr.write(f"{error}\n")
        return EXIT_BAD_INPUT
    return train(worker, data)


def train(worker: Worker, data: Path) -> int:
    started = time.perf_counter()
    run, shape, training = worker.run, worker.run["shape"], worker.run["training"]
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    meta = json.loads((data / "meta.json").read_text())
    train_tokens, train_starts = read_stream(data, meta, "train")
    val_tokens, val_starts = read_stream(data, meta, "val")
    context = shape["context"]
    val_windows = math.ceil(run["data"]["val_tokens"] / context)
    val_inputs, val_targets, val_documents = windows(val_tokens, val_starts, [s * context for s in range(val_windows)], context)
    document_masking = run["data"]["document_masking"]

    layout = parameter_layout(shape)
    weights = {name: t.to(device).requires_grad_() for name, t in initial_parameters(layout, run["seed"]).items()}
    gains = {name for name, _, std in layout if std == 0}
    optimizer_settings = training["optimizer"]
    optimizer = torch.optim.AdamW(
        [{"params": [w for n, w in weights.items() if n not in gains], "weight_decay": optimizer_settings["weight_decay"]},
         {"params": [w for n, w in weights.items() if n in gains], "weight_decay": 0.0}],
        lr=training["lr"], betas=(optimizer_settings["beta1"], optimizer_settings["beta2"]), eps=optimizer_settings["eps"])
    rope = rope_tables(context, shape["head_dim"], device)

    plan = sequences_per_step(run["tokens"], training["batch_tokens"], context)
    steps = len(plan)
    eval_at = evaluation_steps(steps, run["eval"]["every"])
    log_every = max(1, steps // TRAINING_LINES_PER_RUN)
    checkpoint_every = max(1, round_half_up(steps / 10))
    micro_sequences = max(1, MICRO_BATCH_TOKENS // context)
    flops_per_token = run["flops"] / run["tokens"]
    untrained_loss = math.log(shape["vocab"])

    step = worker.resume_step
    state = worker.state or {"tokens": 0, "seconds": 0.0, "last_val_loss": untrained_loss, "step_losses": []}
    if step > 0:
        if worker.checkpoint_files is None:
            raise BadInput(f"{worker.checkpoint_path} has no tensors: delete it to train the run from scratch")
        saved = torch.load(worker.checkpoint_files / TENSORS_FILE, map_location=device)
        with torch.no_grad():
            for name, tensor in saved["weights"].items():
                weights[name].copy_(tensor)
        optimizer.load_state_dict(saved["optimizer"])
    step_losses = list(state["step_losses"])
    tokens_seen, seconds, last_val_loss = state["tokens"], state["seconds"], state["last_val_loss"]

    def to_device(*arrays):
        return [torch.from_numpy(np.ascontiguousarray(a)).to(device) for a in arrays]

    def mask_of(documents):
        return attention_mask(documents if document_masking else torch.zeros_like(documents))

    def mean_loss(inputs, targets, documents):
        out = logits(weights, shape, inputs, mask_of(documents), rope)
        return torch.nn.functional.cross_entropy(out, targets.reshape(-1))

    def validation_loss() -> float:
        total = 0.0
        with torch.no_grad():
            for s in range(0, val_windows, micro_sequences):
                part = to_device(val_inputs[s:s + micro_sequences], val_targets[s:s + micro_sequences], val_documents[s:s + micro_sequences])
                total += mean_loss(*part).item() * len(part[0])
        return total / val_windows

    def save() -> None:
        # The tensors go into the checkpoint's own folder, committed with the step they belong to.
        def write_tensors(folder: Path) -> None:
            torch.save({"weights": {n: w.detach().cpu() for n, w in weights.items()}, "optimizer": optimizer.state_dict()},
                       folder / TENSORS_FILE)
        worker.save_checkpoint(step, {"tokens": tokens_seen, "seconds": seconds, "last_val_loss": last_val_loss, "step_losses": step_losses},
                               write_tensors)

    diverged = False
    interval_seconds, interval_tokens = 0.0, 0
    while step < steps and not diverged:
        if worker.stop_requested:
            save()
            return EXIT_STOPPED
        sequences = plan[step]
        lr = learning_rate(step, steps, training)
        step_started = time.perf_counter()
        inputs, targets, documents = training_windows(train_tokens, train_starts, run["seed"], step, sequences, context)
        optimizer.zero_grad(set_to_none=True)
        loss = 0.0
        for s in range(0, sequences, micro_sequences):
            part = to_device(inputs[s:s + micro_sequences], targets[s:s + micro_sequences], documents[s:s + micro_sequences])
            share = len(part[0]) / sequences
            micro_loss = mean_loss(*part) * share
            micro_loss.backward()
            loss += micro_loss.item()
        grad_norm = torch.nn.utils.clip_grad_norm_(list(weights.values()), training["grad_clip"]) if training["grad_clip"] > 0 \
            else torch.sqrt(sum(w.grad.pow(2).sum() for w in weights.values()))
        for group in optimizer.param_groups:
            group["lr"] = lr
        optimizer.step()
        elapsed = time.perf_counter() - step_started
        seconds += elapsed
        interval_seconds += elapsed
        step += 1
        tokens_seen += sequences * context
        interval_tokens += sequences * context
        step_losses.append(loss)
        flops = tokens_seen * flops_per_token
        diverged = not math.isfinite(loss)
        if not diverged and (step % log_every == 0 or step == steps):
            recent = step_losses[-(((step - 1) % log_every) + 1):]
            worker.log(step, tokens_seen, flops, loss=sum(recent) / len(recent), lr=lr,
                       grad_norm=float(grad_norm), tokens_per_s=interval_tokens / max(interval_seconds, 1e-9))
            interval_seconds, interval_tokens = 0.0, 0
        if not diverged and step in eval_at:
            value = validation_loss()
            diverged = not math.isfinite(value)
            if not diverged:
                last_val_loss = value
                worker.log(step, tokens_seen, flops, val_loss=value)
        if not diverged and step < steps and step % checkpoint_every == 0:
            save()

    last_tenth = [x for x in step_losses[math.floor(step * 0.9):] if math.isfinite(x)]
    train_loss = sum(last_tenth) / len(last_tenth) if last_tenth else untrained_loss
    bytes_per_token = 1.0 if meta["tokenizer"] == "bytes" else None
    worker.write_result(
        status="diverged" if diverged else "completed",
        val_loss=last_val_loss,
        **({} if bytes_per_token is None else {"bits_per_byte": last_val_loss / math.log(2) / bytes_per_token}),
        train_loss=train_loss, tokens=tokens_seen, flops=tokens_seen * flops_per_token, steps=step,
        backend="pytorch", backend_version=torch.__version__,
        device=torch.cuda.get_device_name(device) if device.type == "cuda" else "cpu",
        wall_s=time.perf_counter() - started, tokens_per_s=tokens_seen / max(seconds, 1e-9),
        epochs=run["tokens"] / len(train_tokens))
    return 0


if __name__ == "__main__":
    sys.exit(main())
