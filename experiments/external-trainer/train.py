#!/usr/bin/env python3
"""A tiny external trainer that follows scalelab's worker contract (docs/execution.md).

It shows what a PyTorch or JAX trainer has to do to run under `executor: command`, using the
repository's dependency-free worker library (python/, `pip install ./python`): it reads and checks
run.json, appends metrics.jsonl, checkpoints atomically, stops cleanly on SIGTERM (or when the
coordinator's stdin lifeline closes), resumes from the checkpoint, and writes result.json last.

What it trains is deliberately small: text comes from a fixed random order-2 Markov chain over 32
symbols; the model hashes each of the 1024 contexts into one of B buckets (one per 16 of the run's
planned parameters, at most 1024) and predicts the next symbol from the bucket's smoothed counts.
Its loss falls with more buckets and more tokens. It is a demonstration of the contract, not a
model whose scaling means anything.

usage: train.py RUN_DIR
"""
import math
import random
import sys
import time
from pathlib import Path

# The repository's copy of the library when it is not installed.
sys.path.append(str(Path(__file__).resolve().parents[2] / "python"))
from scalelab_worker import EXIT_STOPPED, Worker  # noqa: E402

SYMBOLS = 32


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


def main():
    worker = Worker.start()  # run.json checked, SIGTERM and the lifeline watched, old lines dropped
    run = worker.run
    chain = markov_chain(1234)  # the task is fixed across runs; the seed varies the data order
    validation = sample(chain, 4000, random.Random(99))
    batch = max(3, run["training"]["batch_tokens"])
    steps = max(1, run["tokens"] // batch)
    buckets = max(1, min(SYMBOLS * SYMBOLS, round(run["params"] / 16)))
    # Add-k smoothing; the planned learning rate plays no part in counting, but is reported.
    smoothing = 0.5
    lr = run["training"]["lr"]
    flops_per_token = run["flops"] / run["tokens"]

    step = worker.resume_step
    saved = worker.state or {"counts": [[0] * SYMBOLS for _ in range(buckets)], "seconds": 0.0}
    counts, seconds = saved["counts"], saved["seconds"]

    log_every = max(1, steps // 10)
    last_loss = math.log(SYMBOLS)
    while step < steps:
        if worker.stop_requested:
            worker.save_checkpoint(step, {"counts": counts, "seconds": seconds})
            return EXIT_STOPPED
        started = time.perf_counter()
        data = sample(chain, batch, random.Random(run["seed"] * 1_000_003 + step))
        # The batch's loss before learning from it (prequential): the training loss.
        last_loss = log_loss(counts, buckets, data, smoothing)
        for i in range(2, len(data)):
            counts[bucket_of(data[i - 2] * SYMBOLS + data[i - 1], buckets)][data[i]] += 1
        step += 1
        seconds += time.perf_counter() - started
        if step % log_every == 0 or step == steps:
            worker.log(step, step * batch, step * batch * flops_per_token,
                       loss=last_loss, lr=lr, tokens_per_s=step * batch / max(seconds, 1e-9))
        if step % max(1, steps // 4) == 0:
            worker.save_checkpoint(step, {"counts": counts, "seconds": seconds})

    # Counting cannot diverge: a trainer that can should end `status="diverged"` on a non-finite loss.
    val_loss = log_loss(counts, buckets, validation, smoothing)
    worker.log(step, step * batch, step * batch * flops_per_token, val_loss=val_loss)
    worker.write_result(status="completed", val_loss=val_loss, train_loss=last_loss,
                        tokens=step * batch, flops=step * batch * flops_per_token, steps=step,
                        backend="python", wall_s=seconds, tokens_per_s=step * batch / max(seconds, 1e-9))
    return 0


if __name__ == "__main__":
    sys.exit(main())
