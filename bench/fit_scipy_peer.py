#!/usr/bin/python3
"""SciPy peer of scalelab's Approach-3 fit (bench/fit_chinchilla_bench.cpp measures both).

A straightforward implementation of the procedure of Hoffmann et al. 2022 as replicated by
Besiroglu et al. 2024: objective = SUM over runs of Huber_delta(LSE(a - alpha log N,
b - beta log D, e) - log L) with delta = 1e-3, scipy.optimize.minimize(method="L-BFGS-B")
from every point of the 4,500-start grid, best objective kept. By default the gradient is
left to SciPy's finite differences, as in Epoch AI's replication; --analytic-gradient passes
the analytic gradient instead (a faster peer, reported separately).

Usage: fit_scipy_peer.py CSV [--drop-highest 5] [--starts K] [--analytic-gradient]
Prints one JSON object: seconds, starts, objective, E, A, B, alpha, beta.
Runs on Debian's python3-scipy (use /usr/bin/python3).
"""
import argparse
import csv
import itertools
import json
import time

import numpy as np
from scipy.optimize import minimize
from scipy.special import huber, logsumexp


def read_epoch_csv(path):
    n, c, loss = [], [], []
    with open(path, newline="") as f:
        for row in csv.DictReader(f):
            n.append(float(row["Model Size"]))
            c.append(float(row["Training FLOP"]))
            loss.append(float(row["loss"]))
    n, c, loss = np.array(n), np.array(c), np.array(loss)
    return n, c / (6.0 * n), loss


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("csv")
    parser.add_argument("--drop-highest", type=int, default=5)
    parser.add_argument("--starts", type=int, default=0, help="only the first K grid starts (0: all)")
    parser.add_argument("--analytic-gradient", action="store_true")
    parser.add_argument("--delta", type=float, default=1e-3)
    args = parser.parse_args()

    n, d, loss = read_epoch_csv(args.csv)
    if args.drop_highest > 0:
        keep = np.sort(np.argsort(-loss, kind="stable")[args.drop_highest:])
        n, d, loss = n[keep], d[keep], loss[keep]
    log_n, log_d, log_l = np.log(n), np.log(d), np.log(loss)
    delta = args.delta

    def objective(x):
        a, b, e, alpha, beta = x
        pred = logsumexp([a - alpha * log_n, b - beta * log_d, np.full_like(log_n, e)], axis=0)
        return np.sum(huber(delta, pred - log_l))

    def objective_and_gradient(x):
        a, b, e, alpha, beta = x
        u = np.stack([a - alpha * log_n, b - beta * log_d, np.full_like(log_n, e)])
        pred = logsumexp(u, axis=0)
        r = pred - log_l
        w = np.exp(u - pred)  # softmax weights
        h = np.clip(r, -delta, delta)
        grad = np.array([np.sum(h * w[0]), np.sum(h * w[1]), np.sum(h * w[2]),
                         -np.sum(h * w[0] * log_n), -np.sum(h * w[1] * log_d)])
        return np.sum(huber(delta, r)), grad

    # Same grid and order as scalelab: (a, b, e, alpha, beta).
    axes = [np.arange(0, 30, 5), np.arange(0, 30, 5), np.arange(-1, 1.5, 0.5),
            np.arange(0, 2.5, 0.5), np.arange(0, 2.5, 0.5)]
    starts = [np.array(s, dtype=float) for s in itertools.product(*axes)]
    if args.starts > 0:
        starts = starts[: args.starts]

    t0 = time.perf_counter()
    best = None
    for x0 in starts:
        if args.analytic_gradient:
            res = minimize(objective_and_gradient, x0, method="L-BFGS-B", jac=True)
        else:
            res = minimize(objective, x0, method="L-BFGS-B")
        if best is None or res.fun < best.fun:
            best = res
    seconds = time.perf_counter() - t0
    a, b, e, alpha, beta = best.x
    print(json.dumps({"seconds": seconds, "starts": len(starts), "objective": float(best.fun),
                      "E": float(np.exp(e)), "A": float(np.exp(a)), "B": float(np.exp(b)),
                      "alpha": float(alpha), "beta": float(beta),
                      "gradient": "analytic" if args.analytic_gradient else "finite-difference"}))


if __name__ == "__main__":
    main()
