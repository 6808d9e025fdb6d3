"""Entropy floors: a source with a known entropy rate, n-gram and compressor bounds, units.

Quick API note (for other chapters)
-----------------------------------
>>> from scaling_utils import entropy
>>> src = entropy.default_source()        # THE source of the chapter *Entropy floors*
>>> src.n_symbols, src.order              # 3 symbols, order-10 Markov chain
(3, 10)
>>> round(src.entropy_rate, 6)            # exact, nats/symbol
0.932809
>>> x = src.sample(1_000_000, rng=0)      # 1-D int array in [0, 3); stationary from x[0]
>>> x.shape
(1000000,)
>>> round(src.conditional_entropy(3), 6)  # exact H(X_t | 3 previous symbols), nats:
0.958924

The last number is the loss an order-3 model reaches with infinite data (its
misspecification floor).

* :class:`MarkovSource` is a *mixture-of-lags* Markov chain (Raftery's "mixture
  transition distribution"): the next symbol is, with probability ``weights[0]``, uniform
  noise, and with probability ``weights[l]`` (``l = 1..order``) drawn from a lag-specific
  transition ``lag_transitions[l-1][x_{t-l}, :]``.  Its entropy rate and conditional
  entropies are computed exactly from the stationary distribution of ``order``-grams.
* :meth:`MarkovSource.sample` is fully vectorised (pointer jumping), about 1e7 symbols
  in a few seconds, and starts from an exact stationary draw (no burn-in).
* :class:`NGramModel` counts n-grams of every order once; its ``cross_entropies`` scores a
  held-out sample under a choice of smoothing and ``conditional_probabilities`` gives the
  full predictive table, whose exact loss is :meth:`MarkovSource.cross_entropy`.
  :func:`ngram_cross_entropies` / :func:`ngram_cross_entropy` are one-call wrappers;
  :func:`ngram_parameter_count` gives a model's ``N``.
* :func:`compressed_bits_per_byte` gives gzip/bz2/lzma upper bounds on entropy.
* :func:`bits_per_char_to_nats_per_token` / :func:`nats_per_token_to_bits_per_char`
  convert between the units in which entropy estimates and LLM losses are reported.
* :func:`fit_kaplan_floor` fits Kaplan et al.'s interaction form ``L(N, D)`` with an added
  floor ``E``, to set beside the additive Chinchilla fit on a source with a known floor.

All losses are in nats per symbol unless a name says bits.
"""
from __future__ import annotations

import bz2
import gzip
import lzma
import math
from dataclasses import dataclass, field
from types import MappingProxyType

import numpy as np

from ._validate import (
    ArgumentTypeError,
    as_float_array,
    as_positive_array,
    check_broadcastable,
    check_choice,
    check_finite_result,
    check_positive_int,
    check_positive_scalar,
    check_scalar,
)

__all__ = [
    "MarkovSource",
    "default_source",
    "DEFAULT_SOURCE_SETTINGS",
    "ngram_parameter_count",
    "NGramModel",
    "ngram_cross_entropies",
    "ngram_cross_entropy",
    "COMPRESSORS",
    "compressed_bits_per_byte",
    "bits_per_char_to_nats_per_token",
    "nats_per_token_to_bits_per_char",
    "KAPLAN_FLOOR_PARAMS",
    "kaplan_floor_grid",
    "KaplanFloorFit",
    "fit_kaplan_floor",
]

#: Largest number of order-grams (``n_symbols ** order``) a :class:`MarkovSource` may have;
#: the exact stationary distribution is held as a dense array of that size.
_MAX_STATES = 1 << 20

#: The settings of :func:`default_source` (read-only; documented so a reader can rebuild it).
DEFAULT_SOURCE_SETTINGS = MappingProxyType({
    "n_symbols": 3,
    "order": 10,
    "lag_exponent": 1.0,
    "noise": 0.05,
    "flip": 0.0,
    "seed": 20240,
})


def _check_rng(rng, name="rng") -> np.random.Generator:
    """A generator from a non-negative integer seed or a Generator (``name`` for messages)."""
    if isinstance(rng, bool) or not isinstance(rng, (int, np.integer, np.random.Generator)):
        raise ArgumentTypeError(
            f"`{name}` must be an integer seed or a numpy.random.Generator, got "
            f"{type(rng).__name__} {_clip(rng)}; e.g. {name}=0 or {name}=np.random.default_rng(0)."
        )
    if isinstance(rng, (int, np.integer)) and rng < 0:
        raise ValueError(f"`{name}` must be a non-negative integer seed, got {_clip(rng)}.")
    return np.random.default_rng(rng)


def _clip(value, width=40) -> str:
    """``repr(value)``, shortened for error messages (a 400-digit integer, a long array)."""
    text = repr(value)
    return text if len(text) <= width else text[: width - 3] + "..."


def _entropy_nats(p: np.ndarray) -> float:
    p = p[p > 0]
    return float(-(p * np.log(p)).sum())


@dataclass(frozen=True, eq=False)
class MarkovSource:
    r"""A finite-alphabet, order-``k`` Markov chain whose entropy rate is known exactly.

    The chain is a *mixture of lags* (a mixture transition distribution model):

    .. math::

        P(x_t = a \mid x_{t-k}, \dots, x_{t-1})
        = \frac{w_0}{m} + \sum_{\ell=1}^{k} w_\ell\, T_\ell(a \mid x_{t-\ell}),

    with ``m = n_symbols`` symbols, ``k = order``, weights ``w`` (``weights``, summing to
    one) and row-stochastic ``m x m`` matrices ``T_l`` (``lag_transitions``).

    Parameters
    ----------
    weights : array_like of shape (order + 1,)
        ``weights[0]`` is the probability of a uniform "noise" symbol, ``weights[l]`` the
        probability that lag ``l`` drives the next symbol.  Non-negative, summing to 1
        (within 1e-9; they are renormalised), with ``weights[0] > 0`` so that the chain is
        ergodic and its stationary distribution unique.
    lag_transitions : array_like of shape (order, n_symbols, n_symbols)
        Row-stochastic matrices ``T_l[v, a] = P(a | x_{t-l} = v)``.

    Attributes
    ----------
    n_symbols : int
        Alphabet size ``m`` (symbols are ``0 .. m-1``).
    order : int
        Markov order ``k``.
    entropy_rate : float
        Exact entropy rate in nats/symbol, :math:`H = \sum_s \pi(s) H(P(\cdot\mid s))`
        with :math:`\pi` the stationary distribution of ``k``-grams, found by power
        iteration to a change below 1e-13 in total (L1) distance.
    stationary_iterations : int
        Power iterations used.

    See Also
    --------
    default_source : the source used in the chapter.
    MarkovSource.mixture_of_lags : build one from a few interpretable settings.

    Notes
    -----
    Chapter: *Entropy floors* (the experiment with a known answer).  The mixture
    transition distribution is Raftery (1985), J. R. Stat. Soc. B 47(3), 528-539.
    ``conditional_entropy(j)`` is the cross-entropy that the best order-``j`` model
    reaches with infinite data (its misspecification floor); by the chain rule it is
    ``H(j+1-gram) - H(j-gram)`` of the stationary marginals.
    """

    weights: np.ndarray
    lag_transitions: np.ndarray
    n_symbols: int = field(init=False)
    order: int = field(init=False)
    entropy_rate: float = field(init=False)
    stationary_iterations: int = field(init=False)

    def __post_init__(self):
        w = as_float_array("weights", self.weights)
        if w.ndim != 1 or w.size < 2:
            raise ValueError(
                f"`weights` must be a 1-D array of length order + 1 >= 2 (noise weight, then "
                f"one weight per lag), got shape {w.shape}."
            )
        if (w < 0).any():
            raise ValueError(f"`weights` must be non-negative, got {w.tolist()}.")
        if w[0] <= 0:
            raise ValueError(
                "`weights[0]` (the uniform-noise probability) must be > 0 so that the chain "
                f"is ergodic with a unique stationary distribution; got {w[0]!r}."
            )
        if abs(w.sum() - 1.0) > 1e-9:
            raise ValueError(f"`weights` must sum to 1, got sum {w.sum()!r}.")
        w = w / w.sum()
        T = as_float_array("lag_transitions", self.lag_transitions)
        k = w.size - 1
        if T.ndim != 3 or T.shape[0] != k or T.shape[1] != T.shape[2] or T.shape[1] < 2:
            raise ValueError(
                f"`lag_transitions` must have shape (order, n_symbols, n_symbols) = "
                f"({k}, m, m) with m >= 2 to match `weights` of length {w.size}; got {T.shape}."
            )
        if (T < 0).any() or np.abs(T.sum(axis=2) - 1.0).max() > 1e-9:
            raise ValueError(
                "Every row of `lag_transitions` must be a probability distribution "
                "(non-negative, summing to 1)."
            )
        m = T.shape[1]
        if m**k > _MAX_STATES:
            raise ValueError(
                f"n_symbols**order = {m}**{k} = {m**k} exceeds {_MAX_STATES}; the exact "
                "stationary distribution would not fit in memory. Use fewer symbols or a "
                "lower order."
            )
        w.setflags(write=False)
        T = T.copy()
        T.setflags(write=False)
        object.__setattr__(self, "weights", w)
        object.__setattr__(self, "lag_transitions", T)
        object.__setattr__(self, "n_symbols", int(m))
        object.__setattr__(self, "order", int(k))
        P = self._conditional_table()
        pi, iterations = self._stationary(P)
        joint = pi[..., None] * P
        joint.setflags(write=False)
        object.__setattr__(self, "_joint", joint)
        object.__setattr__(self, "stationary_iterations", iterations)
        h = float(-(joint * np.log(np.where(P > 0, P, 1.0))).sum())
        object.__setattr__(self, "entropy_rate", h)

    # ------------------------------------------------------------------ construction
    @classmethod
    def mixture_of_lags(cls, n_symbols=3, order=10, *, lag_exponent=1.0, noise=0.05,
                        flip=0.0, seed=0):
        r"""Build a mixture-of-lags source with power-law lag weights.

        Lag ``l`` gets weight proportional to ``l ** -lag_exponent`` (the lags share
        ``1 - noise``); each lag's transition maps ``x_{t-l}`` to a fixed random
        permutation of the alphabet, kept with probability ``1 - flip`` and replaced by a
        uniform symbol with probability ``flip``.

        Parameters
        ----------
        n_symbols : int, default 3
        order : int, default 10
        lag_exponent : float, default 1.0
            ``s`` in ``w_l \propto l^{-s}``: larger means information concentrated in
            short lags.  Must be >= 0.
        noise : float, default 0.05
            Probability of a uniform symbol (``weights[0]``), in (0, 1).
        flip : float, default 0.0
            Extra noise inside each lag's transition, in [0, 1).
        seed : int, default 0
            Seed of the permutations.

        Returns
        -------
        MarkovSource

        Notes
        -----
        Chapter: *Entropy floors*.  Power-law lag weights make the information about
        the next symbol spread over many lags, so that conditional entropies
        :math:`H_j` approach the entropy rate gradually as the context ``j`` grows.
        """
        # With at least 2 symbols, m**k <= _MAX_STATES = 2**20 needs m <= 2**20 and k <= 20;
        # bounding both first keeps m**k cheap to compute (2**63 would hang).
        m = check_positive_int("n_symbols", n_symbols, minimum=2, maximum=_MAX_STATES)
        k = check_positive_int("order", order, minimum=1, maximum=_MAX_STATES.bit_length() - 1)
        s = check_scalar("lag_exponent", lag_exponent)
        if s < 0:
            raise ValueError(f"`lag_exponent` must be a single number >= 0, got {s!r}.")
        noise = check_scalar("noise", noise)
        if not 0 < noise < 1:
            raise ValueError(f"`noise` must be strictly between 0 and 1, got {noise!r}.")
        flip = check_scalar("flip", flip)
        if not 0 <= flip < 1:
            raise ValueError(f"`flip` must be in [0, 1), got {flip!r}.")
        if m**k > _MAX_STATES:
            raise ValueError(
                f"`n_symbols`**`order` = {m}**{k} exceeds {_MAX_STATES}; use fewer symbols or "
                "a lower order."
            )
        rng = _check_rng(seed, "seed")
        lag_w = np.arange(1, k + 1, dtype=float) ** -s
        weights = np.concatenate([[noise], (1 - noise) * lag_w / lag_w.sum()])
        T = np.full((k, m, m), flip / m)
        for ell in range(k):
            T[ell, np.arange(m), rng.permutation(m)] += 1 - flip
        return cls(weights=weights, lag_transitions=T)

    # ------------------------------------------------------------------ exact quantities
    def _conditional_table(self) -> np.ndarray:
        """P[x_{t-k}, ..., x_{t-1}, a] as a dense array of shape (m,) * (k + 1)."""
        m, k = self.n_symbols, self.order
        P = np.full((m,) * (k + 1), self.weights[0] / m)
        for ell in range(1, k + 1):
            shape = [1] * (k + 1)
            shape[k - ell] = m  # axis of x_{t-ell}
            shape[k] = m  # next symbol
            P = P + self.weights[ell] * self.lag_transitions[ell - 1].reshape(shape)
        return P

    def _stationary(self, P: np.ndarray, tol: float = 1e-13, max_iter: int = 100_000):
        m, k = self.n_symbols, self.order
        pi = np.full((m,) * k, 1.0 / m**k)
        for it in range(1, max_iter + 1):
            new = (pi[..., None] * P).sum(axis=0)
            change = np.abs(new - pi).sum()
            pi = new / new.sum()
            if change < tol:
                return pi, it
        raise RuntimeError(  # pragma: no cover - weights[0] > 0 guarantees convergence
            f"Power iteration did not converge in {max_iter} iterations."
        )

    def ngram_distribution(self, n) -> np.ndarray:
        """Exact stationary distribution of ``n`` consecutive symbols.

        Parameters
        ----------
        n : int
            Block length, ``1 <= n <= order + 1``.

        Returns
        -------
        numpy.ndarray of shape ``(n_symbols,) * n``
            ``p[x_1, ..., x_n]``, oldest symbol first.
        """
        n = check_positive_int("n", n, minimum=1)
        if n > self.order + 1:
            raise ValueError(
                f"`n` must be at most order + 1 = {self.order + 1}, got {n}; longer blocks "
                "are not stored (use the chain rule with conditional_entropy instead)."
            )
        joint = self._joint
        axes = tuple(range(self.order + 1 - n))
        return joint.sum(axis=axes) if axes else joint.copy()

    def conditional_entropy(self, order) -> float:
        """Exact ``H(X_t | X_{t-order}, ..., X_{t-1})`` in nats.

        Parameters
        ----------
        order : int
            Context length ``j >= 0``; ``0`` gives the entropy of the stationary
            single-symbol distribution.

        Returns
        -------
        float
            The cross-entropy (nats/symbol) that the best order-``j`` model reaches with
            unlimited data: its misspecification floor.  Non-increasing in ``j`` and
            equal to :attr:`entropy_rate` for ``j >= self.order``.

        Notes
        -----
        Chain rule: ``H_j = H(p_{j+1}) - H(p_j)`` with ``p_n`` the stationary n-gram
        distribution (:meth:`ngram_distribution`).  Chapter: *Entropy floors*.
        """
        j = _check_order("order", order)
        if j >= self.order:
            return self.entropy_rate
        h_next = _entropy_nats(self.ngram_distribution(j + 1).ravel())
        h_ctx = _entropy_nats(self.ngram_distribution(j).ravel()) if j > 0 else 0.0
        return h_next - h_ctx

    def cross_entropy(self, probabilities) -> float:
        r"""Exact expected cross-entropy (nats/symbol) of an order-``j`` predictor.

        Parameters
        ----------
        probabilities : array_like of shape (n_symbols**j, n_symbols)
            ``q[c, a]``: the predicted probability of symbol ``a`` after context ``c``,
            where ``c = sum_l x_{t-l} * n_symbols**(l-1)`` (the newest symbol is the
            lowest digit), for a context length ``0 <= j <= order`` (``j = 0``: one row).
            Rows must be probability distributions with no zeros.

        Returns
        -------
        float
            :math:`\sum_{c,a} p_{j+1}(c, a)\,(-\log q(a\mid c))` under the stationary
            distribution: the population loss of the predictor, with no test-sample
            noise.  Never below :meth:`conditional_entropy` ``(j)`` (Gibbs' inequality).

        Notes
        -----
        Chapter: *Entropy floors*; :meth:`NGramModel.conditional_probabilities` gives
        ``q`` for a trained n-gram model.
        """
        q = as_float_array("probabilities", probabilities)
        m = self.n_symbols
        if q.ndim != 2 or q.shape[1] != m:
            raise ValueError(
                f"`probabilities` must have shape (n_symbols**j, n_symbols) = (m**j, {m}), "
                f"got {q.shape}."
            )
        j = round(math.log(q.shape[0], m)) if q.shape[0] > 0 else -1
        if j < 0 or m**j != q.shape[0] or j > self.order:
            raise ValueError(
                f"`probabilities` has {q.shape[0]} rows; it must have n_symbols**j rows "
                f"for a context length 0 <= j <= order = {self.order}."
            )
        if (q <= 0).any() or np.abs(q.sum(axis=1) - 1.0).max() > 1e-9:
            raise ValueError(
                "Every row of `probabilities` must be a probability distribution with "
                "strictly positive entries (a zero would give infinite loss)."
            )
        p = self.ngram_distribution(j + 1).reshape(m**j, m)
        return float(-(p * np.log(q)).sum())

    # ------------------------------------------------------------------ sampling
    def sample(self, n_samples, *, rng) -> np.ndarray:
        """Draw a stationary sample path of ``n_samples`` symbols.

        Parameters
        ----------
        n_samples : int
            Length of the path (>= 1, at most 1e9).
        rng : int or numpy.random.Generator
            Seed or generator (required, so every sample is reproducible).

        Returns
        -------
        numpy.ndarray of int8 (int32 if ``n_symbols > 127``), shape (n_samples,)
            Symbols in ``[0, n_symbols)``.  The first ``order`` symbols are an exact draw
            from the stationary distribution, so the whole path is stationary.

        Notes
        -----
        Vectorised by pointer jumping: every position ``t`` either is a root (a noise
        symbol, or one of the first ``order`` symbols) or copies a random function of
        ``x_{t-l}``; composing these functions along the pointers doubles the distance
        covered in each round, so ``O(log n)`` NumPy passes resolve the whole path.
        Time and memory grow as ``n_samples * n_symbols**2``: meant for small alphabets
        (about 0.5 s per million symbols for the default source).
        """
        n = check_positive_int("n_samples", n_samples, minimum=1, maximum=_MAX_SAMPLES)
        gen = _check_rng(rng)
        m, k = self.n_symbols, self.order
        # Exact stationary start: one draw of the first k symbols.
        pk = self.ngram_distribution(k).ravel()
        start = int(gen.choice(pk.size, p=pk / pk.sum()))
        dtype = np.int8 if m <= 127 else np.int32
        head = np.array(np.unravel_index(start, (m,) * k), dtype=dtype)
        if n <= k:
            return head[:n].copy()
        total = n
        comp = gen.choice(k + 1, size=total, p=self.weights)
        comp[:k] = 0
        u = gen.random(total)
        # F[t, v] = symbol at t if x_{t - lag} = v;  parent[t] = t - lag (roots: itself).
        F = np.empty((total, m), dtype=dtype)
        idx = np.arange(total)
        parent = idx.copy()
        root = comp == 0
        F[:k] = head[:, None]
        noise = root.copy()
        noise[:k] = False
        F[noise] = np.floor(u[noise] * m).astype(dtype)[:, None]
        live = np.flatnonzero(~root)
        lag = comp[live]
        parent[live] = live - lag
        cdf = np.cumsum(self.lag_transitions, axis=2)[:, :, :-1]  # (k, m, m-1)
        uu = u[live][:, None]
        for v in range(m):
            F[live, v] = (uu > cdf[lag - 1, v, :]).sum(axis=1)
        # Pointer jumping on the non-root positions.
        active = live
        while active.size:
            p = parent[active]
            F[active] = np.take_along_axis(F[active], F[p].astype(np.intp), axis=1)
            parent[active] = parent[p]
            active = active[~root[parent[active]]]
        return F[idx, F[parent, 0]]

    def summary(self) -> str:
        """A short description with the exact entropy rate in nats and bits."""
        return (
            f"MarkovSource: {self.n_symbols} symbols, order {self.order}, noise weight "
            f"{self.weights[0]:.3g}; entropy rate {self.entropy_rate:.6f} nats/symbol "
            f"({self.entropy_rate / math.log(2):.6f} bits/symbol); "
            f"H_0 = {self.conditional_entropy(0):.6f} nats."
        )

    def __repr__(self) -> str:
        return (
            f"MarkovSource(n_symbols={self.n_symbols}, order={self.order}, "
            f"entropy_rate={self.entropy_rate:.6f})"
        )


def default_source() -> MarkovSource:
    """Return THE source of the chapter *Entropy floors*.

    ``MarkovSource.mixture_of_lags(**DEFAULT_SOURCE_SETTINGS)``: 3 symbols, order 10
    (59,049 contexts), lag weights proportional to ``1/l``, 5% uniform noise, lag
    transitions that are random permutations (seed 20240).

    Returns
    -------
    MarkovSource

    Notes
    -----
    Chapter: *Entropy floors*; also used by *Overfitting* for its data-repetition
    experiment.  Rebuilt on every call (about 0.1 s); keep the returned object.
    """
    return MarkovSource.mixture_of_lags(**DEFAULT_SOURCE_SETTINGS)


# --------------------------------------------------------------------------- n-gram models
#: Largest number of (context, symbol) cells counted with a dense ``np.bincount``; bigger
#: tables are counted sparsely with ``np.unique``.
_DENSE_LIMIT = 1 << 24

_SMOOTHINGS = ("interpolated", "dirichlet", "additive")

#: Longest path :meth:`MarkovSource.sample` draws (it needs about 40 bytes per symbol).
_MAX_SAMPLES = 10**9


def ngram_parameter_count(order, n_symbols) -> int:
    """Number of free parameters of an order-``j`` Markov (n-gram) model.

    Parameters
    ----------
    order : int
        Context length ``j >= 0`` (an order-``j`` model is a ``(j+1)``-gram model).
    n_symbols : int
        Alphabet size ``m >= 2``.

    Returns
    -------
    int
        ``(m - 1) * m**j``: one free probability vector per possible context.

    Raises
    ------
    ValueError
        If the count would exceed about 1e300 (it is used as a float ``N``).

    Notes
    -----
    Chapter: *Entropy floors*, where this plays the role of ``N`` in
    ``L = E + A/N**alpha + B/D**beta``.
    """
    j = _check_order("order", order)
    m = check_positive_int("n_symbols", n_symbols, minimum=2)
    # (m - 1) m**j is the N of a scaling law: it must fit in a float (checked with logs
    # first, since m**j itself would take forever for j = 2**63).
    if j > 1000 or j * math.log10(m) > 300:
        raise ValueError(
            f"`order` = {_clip(j)} with `n_symbols` = {_clip(m)} gives more than 1e300 "
            "parameters, beyond the float range; pass a smaller order or alphabet."
        )
    return (m - 1) * m**j


def _as_symbols(name, x, m) -> np.ndarray:
    arr = np.asarray(x)
    if arr.ndim != 1 or arr.size == 0:
        raise ValueError(f"`{name}` must be a non-empty 1-D array of symbols, got shape {arr.shape}.")
    if not np.issubdtype(arr.dtype, np.integer):
        raise ValueError(
            f"`{name}` must hold integer symbols in [0, n_symbols), got dtype {arr.dtype}; "
            "encode text first, e.g. np.frombuffer(text.encode(), dtype=np.uint8)."
        )
    lo, hi = int(arr.min()), int(arr.max())
    if lo < 0 or hi >= m:
        raise ValueError(
            f"`{name}` must hold symbols in [0, n_symbols) = [0, {m}), but its values range "
            f"over [{lo}, {hi}]; pass the right n_symbols."
        )
    return arr.astype(np.int64)


class _Counts:
    """Counts n(c, a), n(c) and u(c) of one order, with vectorised look-up."""

    def __init__(self, ctx, nxt, n_ctx_cells, m):
        cells = ctx * m + nxt
        self.m = m
        if n_ctx_cells * m <= _DENSE_LIMIT:
            table = np.bincount(cells, minlength=n_ctx_cells * m).reshape(n_ctx_cells, m)
            self.dense = table
            self.total = table.sum(axis=1)
            self.types = (table > 0).sum(axis=1)
            self.count_of_counts = np.bincount(table.ravel(), minlength=3)[1:3]
        else:
            self.dense = None
            keys, counts = np.unique(cells, return_counts=True)
            self.keys, self.counts = keys, counts
            ckeys, start, types = np.unique(keys // m, return_index=True, return_counts=True)
            self.ckeys = ckeys
            self.ctotal = np.add.reduceat(counts, start)
            self.ctypes = types
            self.count_of_counts = np.array([(counts == 1).sum(), (counts == 2).sum()])

    @staticmethod
    def _find(keys, values, query):
        pos = np.searchsorted(keys, query)
        pos = np.minimum(pos, keys.size - 1)
        hit = keys[pos] == query
        return np.where(hit, values[pos], 0)

    def lookup(self, ctx, nxt):
        """Return n(c, a), n(c), u(c) for each query."""
        if self.dense is not None:
            return self.dense[ctx, nxt], self.total[ctx], self.types[ctx]
        cell = self._find(self.keys, self.counts, ctx * self.m + nxt)
        return cell, self._find(self.ckeys, self.ctotal, ctx), self._find(self.ckeys, self.ctypes, ctx)


def _check_order(name, value) -> int:
    """A context length: an integer >= 0."""
    return check_positive_int(name, value, minimum=0)


def _check_ngram_size(order, n_symbols, *, order_name):
    """``(order, n_symbols)`` validated so that n-gram ids ``< n_symbols**(order+1)`` fit
    in 64 bits (``order_name`` is the caller's name for the order)."""
    k = _check_order(order_name, order)
    m = check_positive_int("n_symbols", n_symbols, minimum=2)
    # The cheap tests come first: m**(k+1) itself would take forever for k = 2**63.
    if k >= 63 or (k + 1) * math.log2(m) > 64 or m ** (k + 1) >= 2**62:
        raise ValueError(
            f"`n_symbols`**(`{order_name}`+1) = {_clip(m)}**({_clip(k)}+1) overflows 64-bit "
            f"n-gram ids; lower `{order_name}` or map the data to a smaller alphabet."
        )
    return k, m


def _check_smoothing(smoothing, discount, alpha, concentration):
    check_choice("smoothing", smoothing, _SMOOTHINGS)
    d_fixed = None
    if discount is not None:
        d_fixed = check_positive_scalar("discount", discount)
        if d_fixed >= 1:
            raise ValueError(f"`discount` must be strictly between 0 and 1, got {discount!r}.")
    alpha = check_positive_scalar("alpha", alpha)
    beta = check_positive_scalar("concentration", concentration)
    return d_fixed, alpha, beta


def _smooth(n_ca, n_c, u_c, lower, m, smoothing, counts, d_fixed, alpha, beta):
    """One level of smoothing: counts of this order, ``lower`` = next-lower estimate."""
    if smoothing == "additive":
        return (n_ca + alpha) / (n_c + alpha * m)
    if smoothing == "dirichlet":
        return (n_ca + beta * lower) / (n_c + beta)
    if d_fixed is None:
        n1, n2 = counts.count_of_counts
        d = n1 / (n1 + 2.0 * n2) if n1 + n2 > 0 else 0.5
        d = float(np.clip(d, 0.05, 0.95))
    else:
        d = d_fixed
    seen = n_c > 0
    safe = np.where(seen, n_c, 1.0)
    interp = np.maximum(n_ca - d, 0.0) / safe + d * u_c / safe * lower
    return np.where(seen, interp, lower)


@dataclass(frozen=True, eq=False)
class NGramModel:
    r"""Counts of every order ``0 .. max_order`` from one training sequence.

    Build it with :meth:`NGramModel.fit`; score held-out data with
    :meth:`cross_entropies` under any smoothing without recounting.

    Attributes
    ----------
    max_order : int
        Largest context length counted.
    n_symbols : int
        Alphabet size.
    n_train : int
        Length of the training sequence (``D``).

    Notes
    -----
    Chapter: *Entropy floors*.  Counting is vectorised: dense ``np.bincount`` tables
    while ``n_symbols**(j+1) <= 2**24``, sorted keys and ``np.searchsorted`` beyond.
    """

    max_order: int
    n_symbols: int
    n_train: int
    _counts: tuple = field(repr=False)

    @classmethod
    def fit(cls, train, *, max_order, n_symbols):
        """Count all n-grams of ``train`` up to context length ``max_order``.

        Parameters
        ----------
        train : array_like of int
            Symbols in ``[0, n_symbols)``, at least ``max_order + 1`` of them.
        max_order : int
            Largest context length ``j >= 0``.
        n_symbols : int
            Alphabet size ``m >= 2``.

        Returns
        -------
        NGramModel
        """
        k, m = _check_ngram_size(max_order, n_symbols, order_name="max_order")
        x = _as_symbols("train", train, m)
        if x.size <= k:
            raise ValueError(
                f"`train` has {x.size} symbols; an order-{k} model needs at least {k + 1}."
            )
        counts = []
        ctx = np.zeros(x.size, dtype=np.int64)  # context id of position t (newest lowest)
        scale = 1
        for j in range(k + 1):
            if j > 0:
                ctx = ctx[1:] + x[: x.size - j] * scale
                scale *= m
            counts.append(_Counts(ctx, x[j:], m**j, m))
        return cls(max_order=k, n_symbols=m, n_train=int(x.size), _counts=tuple(counts))

    def cross_entropies(self, test, *, smoothing="interpolated", discount=None, alpha=0.5,
                        concentration=2.0) -> np.ndarray:
        r"""Held-out cross-entropy (nats/symbol) of the models of order ``0 .. max_order``.

        Parameters
        ----------
        test : array_like of int
            Held-out symbols in ``[0, n_symbols)``.  Every order is scored on the same
            positions ``t = max_order, ..., len(test) - 1`` (contexts taken from ``test``).
        smoothing : {"interpolated", "dirichlet", "additive"}, default "interpolated"
            ``"interpolated"``: interpolated absolute discounting,
            :math:`p_j(a\mid c) = \max(n(c,a)-d_j, 0)/n(c) + d_j u(c)/n(c)\, p_{j-1}(a\mid c')`
            with ``c'`` the context without its oldest symbol, ``u(c)`` the number of
            distinct symbols seen after ``c``, unseen contexts falling back to
            :math:`p_{j-1}`, and :math:`p_{-1}` uniform.
            ``"dirichlet"``: hierarchical Dirichlet smoothing,
            :math:`p_j(a\mid c) = (n(c,a) + \beta p_{j-1}(a\mid c'))/(n(c) + \beta)` with
            concentration :math:`\beta`.  ``"additive"``: Lidstone's
            :math:`(n(c,a)+\alpha)/(n(c)+\alpha m)` at each order separately.
        discount : float in (0, 1), optional
            Absolute discount ``d`` of every order (``"interpolated"``); default: Ney et
            al.'s estimate :math:`d_j = n_1/(n_1 + 2 n_2)` from the counts of counts of
            order ``j``, clipped to [0.05, 0.95].
        alpha : float, default 0.5
            Pseudo-count of ``"additive"`` (0.5 is the Krichevsky-Trofimov estimator).
        concentration : float, default 2.0
            :math:`\beta` of ``"dirichlet"``.

        Returns
        -------
        numpy.ndarray of shape (max_order + 1,)

        Notes
        -----
        Chapter: *Entropy floors*.  Absolute discounting with interpolation: Ney, Essen
        and Kneser (1994), Computer Speech and Language 8(1), 1-38.  Hierarchical
        Dirichlet smoothing: MacKay and Peto (1995), Natural Language Engineering 1(3).
        """
        d_fixed, alpha, beta = _check_smoothing(smoothing, discount, alpha, concentration)
        k, m = self.max_order, self.n_symbols
        x = _as_symbols("test", test, m)
        if x.size <= k:
            raise ValueError(
                f"`test` has {x.size} symbols; an order-{k} model needs at least {k + 1}."
            )
        nxt = x[k:]
        n = nxt.size
        ctx = np.zeros(n, dtype=np.int64)
        scale = 1
        prob = np.full(n, 1.0 / m)
        out = np.empty(k + 1)
        for j, counts in enumerate(self._counts):
            if j > 0:
                ctx = ctx + x[k - j:k - j + n] * scale
                scale *= m
            n_ca, n_c, u_c = counts.lookup(ctx, nxt)
            prob = _smooth(n_ca.astype(float), n_c.astype(float), u_c, prob, m,
                           smoothing, counts, d_fixed, alpha, beta)
            out[j] = float(-np.log(prob).mean())
        return out


    def conditional_probabilities(self, order, *, smoothing="interpolated", discount=None,
                                  alpha=0.5, concentration=2.0) -> np.ndarray:
        """The smoothed predictive distribution of the order-``order`` model, every context.

        Parameters
        ----------
        order : int
            Context length ``0 <= order <= max_order``; ``n_symbols**(order+1)`` must be
            at most ``2**24`` (a dense table).
        smoothing, discount, alpha, concentration
            As for :meth:`cross_entropies`.

        Returns
        -------
        numpy.ndarray of shape (n_symbols**order, n_symbols)
            ``q[c, a]`` with context id ``c = sum_l x_{t-l} * n_symbols**(l-1)``
            (newest symbol lowest), the layout :meth:`MarkovSource.cross_entropy` takes.

        Notes
        -----
        Chapter: *Entropy floors*.
        """
        j = _check_order("order", order)
        if j > self.max_order:
            raise ValueError(f"`order` must be at most max_order = {self.max_order}, got {j}.")
        d_fixed, alpha, beta = _check_smoothing(smoothing, discount, alpha, concentration)
        m = self.n_symbols
        if m ** (j + 1) > _DENSE_LIMIT:
            raise ValueError(
                f"n_symbols**(order+1) = {m ** (j + 1)} exceeds {_DENSE_LIMIT}; the full "
                "table would be too large. Use cross_entropies on a test sample instead."
            )
        q = np.full((1, m), 1.0 / m)
        for i in range(j + 1):
            counts = self._counts[i]
            n_ca = counts.dense.astype(float)
            n_c = n_ca.sum(axis=1, keepdims=True)
            lower = np.tile(q, (m, 1)) if i > 0 else q  # row c -> row c mod m**(i-1)
            q = _smooth(n_ca, n_c, (n_ca > 0).sum(axis=1, keepdims=True), lower, m,
                        smoothing, counts, d_fixed, alpha, beta)
        return q


def ngram_cross_entropies(train, test, *, max_order, n_symbols, smoothing="interpolated",
                          discount=None, alpha=0.5, concentration=2.0) -> np.ndarray:
    """Held-out cross-entropy (nats/symbol) of n-gram models of every order ``0 .. max_order``.

    ``NGramModel.fit(train, max_order=..., n_symbols=...).cross_entropies(test, ...)``;
    see :class:`NGramModel` and :meth:`NGramModel.cross_entropies` for the parameters.

    Returns
    -------
    numpy.ndarray of shape (max_order + 1,)

    Raises
    ------
    ValueError
        Non-integer or out-of-range symbols, sequences shorter than ``max_order + 1``,
        unknown ``smoothing``, or bad ``discount``/``alpha``/``concentration``.

    Notes
    -----
    Chapter: *Entropy floors*.
    """
    model = NGramModel.fit(train, max_order=max_order, n_symbols=n_symbols)
    return model.cross_entropies(test, smoothing=smoothing, discount=discount, alpha=alpha,
                                 concentration=concentration)


def ngram_cross_entropy(train, test, *, order, n_symbols, smoothing="interpolated",
                        discount=None, alpha=0.5, concentration=2.0) -> float:
    """Held-out cross-entropy (nats/symbol) of one n-gram model of context length ``order``.

    The last entry of :func:`ngram_cross_entropies` with ``max_order=order`` (scored on
    positions ``order, ..., len(test) - 1``).

    Notes
    -----
    Chapter: *Entropy floors*.
    """
    order, _ = _check_ngram_size(order, n_symbols, order_name="order")
    return float(
        ngram_cross_entropies(train, test, max_order=order, n_symbols=n_symbols,
                              smoothing=smoothing, discount=discount, alpha=alpha,
                              concentration=concentration)[-1]
    )


# --------------------------------------------------------------------------- compressors
#: Standard-library compressors, each at its strongest setting.
COMPRESSORS = {
    "gzip": lambda b: gzip.compress(b, compresslevel=9, mtime=0),
    "bz2": lambda b: bz2.compress(b, compresslevel=9),
    "lzma": lambda b: lzma.compress(b, preset=9 | lzma.PRESET_EXTREME),
}


def compressed_bits_per_byte(data, *, compressor="lzma") -> float:
    """Compressed size in bits per input byte: an upper bound on the source's entropy.

    Parameters
    ----------
    data : bytes or str
        The text; a str is encoded as UTF-8 first.
    compressor : {"gzip", "bz2", "lzma"}, default "lzma"
        Standard-library compressor, at its strongest setting (gzip level 9, bz2
        level 9, lzma preset 9 | EXTREME).

    Returns
    -------
    float
        ``8 * len(compressed) / len(data)``.  Container headers are included, so the
        bound is loose for short inputs.

    Notes
    -----
    Chapter: *Entropy floors*.  A lossless code's length can never beat the entropy on
    average (Shannon 1948; Cover and Thomas, *Elements of Information Theory*, ch. 5),
    so any compressor gives an upper bound on the entropy in bits per byte.
    """
    if isinstance(data, str):
        data = data.encode("utf-8")
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise ArgumentTypeError(f"`data` must be bytes or str, got {type(data).__name__}.")
    data = bytes(data)
    if len(data) == 0:
        raise ValueError("`data` is empty; pass at least one byte.")
    check_choice("compressor", compressor, sorted(COMPRESSORS))
    return 8.0 * len(COMPRESSORS[compressor](data)) / len(data)


# --------------------------------------------------------------------------- units
def bits_per_char_to_nats_per_token(bits_per_char, *, chars_per_token):
    """Convert bits per character to nats per token.

    Parameters
    ----------
    bits_per_char : float or array_like
        Entropy or loss in bits per character (>= 0).
    chars_per_token : float or array_like
        Average characters per token of the tokenizer on this text (> 0), e.g. 4.3 for
        GPT-2's tokenizer on WebText2 (Kaplan et al. 2020).

    Returns
    -------
    float or numpy.ndarray
        ``bits_per_char * ln(2) * chars_per_token``.

    Notes
    -----
    Chapter: *Entropy floors*.  The total information in a text does not depend on how it
    is cut up, so ``loss_per_token = loss_per_char * chars_per_token``; one bit is
    ``ln 2`` nats.  The conversion assumes the same text (a loss per character on one
    corpus says nothing exact about another).
    """
    bpc = as_float_array("bits_per_char", bits_per_char)
    if (bpc < 0).any():
        raise ValueError("`bits_per_char` must be >= 0 (it is an entropy or a loss).")
    cpt = as_positive_array("chars_per_token", chars_per_token)
    check_broadcastable(bits_per_char=bpc, chars_per_token=cpt)
    with np.errstate(all="ignore"):  # an overflow is reported by the check below
        out = bpc * math.log(2.0) * cpt
    check_finite_result(out, "bits_per_char", "chars_per_token")
    return float(out) if out.ndim == 0 else out


def nats_per_token_to_bits_per_char(nats_per_token, *, chars_per_token):
    """Convert nats per token to bits per character (inverse of
    :func:`bits_per_char_to_nats_per_token`).

    Parameters
    ----------
    nats_per_token : float or array_like
        Loss in nats per token (>= 0).
    chars_per_token : float or array_like
        Average characters per token (> 0).

    Returns
    -------
    float or numpy.ndarray
        ``nats_per_token / (ln(2) * chars_per_token)``.

    Notes
    -----
    Chapter: *Entropy floors*.
    """
    npt = as_float_array("nats_per_token", nats_per_token)
    if (npt < 0).any():
        raise ValueError("`nats_per_token` must be >= 0 (it is an entropy or a loss).")
    cpt = as_positive_array("chars_per_token", chars_per_token)
    check_broadcastable(nats_per_token=npt, chars_per_token=cpt)
    with np.errstate(all="ignore"):  # an overflow is reported by the check below
        out = npt / (math.log(2.0) * cpt)
    check_finite_result(out, "nats_per_token", "chars_per_token")
    return float(out) if out.ndim == 0 else out


# --------------------------------------------------------------------------- Kaplan's L(N, D)
#: Names of the parameters of :func:`fit_kaplan_floor`, in the order of ``init_grid``'s
#: columns after the first: ``(log E, log N_c, log D_c, alpha_N, alpha_D)``.
KAPLAN_FLOOR_PARAMS = ("E", "N_c", "D_c", "alpha_N", "alpha_D")

#: Largest |gradient| of the summed Huber objective at which a fit counts as converged.
_KAPLAN_GRADIENT_TOLERANCE = 1e-6


def kaplan_floor_grid():
    """Default starting points of :func:`fit_kaplan_floor`, as rows ``(E / lowest loss,
    log N_c, log D_c, alpha_N, alpha_D)``: 675 starts.

    ``E`` starts at 0.5, 0.9 and 0.99 of the lowest observed loss; ``log N_c`` and
    ``log D_c`` cover ``{-5, 0, 10, 20, 30}`` (Kaplan et al.'s language-model constants,
    6.4e13 and 1.8e13, are near 31 and 30); both exponents start at 0.1, 0.3 and 1.
    """
    return np.array([(f, lNc, lDc, aN, aD)
                     for f in (0.5, 0.9, 0.99)
                     for lNc in (-5.0, 0.0, 10.0, 20.0, 30.0)
                     for lDc in (-5.0, 0.0, 10.0, 20.0, 30.0)
                     for aN in (0.1, 0.3, 1.0)
                     for aD in (0.1, 0.3, 1.0)])


def _kaplan_terms(theta, logN, logD):
    """Pieces of ``L = E + [(N_c/N)^(aN/aD) + D_c/D]^aD`` for ``theta = (log E, log N_c,
    log D_c, aN, aD)``: ``(E, T, S, su, sv, xN)`` with ``S = log[(N_c/N)^(aN/aD) + D_c/D]``,
    ``T = exp(aD * S)``, ``su, sv`` the shares of the two terms inside the bracket and
    ``xN = log N_c - log N``."""
    e, lNc, lDc, aN, aD = theta
    xN = lNc - logN
    u = (aN / aD) * xN
    v = lDc - logD
    S = np.logaddexp(u, v)
    with np.errstate(over="ignore", under="ignore"):
        T = np.exp(aD * S)
        su, sv = np.exp(u - S), np.exp(v - S)
    return math.exp(e) if e < 700 else math.inf, T, S, su, sv, xN


def _kaplan_jacobian(theta, logN, logD):
    """Predicted loss and d(log L_hat)/d(theta) at every point, shape (n,) and (n, 5)."""
    E, T, S, su, sv, xN = _kaplan_terms(theta, logN, logD)
    aN, aD = theta[3], theta[4]
    with np.errstate(over="ignore", invalid="ignore", under="ignore"):
        pred = E + T
        dpred = np.stack([np.full_like(T, E), T * su * aN, T * aD * sv, T * su * xN,
                          T * (S - su * aN * xN / aD)], axis=1)
        return pred, dpred / pred[:, None]


def _kaplan_objective(theta, logN, logD, logL, delta):
    """Summed Huber loss of the log residuals and its gradient (inf where undefined)."""
    if not (np.isfinite(theta).all() and theta[3] > 0 and theta[4] > 0):
        return math.inf, np.zeros(5)
    pred, J = _kaplan_jacobian(theta, logN, logD)
    with np.errstate(divide="ignore", invalid="ignore"):
        r = np.log(pred) - logL
    if not (np.isfinite(r).all() and np.isfinite(J).all()):
        return math.inf, np.zeros(5)
    psi = np.clip(r, -delta, delta)  # Huber derivative
    f = float(np.sum(psi * (r - 0.5 * psi)))  # = Huber(r), as in fit.py; no overflow for a huge delta
    # A plain sum rather than a matrix product: BLAS adds in a CPU-dependent order.
    return f, (psi[:, None] * J).sum(axis=0)


@dataclass(frozen=True)
class KaplanFloorFit:
    r"""Result of :func:`fit_kaplan_floor`: ``L = E + [(N_c/N)^(alpha_N/alpha_D) + D_c/D]^alpha_D``.

    Attributes
    ----------
    E, N_c, D_c, alpha_N, alpha_D : float
        Fitted parameters (``E`` in the units of the loss).
    objective : float
        Summed Huber loss of the log residuals at the optimum.
    success : bool
        Whether the numbers can be used: converged (every gradient component at most
        1e-6), finite, both exponents positive, ``E`` below the lowest observed loss, and
        every parameter identified (variance inflation at most 1e6).
    message : str
        How the fit ended; starts with ``"failed:"`` and names every reason when
        ``success`` is False.
    n_points, n_starts : int
    huber_delta : float
    """

    E: float
    N_c: float
    D_c: float
    alpha_N: float
    alpha_D: float
    objective: float
    success: bool
    message: str
    n_points: int
    n_starts: int
    huber_delta: float

    @property
    def params(self):
        """The five parameters as a dict."""
        return {k: getattr(self, k) for k in KAPLAN_FLOOR_PARAMS}

    def predict(self, N, D):
        """Predicted loss for model sizes ``N`` and data sizes ``D`` (whatever ``success``)."""
        if not all(np.isfinite(v) for v in self.params.values()):
            raise ValueError(f"This fit has non-finite parameters ({self.message}); it cannot predict.")
        N = as_positive_array("N", N)
        D = as_positive_array("D", D)
        check_broadcastable(N=N, D=D)
        N, D = np.broadcast_arrays(N, D)
        theta = np.array([math.log(self.E), math.log(self.N_c), math.log(self.D_c),
                          self.alpha_N, self.alpha_D])
        E, T, *_ = _kaplan_terms(theta, np.log(N).ravel(), np.log(D).ravel())
        out = (E + T).reshape(N.shape)
        return float(out) if out.ndim == 0 else out

    def summary(self):
        """A short text summary (whatever the outcome of the fit)."""
        return "\n".join([
            f"Kaplan L(N, D) fit with a floor on {self.n_points} points from {self.n_starts} starts "
            f"(Huber delta = {self.huber_delta:g})",
            f"  E = {self.E:.4f}   N_c = {self.N_c:.3g}   D_c = {self.D_c:.3g}   "
            f"alpha_N = {self.alpha_N:.4f}   alpha_D = {self.alpha_D:.4f}",
            f"  objective = {self.objective:.6g}   success = {self.success} ({self.message})",
        ])

    def __str__(self):
        return self.summary()

    def _repr_html_(self):
        return "<pre>" + self.summary() + "</pre>"

    def plot(self, N, D, loss, *, ax=None):
        """Observed against predicted loss, with the diagonal (matplotlib imported lazily)."""
        import matplotlib.pyplot as plt

        loss = as_positive_array("loss", loss).ravel()
        pred = np.asarray(self.predict(N, D), dtype=float).ravel()
        if ax is None:
            _, ax = plt.subplots()
        label = "runs" if self.success else "runs (fit failed)"
        ax.scatter(pred, loss, s=12, alpha=0.7, label=label)
        lo, hi = min(pred.min(), loss.min()), max(pred.max(), loss.max())
        ax.plot([lo, hi], [lo, hi], color="black", lw=1, label="perfect fit")
        ax.set_xlabel("predicted loss")
        ax.set_ylabel("observed loss")
        ax.legend()
        return ax


def fit_kaplan_floor(N, D, loss, *, huber_delta=1e-3, init_grid=None):
    r"""Fit Kaplan et al.'s ``L(N, D)`` with an added floor:
    ``L = E + [(N_c/N)^(alpha_N/alpha_D) + D_c/D]^alpha_D``.

    Parameters
    ----------
    N, D, loss : array_like
        Model sizes, data sizes and losses (> 0), one per run; at least 6 runs.
    huber_delta : float, default 1e-3
        Huber threshold on log-loss residuals, as in :func:`scaling_utils.fit.fit_chinchilla`,
        so that the two forms are fitted by the same objective.
    init_grid : array_like of shape (k, 5), optional
        Starting points ``(E / lowest loss, log N_c, log D_c, alpha_N, alpha_D)``; default
        :func:`kaplan_floor_grid` (675 starts).

    Returns
    -------
    KaplanFloorFit
        ``success`` is False, with every reason in ``message``, when the optimum has a
        gradient component above 1e-6, is not finite, has an exponent that is not
        positive, puts ``E`` at or above the lowest observed loss, lets the scaling term
        vanish (below 1e-4 of the loss at every point), is fitted to flat losses, or leaves
        a parameter unidentified (variance inflation above 1e6).

    Notes
    -----
    Kaplan et al. (2020), arXiv:2001.08361, eq. (1.5) (their eq. 4.1 in Section 4), with no
    floor; the constant ``E`` is added here, as the Chinchilla law has one, so that the
    two forms can be compared on a source whose floor is known.  Each start is run to
    convergence by SciPy's L-BFGS-B with the analytic gradient; the best is polished from
    its own optimum.  Unlike the additive Chinchilla form, the data term's weight depends
    on ``N``.  Chapter: *Entropy floors*.
    """
    from scipy import optimize

    from . import _diagnose

    N = as_positive_array("N", N, ndim=1)
    D = as_positive_array("D", D, ndim=1)
    loss = as_positive_array("loss", loss, ndim=1)
    if not (N.size == D.size == loss.size):
        raise ValueError(f"`N`, `D` and `loss` must have the same length, got {N.size}, {D.size} "
                         f"and {loss.size}.")
    if N.size < 6:
        raise ValueError(f"The Kaplan form with a floor has 5 parameters; pass at least 6 runs, "
                         f"got {N.size}.")
    delta = check_positive_scalar("huber_delta", huber_delta)
    grid = kaplan_floor_grid() if init_grid is None else as_float_array("init_grid", init_grid, ndim=2)
    if grid.shape[1] != 5 or grid.shape[0] == 0:
        raise ValueError(f"`init_grid` must have shape (k, 5), got {grid.shape}.")
    if not ((grid[:, 0] > 0).all() and (grid[:, 3] > 0).all() and (grid[:, 4] > 0).all()):
        raise ValueError("`init_grid`: E / lowest loss and both exponents must be > 0.")
    logN, logD, logL = np.log(N), np.log(D), np.log(loss)

    def fg(t):
        return _kaplan_objective(t, logN, logD, logL, delta)

    bounds = [(None, None), (None, None), (None, None), (1e-6, None), (1e-6, None)]
    options = {"maxiter": 5000, "ftol": 1e-15, "gtol": 1e-12}
    best_x, best_f = None, math.inf
    for row in grid:
        t0 = np.array([math.log(row[0]) + logL.min(), row[1], row[2], row[3], row[4]])
        if not np.isfinite(fg(t0)[0]):
            continue
        res = optimize.minimize(fg, t0, jac=True, method="L-BFGS-B", bounds=bounds, options=options)
        if np.isfinite(res.fun) and res.fun < best_f:
            best_x, best_f = res.x, float(res.fun)
    reasons = []
    if best_x is None:
        theta = np.full(5, np.nan)
        reasons.append("no start gave a finite objective")
    else:
        theta = best_x
        for _ in range(3):  # polish: restart from the optimum until it stops moving
            res = optimize.minimize(fg, theta, jac=True, method="L-BFGS-B", bounds=bounds, options=options)
            if not (np.isfinite(res.fun) and res.fun <= best_f):
                break
            moved = float(np.max(np.abs(res.x - theta)))
            theta, best_f = res.x, float(res.fun)
            if moved < 1e-12:
                break
        grad = fg(theta)[1]
        grad_max = float(np.max(np.abs(grad)))
        if not grad_max <= _KAPLAN_GRADIENT_TOLERANCE:
            reasons.append(f"not converged: max |gradient| = {grad_max:.2g} > 1e-6")
        if not theta[3] > 1e-5:
            reasons.append(f"alpha_N = {theta[3]:.3g} is at its bound: the loss does not fall with N")
        if not theta[4] > 1e-5:
            reasons.append(f"alpha_D = {theta[4]:.3g} is at its bound: the loss does not fall with D")
        E = math.exp(theta[0])
        if not E < loss.min():
            reasons.append(f"E = {E:.4g} is not below the lowest observed loss {loss.min():.4g}: "
                           "a floor the data have gone through")
        flat = _diagnose.flat_values_message("loss", loss)
        if flat:
            reasons.append(flat)
        pred, J = _kaplan_jacobian(theta, logN, logD)
        share = float(np.max((pred - E) / pred)) if np.isfinite(pred).all() else math.nan
        if not share >= 1e-4:
            reasons.append("the term [(N_c/N)^(alpha_N/alpha_D) + D_c/D]^alpha_D is below 1e-4 of the "
                           "loss at every point: it has vanished, so only E is identified")
        weak = _diagnose.poorly_identified(np.where(np.isfinite(J), J, 0.0), KAPLAN_FLOOR_PARAMS)
        if weak:
            reasons.append(f"the data do not identify {', '.join(weak)}: the objective is flat along "
                           f"a combination of them (variance inflation > {_diagnose.VIF_LIMIT:.0e})")
    message = ("converged; L-BFGS-B from every start, max |gradient| <= 1e-6" if not reasons
               else _diagnose.join_reasons(reasons))
    finite = np.isfinite(theta).all()
    return KaplanFloorFit(
        E=math.exp(theta[0]) if finite else math.nan,
        N_c=math.exp(theta[1]) if finite and theta[1] < 700 else math.nan,
        D_c=math.exp(theta[2]) if finite and theta[2] < 700 else math.nan,
        alpha_N=float(theta[3]), alpha_D=float(theta[4]),
        objective=best_f, success=not reasons, message=message,
        n_points=int(N.size), n_starts=int(grid.shape[0]), huber_delta=delta)
