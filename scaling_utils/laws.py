"""Functional forms of neural scaling laws and their algebra.

Every function here is a closed-form formula from a paper; the ``Notes`` of each
docstring names the paper, the equation and the chapter that derives it.
Symbols follow the book's notation (see the introduction):

======  ==========================================================
``N``   model parameters (Kaplan: non-embedding parameters)
``D``   training tokens
``C``   training compute in FLOP (``C ≈ 6 N D``) unless stated
``L``   loss: cross-entropy in nats per token
``E``   irreducible loss of the Chinchilla form
======  ==========================================================

The published constants are collected in module-level dictionaries
(:data:`KAPLAN_2020`, :data:`HOFFMANN_2022`, :data:`HOFFMANN_2022_UNROUNDED`,
:data:`BESIROGLU_2024`, :data:`MUENNIGHOFF_2023`, :data:`MUENNIGHOFF_2023_ROUNDED`) so
that a chapter writes
``chinchilla_loss(N, D, **HOFFMANN_2022)`` and the reader sees where the numbers
come from.

Array arguments broadcast (``chinchilla_loss(N[:, None], D[None, :])`` is a grid); arrays
that do not broadcast raise a ValueError naming them, and so does a result that overflows
the float range (``training_flops(1e308, 1e308)``) instead of returning inf.
"""
from __future__ import annotations

import math
from types import MappingProxyType

import numpy as np

from ._validate import (
    as_float_array,
    as_positive_array,
    check_broadcastable,
    check_finite_result,
    check_positive_scalar,
    check_scalar,
)

__all__ = [
    "KAPLAN_2020",
    "HOFFMANN_2022",
    "HOFFMANN_2022_UNROUNDED",
    "BESIROGLU_2024",
    "FLOP_PER_PF_DAY",
    "power_law",
    "kaplan_loss_n",
    "kaplan_loss_d",
    "kaplan_loss_c",
    "kaplan_loss_nd",
    "chinchilla_loss",
    "training_flops",
    "compute_optimal",
    "compute_optimal_exponents",
    "tokens_per_parameter",
    "nats_to_bits",
    "bits_to_nats",
    "flop_to_pf_days",
    "pf_days_to_flop",
    # Overfitting and repeated data (chapter *Overfitting*)
    "MUENNIGHOFF_2023",
    "MUENNIGHOFF_2023_ROUNDED",
    "kaplan_overfitting",
    "kaplan_data_needed",
    "effective_data",
    "effective_params",
    "effective_data_fraction",
    "epoch_value",
    "optimal_params_for_tokens",
    "data_constrained_loss",
]

#: One petaflop/s-day: 1e15 FLOP/s for 86,400 s (Kaplan et al. 2020, Sec. 1.3).
FLOP_PER_PF_DAY = 1e15 * 86_400.0

#: Kaplan et al. (2020), arXiv:2001.08361. Eqs. 1.1-1.3 and Table 2 (eq. 1.5).
#: Loss in nats/token on WebText2; N are non-embedding parameters; C_c in PF-days.
KAPLAN_2020 = MappingProxyType(
    {
        "alpha_N": 0.076,
        "N_c": 8.8e13,
        "alpha_D": 0.095,
        "D_c": 5.4e13,
        "alpha_C": 0.050,
        "C_c": 3.1e8,
        # eq. 1.5, Table 2: the joint L(N, D) fit has its own constants.
        "nd_alpha_N": 0.076,
        "nd_alpha_D": 0.103,
        "nd_N_c": 6.4e13,
        "nd_D_c": 1.8e13,
    }
)

#: Hoffmann et al. (2022), arXiv:2203.15556, Approach 3 fitted values as printed (Section 3.3 / Appendix D.2; equation number not verified).
HOFFMANN_2022 = MappingProxyType({"E": 1.69, "A": 406.4, "B": 410.7, "alpha": 0.34, "beta": 0.28})

#: The same fit to more digits, as used by the replication (Besiroglu et al. 2024).
HOFFMANN_2022_UNROUNDED = MappingProxyType(
    {"E": 1.69337, "A": 406.401, "B": 410.723, "alpha": 0.33917, "beta": 0.28491}
)

#: Besiroglu et al. (2024), arXiv:2404.10102, Table 1: bootstrap point estimates
#: of the Approach 3 refit on 240 points read off Hoffmann's Figure 4.
BESIROGLU_2024 = MappingProxyType(
    {"E": 1.817, "A": 482.01, "B": 2085.43, "alpha": 0.348, "beta": 0.366}
)


def power_law(x, *, coefficient, exponent, offset=0.0):
    r"""Evaluate a (shifted) power law ``offset + coefficient * x**(-exponent)``.

    Parameters
    ----------
    x : array_like
        Positive inputs (a size, a number of tokens, an amount of compute).
    coefficient : float
        Multiplier, must be > 0.
    exponent : float
        Decay exponent; a positive exponent means the value falls as ``x`` grows.
    offset : float, default 0
        Asymptote as ``x → ∞`` (the irreducible term).

    Returns
    -------
    numpy.ndarray or float

    Notes
    -----
    The building block of every law in the book (chapter *Power laws*): on
    log-log axes ``coefficient * x**(-exponent)`` is a straight line of slope
    ``-exponent``.
    """
    x = as_positive_array("x", x)
    coefficient = check_positive_scalar("coefficient", coefficient)
    exponent = check_scalar("exponent", exponent)
    offset = check_scalar("offset", offset)
    with _overflow_checked():
        out = offset + coefficient * x ** (-exponent)
    return _finite(out, "x", "coefficient", "exponent", "offset")


def kaplan_loss_n(N, *, N_c=KAPLAN_2020["N_c"], alpha_N=KAPLAN_2020["alpha_N"]):
    """Kaplan's loss as a function of model size, ``L(N) = (N_c / N)**alpha_N``.

    Parameters
    ----------
    N : array_like
        Non-embedding parameters, > 0.
    N_c, alpha_N : float
        Constants of Kaplan et al. (2020), eq. 1.1 (8.8e13 and 0.076).

    Returns
    -------
    numpy.ndarray or float
        Loss in nats/token, for models trained to convergence on enough data.

    Notes
    -----
    Kaplan et al. (2020), *Scaling Laws for Neural Language Models*, eq. 1.1.
    Chapter: *Power laws*.
    """
    N = as_positive_array("N", N)
    alpha_N = check_positive_scalar("alpha_N", alpha_N)
    N_c = check_positive_scalar("N_c", N_c)
    with _overflow_checked():
        out = (N_c / N) ** alpha_N
    return _finite(out, "N", "N_c", "alpha_N")


def kaplan_loss_d(D, *, D_c=KAPLAN_2020["D_c"], alpha_D=KAPLAN_2020["alpha_D"]):
    """Kaplan's loss as a function of data, ``L(D) = (D_c / D)**alpha_D``.

    Parameters
    ----------
    D : array_like
        Training tokens, > 0.
    D_c, alpha_D : float
        Constants of eq. 1.2 (5.4e13 tokens and 0.095).

    Returns
    -------
    numpy.ndarray or float
        Loss in nats/token for a large model trained with early stopping.

    Notes
    -----
    Kaplan et al. (2020), eq. 1.2. Chapter: *Power laws*.
    """
    D = as_positive_array("D", D)
    alpha_D = check_positive_scalar("alpha_D", alpha_D)
    D_c = check_positive_scalar("D_c", D_c)
    with _overflow_checked():
        out = (D_c / D) ** alpha_D
    return _finite(out, "D", "D_c", "alpha_D")


def kaplan_loss_c(C_min, *, C_c=KAPLAN_2020["C_c"], alpha_C=KAPLAN_2020["alpha_C"]):
    """Kaplan's loss as a function of compute, ``L(C_min) = (C_c / C_min)**alpha_C``.

    Parameters
    ----------
    C_min : array_like
        Compute in **PF-days** (not FLOP: convert with :func:`flop_to_pf_days`).
    C_c, alpha_C : float
        Constants of eq. 1.3 (3.1e8 PF-days and 0.050).

    Returns
    -------
    numpy.ndarray or float

    Notes
    -----
    Kaplan et al. (2020), eq. 1.3, for compute-efficient training.
    Chapter: *Power laws*.
    """
    C_min = as_positive_array("C_min", C_min)
    alpha_C = check_positive_scalar("alpha_C", alpha_C)
    C_c = check_positive_scalar("C_c", C_c)
    with _overflow_checked():
        out = (C_c / C_min) ** alpha_C
    return _finite(out, "C_min", "C_c", "alpha_C")


def kaplan_loss_nd(
    N,
    D,
    *,
    N_c=KAPLAN_2020["nd_N_c"],
    D_c=KAPLAN_2020["nd_D_c"],
    alpha_N=KAPLAN_2020["nd_alpha_N"],
    alpha_D=KAPLAN_2020["nd_alpha_D"],
):
    """Kaplan's joint law ``L(N, D) = [(N_c/N)**(alpha_N/alpha_D) + D_c/D]**alpha_D``.

    Parameters
    ----------
    N, D : array_like
        Non-embedding parameters and training tokens (broadcastable), > 0.
    N_c, D_c, alpha_N, alpha_D : float
        Table 2 constants of Kaplan et al. (2020): 6.4e13, 1.8e13, 0.076, 0.103.

    Returns
    -------
    numpy.ndarray or float

    Notes
    -----
    Kaplan et al. (2020), eq. 1.5 / eq. 4.1 with Table 2. Chapters: *Power laws*
    and *Overfitting*.
    """
    N, D, N_c, D_c, alpha_N, alpha_D = _check_kaplan_nd(N, D, N_c, D_c, alpha_N, alpha_D)
    with _overflow_checked():
        out = ((N_c / N) ** (alpha_N / alpha_D) + D_c / D) ** alpha_D
    return _finite(out, "N", "D", "N_c", "D_c", "alpha_N", "alpha_D")


def chinchilla_loss(N, D, *, E, A, B, alpha, beta):
    r"""The Chinchilla form ``L(N, D) = E + A / N**alpha + B / D**beta``.

    Parameters
    ----------
    N, D : array_like
        Parameters and training tokens (broadcastable), > 0.
    E, A, B, alpha, beta : float
        Irreducible loss, the two coefficients and the two exponents. Pass a
        published set with ``**HOFFMANN_2022`` or a fit's ``params``.

    Returns
    -------
    numpy.ndarray or float
        Loss in nats/token.

    Notes
    -----
    Hoffmann et al. (2022), eq. 2 (functional form); fitted values: Approach 3 fitted values as printed (Section 3.3 / Appendix D.2; equation number not verified).
    Chapter: *Power laws*.
    """
    N = as_positive_array("N", N)
    D = as_positive_array("D", D)
    check_broadcastable(N=N, D=D)
    E, A, B, alpha, beta = _check_chinchilla_params(E, A, B, alpha, beta)
    with _overflow_checked():
        out = E + A / N**alpha + B / D**beta
    return _finite(out, "N", "D", "E", "A", "B", "alpha", "beta")


def training_flops(N, D, *, flop_per_parameter_token=6.0):
    """Training compute ``C ≈ 6 N D`` in FLOP.

    Parameters
    ----------
    N, D : array_like
        Parameters and training tokens, > 0.
    flop_per_parameter_token : float, default 6
        2 FLOP per parameter per token for the forward pass, 4 for the backward.

    Returns
    -------
    numpy.ndarray or float

    Notes
    -----
    Kaplan et al. (2020), Sec. 2.1 (``C ≈ 6N`` FLOP per token). Chapters:
    *Power laws* and *Compute cost*.
    """
    N = as_positive_array("N", N)
    D = as_positive_array("D", D)
    check_broadcastable(N=N, D=D)
    k = check_positive_scalar("flop_per_parameter_token", flop_per_parameter_token)
    with _overflow_checked():
        out = k * N * D
    return _finite(out, "N", "D", "flop_per_parameter_token", what="The training compute")


def compute_optimal_exponents(*, alpha, beta):
    """Exponents ``(a, b)`` of ``N_opt ∝ C**a`` and ``D_opt ∝ C**b``.

    ``a = beta / (alpha + beta)`` and ``b = alpha / (alpha + beta)``.

    Notes
    -----
    Hoffmann et al. (2022), eq. 4 and Appendix D.2. Chapter: *Power laws*.
    """
    alpha = check_positive_scalar("alpha", alpha)
    beta = check_positive_scalar("beta", beta)
    return beta / (alpha + beta), alpha / (alpha + beta)


def compute_optimal(C, *, A, B, alpha, beta, E=None):
    r"""Compute-optimal model size and data for a FLOP budget, with ``C = 6 N D``.

    Minimising ``A/N**alpha + B/D**beta`` subject to ``6 N D = C`` gives

    ``N_opt = G (C/6)**a``, ``D_opt = G**-1 (C/6)**b``,
    ``G = (alpha A / (beta B))**(1/(alpha+beta))``, ``a = beta/(alpha+beta)``,
    ``b = alpha/(alpha+beta)``.

    Parameters
    ----------
    C : array_like
        Training compute in FLOP, > 0.
    A, B, alpha, beta : float
        Parameters of the Chinchilla form.
    E : float, optional
        Ignored: the irreducible loss does not move the optimum. Accepted (and checked to be
        a number if given) so that a published dict passes whole:
        ``compute_optimal(C, **HOFFMANN_2022)``.

    Returns
    -------
    (N_opt, D_opt) : tuple of numpy.ndarray or float
        Parameters and tokens; ``6 * N_opt * D_opt == C``.

    Notes
    -----
    Hoffmann et al. (2022), eq. 4 and Appendix D.2. Chapter: *Power laws*.
    """
    C = as_positive_array("C", C)
    A = check_positive_scalar("A", A)
    B = check_positive_scalar("B", B)
    alpha = check_positive_scalar("alpha", alpha)
    beta = check_positive_scalar("beta", beta)
    if E is not None:
        check_scalar("E", E)
    with _overflow_checked():
        N_opt, D_opt = _optimal_allocation(C, A, B, alpha, beta)
    names = ("C", "A", "B", "alpha", "beta")
    return (_finite(N_opt, *names, what="The compute-optimal N_opt"),
            _finite(D_opt, *names, what="The compute-optimal D_opt"))


def _optimal_allocation(C, A, B, alpha, beta):
    """Unchecked, broadcasting core of :func:`compute_optimal`.

    Also used on arrays of bootstrap parameters (``fit.ChinchillaBootstrap``);
    callers must have validated the inputs.
    """
    a = beta / (alpha + beta)
    # np.power, not **: on Python floats ** raises OverflowError instead of giving inf.
    G = np.power(alpha * A / (beta * B), 1.0 / (alpha + beta))
    return G * (C / 6.0) ** a, (C / 6.0) ** (1.0 - a) / G


def tokens_per_parameter(C, *, A, B, alpha, beta, E=None):
    """Compute-optimal tokens per parameter ``D_opt / N_opt`` at budget ``C`` (FLOP).

    ``E`` is ignored, as in :func:`compute_optimal`.

    Notes
    -----
    Follows from :func:`compute_optimal`; Hoffmann et al. (2022), Table 3
    implies about 20 tokens per parameter. Chapter: *Power laws*.
    """
    N_opt, D_opt = compute_optimal(C, A=A, B=B, alpha=alpha, beta=beta, E=E)
    with _overflow_checked():
        out = np.asarray(D_opt) / np.asarray(N_opt)
    return _finite(out, "C", "A", "B", "alpha", "beta", what="The tokens per parameter")


def nats_to_bits(x):
    """Convert a loss or entropy from nats to bits (divide by ln 2)."""
    x = as_float_array("x", x)
    with _overflow_checked():
        out = x / math.log(2.0)
    return _finite(out, "x")


def bits_to_nats(x):
    """Convert a loss or entropy from bits to nats (multiply by ln 2)."""
    x = as_float_array("x", x)
    with _overflow_checked():
        out = x * math.log(2.0)
    return _finite(out, "x")


def flop_to_pf_days(C):
    """Convert FLOP to petaflop/s-days (1 PF-day = 8.64e19 FLOP)."""
    C = as_positive_array("C", C)
    with _overflow_checked():
        out = C / FLOP_PER_PF_DAY
    return _finite(out, "C")


def pf_days_to_flop(pf_days):
    """Convert petaflop/s-days to FLOP (1 PF-day = 8.64e19 FLOP)."""
    with _overflow_checked():
        out = as_positive_array("pf_days", pf_days) * FLOP_PER_PF_DAY
    return _finite(out, "pf_days")


def _check_kaplan_nd(N, D, N_c, D_c, alpha_N, alpha_D):
    """Validate the arguments of :func:`kaplan_loss_nd` and :func:`kaplan_overfitting`."""
    N, D = as_positive_array("N", N), as_positive_array("D", D)
    check_broadcastable(N=N, D=D)
    return (
        N,
        D,
        check_positive_scalar("N_c", N_c),
        check_positive_scalar("D_c", D_c),
        check_positive_scalar("alpha_N", alpha_N),
        check_positive_scalar("alpha_D", alpha_D),
    )


def _check_chinchilla_params(E, A, B, alpha, beta):
    """Validate the five parameters of the Chinchilla form; return them as floats."""
    E = check_scalar("E", E)
    if E < 0:
        raise ValueError(f"`E` (irreducible loss) must be >= 0, got {E!r}.")
    return (
        E,
        check_positive_scalar("A", A),
        check_positive_scalar("B", B),
        check_positive_scalar("alpha", alpha),
        check_positive_scalar("beta", beta),
    )


def _scalar_or_array(x):
    """Return a Python float for 0-d results, the array otherwise."""
    x = np.asarray(x)
    return float(x) if x.ndim == 0 else x


def _overflow_checked():
    """Silence floating-point warnings in a formula whose result is then checked by
    :func:`_finite`: an overflow becomes a ValueError naming the arguments, not a warning
    followed by a silent inf."""
    return np.errstate(all="ignore")


def _finite(result, *names, what="The result"):
    """:func:`_scalar_or_array` of ``result`` after checking that it is finite."""
    return _scalar_or_array(check_finite_result(result, *names, what=what))


# =========================================================================== overfitting
# Added for the chapter *Overfitting* (chapters/overfitting.ipynb): Kaplan's overfitting
# measure and data rule, and Muennighoff et al.'s data-constrained law.

#: Muennighoff et al. (2023), arXiv:2305.16264, the data-constrained fit, as published
#: *in log form* in the authors' repository
#: ``huggingface/datablations`` (README, section "Parametric Fit", commit 0c76502):
#: ``a, b, e = log A, log B, log E``.  Keep these digits: they reproduce the README's
#: check values to the last printed digit.
_MUENNIGHOFF_2023_LOG = MappingProxyType(
    {
        "log_A": 6.255414,
        "log_B": 7.3049974,
        "log_E": 0.6254804,
        "alpha": 0.3526596,
        "beta": 0.3526596,
        "R_D_star": 15.387756,
        "R_N_star": 5.309743,
    }
)

#: Muennighoff et al. (2023), arXiv:2305.16264: the data-constrained scaling law fitted on
#: C4, unrounded (``A = exp(6.255414) = 520.82...``, ``B = 1487.71...``,
#: ``E = 1.86914...``), from the authors' README (kept in ``_MUENNIGHOFF_2023_LOG``).
#: Pass it as ``data_constrained_loss(N, D, U_D, **MUENNIGHOFF_2023)``.
MUENNIGHOFF_2023 = MappingProxyType(
    {
        "E": math.exp(_MUENNIGHOFF_2023_LOG["log_E"]),
        "A": math.exp(_MUENNIGHOFF_2023_LOG["log_A"]),
        "B": math.exp(_MUENNIGHOFF_2023_LOG["log_B"]),
        "alpha": _MUENNIGHOFF_2023_LOG["alpha"],
        "beta": _MUENNIGHOFF_2023_LOG["beta"],
        "R_D_star": _MUENNIGHOFF_2023_LOG["R_D_star"],
        "R_N_star": _MUENNIGHOFF_2023_LOG["R_N_star"],
    }
)

#: The same fit rounded as quoted from the paper (Muennighoff et al. 2023):
#: A = 520.8, B = 1487.7, E = 1.869, alpha = beta = 0.3527, R_D* = 15.39, R_N* = 5.31.
MUENNIGHOFF_2023_ROUNDED = MappingProxyType(
    {
        "E": 1.869,
        "A": 520.8,
        "B": 1487.7,
        "alpha": 0.3527,
        "beta": 0.3527,
        "R_D_star": 15.39,
        "R_N_star": 5.31,
    }
)



def kaplan_overfitting(
    N,
    D,
    *,
    N_c=KAPLAN_2020["nd_N_c"],
    D_c=KAPLAN_2020["nd_D_c"],
    alpha_N=KAPLAN_2020["nd_alpha_N"],
    alpha_D=KAPLAN_2020["nd_alpha_D"],
):
    r"""Kaplan's overfitting measure ``δL = L(N, D) / L(N, ∞) − 1``.

    With eq. 1.5, ``L(N, ∞) = (N_c/N)**alpha_N`` and

    ``δL = (1 + (N/N_c)**(alpha_N/alpha_D) * D_c/D)**alpha_D − 1``,

    which depends on ``N`` and ``D`` only through ``N**(alpha_N/alpha_D) / D``.

    Parameters
    ----------
    N, D : array_like
        Non-embedding parameters and training tokens (broadcastable), > 0.
    N_c, D_c, alpha_N, alpha_D : float
        Table 2 constants of Kaplan et al. (2020): 6.4e13, 1.8e13, 0.076, 0.103.

    Returns
    -------
    numpy.ndarray or float
        Fractional excess loss over the infinite-data loss of the same model (>= 0).

    Notes
    -----
    Kaplan et al. (2020), Section 4.2, the measure defined from eq. 4.1 (= eq. 1.5).
    Chapter: *Overfitting*.
    """
    N, D, N_c, D_c, alpha_N, alpha_D = _check_kaplan_nd(N, D, N_c, D_c, alpha_N, alpha_D)
    with _overflow_checked():
        x = (N / N_c) ** (alpha_N / alpha_D) * (D_c / D)
        # expm1/log1p keep precision when the excess is tiny (huge D).
        out = np.expm1(alpha_D * np.log1p(x))
    return _finite(out, "N", "D", "N_c", "D_c", "alpha_N", "alpha_D")


def kaplan_data_needed(
    N,
    *,
    threshold=0.02,
    N_c=KAPLAN_2020["nd_N_c"],
    D_c=KAPLAN_2020["nd_D_c"],
    alpha_N=KAPLAN_2020["nd_alpha_N"],
    alpha_D=KAPLAN_2020["nd_alpha_D"],
):
    r"""Tokens at which a model of size ``N`` overfits by exactly ``threshold``.

    Solving ``kaplan_overfitting(N, D) == threshold`` for ``D``:

    ``D = D_c / ((1 + threshold)**(1/alpha_D) − 1) * (N/N_c)**(alpha_N/alpha_D)``,

    a power law in ``N`` with exponent ``alpha_N/alpha_D = 0.738`` and, for
    ``threshold = 0.02``, coefficient ``5.52e3`` (Kaplan's eq. 4.4 quotes
    ``D ≳ 5e3 N**0.74``; a coefficient of exactly ``5e3`` corresponds to
    ``threshold ≈ 0.022``). More data than this keeps ``δL`` below the threshold.

    Parameters
    ----------
    N : array_like
        Non-embedding parameters, > 0.
    threshold : float, default 0.02
        Tolerated fractional excess loss ``δL``, > 0.
    N_c, D_c, alpha_N, alpha_D : float
        Table 2 constants of Kaplan et al. (2020).

    Returns
    -------
    numpy.ndarray or float
        Training tokens.

    Notes
    -----
    Kaplan et al. (2020), eq. 4.4, derived from eq. 4.1 and the overfitting
    measure of Section 4.2. Chapter: *Overfitting*.
    """
    N = as_positive_array("N", N)
    threshold = check_positive_scalar("threshold", threshold)
    N_c = check_positive_scalar("N_c", N_c)
    D_c = check_positive_scalar("D_c", D_c)
    alpha_N = check_positive_scalar("alpha_N", alpha_N)
    alpha_D = check_positive_scalar("alpha_D", alpha_D)
    with _overflow_checked():
        x = np.expm1(np.log1p(threshold) / alpha_D)
        out = D_c / x * (N / N_c) ** (alpha_N / alpha_D)
    return _finite(out, "N", "threshold", "N_c", "D_c", "alpha_N", "alpha_D")


def _as_nonnegative_array(name, values):
    arr = as_float_array(name, values)
    if (arr < 0).any():
        first = int(np.flatnonzero((arr < 0).ravel())[0])
        raise ValueError(
            f"`{name}` must be >= 0 (a number of repetitions: epochs − 1), but "
            f"{int((arr < 0).sum())} value(s) are negative (first: "
            f"{float(arr.ravel()[first])!r} at flat index {first}); a single pass over the "
            "data is 0 repetitions."
        )
    return arr


def _effective(U, R, R_star):
    """Unchecked core: ``U + U R* (1 − exp(−R/R*))``."""
    return U + U * R_star * (1.0 - np.exp(-R / R_star))


def effective_data(U_D, R_D, *, R_D_star=MUENNIGHOFF_2023["R_D_star"]):
    r"""Effective data ``D' = U_D + U_D R_D* (1 − exp(−R_D/R_D*))`` of repeated tokens.

    Parameters
    ----------
    U_D : array_like
        Unique tokens, > 0.
    R_D : array_like
        Repetitions, ``epochs − 1`` (>= 0); broadcastable with ``U_D``.
    R_D_star : float, default 15.387756
        The decay constant of repeated data: the value of a further repetition falls
        to ``1/e`` of a fresh epoch after ``R_D*`` repetitions (its half-life is
        ``R_D* ln 2 ≈ 10.7`` repetitions), and ``R_D*`` repetitions' worth of value are
        the most the data can ever give (``D' → U_D (1 + R_D*)``).

    Returns
    -------
    numpy.ndarray or float
        Effective tokens, between ``U_D`` and ``U_D (1 + R_D)``; the first few
        repetitions are worth almost as much as fresh data
        (``D' ≈ U_D (1 + R_D)`` for ``R_D << R_D*``).

    Notes
    -----
    Muennighoff et al. (2023), arXiv:2305.16264, the effective-data term of the
    data-constrained law (constants from the authors' README). Chapter: *Overfitting*.
    """
    U_D = as_positive_array("U_D", U_D)
    R_D = _as_nonnegative_array("R_D", R_D)
    check_broadcastable(U_D=U_D, R_D=R_D)
    R_D_star = check_positive_scalar("R_D_star", R_D_star)
    with _overflow_checked():
        out = _effective(U_D, R_D, R_D_star)
    return _finite(out, "U_D", "R_D", "R_D_star")


def effective_params(U_N, R_N, *, R_N_star=MUENNIGHOFF_2023["R_N_star"]):
    r"""Effective parameters ``N' = U_N + U_N R_N* (1 − exp(−R_N/R_N*))``.

    Parameters
    ----------
    U_N : array_like
        The compute-optimal parameters for the unique data, > 0.
    R_N : array_like
        Excess parameters in units of ``U_N``, ``N/U_N − 1`` (>= 0).
    R_N_star : float, default 5.309743
        The decay constant of excess parameters: their marginal value falls to ``1/e``
        after ``R_N*`` units of ``U_N`` (not a half-life, which is ``R_N* ln 2``).

    Returns
    -------
    numpy.ndarray or float

    Notes
    -----
    Muennighoff et al. (2023), arXiv:2305.16264, the effective-parameters term (the
    same functional form as :func:`effective_data`). Chapter: *Overfitting*.
    """
    U_N = as_positive_array("U_N", U_N)
    R_N = _as_nonnegative_array("R_N", R_N)
    check_broadcastable(U_N=U_N, R_N=R_N)
    R_N_star = check_positive_scalar("R_N_star", R_N_star)
    with _overflow_checked():
        out = _effective(U_N, R_N, R_N_star)
    return _finite(out, "U_N", "R_N", "R_N_star")


def effective_data_fraction(epochs, *, R_D_star=MUENNIGHOFF_2023["R_D_star"]):
    r"""Value of repeated tokens relative to fresh ones, ``D' / D`` at ``D = epochs · U_D``.

    ``(1 + R_D* (1 − exp(−(epochs − 1)/R_D*))) / epochs``; 1 for a single epoch,
    falling towards ``(1 + R_D*) / epochs``.

    Parameters
    ----------
    epochs : array_like
        Passes over the unique data, >= 1 (need not be an integer).
    R_D_star : float, default 15.387756

    Returns
    -------
    numpy.ndarray or float
        Fraction in ``(0, 1]``.

    Notes
    -----
    Follows from :func:`effective_data` (Muennighoff et al. 2023). Chapter:
    *Overfitting* ("4 epochs are almost as good as unique data").
    """
    epochs = as_positive_array("epochs", epochs)
    if (epochs < 1).any():
        raise ValueError(
            f"`epochs` must be >= 1 (one pass over the data is 1 epoch), got a minimum of "
            f"{float(epochs.min())!r}; pass the number of passes, not the repetitions."
        )
    R_D_star = check_positive_scalar("R_D_star", R_D_star)
    with _overflow_checked():
        out = _effective(1.0, epochs - 1.0, R_D_star) / epochs
    return _finite(out, "epochs", "R_D_star")


def epoch_value(epoch, *, R_D_star=MUENNIGHOFF_2023["R_D_star"]):
    r"""Value of the ``epoch``-th pass over the unique data, relative to a fresh pass.

    The increase of effective data over that pass, in units of ``U_D``:
    ``(D'(n) − D'(n − 1)) / U_D`` for ``n = epoch``, with ``D'(n)`` the effective data
    after ``n`` epochs (:func:`effective_data` with ``R_D = n − 1``). The first pass is
    fresh data (value 1); pass ``n >= 2`` is repetition ``n − 1``, which spans
    ``R_D`` from ``n − 2`` to ``n − 1``, so its value is the average of
    ``exp(−R_D/R_D*)`` over that interval,

    ``R_D* (exp(−(n − 2)/R_D*) − exp(−(n − 1)/R_D*))``,

    between ``exp(−(n − 1)/R_D*)`` (the value at the end of the pass) and
    ``exp(−(n − 2)/R_D*)`` (at its start).

    Parameters
    ----------
    epoch : array_like of int
        Which pass, 1 for the first (integers >= 1).
    R_D_star : float, default 15.387756
        Decay constant of :func:`effective_data`.

    Returns
    -------
    numpy.ndarray or float
        Value in ``(0, 1]``; summed over passes ``1..n`` it gives ``D'(n) / U_D``.

    Notes
    -----
    Follows from the effective-data term of Muennighoff et al. (2023),
    arXiv:2305.16264. Chapter: *Overfitting* (the value of the fourth epoch).
    """
    epoch = as_positive_array("epoch", epoch)
    if (epoch < 1).any() or (epoch != np.round(epoch)).any():
        bad = epoch[(epoch < 1) | (epoch != np.round(epoch))]
        raise ValueError(
            f"`epoch` must be a whole number >= 1 (1 is the first pass over the data), got "
            f"{float(bad.ravel()[0])!r}; for a fractional number of passes use "
            "effective_data or effective_data_fraction."
        )
    R_D_star = check_positive_scalar("R_D_star", R_D_star)
    # R* e^{-(n-2)/R*} (1 - e^{-1/R*}), with expm1 for precision; the first pass is worth 1.
    with _overflow_checked():
        later = -R_D_star * np.exp(-(epoch - 2.0) / R_D_star) * np.expm1(-1.0 / R_D_star)
        out = np.where(epoch == 1, 1.0, later)
    return _finite(out, "epoch", "R_D_star")


def optimal_params_for_tokens(D, *, A, B, alpha, beta, E=None):
    r"""Compute-optimal parameters for ``D`` training tokens on the Chinchilla frontier.

    Inverting :func:`compute_optimal`: with ``G = (alpha A/(beta B))**(1/(alpha+beta))``,
    ``N = G (G D)**(beta/alpha)``.

    Parameters
    ----------
    D : array_like
        Tokens, > 0.
    A, B, alpha, beta : float
        Parameters of the Chinchilla form.
    E : float, optional
        Ignored (does not move the frontier); accepted so a published dict passes whole.

    Returns
    -------
    numpy.ndarray or float

    Notes
    -----
    Used by Muennighoff et al. (2023) to define ``U_N``, the parameters worth
    training on ``U_D`` unique tokens (the ``D_to_N`` of their README).
    Chapter: *Overfitting*.
    """
    D = as_positive_array("D", D)
    A = check_positive_scalar("A", A)
    B = check_positive_scalar("B", B)
    alpha = check_positive_scalar("alpha", alpha)
    beta = check_positive_scalar("beta", beta)
    if E is not None:
        check_scalar("E", E)
    with _overflow_checked():
        out = _optimal_params_for_tokens(D, A, B, alpha, beta)
    return _finite(out, "D", "A", "B", "alpha", "beta")


def _optimal_params_for_tokens(D, A, B, alpha, beta):
    """Unchecked core of :func:`optimal_params_for_tokens` (inputs already validated)."""
    G = np.power(alpha * A / (beta * B), 1.0 / (alpha + beta))
    return (D * G) ** (beta / alpha) * G


def data_constrained_loss(
    N,
    D,
    U_D,
    *,
    E=MUENNIGHOFF_2023["E"],
    A=MUENNIGHOFF_2023["A"],
    B=MUENNIGHOFF_2023["B"],
    alpha=MUENNIGHOFF_2023["alpha"],
    beta=MUENNIGHOFF_2023["beta"],
    R_D_star=MUENNIGHOFF_2023["R_D_star"],
    R_N_star=MUENNIGHOFF_2023["R_N_star"],
):
    r"""Muennighoff et al.'s data-constrained law ``L(N, D, U_D)``.

    ``L = E + A / N'**alpha + B / D'**beta`` with effective data
    ``D' = U_D + U_D R_D* (1 − exp(−R_D/R_D*))``, ``R_D = max(D/U_D − 1, 0)``, and
    effective parameters ``N' = U_N + U_N R_N* (1 − exp(−R_N/R_N*))``, where
    ``U_N = min(N, N_opt(U_D))`` is the compute-optimal size for the unique tokens
    (:func:`optimal_params_for_tokens`) and ``R_N = max(N/U_N − 1, 0)``.
    With no repetition and ``N <= U_N`` it is the Chinchilla form.

    Parameters
    ----------
    N : array_like
        Parameters, > 0.
    D : array_like
        Total training tokens, > 0.
    U_D : array_like
        Unique training tokens, > 0 and ``<= D`` (broadcastable with ``N`` and ``D``).
    E, A, B, alpha, beta, R_D_star, R_N_star : float
        Defaults: the unrounded fit of :data:`MUENNIGHOFF_2023`.

    Returns
    -------
    numpy.ndarray or float
        Loss in nats/token (on C4 for the published constants).

    Raises
    ------
    ValueError
        Bad values, or ``U_D > D`` anywhere (you cannot train on more unique tokens
        than tokens).

    Notes
    -----
    Muennighoff et al. (2023), *Scaling Data-Constrained Language Models*,
    arXiv:2305.16264; ``U_N`` and ``R_N`` as in the authors' README
    (``huggingface/datablations``, "Parametric Fit"), whose check values
    ``L(6.34e9, 242e9, 25e9) = 2.2256440889984477`` and
    ``L(8.67e9, 178e9, 25e9) = 2.2269634075087867`` this reproduces.
    Chapter: *Overfitting*.
    """
    N = as_positive_array("N", N)
    D = as_positive_array("D", D)
    U_D = as_positive_array("U_D", U_D)
    E, A, B, alpha, beta = _check_chinchilla_params(E, A, B, alpha, beta)
    R_D_star = check_positive_scalar("R_D_star", R_D_star)
    R_N_star = check_positive_scalar("R_N_star", R_N_star)
    check_broadcastable(N=N, D=D, U_D=U_D)
    N, D, U_D = np.broadcast_arrays(N, D, U_D)
    if (U_D > D).any():
        first = int(np.flatnonzero((U_D > D).ravel())[0])
        raise ValueError(
            f"`U_D` (unique tokens) exceeds `D` (total tokens) at flat index {first} "
            f"({float(U_D.ravel()[first])!r} > {float(D.ravel()[first])!r}); pass "
            "U_D <= D (with D == U_D for a single epoch)."
        )
    with _overflow_checked():
        R_D = np.maximum(D / U_D - 1.0, 0.0)
        U_N = np.minimum(N, _optimal_params_for_tokens(U_D, A, B, alpha, beta))
        R_N = np.maximum(N / U_N - 1.0, 0.0)
        N_eff = _effective(U_N, R_N, R_N_star)
        D_eff = _effective(U_D, R_D, R_D_star)
        out = E + A / N_eff**alpha + B / D_eff**beta
    return _finite(out, "N", "D", "U_D", "E", "A", "B", "alpha", "beta", "R_D_star", "R_N_star")
