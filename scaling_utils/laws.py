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
:data:`BESIROGLU_2024`) so that a chapter writes
``chinchilla_loss(N, D, **HOFFMANN_2022)`` and the reader sees where the numbers
come from.
"""
from __future__ import annotations

import math
from types import MappingProxyType

import numpy as np

from ._validate import as_float_array, as_positive_array, check_positive_scalar, check_scalar

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

#: Hoffmann et al. (2022), arXiv:2203.15556, Approach 3, eq. 10 as printed.
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
    return _scalar_or_array(offset + coefficient * x ** (-exponent))


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
    return _scalar_or_array((check_positive_scalar("N_c", N_c) / N) ** alpha_N)


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
    return _scalar_or_array((check_positive_scalar("D_c", D_c) / D) ** alpha_D)


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
    return _scalar_or_array((check_positive_scalar("C_c", C_c) / C_min) ** alpha_C)


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
    N = as_positive_array("N", N)
    D = as_positive_array("D", D)
    N_c = check_positive_scalar("N_c", N_c)
    D_c = check_positive_scalar("D_c", D_c)
    alpha_N = check_positive_scalar("alpha_N", alpha_N)
    alpha_D = check_positive_scalar("alpha_D", alpha_D)
    return _scalar_or_array(((N_c / N) ** (alpha_N / alpha_D) + D_c / D) ** alpha_D)


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
    Hoffmann et al. (2022), eq. 2 (functional form) and eq. 10 (fitted values).
    Chapter: *Power laws*.
    """
    N = as_positive_array("N", N)
    D = as_positive_array("D", D)
    E, A, B, alpha, beta = _check_chinchilla_params(E, A, B, alpha, beta)
    return _scalar_or_array(E + A / N**alpha + B / D**beta)


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
    k = check_positive_scalar("flop_per_parameter_token", flop_per_parameter_token)
    return _scalar_or_array(k * N * D)


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


def compute_optimal(C, *, A, B, alpha, beta):
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
        Parameters of the Chinchilla form (``E`` does not enter).

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
    N_opt, D_opt = _optimal_allocation(C, A, B, alpha, beta)
    return _scalar_or_array(N_opt), _scalar_or_array(D_opt)


def _optimal_allocation(C, A, B, alpha, beta):
    """Unchecked, broadcasting core of :func:`compute_optimal`.

    Also used on arrays of bootstrap parameters (``fit.ChinchillaBootstrap``);
    callers must have validated the inputs.
    """
    a = beta / (alpha + beta)
    G = (alpha * A / (beta * B)) ** (1.0 / (alpha + beta))
    return G * (C / 6.0) ** a, (C / 6.0) ** (1.0 - a) / G


def tokens_per_parameter(C, *, A, B, alpha, beta):
    """Compute-optimal tokens per parameter ``D_opt / N_opt`` at budget ``C`` (FLOP).

    Notes
    -----
    Follows from :func:`compute_optimal`; Hoffmann et al. (2022), Table 3
    implies about 20 tokens per parameter. Chapter: *Power laws*.
    """
    N_opt, D_opt = compute_optimal(C, A=A, B=B, alpha=alpha, beta=beta)
    return _scalar_or_array(np.asarray(D_opt) / np.asarray(N_opt))


def nats_to_bits(x):
    """Convert a loss or entropy from nats to bits (divide by ln 2)."""
    return _scalar_or_array(as_float_array("x", x) / math.log(2.0))


def bits_to_nats(x):
    """Convert a loss or entropy from bits to nats (multiply by ln 2)."""
    return _scalar_or_array(as_float_array("x", x) * math.log(2.0))


def flop_to_pf_days(C):
    """Convert FLOP to petaflop/s-days (1 PF-day = 8.64e19 FLOP)."""
    return _scalar_or_array(as_positive_array("C", C) / FLOP_PER_PF_DAY)


def pf_days_to_flop(pf_days):
    """Convert petaflop/s-days to FLOP (1 PF-day = 8.64e19 FLOP)."""
    return _scalar_or_array(as_positive_array("pf_days", pf_days) * FLOP_PER_PF_DAY)


def _check_chinchilla_params(E, A, B, alpha, beta):
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
