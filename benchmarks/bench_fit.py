"""Benchmark: the batched Chinchilla fit against a plain per-start SciPy loop.

Run with ``make benchmark`` (or ``python benchmarks/bench_fit.py``).  On the 240
points of the Chinchilla replication it times

1. ``scaling_utils.fit.fit_chinchilla`` over Hoffmann et al.'s full 4,500-start grid;
2. the plain approach: one ``scipy.optimize.minimize(method="L-BFGS-B")`` call per
   start, keeping the best, run twice: with the same analytic gradient (the
   strongest plain baseline) and with finite-difference gradients, as the
   replication's notebook does (``--skip-numeric`` skips that slow one);
3. 4,000 bootstrap refits with ``bootstrap_chinchilla``;
4. ``scaling_utils.fit.fit_isoflop`` with 1,000 resamples on 300 synthetic runs
   (12 budgets x 25 sizes on the Chinchilla form, 0.5% noise; ``--isoflop-only``
   runs just this part).

It prints both times, their ratio and both objectives.  Targets on a 2-core
machine: grid fit <= 2 s, >= 10x faster than the loop, objectives within 1e-6
relative, bootstrap <= 10 s, fit_isoflop (1,000 resamples, 300 runs) <= 2 s.
Timings vary with the machine; this is a script, not a test.
"""
from __future__ import annotations

import argparse
import time

import numpy as np
from scipy import optimize

from scaling_utils import data, laws
from scaling_utils.fit import (
    _objective_and_grad,
    bootstrap_chinchilla,
    fit_chinchilla,
    fit_isoflop,
    hoffmann_grid,
)


def load_points():
    """The 245 extracted points less the 5 highest losses (Besiroglu et al. 2024)."""
    points = data.load("chinchilla_points")
    points = points.nsmallest(len(points) - 5, "loss")
    return points["N"].to_numpy(), points["D"].to_numpy(), points["loss"].to_numpy()


def per_start_loop(N, D, loss, *, numeric_gradient=False, delta=1e-3):
    """The plain way: minimise from every grid point in turn, keep the best."""
    logN, logD, logL = np.log(N), np.log(D), np.log(loss)

    def fun(theta):
        f, g = _objective_and_grad(theta[None, :], logN, logD, logL, delta)
        return float(f[0]), g[0]

    def fun_only(theta):
        return fun(theta)[0]

    best = None
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        for start in hoffmann_grid():
            if numeric_gradient:
                res = optimize.minimize(fun_only, start, method="L-BFGS-B")
            else:
                res = optimize.minimize(fun, start, jac=True, method="L-BFGS-B")
            if np.isfinite(res.fun) and (best is None or res.fun < best.fun):
                best = res
    return best


def isoflop_runs(n_budgets=12, n_sizes=25, noise=0.005, seed=0):
    """``(C, N, loss)`` of ``n_budgets * n_sizes`` runs: at each budget (1e17 to 1e20 FLOP),
    sizes over +-1 decade around the planted N_opt, loss from Hoffmann et al.'s fitted law."""
    rng = np.random.default_rng(seed)
    budgets = np.geomspace(1e17, 1e20, n_budgets)
    hoff = dict(laws.HOFFMANN_2022)
    n_opt = laws.compute_optimal(budgets, **{k: v for k, v in hoff.items() if k != "E"})[0]
    C = np.repeat(budgets, n_sizes)
    N = np.repeat(n_opt, n_sizes) * np.tile(np.logspace(-1, 1, n_sizes), n_budgets)
    loss = laws.chinchilla_loss(N, C / (6 * N), **hoff) * (1 + noise * rng.standard_normal(C.size))
    return C, N, loss


def bench_isoflop(n_boot=1000):
    """Time fit_isoflop on 300 runs; return the seconds taken."""
    C, N, loss = isoflop_runs()
    fit_isoflop(C[:75], N[:75], loss[:75], n_boot=10)  # warm-up
    t0 = time.perf_counter()
    res = fit_isoflop(C, N, loss, n_boot=n_boot, rng=0)
    t_iso = time.perf_counter() - t0
    print(f"fit_isoflop, {n_boot:,} resamples on {C.size} runs: {t_iso:8.2f} s   exponent {res.exponent:.4f} "
          f"(planted {laws.compute_optimal_exponents(alpha=laws.HOFFMANN_2022['alpha'], beta=laws.HOFFMANN_2022['beta'])[0]:.4f}), "
          f"interval {res.interval()}")
    print("  target: <= 2 s: {}".format("met" if t_iso <= 2 else "MISSED"))
    return t_iso


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--skip-numeric", action="store_true",
                        help="skip the slow loop with finite-difference gradients (the replication's way)")
    parser.add_argument("--n-boot", type=int, default=4000)
    parser.add_argument("--isoflop-only", action="store_true", help="time only fit_isoflop (1,000 resamples, 300 runs)")
    args = parser.parse_args(argv)
    if args.isoflop_only:
        bench_isoflop()
        return

    N, D, loss = load_points()
    print(f"data: {len(N)} points (chinchilla_points less the 5 highest losses)")
    fit_chinchilla(N[:50], D[:50], loss[:50], init_grid=hoffmann_grid()[:10])  # warm-up

    t0 = time.perf_counter()
    fit = fit_chinchilla(N, D, loss)
    t_batched = time.perf_counter() - t0
    print(f"fit_chinchilla, {fit.n_starts} starts: {t_batched:8.2f} s   objective {fit.objective:.10g}")

    kinds = [("analytic", False)] + ([] if args.skip_numeric else [("finite-difference", True)])
    for kind, numeric in kinds:
        t0 = time.perf_counter()
        best = per_start_loop(N, D, loss, numeric_gradient=numeric)
        t_loop = time.perf_counter() - t0
        rel = abs(fit.objective - best.fun) / best.fun
        a, b, e, al, be = best.x
        print(f"per-start scipy loop ({kind} gradient): {t_loop:8.2f} s   objective {best.fun:.10g}")
        print(f"  speed-up of fit_chinchilla: {t_loop / t_batched:.1f}x   relative objective difference: {rel:.2e}")
        print(f"  loop optimum: E={np.exp(e):.4f} A={np.exp(a):.2f} B={np.exp(b):.2f} alpha={al:.4f} beta={be:.4f}")
        print("  targets: >= 10x: {}; same optimum (1e-6 relative): {}".format(
            "met" if t_loop / t_batched >= 10 else "MISSED", "met" if rel <= 1e-6 else "MISSED"))
    print(f"batched optimum: E={fit.E:.4f} A={fit.A:.2f} B={fit.B:.2f} alpha={fit.alpha:.4f} beta={fit.beta:.4f}")

    t0 = time.perf_counter()
    boot = bootstrap_chinchilla(N, D, loss, n_boot=args.n_boot, rng=42, fit=fit)
    t_boot = time.perf_counter() - t0
    print(f"bootstrap, {boot.n_boot} refits: {t_boot:8.2f} s   ({100 * boot.converged_fraction:.1f}% converged)")

    print("targets: grid fit <= 2 s: {}; bootstrap <= 10 s: {}".format(
        "met" if t_batched <= 2 else "MISSED", "met" if t_boot <= 10 else "MISSED"))

    bench_isoflop()


if __name__ == "__main__":
    main()
