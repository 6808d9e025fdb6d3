"""Do the bootstrap estimators give the same printed numbers on another CPU?

A reader runs the book on a laptop whose CPU is not the one that wrote the committed
outputs: OpenBLAS picks other kernels, NumPy dispatches other SIMD loops, and the last bits
of every sum and every ``exp`` change.  The estimators must absorb that: every refit runs to
its optimum (not to wherever the optimiser happened to stop), the resamples do not depend
on the order of the rows, and every interval end is printed only to its Monte-Carlo
precision.

This guard runs the same bootstraps in fresh interpreters that emulate other machines —
OpenBLAS forced to its Sandybridge kernels, NumPy's dispatched SIMD loops switched off, one
thread — and requires the printed summaries to be identical, every refit to pass or fail
the same way, and the refitted parameters to agree to 1e-5 relative.  It is cheap (a few
seconds) and catches a fragile estimator before a reader's machine does.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
MIRROR = ROOT.parent / "shared" / "data" / "third_party"

SCRIPT = r"""
import json, sys
import numpy as np
from scaling_utils import data, emergence, fit, laws

out = {}
# The Chinchilla bootstrap on the real points of Besiroglu et al. (2024).
points = data.load("chinchilla_points")
kept = points.sort_values("loss", kind="stable").iloc[:-5]
N, D, L = (kept[c].to_numpy() for c in ("N", "D", "loss"))
chin = fit.fit_chinchilla(N, D, L, init_grid=fit.hoffmann_grid()[::9])
boot = fit.bootstrap_chinchilla(N, D, L, n_boot=200, rng=3, fit=chin)
out["chinchilla"] = {"summary": chin.summary() + "\n" + boot.summary(),
                     "success": boot.samples["success"].tolist(),
                     "values": boot.samples[["E", "A", "B", "alpha", "beta"]].to_numpy().tolist()}
# A sigmoid and a broken power law on noisy synthetic scores.
x = np.geomspace(1e20, 1e25, 40)
rng = np.random.default_rng(8)
y = np.clip(emergence.sigmoid(x, slope=2.5, midpoint=22.8, ceiling=0.6)
            + 0.02 * rng.standard_normal(40), 0, 1)
for name, f in (("sigmoid", emergence.fit_sigmoid(x, y, n_boot=300, rng=2)),
                ("broken_power_law", emergence.fit_broken_power_law(x, y, n_boot=100, rng=2))):
    cols = [c for c in f.samples.columns if c not in ("converged", "success", "failure")]
    out[name] = {"summary": f.summary(), "success": f.samples["success"].tolist(),
                 "values": f.samples[cols].to_numpy().tolist()}
json.dump(out, sys.stdout)
"""


def _other_machine_envs():
    """Environments that make this machine compute like another one."""
    from numpy._core import _multiarray_umath as mu

    found = [f for f in mu.__cpu_dispatch__ if mu.__cpu_features__.get(f)]
    envs = {"this machine": {}}
    if found:
        envs["no SIMD dispatch, Sandybridge BLAS"] = {
            "NPY_DISABLE_CPU_FEATURES": " ".join(found), "OPENBLAS_CORETYPE": "Sandybridge"}
    envs["one thread"] = {"OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1"}
    return envs


def _start(extra_env):
    env = {**os.environ, **extra_env}
    if not env.get("SCALING_UTILS_DATA_MIRROR"):
        env["SCALING_UTILS_DATA_MIRROR"] = str(MIRROR)
    return subprocess.Popen([sys.executable, "-c", SCRIPT], env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, cwd=ROOT)


@pytest.fixture(scope="module")
def runs():
    if not (MIRROR / "svg_extracted_data.csv").is_file() and not os.environ.get("SCALING_UTILS_DATA_MIRROR"):
        pytest.skip(f"no data mirror at {MIRROR}")
    started = {label: _start(env) for label, env in _other_machine_envs().items()}
    results = {}
    for label, proc in started.items():
        out, err = proc.communicate(timeout=600)
        assert proc.returncode == 0, f"{label}: {err[-3000:]}"
        results[label] = json.loads(out)
    return results


@pytest.mark.parametrize("estimator", ["chinchilla", "sigmoid", "broken_power_law"])
def test_bootstraps_print_the_same_on_another_cpu(runs, estimator):
    reference = runs["this machine"][estimator]
    for label, run in runs.items():
        got = run[estimator]
        assert got["summary"] == reference["summary"], f"{estimator} prints differently with {label}"
        assert got["success"] == reference["success"], f"{estimator}: refits pass or fail differently with {label}"
        ref = np.array(reference["values"], dtype=float)
        new = np.array(got["values"], dtype=float)
        ok = np.array(reference["success"])
        np.testing.assert_allclose(new[ok], ref[ok], rtol=1e-5, atol=1e-8,
                                   err_msg=f"{estimator}: refits move with {label}")
