"""Peer for `pnpm bench:fit`: Chinchilla's approach 3 (Hoffmann et al. 2022, appendix D.2) fitted
with scipy's L-BFGS-B, to time and check ours against. The peer gets its best configuration: the
objective's exact gradient (vectorised numpy), not scipy's finite differences, which cost six
objective evaluations a step.

Usage: python3 scipy_chinchilla_fit.py DATA.csv [--grid full|small]

DATA.csv is Epoch AI's extraction of the Chinchilla runs (columns `Model Size`, `Training FLOP`,
`loss`; `scalelab data path chinchilla-epoch` prints where it is cached). As Besiroglu et al. (2024)
do, the 5 highest-loss rows are left out and tokens are D = C / (6 N). The objective is the summed
Huber loss (delta 1e-3) between log L and LSE(a - alpha log N, b - beta log D, e), minimised from
every point of the grid (full: Hoffmann's 4,500 points; small: the 32 that `grid: "small"` uses).

Prints one JSON line: E, A, B, alpha, beta of the best start, its objective, the number of starts
and the seconds the starts took.
"""
import argparse
import csv
import itertools
import json
import time

import numpy as np
from scipy.optimize import minimize
from scipy.special import huber, logsumexp

HUBER_DELTA = 1e-3
DROPPED_HIGHEST_LOSSES = 5

GRIDS = {
    "full": {
        "a": np.arange(0, 30, 5),
        "b": np.arange(0, 30, 5),
        "e": np.arange(-1, 1.5, 0.5),
        "alpha": np.arange(0, 2.5, 0.5),
        "beta": np.arange(0, 2.5, 0.5),
    },
    "small": {"a": [5, 20], "b": [5, 20], "e": [0, 1], "alpha": [0.5, 1.5], "beta": [0.5, 1.5]},
}


def read_runs(path):
    """log N, log D and log L of the kept rows."""
    with open(path, newline="") as handle:
        rows = list(csv.DictReader(handle))
    params = np.array([float(row["Model Size"]) for row in rows])
    flops = np.array([float(row["Training FLOP"]) for row in rows])
    loss = np.array([float(row["loss"]) for row in rows])
    kept = np.argsort(loss)[: len(loss) - DROPPED_HIGHEST_LOSSES]
    tokens = flops[kept] / (6 * params[kept])
    return np.log(params[kept]), np.log(tokens), np.log(loss[kept])


def objective_for(log_n, log_d, log_l):
    """The summed Huber loss and its gradient in (a, b, e, alpha, beta)."""
    ones = np.ones_like(log_n)

    def objective(x):
        a, b, e, alpha, beta = x
        terms = np.stack([a - alpha * log_n, b - beta * log_d, e * ones])
        predicted = logsumexp(terms, axis=0)
        residual = predicted - log_l
        # d LSE / d term is the softmax weight of that term; the Huber loss's slope is the residual
        # clipped to +-delta.
        weights = np.exp(terms - predicted)
        slope = np.clip(residual, -HUBER_DELTA, HUBER_DELTA)
        gradient = np.array([
            np.sum(slope * weights[0]),
            np.sum(slope * weights[1]),
            np.sum(slope * weights[2]),
            -np.sum(slope * weights[0] * log_n),
            -np.sum(slope * weights[1] * log_d),
        ])
        return float(np.sum(huber(HUBER_DELTA, residual))), gradient

    return objective


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data")
    parser.add_argument("--grid", choices=sorted(GRIDS), default="full")
    options = parser.parse_args()

    objective = objective_for(*read_runs(options.data))
    grid = GRIDS[options.grid]
    starts = list(itertools.product(grid["a"], grid["b"], grid["e"], grid["alpha"], grid["beta"]))
    started = time.perf_counter()
    best = min(
        (minimize(objective, np.array(start, dtype=float), method="L-BFGS-B", jac=True) for start in starts),
        key=lambda result: result.fun,
    )
    seconds = time.perf_counter() - started
    a, b, e, alpha, beta = best.x
    print(json.dumps({
        "E": float(np.exp(e)),
        "A": float(np.exp(a)),
        "B": float(np.exp(b)),
        "alpha": float(alpha),
        "beta": float(beta),
        "objective": float(best.fun),
        "inits": len(starts),
        "seconds": seconds,
    }))


if __name__ == "__main__":
    main()
