"""Overfitting experiments: model-wise double descent and training on repeated data.

Two small, fast experiments for the chapter *Overfitting* (``chapters/overfitting.ipynb``):

* **Double descent** (Belkin et al. 2019; Nakkiran et al. 2019). Least-squares regression
  on random ReLU features of the inputs: below the interpolation threshold
  (``n_features < n_train``) more features help, then hurt; at ``n_features ≈ n_train``
  the minimum-norm interpolant has a huge norm and its test error peaks; past it the test
  error falls again.  A ridge penalty removes the peak.
  :func:`random_relu_weights`, :func:`relu_features`, :func:`min_norm_solution`,
  :func:`ridge_solution` and :func:`double_descent_sweep` (returns a
  :class:`DoubleDescentSweep`).
* **Repeated data** (Muennighoff et al. 2023): a softmax context-table model of the next
  symbol, trained by minibatch Adam on ``U`` unique symbols for many epochs, against the
  same model trained on fresh symbols, with the loss computed exactly from a source of
  known entropy; see :func:`context_indices`, :func:`context_model_cross_entropy`,
  :func:`train_context_model`, :func:`repetition_experiment` (returns a
  :class:`RepetitionExperiment`) and :func:`fit_repetition_constant`.

Every function takes its randomness from a seed or a :class:`numpy.random.Generator`
passed explicitly, and validates its input like the rest of ``scaling_utils``.
"""
from __future__ import annotations

import contextlib
import math
import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ._validate import (
    MAX_COUNT,
    ArgumentTypeError,
    as_float_array,
    check_bool,
    check_enough_points,
    check_finite_result,
    check_positive_int,
    check_positive_scalar,
    check_probability,
    check_same_length,
    check_scalar,
)

__all__ = [
    "random_relu_weights",
    "relu_features",
    "min_norm_solution",
    "ridge_solution",
    "DoubleDescentSweep",
    "double_descent_sweep",
]


# --------------------------------------------------------------------------- checks
def _single_threaded_blas():
    """Run BLAS/LAPACK on one thread when ``threadpoolctl`` (a scikit-learn dependency) is
    installed, else do nothing.

    The double-descent sweep makes hundreds of small matrix products and eigendecompositions;
    on a busy 2-core machine threaded OpenBLAS spends most of its time waiting (measured:
    about 3 s on one thread against 15-45 s on two). One thread also makes the floating-point
    results independent of the machine's core count.
    """
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # pragma: no cover - optional speed-up
        return contextlib.nullcontext()
    return threadpool_limits(limits=1, user_api="blas")



#: Largest weight matrix or one-hot table (elements) the double-descent functions build:
#: 2**30 float64 numbers are 8 GB.
_MAX_ELEMENTS = 2**30

#: Most tokens :func:`repetition_experiment` samples over all seeds (about 40 bytes each).
_MAX_TOKENS = 2**27

#: Largest number of checkpoints of :func:`repetition_experiment`'s fresh runs.
_MAX_EVAL = 10**6


def _clip(value, width=40) -> str:
    """``repr(value)``, shortened for error messages (a 400-digit integer, a long array)."""
    text = repr(value)
    return text if len(text) <= width else text[: width - 3] + "..."


def _check_rng(rng) -> np.random.Generator:
    if isinstance(rng, np.random.Generator):
        return rng
    if isinstance(rng, (bool, np.bool_)) or not isinstance(rng, (int, np.integer)):
        raise ArgumentTypeError(
            f"`rng` must be a non-negative int seed or a numpy.random.Generator, got "
            f"{type(rng).__name__} {_clip(rng)}; e.g. rng=0 or rng=np.random.default_rng(0)."
        )
    if rng < 0:
        raise ValueError(f"`rng` must be a non-negative int seed, got {_clip(rng)}.")
    return np.random.default_rng(int(rng))


def _check_seed(name, value) -> int:
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)):
        raise ArgumentTypeError(
            f"`{name}` must be a non-negative integer seed, got {type(value).__name__} "
            f"{_clip(value)}."
        )
    if value < 0:
        raise ValueError(f"`{name}` must be a non-negative integer seed, got {_clip(value)}.")
    return int(value)


def _check_matrix_size(n_rows, n_cols, names):
    """Refuse a matrix of more than ``_MAX_ELEMENTS`` numbers before allocating it."""
    if n_rows * n_cols > _MAX_ELEMENTS:
        args = " x ".join(f"`{n}`" for n in names)
        raise ValueError(
            f"{args} = {_clip(n_rows)} x {_clip(n_cols)} numbers is more than "
            f"{_MAX_ELEMENTS:.3g} (8 GB); pass smaller sizes."
        )


def _as_matrix(name, values) -> np.ndarray:
    arr = as_float_array(name, values)
    if arr.ndim != 2:
        raise ValueError(
            f"`{name}` must be a 2-D array (rows = examples, columns = features), got "
            f"shape {arr.shape}; reshape it, e.g. x.reshape(-1, 1) for one feature."
        )
    return arr


def _check_ridge(name, value) -> float:
    val = check_scalar(name, value)
    if val < 0:
        raise ValueError(f"`{name}` must be >= 0 (0 is the minimum-norm solution), got {val!r}.")
    return val


# --------------------------------------------------------------------------- double descent
def random_relu_weights(n_inputs, n_features, *, rng):
    r"""Random first-layer weights ``W`` with entries ``N(0, 1/n_inputs)``.

    Parameters
    ----------
    n_inputs : int
        Input dimension ``d`` (>= 1).
    n_features : int
        Number of random features ``p`` (>= 1).
    rng : int or numpy.random.Generator
        Seed or generator (required: every draw is reproducible).

    Returns
    -------
    numpy.ndarray of shape (n_inputs, n_features)
        At most 2**30 numbers (8 GB); larger sizes raise ValueError.

    Notes
    -----
    The random-features model of Rahimi & Recht (2007), used for double descent by
    Belkin et al. (2019, PNAS 116(32), 15849-15854). Chapter: *Overfitting*.
    """
    d = check_positive_int("n_inputs", n_inputs, maximum=MAX_COUNT)
    p = check_positive_int("n_features", n_features, maximum=MAX_COUNT)
    _check_matrix_size(d, p, ("n_inputs", "n_features"))
    gen = _check_rng(rng)
    return gen.normal(0.0, 1.0 / np.sqrt(d), size=(d, p))


def relu_features(X, W):
    """Random ReLU features ``max(0, X @ W)``.

    Parameters
    ----------
    X : array_like of shape (n_samples, n_inputs)
        Inputs (finite).
    W : array_like of shape (n_inputs, n_features)
        Weights from :func:`random_relu_weights`.

    Returns
    -------
    numpy.ndarray of shape (n_samples, n_features)

    Notes
    -----
    Chapter: *Overfitting* (double descent on ``load_digits``).
    """
    X = _as_matrix("X", X)
    W = _as_matrix("W", W)
    if X.shape[1] != W.shape[0]:
        raise ValueError(
            f"Mismatched shapes: `X` has {X.shape[1]} columns but `W` has {W.shape[0]} rows; "
            "draw W with n_inputs = X.shape[1]."
        )
    return np.maximum(X @ W, 0.0)


def _check_design(Phi, Y):
    Phi = _as_matrix("Phi", Phi)
    Y = as_float_array("Y", Y)
    if Y.ndim not in (1, 2):
        raise ValueError(f"`Y` must be 1-D or 2-D (one row per example), got shape {Y.shape}.")
    check_same_length(Phi=Phi, Y=Y)
    return Phi, Y


def min_norm_solution(Phi, Y):
    r"""Least-squares coefficients of smallest norm, ``B = pinv(Phi) @ Y``.

    Below the interpolation threshold (more rows than columns, full rank) this is the
    ordinary least-squares fit; above it, among the many ``B`` with ``Phi @ B == Y`` it
    is the one of least Euclidean norm.

    Parameters
    ----------
    Phi : array_like of shape (n_samples, n_features)
        Design (feature) matrix.
    Y : array_like of shape (n_samples,) or (n_samples, n_outputs)
        Targets.

    Returns
    -------
    numpy.ndarray of shape (n_features,) or (n_features, n_outputs)

    Notes
    -----
    Computed with :func:`numpy.linalg.lstsq` (singular values below
    ``eps * max(n_samples, n_features)`` times the largest are treated as zero).
    The interpolating solution of Belkin et al. (2019) and of the linear-model analyses
    in Nakkiran et al. (2019). Chapter: *Overfitting*.
    """
    Phi, Y = _check_design(Phi, Y)
    with np.errstate(all="ignore"):  # an overflow is reported by the check below
        B = np.linalg.lstsq(Phi, Y, rcond=None)[0]
    return check_finite_result(B, "Phi", "Y", what="The least-squares solution")


def ridge_solution(Phi, Y, *, ridge):
    r"""Ridge coefficients ``B = (Phi.T Phi + ridge * n I)^{-1} Phi.T Y``.

    The penalty is scaled by the number of examples ``n`` so that ``ridge`` means the
    same thing whatever the sample size. When ``n_features > n_samples`` the equivalent
    dual form ``Phi.T (Phi Phi.T + ridge * n I)^{-1} Y`` is solved instead (smaller).

    Parameters
    ----------
    Phi : array_like of shape (n_samples, n_features)
    Y : array_like of shape (n_samples,) or (n_samples, n_outputs)
    ridge : float
        Penalty ``>= 0``; ``0`` returns :func:`min_norm_solution`.

    Returns
    -------
    numpy.ndarray of shape (n_features,) or (n_features, n_outputs)

    Notes
    -----
    Regularisation removes the double-descent peak (Nakkiran et al. 2020,
    "Optimal regularization can mitigate double descent"; shown here empirically).
    Chapter: *Overfitting*.
    """
    Phi, Y = _check_design(Phi, Y)
    ridge = _check_ridge("ridge", ridge)
    if ridge == 0.0:
        return min_norm_solution(Phi, Y)
    n, p = Phi.shape
    with np.errstate(all="ignore"):  # an overflow is reported by the check below
        if p <= n:
            B = np.linalg.solve(Phi.T @ Phi + ridge * n * np.eye(p), Phi.T @ Y)
        else:
            B = Phi.T @ np.linalg.solve(Phi @ Phi.T + ridge * n * np.eye(n), Y)
    return check_finite_result(B, "Phi", "Y", "ridge", what="The ridge solution")


def _spectral_solutions(Phi, Y, ridges):
    """Coefficients for every ridge value from one eigendecomposition, and the rank (unchecked).

    Works with the smaller Gram matrix (``Phi Phi.T`` when ``p > n``, else ``Phi.T Phi``):
    ``eigh`` of a 200 x 200 matrix is about 100x faster than the SVD of a 200 x 4000 one on
    a busy machine, where threaded LAPACK SVDs slow down badly. Eigenvalues below
    ``lambda_max * max(n, p) * eps`` (singular values below about ``1e-6 s_max``) count as
    zero, which sets the numerical rank and the pseudo-inverse.
    """
    n, p = Phi.shape
    dual = p > n
    lam, Q = np.linalg.eigh(Phi @ Phi.T if dual else Phi.T @ Phi)
    tol = max(float(lam.max()), 0.0) * max(n, p) * np.finfo(float).eps
    keep = lam > tol
    proj = Q.T @ Y if dual else Q.T @ (Phi.T @ Y)
    out = []
    for ridge in ridges:
        if ridge == 0.0:
            w = np.where(keep, 1.0 / np.where(keep, lam, 1.0), 0.0)
        else:
            w = 1.0 / (np.maximum(lam, 0.0) + ridge * n)
        coef = Q @ (w[:, None] * proj)
        out.append(Phi.T @ coef if dual else coef)
    return out, int(keep.sum())


@dataclass(frozen=True, eq=False)
class DoubleDescentSweep:
    """Result of :func:`double_descent_sweep`.

    Attributes
    ----------
    results : pandas.DataFrame
        One row per (ridge, n_features, repeat): ``ridge``, ``n_features``, ``repeat``,
        ``train_mse``, ``test_mse`` (squared error summed over the one-hot outputs, mean
        over examples), ``train_error``, ``test_error`` (classification error rates of
        the arg-max), ``norm`` (Frobenius norm of the coefficients), ``rank`` (numerical
        rank of the training features: ReLU features that are zero on every training
        example add a column but no rank, so the interpolation threshold is where
        ``rank`` reaches ``n_train``, slightly past ``n_features == n_train``).
    n_train : int
        Training examples per repeat (the interpolation threshold is
        ``n_features == n_train``).
    n_test : int
    n_repeats : int
    seed : int
    interval : float
        Central fraction of the repeats spanned by the interval columns of :meth:`table`.
    """

    results: pd.DataFrame
    n_train: int
    n_test: int
    n_repeats: int
    seed: int
    interval: float

    def table(self, metric="test_mse"):
        """Mean, median and central ``interval`` range over the repeats, per ridge and size.

        Parameters
        ----------
        metric : str
            One of ``train_mse``, ``test_mse``, ``train_error``, ``test_error``, ``norm``,
            ``rank``, ``gap_mse`` (``test_mse - train_mse``), ``gap_error``.

        Returns
        -------
        pandas.DataFrame
            Columns ``ridge, n_features, mean, median, lower, upper``.
        """
        frame = self.results.assign(
            gap_mse=self.results["test_mse"] - self.results["train_mse"],
            gap_error=self.results["test_error"] - self.results["train_error"],
        )
        if not isinstance(metric, str) or metric not in frame.columns or metric in (
            "ridge", "n_features", "repeat"
        ):
            known = ["train_mse", "test_mse", "train_error", "test_error", "norm", "rank",
                     "gap_mse", "gap_error"]
            raise ValueError(f"`metric` must be one of {known}, got {metric!r}.")
        q = (1.0 - self.interval) / 2.0
        grouped = frame.groupby(["ridge", "n_features"])[metric]
        return pd.DataFrame(
            {
                "mean": grouped.mean(),
                "median": grouped.median(),
                "lower": grouped.quantile(q),
                "upper": grouped.quantile(1.0 - q),
            }
        ).reset_index()

    def threshold(self):
        """Smallest ``n_features`` whose training features reach rank ``n_train`` in
        every repeat (the interpolation threshold actually met), or ``None``."""
        r = self.results.groupby("n_features")["rank"].min()
        full = r[r >= self.n_train]
        return int(full.index.min()) if len(full) else None

    def peak(self, *, ridge=0.0, metric="test_mse"):
        """``n_features`` at which the median ``metric`` over repeats is largest.

        The median, not the mean: near the threshold single repeats have test errors
        orders of magnitude above the others, and the mean follows them.
        """
        ridge = _check_ridge("ridge", ridge)
        t = self.table(metric)
        t = t[np.isclose(t["ridge"], ridge, rtol=0, atol=0)]
        if t.empty:
            raise ValueError(
                f"`ridge` = {ridge!r} was not in the sweep; use one of "
                f"{sorted(self.results['ridge'].unique().tolist())}."
            )
        return int(t.loc[t["median"].idxmax(), "n_features"])

    def summary(self):
        """A short text summary: the sweep, and the peak for each ridge value."""
        lines = [
            f"Double-descent sweep: {self.n_repeats} repeats (seed {self.seed}), "
            f"n_train = {self.n_train}, n_test = {self.n_test}, "
            f"{self.results['n_features'].nunique()} model sizes"
        ]
        t = self.table("test_mse")
        for ridge, sub in t.groupby("ridge"):
            row = sub.loc[sub["median"].idxmax()]
            last = sub.iloc[-1]
            lines.append(
                f"  ridge = {ridge:g}: worst median test MSE {row['median']:.3g} at "
                f"{int(row['n_features'])} features; {last['median']:.3g} at "
                f"{int(last['n_features'])} features"
            )
        return "\n".join(lines)

    def __str__(self):
        return self.summary()

    def plot(self, metric="test_mse", *, ax=None):
        """Median ``metric`` against ``n_features`` per ridge value, with interval bands.

        Imports matplotlib only when called. The interpolation threshold is marked.
        """
        import matplotlib.pyplot as plt

        t = self.table(metric)
        if ax is None:
            _, ax = plt.subplots()
        for ridge, sub in t.groupby("ridge"):
            label = "min-norm (ridge = 0)" if ridge == 0 else f"ridge = {ridge:g}"
            (line,) = ax.plot(sub["n_features"], sub["median"], marker="o", ms=3, label=label)
            ax.fill_between(sub["n_features"], sub["lower"], sub["upper"],
                            color=line.get_color(), alpha=0.2, lw=0)
        ax.axvline(self.n_train, color="black", ls=":", lw=1,
                   label=f"n_features = n_train = {self.n_train}")
        ax.set_xscale("log")
        ax.set_xlabel("random features p (model size)")
        ax.set_ylabel(metric.replace("_", " "))
        ax.legend()
        return ax


def double_descent_sweep(
    X,
    labels,
    *,
    n_train,
    n_features,
    ridges=(0.0,),
    n_repeats=5,
    seed=0,
    interval=0.8,
):
    r"""Model-wise double-descent sweep: random-ReLU-feature regression on one-hot labels.

    For each repeat ``r`` (generator ``numpy.random.default_rng([seed, r])``): draw a
    random split of ``n_train`` training and the remaining test examples, draw one set
    of ``max(n_features)`` random ReLU features (the model with ``p`` features uses the
    first ``p``, so sizes are nested), and for every size and ridge value fit the
    one-hot labels by least squares (:func:`ridge_solution`, via one eigendecomposition of
    the Gram matrix per size) and
    record train/test squared error and classification error.

    Parameters
    ----------
    X : array_like of shape (n_samples, n_inputs)
        Inputs (e.g. ``load_digits().data / 16``).
    labels : array_like of int, shape (n_samples,)
        Class labels ``0 .. n_classes-1``.
    n_train : int
        Training examples per repeat, ``2 <= n_train < n_samples``.
    n_features : sequence of int
        Model sizes ``p`` to try (distinct, >= 1).
    ridges : sequence of float, default (0.0,)
        Ridge penalties (``>= 0``; ``0`` is the minimum-norm interpolant).
    n_repeats : int, default 5
        Independent repeats (>= 2, to give an interval).
    seed : int, default 0
        Base seed.
    interval : float, default 0.8
        Central fraction of repeats spanned by the reported interval.

    Returns
    -------
    DoubleDescentSweep

    Notes
    -----
    Model-wise double descent: Belkin, Hsu, Ma, Mandal (2019), PNAS 116(32),
    15849-15854 (random Fourier features on MNIST); Nakkiran et al. (2019), *Deep
    Double Descent*, arXiv:1912.02292. Chapter: *Overfitting*.
    """
    X = _as_matrix("X", X)
    labels = as_float_array("labels", labels)
    if labels.ndim != 1 or np.any(labels != np.round(labels)) or np.any(labels < 0):
        raise ValueError(
            "`labels` must be a 1-D array of non-negative integer class labels "
            "(0 .. n_classes-1), one per row of X."
        )
    check_same_length(X=X, labels=labels)
    _check_matrix_size(labels.size, labels.max() + 1, ("labels", "n_classes"))
    labels = labels.astype(int)
    n_samples = X.shape[0]
    n_train = check_positive_int("n_train", n_train, minimum=2)
    if n_train >= n_samples:
        raise ValueError(
            f"`n_train` must be smaller than the number of examples ({n_samples}) so that "
            f"some are left for testing, got {n_train}."
        )
    sizes = np.atleast_1d(as_float_array("n_features", n_features))
    if sizes.ndim != 1 or np.any(sizes != np.round(sizes)) or np.any(sizes < 1):
        raise ValueError("`n_features` must be a 1-D sequence of integers >= 1 (model sizes).")
    _check_matrix_size(X.shape[1], sizes.max(), ("X.shape[1]", "n_features"))
    sizes = np.unique(sizes.astype(int))
    if sizes.size != np.size(n_features):
        raise ValueError("`n_features` has repeated values; pass each model size once.")
    check_enough_points(sizes.size, 1, "A double-descent sweep over `n_features`")
    ridge_values = np.atleast_1d(as_float_array("ridges", ridges))
    if ridge_values.ndim != 1 or np.any(ridge_values < 0):
        raise ValueError("`ridges` must be a 1-D sequence of penalties >= 0.")
    n_repeats = check_positive_int("n_repeats", n_repeats, minimum=2, maximum=MAX_COUNT)
    seed = _check_seed("seed", seed)
    interval = check_probability("interval", interval)

    n_classes = int(labels.max()) + 1
    Y_all = np.zeros((labels.size, n_classes))  # one-hot rows (np.eye(n_classes)[labels])
    Y_all[np.arange(labels.size), labels] = 1.0
    with _single_threaded_blas():
        rows = _double_descent_rows(X, labels, Y_all, n_train, sizes, ridge_values, n_repeats, seed)
    results = pd.DataFrame(rows).sort_values(["ridge", "n_features", "repeat"], kind="stable",
                                             ignore_index=True)
    return DoubleDescentSweep(
        results=results,
        n_train=n_train,
        n_test=n_samples - n_train,
        n_repeats=n_repeats,
        seed=seed,
        interval=interval,
    )


def _double_descent_rows(X, labels, Y_all, n_train, sizes, ridge_values, n_repeats, seed):
    """The loop of :func:`double_descent_sweep` (inputs already checked)."""
    n_samples = X.shape[0]
    rows = []
    for r in range(n_repeats):
        gen = np.random.default_rng([seed, r])
        perm = gen.permutation(n_samples)
        tr, te = perm[:n_train], perm[n_train:]
        W = random_relu_weights(X.shape[1], int(sizes.max()), rng=gen)
        F_tr_all = np.maximum(X[tr] @ W, 0.0)
        F_te_all = np.maximum(X[te] @ W, 0.0)
        for p in sizes:
            F_tr, F_te = F_tr_all[:, :p], F_te_all[:, :p]
            solutions, rank = _spectral_solutions(F_tr, Y_all[tr], ridge_values)
            for ridge, B in zip(ridge_values, solutions):
                pred_tr, pred_te = F_tr @ B, F_te @ B
                rows.append(
                    {
                        "ridge": float(ridge),
                        "n_features": int(p),
                        "repeat": r,
                        "train_mse": float(np.mean(np.sum((pred_tr - Y_all[tr]) ** 2, axis=1))),
                        "test_mse": float(np.mean(np.sum((pred_te - Y_all[te]) ** 2, axis=1))),
                        "train_error": float(np.mean(pred_tr.argmax(1) != labels[tr])),
                        "test_error": float(np.mean(pred_te.argmax(1) != labels[te])),
                        "norm": float(np.linalg.norm(B)),
                        "rank": rank,
                    }
                )
    return rows


# --------------------------------------------------------------------------- repeated data
__all__ += [
    "context_indices",
    "context_model_cross_entropy",
    "train_context_model",
    "RepetitionExperiment",
    "repetition_experiment",
    "RepetitionFit",
    "fit_repetition_constant",
]


def _check_symbols(name, symbols, n_symbols):
    arr = as_float_array(name, symbols)
    if arr.ndim != 1 or np.any(arr != np.round(arr)) or np.any(arr < 0) or np.any(arr >= n_symbols):
        raise ValueError(
            f"`{name}` must be a 1-D sequence of integer symbols in [0, {n_symbols}); "
            "sample it with source.sample(n, rng=...)."
        )
    return arr.astype(np.int64)


def context_indices(symbols, *, order, n_symbols):
    r"""Joint index of the previous ``order`` symbols, and the symbol that follows.

    Position ``t`` (for ``t >= order``) gets context index
    ``sum_j symbols[t-1-j] * n_symbols**j`` (``j = 0 .. order-1``) and target
    ``symbols[t]``; the index matches the row order of
    ``source.ngram_distribution(order + 1).reshape(n_symbols**order, n_symbols)``.

    Parameters
    ----------
    symbols : array_like of int, shape (n,)
        A sample path, ``n > order``.
    order : int
        Context length (>= 1).
    n_symbols : int
        Alphabet size (>= 2).

    Returns
    -------
    contexts, targets : numpy.ndarray of int, shape (n - order,)

    Notes
    -----
    Chapter: *Overfitting* (the repetition experiment).
    """
    order = check_positive_int("order", order)
    n_symbols = check_positive_int("n_symbols", n_symbols, minimum=2, maximum=MAX_COUNT)
    x = _check_symbols("symbols", symbols, n_symbols)
    if x.size <= order:
        raise ValueError(
            f"`symbols` has {x.size} symbols but needs more than `order` = {_clip(order)} to "
            "give one (context, next symbol) pair; pass a longer sample."
        )
    if order >= 63 or order * math.log2(n_symbols) >= 63:
        raise ValueError(
            f"`n_symbols`**`order` = {_clip(n_symbols)}**{order} context ids overflow 64-bit "
            "integers; use a smaller order or alphabet."
        )
    n = x.size - order
    weights = n_symbols ** np.arange(order)
    contexts = np.zeros(n, dtype=np.int64)
    for j in range(order):
        contexts += x[order - 1 - j : order - 1 - j + n] * weights[j]
    return contexts, x[order:].copy()


def _check_joint(name, joint):
    P = as_float_array(name, joint)
    if P.ndim != 2 or P.shape[1] < 2 or np.any(P < 0) or not np.isclose(P.sum(), 1.0, atol=1e-9):
        raise ValueError(
            f"`{name}` must be a 2-D array of probabilities (contexts x next symbol) summing to 1, "
            "e.g. source.ngram_distribution(order + 1).reshape(n_symbols**order, n_symbols)."
        )
    return P


def _log_softmax(logits):
    z = logits - logits.max(axis=-1, keepdims=True)
    return z - np.log(np.exp(z).sum(axis=-1, keepdims=True))


def context_model_cross_entropy(logits, joint):
    r"""Exact expected cross-entropy of a context-table model under a known source.

    ``H(P, Q) = - sum_{c, a} P(c, a) log softmax(logits[c])[a]`` in nats per symbol,
    where ``P(c, a)`` is the source's stationary probability of context ``c`` followed by
    symbol ``a``. No held-out sample is needed: the expectation is computed exactly, so
    the loss carries no evaluation noise.

    Parameters
    ----------
    logits : array_like, shape (..., n_contexts, n_symbols)
        Model logits (a leading axis evaluates several models at once).
    joint : array_like, shape (n_contexts, n_symbols)
        ``P(c, a)``, non-negative, summing to 1.

    Returns
    -------
    float or numpy.ndarray
        Cross-entropy; its minimum over ``logits`` is ``source.conditional_entropy(order)``.

    Notes
    -----
    Chapter: *Overfitting*; the source's exact conditional entropies come from the
    chapter *Entropy floors* (``scaling_utils.entropy``).
    """
    P = _check_joint("joint", joint)
    Z = as_float_array("logits", logits)
    if Z.shape[-2:] != P.shape:
        raise ValueError(
            f"Mismatched shapes: `logits` ends in {Z.shape[-2:]} but `joint` is {P.shape}; "
            "pass one row of logits per context."
        )
    out = -(P * _log_softmax(Z)).sum(axis=(-2, -1))
    return float(out) if np.ndim(out) == 0 else out


def train_context_model(
    contexts,
    targets,
    *,
    joint,
    n_tokens,
    eval_tokens,
    rng,
    batch_size=32,
    learning_rate=0.01,
    decay_steps=1000,
    shuffle_first_epoch=False,
):
    r"""Train softmax context-table models by minibatch Adam; return exact losses.

    The model has one logit per (context, symbol) pair, ``q(a | c) = softmax(W[c])[a]``,
    started at zero (uniform). Each step draws the next ``batch_size`` training pairs in
    order; after each full pass (epoch) the pairs are reshuffled (independently per run),
    so ``n_tokens`` larger than the training set means repeated epochs. The step size is
    ``learning_rate / sqrt(1 + step / decay_steps)``, a schedule that does not depend on
    the run's length, so a short run is exactly the start of a longer one.

    Parameters
    ----------
    contexts, targets : array_like of int, shape (n_runs, n) or (n,)
        Training pairs from :func:`context_indices`; each row is one independent run
        (e.g. one seed), trained simultaneously.
    joint : array_like, shape (n_contexts, n_symbols)
        The source's ``P(context, next symbol)``, for the exact loss
        (:func:`context_model_cross_entropy`).
    n_tokens : int
        Training tokens (pairs) to process; a multiple of ``batch_size``, at most 2**31 - 1.
    eval_tokens : sequence of int
        Token counts at which to record the loss (multiples of ``batch_size``, at most
        ``n_tokens``).
    rng : int or numpy.random.Generator
        Seed or generator for the reshuffling.
    batch_size : int, default 32
    learning_rate : float, default 0.01
        Adam step size (betas 0.9, 0.999, epsilon 1e-8).
    decay_steps : float, default 1000
    shuffle_first_epoch : bool, default False
        Whether the first pass is shuffled too (by default it is in the sample's order, so
        a run on a prefix of a longer sample matches the longer run up to that point).

    Returns
    -------
    pandas.DataFrame
        Columns ``run``, ``tokens``, ``epochs`` (``tokens / n``) and ``loss`` (exact
        cross-entropy, nats per symbol).

    Notes
    -----
    Adam: Kingma & Ba (2014), arXiv:1412.6980. A count-based n-gram estimate would not
    change if its data were repeated; this model is trained by iterative optimisation,
    so repeated passes keep moving it (towards the maximum-likelihood table of the
    training set). Chapter: *Overfitting*.
    """
    P = _check_joint("joint", joint)
    n_contexts, n_symbols = P.shape
    ctx = as_float_array("contexts", contexts)
    tgt = as_float_array("targets", targets)
    if ctx.ndim == 1:  # a single run
        ctx = ctx[None, :]
        if tgt.ndim == 1:
            tgt = tgt[None, :]
    if ctx.ndim != 2 or ctx.shape != tgt.shape:
        raise ValueError(
            f"Mismatched shapes: `contexts` {np.shape(contexts)} and `targets` "
            f"{np.shape(targets)}; pass one target per context (rows = runs)."
        )
    for name, arr, hi in (("contexts", ctx, n_contexts), ("targets", tgt, n_symbols)):
        if np.any(arr != np.round(arr)) or np.any(arr < 0) or np.any(arr >= hi):
            raise ValueError(
                f"`{name}` must be integers in [0, {hi}) matching `joint`; build them with "
                "context_indices(..., order, n_symbols) for the same order."
            )
    ctx, tgt = ctx.astype(np.int64), tgt.astype(np.int64)
    n_runs, n = ctx.shape
    B = check_positive_int("batch_size", batch_size)
    if n < B:
        raise ValueError(
            f"The training set has {n} pairs, fewer than `batch_size` = {_clip(B)}; pass more data."
        )
    n_tokens = check_positive_int("n_tokens", n_tokens, maximum=MAX_COUNT)
    if n_tokens % B:
        raise ValueError(f"`n_tokens` = {n_tokens} must be a multiple of `batch_size` = {B}.")
    evals = np.atleast_1d(as_float_array("eval_tokens", eval_tokens))
    if (
        evals.ndim != 1 or np.any(evals != np.round(evals)) or np.any(evals < B)
        or np.any(evals > n_tokens) or np.any(evals % B)
    ):
        raise ValueError(
            f"`eval_tokens` must be integers that are multiples of `batch_size` = {B}, "
            f"between {B} and n_tokens = {n_tokens}."
        )
    eval_steps = set((evals // B).astype(int).tolist())
    lr0 = check_positive_scalar("learning_rate", learning_rate)
    t0 = check_positive_scalar("decay_steps", decay_steps)
    shuffle_first_epoch = check_bool("shuffle_first_epoch", shuffle_first_epoch)
    gen = _check_rng(rng)

    W = np.zeros((n_runs, n_contexts, n_symbols))
    m1 = np.zeros_like(W)
    m2 = np.zeros_like(W)
    beta1, beta2, eps = 0.9, 0.999, 1e-8
    order = gen.random((n_runs, n)).argsort(axis=1, kind="stable") if shuffle_first_epoch else np.tile(np.arange(n), (n_runs, 1))
    pos = 0
    run_index = np.arange(n_runs)[:, None]
    rows = []
    for step in range(1, n_tokens // B + 1):
        if pos + B > n:
            order = gen.random((n_runs, n)).argsort(axis=1, kind="stable")
            pos = 0
        batch = order[:, pos : pos + B]
        pos += B
        c = np.take_along_axis(ctx, batch, axis=1)
        y = np.take_along_axis(tgt, batch, axis=1)
        logits = W[run_index, c]  # (runs, B, symbols)
        prob = np.exp(_log_softmax(logits))
        prob[run_index, np.arange(B)[None, :], y] -= 1.0
        flat = (c + run_index * n_contexts).ravel()
        prob = prob.reshape(-1, n_symbols) / B
        grad = np.stack(
            [np.bincount(flat, weights=prob[:, a], minlength=n_runs * n_contexts)
             for a in range(n_symbols)],
            axis=1,
        ).reshape(W.shape)
        m1 = beta1 * m1 + (1 - beta1) * grad
        m2 = beta2 * m2 + (1 - beta2) * grad**2
        lr = lr0 / np.sqrt(1.0 + step / t0)
        with np.errstate(over="ignore", invalid="ignore"):  # divergence is caught just below
            W -= lr * (m1 / (1 - beta1**step)) / (np.sqrt(m2 / (1 - beta2**step)) + eps)
        if not np.isfinite(W).all() or np.abs(W).max() > 1e100:
            raise ValueError(
                f"Training diverged (logits beyond 1e100 or non-finite after {step} steps) with "
                f"`learning_rate` = {lr0!r}; pass a smaller learning rate (e.g. 0.01)."
            )
        if step in eval_steps:
            losses = context_model_cross_entropy(W, P)
            for r in range(n_runs):
                rows.append({"run": r, "tokens": step * B, "epochs": step * B / n, "loss": float(losses[r])})
    return pd.DataFrame(rows).sort_values(["run", "tokens"], ignore_index=True, kind="stable")


def _running_min_curve(x, y):
    """Sort by x and replace y by its running minimum (a monotone, invertible curve)."""
    order = np.argsort(x, kind="stable")
    return np.asarray(x)[order], np.minimum.accumulate(np.asarray(y)[order])


@dataclass(frozen=True, eq=False)
class RepetitionExperiment:
    """Result of :func:`repetition_experiment`.

    Attributes
    ----------
    fresh : pandas.DataFrame
        Fresh-data runs: ``seed``, ``tokens``, ``loss``, ``excess`` (loss minus ``floor``).
    repeated : pandas.DataFrame
        Repeated-data runs: ``unique_tokens``, ``seed``, ``epochs``, ``tokens``, ``loss``,
        ``excess``.
    floor : float
        ``source.conditional_entropy(order)``: the best loss of the model class (nats).
    entropy_rate : float
        The source's entropy rate (nats/symbol).
    order : int
    settings : dict
        Everything needed to rerun it (seed, seeds, batch size, learning rate, ...).
    """

    fresh: pd.DataFrame
    repeated: pd.DataFrame
    floor: float
    entropy_rate: float
    order: int
    settings: dict

    def fresh_curve(self):
        """Mean excess loss over seeds against fresh tokens (a Series indexed by tokens)."""
        return self.fresh.groupby("tokens")["excess"].mean()

    def repeated_curve(self):
        """Mean excess loss over seeds per unique-token budget and epoch."""
        return self.repeated.groupby(["unique_tokens", "epochs"])["excess"].mean().reset_index()

    def effective_tokens(self, *, early_stopping=True):
        r"""Fresh tokens that would give the same loss as each repeated run.

        The seed-averaged fresh curve is made monotone (running minimum over tokens) and
        inverted by linear interpolation of ``log tokens`` against ``log excess``; with
        ``early_stopping`` the repeated curve is replaced by its running minimum over
        epochs (the best loss so far), so epochs that overfit add nothing instead of
        subtracting. Losses below the fresh curve's range give NaN.

        Returns
        -------
        pandas.DataFrame
            ``unique_tokens, epochs, tokens, excess, effective_tokens, effective_ratio``
            (``effective_tokens / unique_tokens``), ``value`` (``effective / tokens``).
        """
        early_stopping = check_bool("early_stopping", early_stopping)
        fresh = self.fresh_curve()
        D, excess = _running_min_curve(fresh.index.to_numpy(float), fresh.to_numpy())
        keep = np.r_[True, np.diff(excess) < 0]  # strictly decreasing part, for inversion
        logD, logE = np.log(D[keep]), np.log(excess[keep])
        rows = []
        for U, sub in self.repeated_curve().groupby("unique_tokens"):
            sub = sub.sort_values("epochs", kind="stable")
            ex = sub["excess"].to_numpy()
            if early_stopping:
                ex = np.minimum.accumulate(ex)
            with np.errstate(divide="ignore"):
                le = np.log(ex)
            eff = np.exp(np.interp(-le, -logE, logD, left=np.nan, right=np.nan))
            for e, x, d in zip(sub["epochs"], ex, eff):
                rows.append({"unique_tokens": int(U), "epochs": float(e), "tokens": float(U * e),
                             "excess": float(x), "effective_tokens": float(d)})
        out = pd.DataFrame(rows)
        out["effective_ratio"] = out["effective_tokens"] / out["unique_tokens"]
        out["value"] = out["effective_tokens"] / out["tokens"]
        return out

    def summary(self):
        s = self.settings
        return (
            f"Repetition experiment: order-{self.order} context model, {s['n_seeds']} seeds "
            f"(seed {s['seed']}), unique tokens {list(s['unique_tokens'])}, up to "
            f"{s['max_epochs']} epochs; fresh runs to {int(self.fresh['tokens'].max())} tokens.\n"
            f"  model floor {self.floor:.4f} nats (entropy rate {self.entropy_rate:.4f}); "
            f"best fresh excess {self.fresh_curve().min():.5f}"
        )

    def __str__(self):
        return self.summary()

    def plot(self, *, ax=None):
        """Excess loss against training tokens: fresh data and each repeated budget."""
        import matplotlib.pyplot as plt

        if ax is None:
            _, ax = plt.subplots()
        fresh = self.fresh_curve()
        ax.plot(fresh.index, fresh.to_numpy(), color="black", label="fresh data")
        for U, sub in self.repeated_curve().groupby("unique_tokens"):
            ax.plot(sub["epochs"] * U, sub["excess"], marker="o", ms=2, lw=1.2,
                    label=f"U = {int(U)} unique, repeated")
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("training tokens D")
        ax.set_ylabel("excess loss over the model floor (nats/symbol)")
        ax.legend(fontsize=8)
        return ax


def repetition_experiment(
    source,
    *,
    order=3,
    unique_tokens=(512, 1024, 2048, 4096),
    max_epochs=64,
    n_seeds=8,
    seed=0,
    batch_size=32,
    learning_rate=0.01,
    decay_steps=1000,
    n_eval=60,
):
    r"""Train on ``U`` unique tokens for many epochs, and on fresh tokens, and compare.

    For each of ``n_seeds`` seeds (generator ``numpy.random.default_rng([seed, s])``) one
    sample of ``max(unique_tokens) * max_epochs + order`` symbols is drawn from
    ``source``. The fresh run trains on all of it once (loss recorded at ``n_eval``
    log-spaced token counts); the repeated run for budget ``U`` trains on its first ``U``
    pairs for ``max_epochs`` epochs (loss recorded after every epoch), so its first epoch
    *is* the fresh run's start. Losses are exact (:func:`context_model_cross_entropy`).

    Parameters
    ----------
    source : entropy.MarkovSource
        Anything with ``sample(n, rng=)``, ``n_symbols``, ``ngram_distribution(n)``,
        ``conditional_entropy(order)`` and ``entropy_rate``.
    order : int, default 3
        Context length of the model.
    unique_tokens : sequence of int
        Unique-token budgets ``U`` (multiples of ``batch_size``).
    max_epochs : int, default 64
    n_seeds : int, default 8
        Independent samples (>= 2).
    seed : int, default 0
    batch_size, learning_rate, decay_steps
        Passed to :func:`train_context_model`.
    n_eval : int, default 60
        Number of checkpoints of the fresh runs (at most 1e6).

    Returns
    -------
    RepetitionExperiment

    Raises
    ------
    ValueError
        Bad settings, an ``order`` above the source's, more than 2**27 tokens in all
        (``n_seeds * max(unique_tokens) * max_epochs``), or a training run that diverges
        (lower ``learning_rate``).

    Notes
    -----
    The design of Muennighoff et al. (2023), arXiv:2305.16264 (``U`` unique tokens for
    ``E`` epochs against ``U E`` fresh tokens), scaled down to a source whose entropy is
    known. Chapter: *Overfitting*.
    """
    for attr in ("sample", "n_symbols", "ngram_distribution", "conditional_entropy", "entropy_rate"):
        if not hasattr(source, attr):
            raise ArgumentTypeError(
                f"`source` has no `{attr}`; pass a scaling_utils.entropy.MarkovSource "
                "(e.g. entropy.default_source())."
            )
    order = check_positive_int("order", order, maximum=getattr(source, "order", None))
    B = check_positive_int("batch_size", batch_size, maximum=MAX_COUNT)
    budgets = np.atleast_1d(as_float_array("unique_tokens", unique_tokens))
    if budgets.ndim != 1 or np.any(budgets != np.round(budgets)) or np.any(budgets < B) or np.any(budgets % B):
        raise ValueError(
            f"`unique_tokens` must be integers that are multiples of `batch_size` = {B} "
            "(e.g. powers of two)."
        )
    max_epochs = check_positive_int("max_epochs", max_epochs, minimum=2, maximum=MAX_COUNT)
    n_seeds = check_positive_int("n_seeds", n_seeds, minimum=2, maximum=MAX_COUNT)
    # Every seed draws max(unique_tokens) * max_epochs tokens: refuse absurd totals up front.
    total = n_seeds * float(budgets.max()) * max_epochs
    if total > _MAX_TOKENS:
        raise ValueError(
            f"`n_seeds` x max(`unique_tokens`) x `max_epochs` = {total:.3g} tokens to sample "
            f"and train on, more than {_MAX_TOKENS:.3g}; pass smaller values."
        )
    budgets = np.unique(budgets.astype(int))
    seed = _check_seed("seed", seed)
    n_eval = check_positive_int("n_eval", n_eval, minimum=2, maximum=_MAX_EVAL)
    m = int(source.n_symbols)
    if float(m) ** order * m * n_seeds > _MAX_ELEMENTS:
        raise ValueError(
            f"`order` = {order} gives {m}**{order} contexts of {m} symbols for each of "
            f"`n_seeds` = {n_seeds} runs, more than {_MAX_ELEMENTS:.3g} logits; use a lower order."
        )
    joint = np.asarray(source.ngram_distribution(order + 1), dtype=float).reshape(m**order, m)
    floor = float(source.conditional_entropy(order))

    D_max = int(budgets.max()) * max_epochs
    samples = [
        context_indices(source.sample(D_max + order, rng=np.random.default_rng([seed, s])),
                        order=order, n_symbols=m)
        for s in range(n_seeds)
    ]
    ctx = np.stack([c for c, _ in samples])
    tgt = np.stack([t for _, t in samples])
    grid = np.unique(np.r_[B * np.round(np.geomspace(B, D_max, n_eval) / B), budgets]).astype(int)
    train_kw = dict(joint=joint, batch_size=B, learning_rate=learning_rate, decay_steps=decay_steps)
    fresh = train_context_model(ctx, tgt, n_tokens=D_max, eval_tokens=grid,
                                rng=np.random.default_rng([seed, n_seeds]), **train_kw)
    fresh = fresh.rename(columns={"run": "seed"}).drop(columns="epochs")
    repeated = []
    for i, U in enumerate(budgets):
        rep = train_context_model(ctx[:, :U], tgt[:, :U], n_tokens=int(U) * max_epochs,
                                  eval_tokens=int(U) * np.arange(1, max_epochs + 1),
                                  rng=np.random.default_rng([seed, n_seeds + 1 + i]), **train_kw)
        repeated.append(rep.rename(columns={"run": "seed"}).assign(unique_tokens=int(U)))
    repeated = pd.concat(repeated, ignore_index=True)[["unique_tokens", "seed", "epochs", "tokens", "loss"]]
    fresh["excess"] = fresh["loss"] - floor
    repeated["excess"] = repeated["loss"] - floor
    settings = dict(order=order, unique_tokens=tuple(int(u) for u in budgets), max_epochs=max_epochs,
                    n_seeds=n_seeds, seed=seed, batch_size=B, learning_rate=learning_rate,
                    decay_steps=decay_steps, n_eval=n_eval)
    return RepetitionExperiment(fresh=fresh, repeated=repeated, floor=floor,
                                entropy_rate=float(source.entropy_rate), order=order,
                                settings=settings)


@dataclass(frozen=True, eq=False)
class RepetitionFit:
    r"""Result of :func:`fit_repetition_constant`: ``D'/U = 1 + R*(1 - exp(-R/R*))``.

    Attributes
    ----------
    R_star : float
        Fitted repetition constant (``R_D*`` of Muennighoff et al.).
    R_star_interval : tuple of float
        Student-t interval at ``confidence`` from the least-squares covariance.
    n_points : int
    rmse : float
        Root-mean-square residual in ``log(D'/U)``.
    confidence : float
    success : bool
    message : str
    """

    R_star: float
    R_star_interval: tuple
    n_points: int
    rmse: float
    confidence: float
    success: bool
    message: str

    def predict(self, epochs):
        """``D'/U`` at the given epochs (>= 1)."""
        epochs = as_float_array("epochs", epochs)
        if np.any(epochs < 1):
            raise ValueError("`epochs` must be >= 1 (one pass over the data is 1 epoch).")
        if not np.isfinite(self.R_star):
            raise ValueError(f"This fit has no finite R* ({self.message}); it cannot predict.")
        out = 1.0 + self.R_star * (1.0 - np.exp(-(epochs - 1.0) / self.R_star))
        return float(out) if out.ndim == 0 else out

    def summary(self):
        lo, hi = self.R_star_interval
        pct = round(100 * self.confidence)
        return (f"D'/U = 1 + R*(1 - exp(-R/R*)) on {self.n_points} points: R* = {self.R_star:.3g} "
                f"[{lo:.3g}, {hi:.3g}] ({pct}%), rmse(log) = {self.rmse:.3g}, "
                f"success = {self.success} ({self.message})")

    def __str__(self):
        return self.summary()

    def plot(self, epochs, ratio, *, ax=None, label=None):
        """Data ``D'/U`` against epochs with the fitted curve (matplotlib imported lazily)."""
        import matplotlib.pyplot as plt

        epochs = as_float_array("epochs", epochs)
        if ax is None:
            _, ax = plt.subplots()
        if not self.success:
            label = "fit failed" if label is None else f"{label} (fit failed)"
        (points,) = ax.plot(epochs, ratio, "o", ms=3, label=label)
        if np.isfinite(self.R_star):
            grid = np.geomspace(1, epochs.max(), 100)
            ax.plot(grid, self.predict(grid), color=points.get_color(), lw=1.2)
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("epochs")
        ax.set_ylabel("effective data D' / U")
        return ax


def fit_repetition_constant(epochs, effective_ratio, *, confidence=0.95, initial=5.0):
    r"""Fit ``R*`` in ``D'/U = 1 + R*(1 - exp(-(epochs - 1)/R*))`` by least squares in log.

    Parameters
    ----------
    epochs : array_like
        Epochs (>= 1).
    effective_ratio : array_like
        Measured ``D'/U`` (> 0), e.g. ``effective_tokens / unique_tokens`` from
        :meth:`RepetitionExperiment.effective_tokens`. Drop NaN rows first.
    confidence : float, default 0.95
    initial : float, default 5.0
        Starting value of ``R*``.

    Returns
    -------
    RepetitionFit
        ``success`` is False (with a NaN interval) when the fit does not converge, or when
        ``R*`` runs off to infinity (no diminishing returns in the data) or to zero
        (repetition adds nothing): then the data bound ``R*`` but do not identify it.

    Notes
    -----
    The effective-data form of Muennighoff et al. (2023), arXiv:2305.16264 (their
    ``R_D* = 15.4`` for language models on C4); fitted with
    :func:`scipy.optimize.curve_fit`. Chapter: *Overfitting*.
    """
    from scipy import optimize, stats

    epochs = as_float_array("epochs", epochs, ndim=1)
    ratio = as_float_array("effective_ratio", effective_ratio, ndim=1)
    check_same_length(epochs=epochs, effective_ratio=ratio)
    if np.any(epochs < 1):
        raise ValueError("`epochs` must be >= 1 (one pass over the data is 1 epoch).")
    if np.any(ratio <= 0):
        raise ValueError("`effective_ratio` must be > 0 (it is effective tokens / unique tokens).")
    check_enough_points(int(np.sum(epochs > 1)), 1, "The repetition law (points with epochs > 1)")
    confidence = check_probability("confidence", confidence)
    initial = check_scalar("initial", initial)
    if not 0 < initial <= 1e6:
        raise ValueError(f"`initial` (a starting value of R*) must be in (0, 1e6], got {initial!r}.")

    def model(e, log_r):
        with np.errstate(over="ignore", invalid="ignore"):
            r = np.exp(log_r)
            return np.log1p(r * -np.expm1(-(e - 1.0) / r))

    reasons = []
    try:
        with warnings.catch_warnings():
            # A covariance that cannot be estimated is reported below as a failure.
            warnings.simplefilter("ignore", optimize.OptimizeWarning)
            (log_r,), cov = optimize.curve_fit(model, epochs, np.log(ratio), p0=[np.log(initial)])
    except RuntimeError as exc:
        log_r, cov = np.log(initial), np.array([[np.inf]])
        reasons.append(f"not converged: {exc}")
    R_star = float(np.exp(log_r)) if np.isfinite(log_r) and log_r < 700 else float("inf")
    largest = float(epochs.max() - 1.0)
    # Runs off (or to zero) is checked first: there the variance is often not finite either, and
    # which of the two a machine's arithmetic reports first must not change the message.
    if np.isfinite(log_r) and R_star > 1e3 * largest:
        reasons.append(f"R* = {R_star:.3g} runs off to infinity (over 1000 times the largest number of "
                       "repeated epochs): the data show no diminishing returns, so R* is not "
                       "identified, only bounded below")
    elif R_star < 1e-3:
        reasons.append(f"R* = {R_star:.3g} runs to zero: repeated epochs add nothing in these data, "
                       "so R* is not identified, only bounded above")
    elif not np.isfinite(R_star) or not np.isfinite(cov).all():
        reasons.append("R* or its variance is not finite")
    resid = np.log(ratio) - model(epochs, log_r)
    n = epochs.size
    t = stats.t.ppf(0.5 + confidence / 2, df=max(n - 1, 1))
    se = float(np.sqrt(cov[0, 0])) if np.isfinite(cov[0, 0]) else np.inf
    with np.errstate(over="ignore"):
        interval = (float(np.exp(log_r - t * se)), float(np.exp(log_r + t * se)))
    if reasons:
        nan = float("nan")
        interval = (nan, nan)
    return RepetitionFit(R_star=R_star, R_star_interval=interval, n_points=n,
                         rmse=float(np.sqrt(np.mean(resid**2))), confidence=confidence,
                         success=not reasons,
                         message="converged" if not reasons else "failed: " + "; ".join(reasons))
