#!/usr/bin/env python3
"""A tiny external trainer that follows scalelab's worker contract (docs/execution.md).

It shows what a PyTorch or JAX trainer has to do to run under `executor: command`, with nothing
but the Python standard library: read run.json, append metrics.jsonl, checkpoint atomically,
stop cleanly on SIGTERM (or when the coordinator's stdin lifeline closes), resume from the
checkpoint, and write result.json last.

What it trains is deliberately small: text comes from a fixed random order-2 Markov chain over 32
symbols; the model hashes each of the 1024 contexts into one of B buckets (one per 16 of the run's
planned parameters, at most 1024) and predicts the next symbol from the bucket's smoothed counts.
Its loss falls with more buckets and more tokens. It is a demonstration of the contract, not a
model whose scaling means anything.

usage: train.py RUN_DIR
"""
import json
import math
import os
import random
import signal
import sys
import threading
import time

SYMBOLS = 32
CHECKPOINT = "checkpoint.json"
stop_requested = threading.Event()


def request_stop(*_):
    stop_requested.set()


def watch_lifeline():
    # The coordinator holds our stdin open; end of file means it died: checkpoint and stop.
    # os.read, not sys.stdin: a daemon thread holding the buffered reader's lock aborts shutdown.
    while os.read(0, 4096):
        pass
    stop_requested.set()


def write_atomically(path, text):
    temporary = f"{path}.{os.getpid()}.tmp"
    with open(temporary, "w") as handle:
        handle.write(text)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temporary, path)


def markov_chain(seed):
    chooser = random.Random(seed)
    rows = {}
    for context in range(SYMBOLS * SYMBOLS):
        weights = [chooser.random() ** 2 for _ in range(SYMBOLS)]
        total = sum(weights)
        rows[context] = [w / total for w in weights]
    return rows


def sample(chain, count, source):
    symbols = [source.randrange(SYMBOLS), source.randrange(SYMBOLS)]
    while len(symbols) < count:
        context = symbols[-2] * SYMBOLS + symbols[-1]
        symbols.append(source.choices(range(SYMBOLS), weights=chain[context])[0])
    return symbols


def bucket_of(context, buckets):
    # A fixed scramble, so that merged contexts are unrelated ones.
    return (context * 2654435761) % 4294967296 % buckets


def log_loss(counts, buckets, symbols, smoothing):
    loss = 0.0
    for i in range(2, len(symbols)):
        row = counts[bucket_of(symbols[i - 2] * SYMBOLS + symbols[i - 1], buckets)]
        loss -= math.log((row[symbols[i]] + smoothing) / (sum(row) + smoothing * SYMBOLS))
    return loss / (len(symbols) - 2)


def main(run_dir):
    run = json.load(open(os.path.join(run_dir, "run.json")))
    metrics_path = os.path.join(run_dir, "metrics.jsonl")
    checkpoint_path = os.path.join(run_dir, CHECKPOINT)
    chain = markov_chain(1234)  # the task is fixed across runs; the seed varies the data order
    validation = sample(chain, 4000, random.Random(99))
    batch = max(3, run["training"]["batch_tokens"])
    steps = max(1, run["tokens"] // batch)
    buckets = max(1, min(SYMBOLS * SYMBOLS, round(run["params"] / 16)))
    # Add-k smoothing; the planned learning rate plays no part in counting, but is reported.
    smoothing = 0.5
    lr = run["training"]["lr"]
    flops_per_token = run["flops"] / run["tokens"]

    counts = [[0] * SYMBOLS for _ in range(buckets)]
    step, seconds = 0, 0.0
    if os.path.exists(checkpoint_path):
        saved = json.load(open(checkpoint_path))
        counts, step, seconds = saved["counts"], saved["step"], saved["seconds"]
        # Lines past the checkpoint are redone: drop them so each step appears once.
        if os.path.exists(metrics_path):
            kept = [line for line in open(metrics_path) if line.endswith("\n") and json.loads(line)["step"] <= step]
            write_atomically(metrics_path, "".join(kept))
    resumed_from = step

    def save():
        write_atomically(checkpoint_path, json.dumps({"counts": counts, "step": step, "seconds": seconds}))

    def log(line):
        with open(metrics_path, "a") as handle:
            handle.write(json.dumps(line) + "\n")

    log_every = max(1, steps // 10)
    last_loss = math.log(SYMBOLS)
    while step < steps:
        if stop_requested.is_set():
            save()
            return 143
        started = time.perf_counter()
        data = sample(chain, batch, random.Random(run["seed"] * 1_000_003 + step))
        # The batch's loss before learning from it (prequential): the training loss.
        last_loss = log_loss(counts, buckets, data, smoothing)
        for i in range(2, len(data)):
            counts[bucket_of(data[i - 2] * SYMBOLS + data[i - 1], buckets)][data[i]] += 1
        step += 1
        seconds += time.perf_counter() - started
        if step % log_every == 0 or step == steps:
            log({"step": step, "tokens": step * batch, "flops": step * batch * flops_per_token,
                 "loss": last_loss, "lr": lr, "tokens_per_s": step * batch / max(seconds, 1e-9)})
        if step % max(1, steps // 4) == 0:
            save()

    # Counting cannot diverge: a trainer that can should end `"status": "diverged"` on a non-finite loss.
    val_loss = log_loss(counts, buckets, validation, smoothing)
    log({"step": step, "tokens": step * batch, "flops": step * batch * flops_per_token, "val_loss": val_loss})
    result = {
        "id": run["id"], "status": "completed",
        "val_loss": val_loss, "train_loss": last_loss,
        "params": run["params"], "tokens": step * batch, "flops": step * batch * flops_per_token,
        "steps": step, "backend": "python", "wall_s": seconds,
        "tokens_per_s": step * batch / max(seconds, 1e-9),
    }
    if resumed_from > 0:
        result["resumed_from_step"] = resumed_from
    write_atomically(os.path.join(run_dir, "result.json"), json.dumps(result))
    return 0


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.stderr.write(__doc__.split("usage: ")[1])
        sys.exit(2)
    signal.signal(signal.SIGTERM, request_stop)
    signal.signal(signal.SIGINT, request_stop)
    if os.environ.get("SCALELAB_STDIN_LIFELINE") == "1":
        threading.Thread(target=watch_lifeline, daemon=True).start()
    sys.exit(main(sys.argv[1]))
