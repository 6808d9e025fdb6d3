"""Checks that decide whether an estimator's numbers can be used.

Every estimator in :mod:`scaling_utils` returns a result with ``success`` and ``message``.
``success`` means more than "the optimiser stopped": the numbers are finite, the data
identify every parameter, the parameters the law needs positive are positive, and none sits
at a bound of its search box.  This module holds the checks those estimators share, so that
every estimator words its verdicts the same way.

Identification is judged from the curvature of the objective, through the Jacobian ``J`` of
the fitted values with respect to the parameters (the Gauss-Newton approximation
``J^T W J`` of the Hessian of a least-squares objective).  A parameter is *not identified*
when moving it can be undone by moving the others, that is, when its column of ``J`` is
(almost) a linear combination of the other columns.  The scale-free measure of this is the
variance inflation factor ``VIF_j = 1 / (1 - R_j^2)``, where ``R_j^2`` is the share of column
``j`` explained by the other columns: 1 for an orthogonal design, infinite for an exactly
collinear one.  Above :data:`VIF_LIMIT` the data cannot tell the parameter apart from the
others (its standard error is more than a thousand times what an orthogonal design of the
same size would give).
"""
from __future__ import annotations

import numpy as np

__all__ = [
    "VIF_LIMIT",
    "variance_inflation",
    "poorly_identified",
    "flat_values_message",
    "join_reasons",
]

#: Variance inflation above which a parameter counts as not identified by the data.
VIF_LIMIT = 1e6


def variance_inflation(J, weights=None):
    """Scale-free variance inflation factor of every column of a Jacobian.

    Parameters
    ----------
    J : numpy.ndarray, shape (n, p) or (K, n, p)
        Derivatives of the ``n`` fitted values with respect to ``p`` parameters, for one
        fit or for ``K`` fits at once (e.g. bootstrap resamples).
    weights : numpy.ndarray, shape (n,) or (K, n), optional
        Non-negative weight of each point (bootstrap counts); default 1.

    Returns
    -------
    numpy.ndarray, shape (p,) or (K, p)
        ``diag(C^{-1})`` of the equilibrated curvature matrix
        ``C_ij = M_ij / sqrt(M_ii M_jj)``, ``M = J^T W J``; ``inf`` for a column that is
        zero or exactly collinear with the others.

    Notes
    -----
    Computed from the eigen-decomposition of ``C`` (``C^{-1}_jj = sum_k V_jk^2 / lambda_k``),
    so a singular matrix gives ``inf`` rather than an error.  Belsley, Kuh & Welsch (1980),
    *Regression Diagnostics*, ch. 3.
    """
    J = np.asarray(J, dtype=float)
    single = J.ndim == 2
    if single:
        J = J[None]
    K, n, p = J.shape
    w = np.ones((K, n)) if weights is None else np.broadcast_to(np.asarray(weights, float), (K, n))
    with np.errstate(over="ignore", invalid="ignore", under="ignore"):
        M = np.einsum("kni,kn,knj->kij", J, w, J)
        diag = np.einsum("kii->ki", M)
        finite = np.isfinite(M).all(axis=(1, 2))
        M = np.where(finite[:, None, None], M, 0.0)
        diag = np.where(finite[:, None], diag, 0.0)
        scale = np.where(diag > 0, 1.0 / np.sqrt(np.where(diag > 0, diag, 1.0)), 0.0)
        C = M * scale[:, :, None] * scale[:, None, :]
        lam, V = np.linalg.eigh(C)
        # Eigenvalues at rounding level are null directions of the curvature.
        null = lam <= 1e-13 * np.maximum(lam[:, -1:], 1e-300)
        inv_lam = np.where(null, 0.0, 1.0 / np.where(null, 1.0, lam))
        load = V**2  # load[k, j, m]: share of parameter j in eigenvector m
        vif = np.einsum("kjm,km->kj", load, inv_lam)
        # A parameter that loads on a null direction (above rounding level) is not identified.
        touches_null = ((load > 1e-12) & null[:, None, :]).any(axis=2)
    vif = np.where((diag > 0) & finite[:, None] & ~touches_null, vif, np.inf)
    return vif[0] if single else vif


def poorly_identified(J, names, weights=None, *, limit=VIF_LIMIT):
    """Names of the parameters whose variance inflation exceeds ``limit``.

    Parameters
    ----------
    J : numpy.ndarray, shape (n, p)
        Jacobian of the fitted values at the optimum.
    names : sequence of str
        The ``p`` parameter names, in column order.
    weights : numpy.ndarray, shape (n,), optional
    limit : float, default :data:`VIF_LIMIT`

    Returns
    -------
    tuple of str
    """
    vif = variance_inflation(J, weights)
    return tuple(name for name, v in zip(names, vif) if not v <= limit)


def flat_values_message(name, values):
    """A failure reason if every value of ``values`` is the same, else ``None``."""
    values = np.asarray(values, dtype=float)
    if values.size and np.ptp(values) == 0:
        return f"every value of `{name}` is {values.flat[0]:.6g} (flat data): there is no trend to fit"
    return None


def join_reasons(reasons):
    """``"failed: r1; r2"`` for a list of failure reasons."""
    return "failed: " + "; ".join(reasons)
