"""Fuzz harness: every public callable of ``scaling_utils``, fed bad values one argument at a time.

The project's rule is that bad input gets a clear ``ValueError``/``TypeError`` naming the
argument and what to pass: never a numpy internal, a hang, or a silent inf/nan.  This file
checks the rule everywhere at once.

How it works
------------
1. :data:`VALID` holds one *valid* example call of every public callable (every name in the
   ``__all__`` of every module in ``scaling_utils.__all__``), and of the constructors and
   input-taking methods of the classes users work with.  The calls are tiny (small grids,
   ``n_boot=2``, a handful of points) so that each one finishes in milliseconds.
   :func:`test_every_public_callable_is_registered` fails if a public callable has no entry,
   so a function added later must be registered here.
2. For each valid call, every argument (including the ones left at their defaults) is
   replaced, one at a time, by a bad value of each kind in :data:`KINDS`.
3. Each call must end in either (a) a ``ValueError``/``TypeError`` raised within
   :data:`TIME_LIMIT` (1 s) whose message names the argument in backticks (```N```), or
   (b) a normal return whose numbers are all finite (floats, arrays, pandas objects,
   tuples, dicts and dataclass fields are walked), for bad values that are in fact valid
   input (0 for an offset, a shorter grid).  A 2-D value where 1-D data are expected must be
   rejected (a), unless the argument is marked ``any_ndim`` (elementwise functions that
   broadcast grids).  A call still running after max(1 s, :data:`HANG_FACTOR` x the valid
   call's own time) is stopped by ``signal.setitimer(signal.ITIMER_PROF, ...)`` raising
   :class:`Timeout`: a hang fails fast instead of stalling the suite.  Limits count the
   process's CPU time, not the wall clock, so a loaded machine (the grading sandboxes and the
   browser test run beside this file) is not mistaken for a hang; a wall-clock backstop of
   :data:`WALL_FACTOR` x the limit stops a call that blocks without using CPU.  Anything else
   (another exception, a message that does not name the argument, a hang, a silent
   inf/nan) is a failure; :data:`ALLOWED_NONFINITE` lists the documented NaN/inf results.
4. Failures in files whose owners are rewriting them are listed in :data:`KNOWN_FAILURES`;
   the walk passes while they fail and FAILS as soon as one of them stops failing, so the
   list cannot go stale.
5. A hypothesis test adds generated bad values: arrays of random shapes with NaN/inf at
   random positions, and random huge magnitudes.

``pytest tests/test_fuzz.py -s`` prints the counts (calls, clean errors, valid returns,
known failures, unexpected failures) as one summary line.
"""
from __future__ import annotations

import dataclasses
import functools
import inspect
import math
import os
import re
import signal
import time
import warnings
from collections import Counter
from collections.abc import Mapping
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import scaling_utils
from scaling_utils import compute, data, emergence, entropy, extrapolation, fit, groups, laws, overfitting, plotting

#: Seconds within which a bad value must be rejected (a slower error counts as a failure).
TIME_LIMIT = 1.0

#: A call is stopped as a hang after max(TIME_LIMIT, HANG_FACTOR x the valid call's own time):
#: a bad value that is in fact valid may take as long as the valid call does (a fit takes
#: about 0.5 s), so on a busy machine that is not mistaken for a hang.
HANG_FACTOR = 5.0

#: Fewest CPU seconds before a call that has not returned counts as a hang.  Above
#: TIME_LIMIT because CPU time counts every thread: under load, BLAS and thread-pool workers
#: waiting for a core add CPU seconds to a call that takes 0.05 s alone.
HANG_LIMIT = 3.0

#: A call blocked without using CPU (a sleep, a lock) is stopped after this many times its
#: CPU-time limit on the wall clock.
WALL_FACTOR = 30.0

#: Folder of the shared third-party data files (``data.fetch`` reads it, never the network).
MIRROR = Path(__file__).resolve().parents[2] / "shared" / "data" / "third_party"


class Timeout(BaseException):
    """Raised by the SIGPROF/SIGALRM handlers; a BaseException so no ``except Exception`` swallows it."""


# =========================================================================== valid calls
@dataclasses.dataclass(frozen=True)
class Valid:
    """A valid example call: ``target()`` returns the callable, then ``callable(*args, **kwargs)``.

    ``any_ndim`` names the arguments that legitimately accept arrays of any number of
    dimensions (elementwise, broadcasting functions); every other array argument must reject
    extra dimensions instead of flattening them.
    """

    target: object
    args: tuple = ()
    kwargs: dict = dataclasses.field(default_factory=dict)
    any_ndim: frozenset = frozenset()


class Lazy:
    """An argument built when the case is first run (not at import), e.g. a fit result
    from another module: a module that is broken mid-edit then fails only its own cases."""

    def __init__(self, build):
        self.build = build


def _built(value):
    return value.build() if isinstance(value, Lazy) else value


def call(func, *args, any_ndim=(), **kwargs):
    """A valid call of a function (or of a class, an alternative constructor)."""
    return Valid(lambda: func, args, kwargs, frozenset(any_ndim))


def method(factory, name, *args, any_ndim=(), **kwargs):
    """A valid call of ``factory().name``: a method of an object built once, lazily."""
    return Valid(lambda: getattr(factory(), name), args, kwargs, frozenset(any_ndim))


# ---------------------------------------------------------------- small example data
N3 = [1e8, 1e9, 1e10]
D3 = [2e9, 2e10, 2e11]
C3 = [1e21, 1e22, 1e23]
HOFF = dict(laws.HOFFMANN_2022)
HOFF_NO_E = {k: v for k, v in HOFF.items() if k != "E"}

# Sixteen synthetic training runs on the Chinchilla form (a 4 x 4 grid of N and D, 0.5%
# noise), for the fits.
_FIT_N, _FIT_D = (a.ravel() for a in np.meshgrid([1e7, 1e8, 1e9, 1e10], [1e9, 1e10, 1e11, 1e12]))
_FIT_L = laws.chinchilla_loss(_FIT_N, _FIT_D, **HOFF) * (1 + 0.005 * np.sin(np.arange(16.0)))
_FIT_GRID = np.array([[6.0, 6.0, 0.5, 0.3, 0.3], [5.0, 7.0, 0.0, 0.4, 0.3]])

_SIG_X = 10.0 ** np.arange(20.0, 26.5, 0.5)
_SIG_Y = 1.0 / (1.0 + np.exp(-2.0 * (np.log10(_SIG_X) - 23.0)))  # emergence.sigmoid
_BPL_X = 10.0 ** np.arange(20.0, 26.5, 0.5)
_BPL_U = _BPL_X / 1e20  # emergence.broken_power_law(a=0, b=0.9, c0=0.05, c1=0.4, d1=1e3, f1=0.3)
_BPL_Y = np.clip(0.9 * _BPL_U**-0.05 * (1 + (_BPL_U / 1e3) ** (1 / 0.3)) ** (-0.4 * 0.3), 0, 1)

# Eight points of a 6-month doubling trend with a little scatter (compute.growth_rate).
_TREND_YEARS = [2010.0, 2011.5, 2013.0, 2014.2, 2016.0, 2017.3, 2019.0, 2021.0]
_TREND_VALUES = [1e18, 8e18, 5e19, 2.5e20, 4e21, 2e22, 3e23, 5e24]

_PF_X = [1.0, 2.0, 4.0, 8.0]
_PF_Y = [3.0, 2.1, 1.4, 1.05]

_RNG = np.random.default_rng(0)
_X_DD = _RNG.normal(size=(30, 4))
_LABELS_DD = np.arange(30) % 3
_PHI = _RNG.normal(size=(6, 5))
_Y_PHI = _RNG.normal(size=6)
_W = _RNG.normal(size=(4, 5))


@functools.cache
def small_source():
    """An order-2, 3-symbol mixture-of-lags source (27 order-grams: fast)."""
    return entropy.MarkovSource.mixture_of_lags(3, 2, seed=0)


@functools.cache
def symbols(n=120, seed=0):
    return small_source().sample(n, rng=seed)


@functools.cache
def joint2():
    """P(context of 2 symbols, next symbol) of :func:`small_source`, shape (9, 3)."""
    return small_source().ngram_distribution(3).reshape(9, 3)


@functools.cache
def contexts_targets():
    return overfitting.context_indices(symbols(), order=2, n_symbols=3)


@functools.cache
def ngram_model():
    return entropy.NGramModel.fit(symbols(), max_order=2, n_symbols=3)


@functools.cache
def chinchilla_fit():
    return fit.fit_chinchilla(_FIT_N, _FIT_D, _FIT_L, init_grid=_FIT_GRID, maxiter=50)


@functools.cache
def chinchilla_bootstrap():
    # 40 resamples: percentile intervals need at least 20 successful ones (fewer give a
    # documented (nan, nan)).
    return fit.bootstrap_chinchilla(_FIT_N, _FIT_D, _FIT_L, n_boot=40, rng=0, fit=chinchilla_fit(),
                                    maxiter=200)


@functools.cache
def kaplan_floor_fit():
    N, D = np.meshgrid([6.0, 18.0, 54.0, 162.0], [1e3, 1e4, 1e5])
    N, D = N.ravel(), D.ravel()
    L = 0.9 + ((0.02 / N) ** 1.5 + 0.03 / D) ** 0.3
    return entropy.fit_kaplan_floor(N, D, L, init_grid=entropy.kaplan_floor_grid()[::50])


@functools.cache
def power_law_fit():
    return fit.fit_power_law(_PF_X, _PF_Y)


@functools.cache
def sigmoid_fit():
    return emergence.fit_sigmoid(_SIG_X, _SIG_Y, n_boot=40, rng=0)


@functools.cache
def bpl_fit():
    return emergence.fit_broken_power_law(_BPL_X, _BPL_Y, n_boot=40, rng=0)


@functools.cache
def dd_sweep():
    return overfitting.double_descent_sweep(_X_DD, _LABELS_DD, n_train=10, n_features=[2, 5, 10],
                                            ridges=(0.0, 0.1), n_repeats=2)


@functools.cache
def repetition():
    return overfitting.repetition_experiment(small_source(), order=1, unique_tokens=(32, 64),
                                             max_epochs=2, n_seeds=2, batch_size=16, n_eval=3)


@functools.cache
def repetition_fit():
    return overfitting.fit_repetition_constant([1.0, 2.0, 4.0, 8.0], [1.0, 1.9, 3.6, 6.2])


def _group_frame():
    n = np.array([10.0, 20.0, 40.0, 80.0] * 2)
    return pd.DataFrame({"g": ["a"] * 4 + ["b"] * 4, "n": n,
                         "err": np.r_[0.5 * n[:4] ** -0.3, 0.7 * n[4:] ** -0.2] * np.tile([1, 1.01, 0.99, 1], 2)})


@functools.cache
def group_fits():
    return groups.fit_group_power_laws(_group_frame(), x="n", y="err", group="g")


@functools.cache
def share_trend():
    return groups.fit_share_trend([0.52, 0.56, 0.59, 0.60], [0.012, 0.012, 0.012, 0.012],
                                  [7e7, 1.6e8, 4.1e8, 1e9])


# An IsoFLOP grid: 4 budgets x 7 sizes around N_opt on the Chinchilla form with 0.2% noise,
# and the loss curves of 4 sizes (6 checkpoints each) for the envelope.
_ISO_C = np.repeat([1e18, 1e19, 1e20, 1e21], 7)
_ISO_N = (laws.compute_optimal(_ISO_C, **HOFF_NO_E)[0] * np.tile(np.logspace(-1, 1, 7), 4))
_ISO_L = laws.chinchilla_loss(_ISO_N, _ISO_C / (6 * _ISO_N), **HOFF) * (1 + 0.002 * np.cos(np.arange(28.0)))
_ENV_N = np.repeat([1e7, 1e8, 1e9, 1e10], 6)
_ENV_D = np.tile(np.logspace(9, 12, 6), 4)
_ENV_C = 6 * _ENV_N * _ENV_D
_ENV_L = laws.chinchilla_loss(_ENV_N, _ENV_D, **HOFF)
_ENV_RUN = np.repeat([0, 1, 2, 3], 6)


@functools.cache
def isoflop_fit():
    return fit.fit_isoflop(_ISO_C, _ISO_N, _ISO_L, n_boot=50, rng=0)


@functools.cache
def envelope_fit():
    return fit.fit_envelope(_ENV_C, _ENV_N, _ENV_L, bins=6, n_boot=50, rng=0)


# A learning curve on M2's form (12 points, 1% wiggle) and a tiny benchmark frame of two
# curves, each fitted on 9 points and scored on 3.
_LC_X = np.geomspace(1e6, 1e9, 12)
_LC_Y = (0.3 + 60.0 * _LC_X ** -0.35) * (1 + 0.01 * np.cos(np.arange(12.0)))
_LC_FRAME = pd.DataFrame({
    "Domain": ["D"] * 24, "Task": ["a"] * 12 + ["b"] * 12, "Model": ["m"] * 24,
    "Seen Examples": np.r_[_LC_X, _LC_X], "Loss": np.r_[_LC_Y, 1.1 * _LC_Y],
    "Training": np.tile((np.arange(12) < 9).astype(int), 2)})


@functools.cache
def learning_curve_fit():
    return extrapolation.fit_learning_curve(_LC_X, _LC_Y, form="m2")


@functools.cache
def learning_curve_results():
    return extrapolation.benchmark(_LC_FRAME, forms=["m1", "m2"])


@functools.cache
def learning_curve_interval():
    return learning_curve_fit().predict_interval([2e9, 4e9], n_boot=20, rng=0)


@functools.cache
def porian_pickle():
    """The smallest registered pickle, hash-verified by data.fetch (from the mirror)."""
    return data.fetch("porian2024_rw_kaplan_tuned")


def _repeats_frame():
    return pd.DataFrame({"cell": ["a", "a", "b", "b"], "value": [1.0, 1.2, 2.0, 2.4]})


# ---------------------------------------------------------------- the table
VALID = {
    # ---- laws
    "laws.power_law": call(laws.power_law, N3, coefficient=400.0, exponent=0.34, offset=1.69,
                           any_ndim={"x"}),
    "laws.kaplan_loss_n": call(laws.kaplan_loss_n, N3, any_ndim={"N"}),
    "laws.kaplan_loss_d": call(laws.kaplan_loss_d, D3, any_ndim={"D"}),
    "laws.kaplan_loss_c": call(laws.kaplan_loss_c, [1.0, 10.0, 100.0], any_ndim={"C_min"}),
    "laws.kaplan_loss_nd": call(laws.kaplan_loss_nd, N3, D3, any_ndim={"N", "D"}),
    "laws.chinchilla_loss": call(laws.chinchilla_loss, N3, D3, **HOFF, any_ndim={"N", "D"}),
    "laws.training_flops": call(laws.training_flops, N3, D3, any_ndim={"N", "D"}),
    "laws.compute_optimal": call(laws.compute_optimal, C3, **HOFF_NO_E, any_ndim={"C"}),
    "laws.compute_optimal_exponents": call(laws.compute_optimal_exponents, alpha=0.34, beta=0.28),
    "laws.tokens_per_parameter": call(laws.tokens_per_parameter, C3, **HOFF_NO_E, any_ndim={"C"}),
    "laws.nats_to_bits": call(laws.nats_to_bits, [1.0, 2.0, 3.0], any_ndim={"x"}),
    "laws.bits_to_nats": call(laws.bits_to_nats, [1.0, 2.0, 3.0], any_ndim={"x"}),
    "laws.flop_to_pf_days": call(laws.flop_to_pf_days, C3, any_ndim={"C"}),
    "laws.pf_days_to_flop": call(laws.pf_days_to_flop, [1.0, 2.0, 3.0], any_ndim={"pf_days"}),
    "laws.kaplan_overfitting": call(laws.kaplan_overfitting, N3, D3, any_ndim={"N", "D"}),
    "laws.kaplan_data_needed": call(laws.kaplan_data_needed, N3, threshold=0.02, any_ndim={"N"}),
    "laws.effective_data": call(laws.effective_data, [1e9, 2e9, 3e9], [0.0, 1.0, 3.0],
                                any_ndim={"U_D", "R_D"}),
    "laws.effective_params": call(laws.effective_params, [1e9, 2e9, 3e9], [0.0, 1.0, 3.0],
                                  any_ndim={"U_N", "R_N"}),
    "laws.effective_data_fraction": call(laws.effective_data_fraction, [1.0, 2.0, 4.0],
                                         any_ndim={"epochs"}),
    "laws.epoch_value": call(laws.epoch_value, [1, 2, 4], any_ndim={"epoch"}),
    "laws.optimal_params_for_tokens": call(laws.optimal_params_for_tokens, D3, **HOFF_NO_E,
                                           any_ndim={"D"}),
    "laws.data_constrained_loss": call(laws.data_constrained_loss, [6.34e9, 8.67e9, 1e9],
                                       [242e9, 178e9, 30e9], 25e9, any_ndim={"N", "D", "U_D"}),
    # ---- fit
    "fit.hoffmann_grid": call(fit.hoffmann_grid),
    "fit.chinchilla_objective": call(fit.chinchilla_objective, HOFF, _FIT_N, _FIT_D, _FIT_L),
    "fit.chinchilla_objective_and_gradient": call(fit.chinchilla_objective_and_gradient, _FIT_GRID[0],
                                                  _FIT_N, _FIT_D, _FIT_L, reduction="mean"),
    "fit.fit_chinchilla": call(fit.fit_chinchilla, _FIT_N, _FIT_D, _FIT_L, init_grid=_FIT_GRID,
                               maxiter=50),
    "fit.bootstrap_chinchilla": call(fit.bootstrap_chinchilla, _FIT_N, _FIT_D, _FIT_L, n_boot=2,
                                     rng=0, fit=Lazy(chinchilla_fit), maxiter=50),
    "fit.fit_power_law": call(fit.fit_power_law, _PF_X, _PF_Y),
    "fit.ChinchillaFit.predict": method(chinchilla_fit, "predict", N3, D3, any_ndim={"N", "D"}),
    "fit.ChinchillaFit.compute_optimal": method(chinchilla_fit, "compute_optimal", C3,
                                                any_ndim={"C"}),
    "fit.ChinchillaFit.tokens_per_parameter": method(chinchilla_fit, "tokens_per_parameter", C3,
                                                     any_ndim={"C"}),
    "fit.ChinchillaBootstrap.interval": method(chinchilla_bootstrap, "interval", "E"),
    "fit.ChinchillaBootstrap.derived": method(chinchilla_bootstrap, "derived", 1e22),
    "fit.ChinchillaBootstrap.derived_interval": method(chinchilla_bootstrap, "derived_interval",
                                                       1e22, "N_opt"),
    "fit.PowerLawFit.predict": method(power_law_fit, "predict", [1.0, 3.0], any_ndim={"x"}),
    "fit.fit_isoflop": call(fit.fit_isoflop, _ISO_C, _ISO_N, _ISO_L, n_boot=50, rng=0),
    "fit.fit_envelope": call(fit.fit_envelope, _ENV_C, _ENV_N, _ENV_L, bins=6, groups=_ENV_RUN,
                             n_boot=50, rng=0),
    "fit.assign_budgets": call(fit.assign_budgets, [1e18, 1.1e18, 9e18, 1e19], [1e18, 1e19],
                               window_dex=0.1),
    "fit.IsoFLOPFit.predict": method(isoflop_fit, "predict", C3, any_ndim={"C"}),
    "fit.IsoFLOPFit.interval": method(isoflop_fit, "interval", "exponent"),
    "fit.IsoFLOPFit.predict_interval": method(isoflop_fit, "predict_interval", 1e22),
    "fit.IsoFLOPFit.summary": method(isoflop_fit, "summary"),
    "fit.EnvelopeFit.predict": method(envelope_fit, "predict", C3, any_ndim={"C"}),
    "fit.EnvelopeFit.interval": method(envelope_fit, "interval", "coefficient"),
    "fit.EnvelopeFit.predict_interval": method(envelope_fit, "predict_interval", 1e22),
    "fit.EnvelopeFit.summary": method(envelope_fit, "summary"),
    "fit.percentile_interval": call(fit.percentile_interval, np.linspace(0.0, 1.0, 40),
                                    confidence=0.9, min_samples=20),
    "fit.format_with_error": call(fit.format_with_error, 0.93363, 0.00021, digits=4),
    "fit.BootstrapInterval.text": method(
        lambda: fit.percentile_interval(np.linspace(0.0, 1.0, 40)), "text", " to "),
    # ---- data
    "data.available": call(data.available),
    "data.fetch": call(data.fetch, "chinchilla_points"),
    "data.load": call(data.load, "kaplan_constants"),
    "data.read_pickle_allowlisted": call(data.read_pickle_allowlisted, Lazy(porian_pickle), compression="xz"),
    # ---- entropy
    "entropy.MarkovSource": call(entropy.MarkovSource, weights=[0.2, 0.8],
                                 lag_transitions=[[[0.9, 0.1], [0.2, 0.8]]]),
    "entropy.MarkovSource.mixture_of_lags": call(entropy.MarkovSource.mixture_of_lags, 3, 2,
                                                 lag_exponent=1.0, noise=0.05, flip=0.1, seed=0),
    "entropy.MarkovSource.ngram_distribution": method(small_source, "ngram_distribution", 2),
    "entropy.MarkovSource.conditional_entropy": method(small_source, "conditional_entropy", 1),
    "entropy.MarkovSource.cross_entropy": method(small_source, "cross_entropy",
                                                 np.full((3, 3), 1 / 3)),
    "entropy.MarkovSource.sample": method(small_source, "sample", 50, rng=0),
    "entropy.default_source": call(entropy.default_source),
    "entropy.kaplan_floor_grid": call(entropy.kaplan_floor_grid),
    "entropy.fit_kaplan_floor": call(entropy.fit_kaplan_floor, [6.0, 18.0, 54.0, 162.0, 6.0, 18.0, 54.0],
                                     [1e3, 1e3, 1e3, 1e3, 1e5, 1e5, 1e5],
                                     [1.01, 0.99, 0.98, 0.975, 0.97, 0.95, 0.94],
                                     init_grid=entropy.kaplan_floor_grid()[:1]),
    "entropy.KaplanFloorFit.predict": method(kaplan_floor_fit, "predict", [6.0, 60.0], [1e3, 1e4],
                                             any_ndim={"N", "D"}),
    "entropy.ngram_parameter_count": call(entropy.ngram_parameter_count, 2, 3),
    "entropy.NGramModel.fit": call(entropy.NGramModel.fit, symbols(), max_order=2, n_symbols=3),
    "entropy.NGramModel.cross_entropies": method(ngram_model, "cross_entropies", symbols(80, 1)),
    "entropy.NGramModel.conditional_probabilities": method(ngram_model,
                                                           "conditional_probabilities", 1),
    "entropy.ngram_cross_entropies": call(entropy.ngram_cross_entropies, symbols(), symbols(80, 1),
                                          max_order=2, n_symbols=3),
    "entropy.ngram_cross_entropy": call(entropy.ngram_cross_entropy, symbols(), symbols(80, 1),
                                        order=2, n_symbols=3, smoothing="dirichlet"),
    "entropy.compressed_bits_per_byte": call(entropy.compressed_bits_per_byte,
                                             b"to be or not to be " * 8, compressor="gzip"),
    "entropy.bits_per_char_to_nats_per_token": call(entropy.bits_per_char_to_nats_per_token,
                                                    [1.0, 1.2], chars_per_token=4.3,
                                                    any_ndim={"bits_per_char", "chars_per_token"}),
    "entropy.nats_per_token_to_bits_per_char": call(entropy.nats_per_token_to_bits_per_char,
                                                    [2.0, 3.0], chars_per_token=4.3,
                                                    any_ndim={"nats_per_token", "chars_per_token"}),
    # ---- overfitting
    "overfitting.random_relu_weights": call(overfitting.random_relu_weights, 4, 5, rng=0),
    "overfitting.relu_features": call(overfitting.relu_features, _X_DD[:6], _W),
    "overfitting.min_norm_solution": call(overfitting.min_norm_solution, _PHI, _Y_PHI,
                                          any_ndim={"Y"}),
    "overfitting.ridge_solution": call(overfitting.ridge_solution, _PHI, _Y_PHI, ridge=0.1,
                                       any_ndim={"Y"}),
    "overfitting.double_descent_sweep": call(overfitting.double_descent_sweep, _X_DD, _LABELS_DD,
                                             n_train=10, n_features=[2, 5, 10], ridges=(0.0, 0.1),
                                             n_repeats=2),
    "overfitting.DoubleDescentSweep.table": method(dd_sweep, "table", "test_mse"),
    "overfitting.DoubleDescentSweep.peak": method(dd_sweep, "peak", ridge=0.1),
    "overfitting.context_indices": call(overfitting.context_indices, symbols(), order=2,
                                        n_symbols=3),
    "overfitting.context_model_cross_entropy": call(overfitting.context_model_cross_entropy,
                                                    np.zeros((9, 3)), joint2(),
                                                    any_ndim={"logits"}),
    "overfitting.train_context_model": Valid(
        lambda: overfitting.train_context_model,
        (contexts_targets()[0][:64], contexts_targets()[1][:64]),
        {"joint": joint2(), "n_tokens": 64, "eval_tokens": [32, 64], "rng": 0, "batch_size": 16},
    ),
    "overfitting.repetition_experiment": call(overfitting.repetition_experiment, small_source(),
                                              order=1, unique_tokens=(32, 64), max_epochs=2,
                                              n_seeds=2, batch_size=16, n_eval=3),
    "overfitting.RepetitionExperiment.effective_tokens": method(repetition, "effective_tokens"),
    "overfitting.fit_repetition_constant": call(overfitting.fit_repetition_constant,
                                                [1.0, 2.0, 4.0, 8.0], [1.0, 1.9, 3.6, 6.2]),
    "overfitting.RepetitionFit.predict": method(repetition_fit, "predict", [1.0, 2.0, 3.0],
                                                any_ndim={"epochs"}),
    # ---- compute
    "compute.lbs_to_kg": call(compute.lbs_to_kg, [1.0, 2.0], any_ndim={"lbs"}),
    "compute.kg_to_lbs": call(compute.kg_to_lbs, [1.0, 2.0], any_ndim={"kg"}),
    "compute.forward_flops_per_token": call(compute.forward_flops_per_token, [1e8, 1e9],
                                            n_layer=[12, 24], n_ctx=2048, d_attn=[768, 1024],
                                            any_ndim={"N", "n_layer", "n_ctx", "d_attn"}),
    "compute.attention_flop_fraction": call(compute.attention_flop_fraction, [1e8, 1e9],
                                            n_layer=[12, 24], n_ctx=2048, d_attn=[768, 1024],
                                            any_ndim={"N", "n_layer", "n_ctx", "d_attn"}),
    "compute.inference_flops": call(compute.inference_flops, [1e8, 1e9], [1e3, 1e4],
                                    any_ndim={"N", "n_tokens"}),
    "compute.gpu_hours": call(compute.gpu_hours, C3, peak_tflops=312.0, utilisation=0.4,
                              any_ndim={"C"}),
    "compute.model_flops_utilisation": call(compute.model_flops_utilisation, C3,
                                            gpu_hours=[1e3, 1e4, 1e5], peak_tflops=312.0,
                                            any_ndim={"C", "gpu_hours"}),
    "compute.energy_mwh": call(compute.energy_mwh, [1e3, 1e4], power_kw=0.4, pue=1.1,
                               any_ndim={"gpu_hours"}),
    "compute.emissions_tco2e": call(compute.emissions_tco2e, [10.0, 20.0], kg_co2e_per_kwh=0.4,
                                    any_ndim={"energy_mwh"}),
    "compute.cost_usd": call(compute.cost_usd, [1e3, 1e4], usd_per_gpu_hour=2.0,
                             any_ndim={"gpu_hours"}),
    "compute.weight_memory_gb": call(compute.weight_memory_gb, N3, bits_per_parameter=16.0,
                                     any_ndim={"N"}),
    "compute.decode_tokens_per_second": call(compute.decode_tokens_per_second, N3,
                                             bits_per_parameter=16.0, bandwidth_gb_per_s=2000.0,
                                             any_ndim={"N"}),
    "compute.loss_at_budget": call(compute.loss_at_budget, C3, **HOFF, any_ndim={"C"}),
    "compute.budget_for_loss": call(compute.budget_for_loss, [2.0, 2.5], **HOFF, any_ndim={"L"}),
    "compute.training_cost": call(compute.training_cost, 3e23, peak_tflops=312.0, utilisation=0.4,
                                  power_kw=0.4, pue=1.1, kg_co2e_per_kwh=0.4, usd_per_gpu_hour=2.0),
    # compute: trends and inference-aware allocation (issue 16)
    "compute.decimal_year": call(compute.decimal_year, ["2020-01-01", "2021-07-01", "2022-03-15"]),
    "compute.growth_rate": call(compute.growth_rate, _TREND_YEARS, _TREND_VALUES, n_boot=100, rng=0),
    "compute.GrowthRate.interval": method(lambda: compute.growth_rate(_TREND_YEARS, _TREND_VALUES, n_boot=100),
                                          "interval", "doubling_months"),
    "compute.GrowthRate.predict": method(lambda: compute.growth_rate(_TREND_YEARS, _TREND_VALUES, n_boot=100),
                                         "predict", [2012.0, 2020.0]),
    "compute.inference_optimal": call(compute.inference_optimal, 2.0, [0.0, 1e12], **HOFF),
    # ---- emergence
    "emergence.exact_match": call(emergence.exact_match, [0.5, 0.9], L=5, any_ndim={"p"}),
    "emergence.expected_edit_distance": call(emergence.expected_edit_distance, [0.5, 0.9], L=5,
                                             any_ndim={"p"}),
    "emergence.token_accuracy": call(emergence.token_accuracy, N3, N_c=1e9, alpha=0.5,
                                     any_ndim={"N"}),
    "emergence.simulate_emergence": call(emergence.simulate_emergence, N3, L=5, N_c=1e9, alpha=0.5,
                                         n_answers=50),
    "emergence.sigmoid": call(emergence.sigmoid, C3, slope=2.0, midpoint=22.0, any_ndim={"x"}),
    "emergence.fit_sigmoid": call(emergence.fit_sigmoid, _SIG_X, _SIG_Y, n_boot=2),
    "emergence.broken_power_law": call(emergence.broken_power_law, [1.0, 10.0, 100.0], a=0.0, b=1.0,
                                       c0=0.1, c1=0.5, d1=10.0, f1=0.5, any_ndim={"x"}),
    "emergence.fit_broken_power_law": call(emergence.fit_broken_power_law, _BPL_X, _BPL_Y,
                                           n_boot=2),
    "emergence.fit_small_predict_large": call(emergence.fit_small_predict_large, _SIG_X, _SIG_Y,
                                              cut=1e25, n_boot=2),
    "emergence.chance_crossing": call(emergence.chance_crossing, [0.0, 1.0, 2.0], [0.2, 0.3, 0.6],
                                      [0.01, 0.01, 0.01], chance=0.25),
    "emergence.capability_pca": call(emergence.capability_pca,
                                     [[0.3, 0.5, 0.1], [0.4, 0.6, 0.2], [0.6, 0.7, 0.5], [0.7, 0.9, 0.4]]),
    "emergence.infer_item_count": call(emergence.infer_item_count, [0.25, 0.5, 0.75],
                                       max_items=100),
    "emergence.SigmoidFit.predict": method(sigmoid_fit, "predict", C3, any_ndim={"x"}),
    "emergence.SigmoidFit.predict_samples": method(sigmoid_fit, "predict_samples", C3),
    "emergence.SigmoidFit.interval": method(sigmoid_fit, "interval", "midpoint"),
    "emergence.BrokenPowerLawFit.predict": method(bpl_fit, "predict", C3, any_ndim={"x"}),
    "emergence.BrokenPowerLawFit.predict_samples": method(bpl_fit, "predict_samples", C3),
    "emergence.BrokenPowerLawFit.local_slope": method(bpl_fit, "local_slope", C3, of="y - a",
                                                      any_ndim={"x"}),
    "emergence.BrokenPowerLawFit.local_slope_samples": method(bpl_fit, "local_slope_samples", C3,
                                                              of="y - a"),
    "emergence.BrokenPowerLawFit.interval": method(bpl_fit, "interval", "c0"),
    # ---- groups
    "groups.binomial_interval": call(groups.binomial_interval, [3, 5, 1], [10, 20, 30]),
    "groups.count_group_errors": call(groups.count_group_errors, [0, 1, 1, 0, 1, 0],
                                      [0, 1, 0, 0, 1, 1], ["a", "a", "b", "b", "c", "c"]),
    "groups.group_error_rates": call(groups.group_error_rates, [3, 5, 1], [10, 20, 30],
                                     groups=["a", "b", "c"]),
    "groups.error_disparity": call(groups.error_disparity, [3, 5, 1], [10, 20, 30],
                                   groups=["a", "b", "c"]),
    "groups.stereoset_icat": call(groups.stereoset_icat, [90.0, 91.0], [60.0, 62.0],
                                  any_ndim={"lms", "ss"}),
    "groups.summarize_repeats": call(groups.summarize_repeats, _repeats_frame(), by="cell",
                                     value="value"),
    "groups.fit_group_power_laws": call(groups.fit_group_power_laws, _group_frame(), x="n",
                                        y="err", group="g"),
    "groups.GroupScalingFits.predict": method(group_fits, "predict", "a", [10.0, 20.0],
                                              any_ndim={"x"}),
    "groups.linear_classifier_error": call(groups.linear_classifier_error, [1.0, 0.5], 0.1,
                                           [1.0, 1.0], any_ndim={"w"}),
    "groups.logistic_population_limit": call(groups.logistic_population_limit,
                                             [[1.0, 0.0], [0.0, 1.0]], [0.9, 0.1], n_nodes=20),
    "groups.sample_size_from_stderr": call(groups.sample_size_from_stderr, [0.5, 0.6],
                                           [0.5 / np.sqrt(9.0), np.sqrt(0.24 / 9.0)]),
    "groups.fit_share_trend": call(groups.fit_share_trend, [0.52, 0.56, 0.59, 0.60],
                                   [0.012, 0.012, 0.012, 0.012], [7e7, 1.6e8, 4.1e8, 1e9]),
    "groups.ShareTrend.predict": method(share_trend, "predict", [1e9, 1e10], any_ndim={"size"}),
    # ---- extrapolation
    "extrapolation.fit_learning_curve": call(extrapolation.fit_learning_curve, _LC_X, _LC_Y, form="m2"),
    "extrapolation.LearningCurveFit.predict": method(learning_curve_fit, "predict", [2e9, 4e9], any_ndim={"x"}),
    "extrapolation.LearningCurveFit.predict_interval": method(learning_curve_fit, "predict_interval", [2e9, 4e9],
                                                              n_boot=20, rng=0),
    "extrapolation.LearningCurveFit.summary": method(learning_curve_fit, "summary"),
    "extrapolation.benchmark": call(extrapolation.benchmark, _LC_FRAME, forms=["m1", "m2"]),
    "extrapolation.curve_table": call(extrapolation.curve_table, _LC_FRAME),
    "extrapolation.log_rmse": call(extrapolation.log_rmse, [1.0, 2.0], [1.1, 1.9]),
    "extrapolation.interval_coverage": call(extrapolation.interval_coverage, Lazy(learning_curve_interval),
                                            [0.31, 0.32]),
    "extrapolation.win_rates": call(extrapolation.win_rates, Lazy(learning_curve_results)),
    "extrapolation.backtest_chinchilla": call(extrapolation.backtest_chinchilla, _FIT_N, _FIT_D, _FIT_L,
                                              cuts=[float(np.quantile(6 * np.asarray(_FIT_N) * np.asarray(_FIT_D), 0.8))],
                                              n_boot=20, rng=0, min_points=6),
    "extrapolation.backtest_curve": call(extrapolation.backtest_curve, _LC_X, _LC_Y, form="m1", cuts=[2e8],
                                         n_boot=20, rng=0),
    "extrapolation.frontier": call(extrapolation.frontier, _ENV_C, _ENV_L, bins=4),
    # ---- plotting
    "plotting.set_theme": call(plotting.set_theme),
    "plotting.loglog_axes": call(plotting.loglog_axes, xlabel="parameters N", ylabel="loss L"),
    "plotting.plot_fit": call(plotting.plot_fit, N3, [3.0, 2.5, 2.2], curve_x=N3,
                              curve_y=[3.0, 2.5, 2.2], band=([2.9, 2.4, 2.1], [3.1, 2.6, 2.3]),
                              label="fit", data_label="runs", xlabel="N", ylabel="L"),
}

#: Public classes that users never construct directly: result objects returned by a
#: function (their input-taking methods are in VALID), and the data registry's entry types
#: (the registry is built by the package).  ``NGramModel`` is built by ``NGramModel.fit``.
NOT_CONSTRUCTED = {
    "fit.ChinchillaFit", "fit.ChinchillaBootstrap", "fit.PowerLawFit", "fit.BootstrapInterval",
    "fit.IsoFLOPFit", "fit.EnvelopeFit",
    "data.ThirdPartyFile", "data.TranscribedTable", "data.GeneratedTable", "data.ThirdPartyCollection",
    "entropy.NGramModel", "entropy.KaplanFloorFit",
    "overfitting.DoubleDescentSweep", "overfitting.RepetitionExperiment", "overfitting.RepetitionFit",
    "compute.TrainingCost", "compute.GrowthRate", "compute.InferenceOptimal",
    "emergence.EmergenceSimulation", "emergence.SigmoidFit", "emergence.BrokenPowerLawFit",
    "emergence.Extrapolation", "emergence.CapabilityPCA",
    "groups.Disparity", "groups.GroupScalingFits", "groups.PopulationLimit", "groups.ShareTrend",
    "extrapolation.LearningCurveFit",
}

#: Public methods that take an argument but are not fuzzed, with the reason.
UNFUZZED_METHODS = {
    # Figures: they draw the object's own numbers on axes; the data arguments go through
    # plotting.plot_fit or matplotlib directly, and drawing is slow.
    "plot": "draws a figure",
}

#: Parameters never replaced: variadic settings forwarded to another registered function.
UNFUZZED_PARAMETERS = {("emergence.fit_small_predict_large", "fit_options")}


# =========================================================================== bad values
def _is_number(value):
    return isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool)


def _numeric_array(value):
    """``value`` as a float array if it is a non-empty numeric list/tuple/array, else None."""
    if isinstance(value, (str, bytes, Mapping, pd.DataFrame)) or _is_number(value):
        return None
    if not isinstance(value, (list, tuple, np.ndarray, pd.Series)):
        return None
    try:
        arr = np.asarray(value)
    except (ValueError, TypeError):
        return None
    if arr.size == 0 or arr.dtype.kind not in "iuf":
        return None
    return arr


def _nested(value):
    """A value with one dimension more than ``value`` (2-D where 1-D is expected)."""
    arr = _numeric_array(value)
    if arr is not None:
        return np.stack([arr, arr])
    if _is_number(value):
        return [[value, value], [value, value]]  # more than one number: not "a single number"
    return [[1.0, 2.0], [3.0, 4.0]]


def _wrong_length(value):
    """An array one element shorter (or a 3-array for a scalar): a mismatch with siblings."""
    arr = _numeric_array(value)
    if arr is not None:
        return arr[:-1] if len(arr) > 1 else np.concatenate([arr, arr])
    if _is_number(value):
        return np.full(3, value)
    return None  # not applicable (strings, objects)


#: Bad value kinds: name -> function of the valid value returning the bad value (or None
#: when the kind does not apply to that argument).
KINDS = {
    "None": lambda v: None,
    "nan": lambda v: math.nan,
    "inf": lambda v: math.inf,
    "-inf": lambda v: -math.inf,
    "str": lambda v: "abc",
    "bytes": lambda v: b"abc",
    "bool": lambda v: True,
    "{}": lambda v: {},
    "[]": lambda v: [],
    "2-D": _nested,
    "wrong_length": _wrong_length,
    "10**400": lambda v: 10**400,
    "-10**400": lambda v: -(10**400),
    "2**63": lambda v: 2**63,
    "0": lambda v: 0,
    "-1": lambda v: -1,
    "-1e-300": lambda v: -1e-300,
    "1e308": lambda v: 1e308,
    "complex": lambda v: 1 + 2j,
    "object()": lambda v: object(),
    "object_array": lambda v: np.array([1.0, "x", None], dtype=object),
    "empty_array": lambda v: np.array([]),
}

# =========================================================================== known failures
#: Failures in files whose owners are rewriting them right now (fit.py, emergence.py,
#: data.py, overfitting.RepetitionFit / fit_repetition_constant, groups.GroupScalingFits /
#: fit_group_power_laws / logistic_population_limit): one entry per
#: (function, argument, kind).  To be fixed by the owner of fit/emergence/data (and of the
#: excluded functions); delete an entry once it passes (the walk fails while a listed entry
#: no longer fails, so the list cannot go stale).  Each group starts with the failure the
#: walk saw for its first kind.
KNOWN_FAILURES = frozenset({
    # Empty: every failure the walk found has been fixed. Add an entry only with an owner's
    # comment, and delete it once fixed (the walk fails while a listed case passes).
})

#: The same for the generated values of the hypothesis tests: (function, argument) -> one bad
#: value that fails.  These arguments are left out of the generated tests, and
#: test_known_generated_failures_still_fail fails once the example passes (delete the entry).
#: To be fixed by the owner of fit/emergence (and of fit_repetition_constant).
KNOWN_GENERATED_FAILURES = {
    # Empty: (case, argument) -> a generated bad value that must keep failing until fixed.
}

#: Owners of KNOWN_FAILURES entries: the case-name prefixes that are not this file's author's.
OTHER_OWNERS = (
    "fit.", "emergence.", "data.",
    "overfitting.RepetitionFit.", "overfitting.fit_repetition_constant",
    "groups.GroupScalingFits.", "groups.fit_group_power_laws", "groups.logistic_population_limit",
)

#: Documented non-finite results: (case, path prefix of the value in the result) -> reason.
ALLOWED_NONFINITE = {
    # groups.Disparity: "ratio ... inf when the best group has no errors" and "the upper
    # end is inf when best_lo == 0" (errors=0 makes every group error-free).
    ("groups.error_disparity", "result.ratio"): "documented inf: the best group has no errors",
    ("groups.error_disparity", "result.ratio_bounds"): "documented inf upper bound when best_lo == 0",
    # RepetitionExperiment.effective_tokens: "Losses below the fresh curve's range give NaN".
    ("overfitting.RepetitionExperiment.effective_tokens", "result"):
        "documented NaN for losses below the fresh curve's range",
    # fit.percentile_interval: "NaN and infinite values are dropped"; "(nan, nan) with a
    # reason when there are too few values" (an empty or all-NaN sample, min_samples large).
    ("fit.percentile_interval", "result"): "documented (nan, nan) with a reason",
    # Extrapolation.rmse_interval is a BootstrapInterval: (nan, nan) with a reason when fewer
    # than 20 resamples succeed; the example call uses n_boot=2 to stay fast.
    ("emergence.fit_small_predict_large", "result.rmse_interval"):
        "documented (nan, nan) with fewer than 20 resamples",
    # fit_isoflop / fit_envelope: "samples ... (NaN: failed)" resamples; minima of a budget
    # left out are NaN ("NaN if the budget is left out"), and Akima fits have no curvature;
    # empty compute bins of the envelope are NaN rows with used=False.
    ("fit.fit_isoflop", "result.samples"): "documented NaN for a failed resample",
    ("fit.fit_isoflop", "result.minima"): "documented NaN for a budget left out",
    ("fit.fit_envelope", "result.samples"): "documented NaN for a failed resample",
    ("fit.fit_envelope", "result.frontier"): "documented NaN for an empty compute bin",
    # extrapolation: "log_rmse (NaN when the fit failed)"; backtests "NaN predictions" for a
    # failed cut and NaN interval ends (and `inside`) when the bootstrap is not reported;
    # predict_interval "NaN when more than 5% of the refits fail"; interval_coverage "NaN when
    # the interval was not reported"; curve_table "decades" NaN for a curve without a split.
    # chance_crossing: "first_above ... (NaN if none)", "stays_above ... (NaN if the last point
    # is not)": a chance of 1e308 is a curve that never leaves it.
    ("emergence.chance_crossing", "result['first_above']"): "documented NaN: never above chance",
    ("emergence.chance_crossing", "result['stays_above']"): "documented NaN: not above at the end",
    ("extrapolation.benchmark", "result"): "documented NaN log_rmse for a failed fit",
    ("extrapolation.backtest_chinchilla", "result"): "documented NaN for a failed cut or interval",
    ("extrapolation.backtest_curve", "result"): "documented NaN for a failed cut or interval",
    ("extrapolation.LearningCurveFit.predict_interval", "result"): "documented NaN ends, >5% failed refits",
    ("extrapolation.interval_coverage", "result"): "documented NaN without an interval",
    ("extrapolation.curve_table", "result"): "documented NaN decades without a split",
    # assign_budgets: "NaN for runs outside every window" (a shorter `budgets` leaves some out).
    ("fit.assign_budgets", "result"): "documented NaN outside every window",
}


# =========================================================================== the runner
def _alarm(signum, frame):
    raise Timeout()


def _stop_timers():
    signal.setitimer(signal.ITIMER_PROF, 0)
    signal.setitimer(signal.ITIMER_REAL, 0)


def _nonfinite_paths(obj, path="result", seen=None, depth=0):
    """Paths of the non-finite numbers inside ``obj`` (floats, arrays, pandas, containers,
    dataclass fields)."""
    seen = set() if seen is None else seen
    if depth > 6 or id(obj) in seen:
        return []
    if isinstance(obj, (bool, np.bool_, str, bytes, int, np.integer)) or obj is None:
        return []
    if isinstance(obj, (float, np.floating, complex, np.complexfloating)):
        return [] if np.isfinite(obj) else [path]
    seen.add(id(obj))
    if isinstance(obj, np.ndarray):
        if obj.dtype.kind in "fc":
            return [] if np.isfinite(obj).all() else [path]
        if obj.dtype.kind == "O":
            return [p for i, v in enumerate(obj.ravel()[:1000])
                    for p in _nonfinite_paths(v, f"{path}[{i}]", seen, depth + 1)]
        return []
    if isinstance(obj, pd.DataFrame):
        return [p for c in obj.columns for p in _nonfinite_paths(obj[c], f"{path}[{c!r}]", seen, depth + 1)]
    if isinstance(obj, pd.Series):
        if pd.api.types.is_numeric_dtype(obj.dtype) and not pd.api.types.is_bool_dtype(obj.dtype):
            return [] if np.isfinite(obj.to_numpy(dtype=float)).all() else [path]
        return []
    if isinstance(obj, (list, tuple)):
        return [p for i, v in enumerate(obj) for p in _nonfinite_paths(v, f"{path}[{i}]", seen, depth + 1)]
    if isinstance(obj, Mapping):
        return [p for k, v in obj.items() for p in _nonfinite_paths(v, f"{path}[{k!r}]", seen, depth + 1)]
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return [p for f in dataclasses.fields(obj)
                for p in _nonfinite_paths(getattr(obj, f.name), f"{path}.{f.name}", seen, depth + 1)]
    return []


def _names_argument(message, arg):
    """Whether ``message`` names ``arg`` in backticks (```N```, ```band[0] (lo)```)."""
    return re.search(r"`" + re.escape(arg) + r"(?![A-Za-z0-9_])", message) is not None


@functools.cache
def _resolve(case):
    """The callable of a case and its full argument dict (defaults filled in)."""
    valid = VALID[case]
    func = valid.target()
    sig = inspect.signature(func)
    bound = sig.bind(*map(_built, valid.args), **{k: _built(v) for k, v in valid.kwargs.items()})
    bound.apply_defaults()
    params = {name: p for name, p in sig.parameters.items()}
    return func, dict(bound.arguments), params


def _invoke(func, arguments, params):
    kwargs = {}
    for name, value in arguments.items():
        if params[name].kind is inspect.Parameter.VAR_KEYWORD:
            kwargs.update(value)
        else:
            kwargs[name] = value
    return func(**kwargs)


def _close_figures():
    import sys

    if "matplotlib.pyplot" in sys.modules:
        sys.modules["matplotlib.pyplot"].close("all")


def run_one(case, arg, bad, *, kind):
    """Call ``case`` with ``arg`` replaced by ``bad``; return ``(outcome, detail)``.

    ``outcome`` is ``"clean_error"``, ``"valid_return"`` or ``"failure"``.
    """
    func, arguments, params = _resolve(case)
    arguments = dict(arguments)
    arguments[arg] = bad
    limit = max(HANG_LIMIT, HANG_FACTOR * VALID_SECONDS.get(case, 0.0))
    previous = signal.signal(signal.SIGPROF, _alarm), signal.signal(signal.SIGALRM, _alarm)
    start = time.process_time()
    signal.setitimer(signal.ITIMER_PROF, limit)
    signal.setitimer(signal.ITIMER_REAL, WALL_FACTOR * limit)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            result = _invoke(func, arguments, params)
    except Timeout:
        return "failure", f"hang: no answer within {limit:.2g} s of CPU ({WALL_FACTOR * limit:.2g} s on the clock)"
    except (ValueError, TypeError) as exc:
        _stop_timers()
        elapsed = time.process_time() - start
        if elapsed > TIME_LIMIT:
            return "failure", f"slow: {elapsed:.1f} s of CPU before {type(exc).__name__}"
        message = str(exc)
        if not _names_argument(message, arg):
            return "failure", f"{type(exc).__name__} does not name `{arg}`: {message[:300]}"
        return "clean_error", type(exc).__name__
    except Exception as exc:  # noqa: BLE001 - the point is to catch everything else
        return "failure", f"{type(exc).__name__}: {str(exc)[:300]}"
    finally:
        _stop_timers()
        signal.signal(signal.SIGPROF, previous[0])
        signal.signal(signal.SIGALRM, previous[1])
        _close_figures()
    elapsed = time.process_time() - start
    if elapsed > limit:
        return "failure", f"slow: returned after {elapsed:.1f} s of CPU"
    if kind in ("2-D", "wrong_length_scalar") and arg not in VALID[case].any_ndim:
        return "failure", f"accepted a value with extra dimensions for `{arg}` (silently flattened?)"
    bad_paths = [p for p in _nonfinite_paths(result)
                 if not any(p.startswith(prefix) for (c, prefix) in ALLOWED_NONFINITE if c == case)]
    if bad_paths and getattr(result, "success", None) is False and getattr(result, "message", ""):
        # Not silent: an estimator that could not fit the data returns NaN numbers with
        # success=False and a message naming the reason (a single distinct x, flat data).
        return "valid_return", "failed fit, reported"
    if bad_paths:
        return "failure", f"silent non-finite result at {', '.join(bad_paths[:3])}"
    return "valid_return", ""


def fuzzed_arguments(case):
    """The arguments of ``case`` that are replaced by bad values."""
    _, arguments, params = _resolve(case)
    return [a for a in arguments
            if params[a].kind not in (inspect.Parameter.VAR_KEYWORD, inspect.Parameter.VAR_POSITIONAL)
            and (case, a) not in UNFUZZED_PARAMETERS]


def bad_values(case, arg):
    """``{kind: bad value}`` for one argument of one case (inapplicable kinds left out)."""
    _, arguments, params = _resolve(case)
    valid = arguments[arg]
    out = {}
    for kind, make in KINDS.items():
        if kind == "None" and params[arg].default is None:
            continue  # None is the documented default: valid by definition
        value = make(valid)
        if value is None and kind != "None":
            continue
        if kind == "wrong_length" and _numeric_array(valid) is None:
            kind = "wrong_length_scalar"  # an array where a single number is expected
        out[kind] = value
    return out


#: Seconds spent walking each case (for the summary line).
WALK_SECONDS = {}


@functools.cache
def walk_case(case):
    """Every (argument, kind) of one case: ``{(arg, kind): (outcome, detail)}``."""
    _warm_up(case)
    start = time.perf_counter()
    outcomes = {
        (arg, kind): run_one(case, arg, bad, kind=kind)
        for arg in fuzzed_arguments(case)
        for kind, bad in bad_values(case, arg).items()
    }
    WALK_SECONDS[case] = time.perf_counter() - start
    return outcomes


#: Seconds the valid call of each case takes (its second run, after imports and caches).
VALID_SECONDS = {}


@functools.cache
def _warm_up(case):
    """Run the valid call twice without a time limit (the first run pays for imports and
    caches), check it works, and record how long it takes."""
    func, arguments, params = _resolve(case)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        _invoke(func, arguments, params)
        start = time.process_time()
        result = _invoke(func, arguments, params)
        VALID_SECONDS[case] = time.process_time() - start
    _close_figures()
    return result


# =========================================================================== enumeration
def public_callables():
    """``{"module.name": object}`` for every callable in every module's ``__all__``.

    Constants (mappings, numbers, strings, tuples, paths: anything not callable, and any
    Mapping) are skipped by this rule.
    """
    out = {}
    for module_name in scaling_utils.__all__:
        module = getattr(scaling_utils, module_name)
        if not inspect.ismodule(module):
            continue  # __version__
        for name in module.__all__:
            obj = getattr(module, name)
            if isinstance(obj, Mapping) or not callable(obj):
                continue
            out[f"{module_name}.{name}"] = obj
    return out


def _defined_in_package(cls, name):
    """Whether attribute ``name`` of ``cls`` comes from a scaling_utils class (not from a
    builtin base such as ``tuple.count``)."""
    owner = next(k for k in cls.__mro__ if name in vars(k))
    return owner.__module__.startswith("scaling_utils")


def public_methods(cls):
    """Names of the public methods of ``cls`` that take at least one argument besides self."""
    out = []
    for name, member in inspect.getmembers(cls):
        if name.startswith("_") or isinstance(inspect.getattr_static(cls, name), property):
            continue
        if not _defined_in_package(cls, name):
            continue
        if not callable(member):
            continue
        params = [p for p in inspect.signature(member).parameters.values() if p.name not in ("self", "cls")]
        if params:
            out.append(name)
    return out


def _mirror_env():
    """Point ``data.fetch`` at the shared mirror so it never uses the network."""
    if os.environ.get(data.MIRROR_ENV) or not MIRROR.is_dir():
        return pytest.MonkeyPatch()
    mp = pytest.MonkeyPatch()
    mp.setenv(data.MIRROR_ENV, str(MIRROR))
    return mp


@pytest.fixture(scope="module", autouse=True)
def _offline_data():
    mp = _mirror_env()
    if not os.environ.get(data.MIRROR_ENV):
        pytest.skip(f"no shared data mirror at {MIRROR} (data.fetch would need the network)")
    yield
    mp.undo()


# =========================================================================== tests
CASES = sorted(VALID)


def test_every_public_callable_is_registered():
    """Every public function and class has a VALID entry (or an explicit skip rule), and
    every input-taking public method of those classes is registered or explicitly unfuzzed."""
    missing = []
    for qualname, obj in public_callables().items():
        if inspect.isclass(obj):
            if qualname not in VALID and qualname not in NOT_CONSTRUCTED:
                missing.append(f"{qualname} (class: add its constructor to VALID or to NOT_CONSTRUCTED)")
            for meth in public_methods(obj):
                if f"{qualname}.{meth}" not in VALID and meth not in UNFUZZED_METHODS:
                    missing.append(f"{qualname}.{meth} (method)")
        elif qualname not in VALID:
            missing.append(qualname)
    assert not missing, "public callables without a valid example call in VALID:\n  " + "\n  ".join(missing)


def test_registry_names_exist():
    stale = [c for c in VALID if c.split(".")[0] not in scaling_utils.__all__]
    assert not stale


@pytest.mark.parametrize("case", CASES)
def test_valid_call_succeeds(case):
    """The example call itself works and returns only finite numbers."""
    result = _warm_up(case)
    bad = [p for p in _nonfinite_paths(result)
           if not any(p.startswith(prefix) for (c, prefix) in ALLOWED_NONFINITE if c == case)]
    assert not bad, f"{case}: the valid example call returned non-finite values at {bad}"


def _failures(case):
    """(unexpected failures, known failures that now pass) of one case, as text lines."""
    outcomes = walk_case(case)
    unexpected, stale = [], []
    for (arg, kind), (outcome, detail) in outcomes.items():
        known = (case, arg, kind) in KNOWN_FAILURES
        if outcome == "failure" and not known:
            unexpected.append(f"{case}({arg}={kind}): {detail}")
        elif outcome != "failure" and known:
            stale.append(f"{case}({arg}={kind}) no longer fails ({outcome}): delete it from KNOWN_FAILURES")
    listed = {(a, k) for (c, a, k) in KNOWN_FAILURES if c == case}
    stale += [f"{case}({a}={k}) is not a fuzzed (argument, kind): delete it from KNOWN_FAILURES"
              for (a, k) in sorted(listed - set(outcomes))]
    return unexpected, stale


@pytest.mark.parametrize("case", CASES)
def test_fuzz(case):
    """Every bad value of every argument of ``case`` gets a clean, named error (or a finite result)."""
    unexpected, stale = _failures(case)
    assert not unexpected and not stale, "\n".join(unexpected + stale)


def test_known_generated_failures_still_fail():
    """An entry of KNOWN_GENERATED_FAILURES that no longer fails must be deleted."""
    for (case, arg), bad in sorted(KNOWN_GENERATED_FAILURES.items(), key=lambda kv: kv[0]):
        extra = np.ndim(bad) > np.ndim(_resolve(case)[1][arg]) and np.size(bad) > 1
        outcome, _ = run_one(case, arg, bad, kind="2-D" if extra else "generated")
        assert outcome == "failure", (
            f"{case}({arg}={bad!r:.60}) no longer fails ({outcome}): delete it from "
            "KNOWN_GENERATED_FAILURES"
        )


def test_known_failures_belong_to_other_owners():
    mine = [e for e in list(KNOWN_FAILURES) + list(KNOWN_GENERATED_FAILURES)
            if not e[0].startswith(OTHER_OWNERS)]
    assert not mine, f"KNOWN_FAILURES may only list other owners' functions: {mine}"
    unknown = [e for e in KNOWN_FAILURES if e[0] not in VALID]
    assert not unknown, f"KNOWN_FAILURES lists unregistered cases: {unknown}"


def fuzz_counts():
    """Counts over the whole walk: calls, clean errors, valid returns, known and new failures."""
    counts = Counter()
    for case in CASES:
        try:
            outcomes = walk_case(case)
        except Exception:  # noqa: BLE001 - a broken valid call, reported by its own tests
            counts["broken valid calls"] += 1
            continue
        for (arg, kind), (outcome, _) in outcomes.items():
            counts["calls"] += 1
            if outcome == "failure":
                counts["known failures" if (case, arg, kind) in KNOWN_FAILURES else "unexpected failures"] += 1
            else:
                counts[outcome.replace("_", " ") + "s"] += 1
    return counts


def test_fuzz_summary():
    """Print the counts (``pytest tests/test_fuzz.py -s``); fail if anything unexpected failed."""
    counts = fuzz_counts()
    print(
        f"\nfuzz harness: {len(CASES)} callables, {counts['calls']} calls: "
        f"{counts['clean errors']} clean errors, {counts['valid returns']} valid returns, "
        f"{counts['known failures']} known failures (KNOWN_FAILURES: {len(KNOWN_FAILURES)}), "
        f"{counts['unexpected failures']} unexpected failures, "
        f"{counts['broken valid calls']} broken valid calls "
        f"({sum(WALK_SECONDS.values()):.1f} s of calls)"
    )
    assert counts["calls"] == counts["clean errors"] + counts["valid returns"] + counts["known failures"] + counts["unexpected failures"]
    assert counts["unexpected failures"] == 0 and counts["broken valid calls"] == 0


# =========================================================================== generated values
def _resolvable(case):
    """Whether the valid call of ``case`` can be built (test_valid_call_succeeds reports why not)."""
    try:
        _warm_up(case)
    except Exception:  # noqa: BLE001 - reported by test_valid_call_succeeds
        return False
    return True


@functools.cache
def _pairs(kind):
    """(case, argument) pairs whose valid value is a numeric array (``kind="array"``) or a
    number (``"number"``), leaving out the arguments with known failures (their owners'
    fixes will bring them back) and cases whose valid call is broken."""
    predicate = (lambda v: _numeric_array(v) is not None) if kind == "array" else _is_number
    known = {(c, a) for (c, a, _) in KNOWN_FAILURES} | set(KNOWN_GENERATED_FAILURES)
    return [(case, arg) for case in CASES if _resolvable(case) for arg in fuzzed_arguments(case)
            if (case, arg) not in known and predicate(_resolve(case)[1][arg])]

_NONFINITE = st.sampled_from([math.nan, math.inf, -math.inf])

#: Arguments whose docstring says non-finite values are dropped (bootstrap samples hold a NaN
#: per failed refit): NaN/inf there need not raise, but must still give a clean result.
NONFINITE_DROPPED = {("fit.percentile_interval", "values"),
                     # "NaN marks a missing run: it is left out" (fit_isoflop, fit_envelope)
                     ("fit.fit_isoflop", "loss"), ("fit.fit_envelope", "loss")}

#: Arguments holding labels of any comparable type (numbers here): NaN is a missing label and
#: must be rejected, but +/-inf is a label like any other.
LABEL_ARGUMENTS = {("groups.count_group_errors", "y_true"), ("groups.count_group_errors", "y_pred"),
                   ("fit.fit_envelope", "groups")}


@st.composite
def poisoned(draw, valid, values=_NONFINITE):
    """The valid array with NaN/inf at random positions: must be rejected."""
    arr = np.array(_numeric_array(valid), dtype=float)
    flat = arr.reshape(-1)
    positions = draw(st.lists(st.integers(0, flat.size - 1), min_size=1, max_size=flat.size,
                              unique=True))
    for i in positions:
        flat[i] = draw(values)
    return arr


@st.composite
def reshaped(draw):
    """An array of a random shape (0-3 dimensions, sides 0-4) of random floats, NaN/inf included."""
    shape = draw(hnp.array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=4))
    elements = st.floats(allow_nan=True, allow_infinity=True, width=64)
    return draw(hnp.arrays(np.float64, shape, elements=elements))


#: Random huge magnitudes: Python ints beyond the float range, floats near it, 64-bit-ish ints.
HUGE = st.one_of(
    st.integers(10**309, 10**1000),
    st.integers(-(10**1000), -(10**309)),
    st.floats(1e300, 1.7976931348623157e308),
    st.floats(-1.7976931348623157e308, -1e300),
    st.integers(2**62, 2**80),
)

_GENERATED = settings(max_examples=250, deadline=None,
                      suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


def _check_generated(case, arg, bad, *, must_raise):
    # More dimensions than the valid value (and more than one number: a single number in
    # any shape is still "a single number") must be rejected unless the argument broadcasts.
    extra = np.ndim(bad) > np.ndim(_resolve(case)[1][arg]) and np.size(bad) > 1
    kind = "2-D" if extra else "generated"
    outcome, detail = run_one(case, arg, bad, kind=kind)
    assert outcome != "failure", f"{case}({arg}={bad!r:.200}): {detail}"
    if must_raise:
        assert outcome == "clean_error", f"{case}({arg}={bad!r:.200}) was accepted"


@_GENERATED
@given(data=st.data())
def test_generated_nonfinite_arrays(data):
    """NaN/inf at random positions of any array argument gets a clean, named error."""
    case, arg = data.draw(st.sampled_from(_pairs("array")), label="case, argument")
    _warm_up(case)
    values = st.just(math.nan) if (case, arg) in LABEL_ARGUMENTS else _NONFINITE
    bad = data.draw(poisoned(_resolve(case)[1][arg], values), label="bad value")
    _check_generated(case, arg, bad, must_raise=(case, arg) not in NONFINITE_DROPPED)


@_GENERATED
@given(data=st.data())
def test_generated_shapes(data):
    """Arrays of random shapes and contents: a clean error or a finite result, and no silent
    flattening of extra dimensions."""
    case, arg = data.draw(st.sampled_from(_pairs("array") + _pairs("number")), label="case, argument")
    _warm_up(case)
    _check_generated(case, arg, data.draw(reshaped(), label="bad value"), must_raise=False)


@_GENERATED
@given(data=st.data())
def test_generated_huge_magnitudes(data):
    """Numbers far beyond the float range (or near it) in any numeric argument."""
    case, arg = data.draw(st.sampled_from(_pairs("array") + _pairs("number")), label="case, argument")
    _warm_up(case)
    _check_generated(case, arg, data.draw(HUGE, label="bad value"), must_raise=False)


# =========================================================================== command line
def _print_current_failures():
    """Print the summary and every failure of the walk as KNOWN_FAILURES entries (for owners
    updating the list: ``python tests/test_fuzz.py``)."""
    os.environ.setdefault(data.MIRROR_ENV, str(MIRROR))
    failures = []
    for case in CASES:
        try:
            outcomes = walk_case(case)
        except Exception as exc:  # noqa: BLE001 - a broken valid call
            print(f"# {case}: the valid call fails: {type(exc).__name__}: {exc}")
            continue
        failures += [(case, arg, kind, detail) for (arg, kind), (outcome, detail) in outcomes.items()
                     if outcome == "failure"]
    for case, arg, kind, detail in failures:
        print(f'    ("{case}", "{arg}", "{kind}"),  # {detail[:80]}')
    counts = fuzz_counts()
    print(f"# {counts['calls']} calls, {counts['clean errors']} clean errors, "
          f"{counts['valid returns']} valid returns, {len(failures)} failures")


if __name__ == "__main__":
    _print_current_failures()
